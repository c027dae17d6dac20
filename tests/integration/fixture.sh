#!/usr/bin/env bash
# A fixture image that `scripts/rig load` pushed is in the registry of a mode, unchanged:
# `skopeo inspect --raw` hashes to the digest of catalog.tsv, the manifest's mediaType and the
# registry's Content-Type are the catalogued media type, and an index's children are all there.
# Usage: fixture.sh MODE NAME (CTest test integration/fixtures/MODE/NAME).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:?usage: fixture.sh plain|basic|token NAME}
name=${2:?usage: fixture.sh plain|basic|token NAME}

# GET (or HEAD) the manifest $1 of the fixture's repository with the credentials of the mode.
get_manifest() {
    local ref=$1 method=${2:-GET} url
    url=$scheme://$host/v2/$repo/manifests/$ref
    local args=(-H "Accept: $accept_manifests")
    [[ $method == HEAD ]] && args+=(-I)
    case $mode in
    plain) http anonymous "${args[@]}" "$url" ;;
    basic) http writer "${args[@]}" "$url" ;;
    token) http_bearer "$bearer" "${args[@]}" "$url" ;;
    esac
}

check_fixture() {
    local row media digest opts raw_digest code
    row=$(catalog_row "$name")
    read -r media digest <<<"$row"
    host=$(registry_of "$mode")
    repo=fixtures/$name
    scheme=https
    [[ $mode == plain ]] && scheme=http

    mapfile -t opts < <(skopeo_opts "$mode" writer)
    skopeo inspect --raw "${opts[@]}" "docker://$host/$repo:latest" >"$tmp/raw" 2>"$tmp/inspect.log" ||
        fail "skopeo inspect --raw $host/$repo:latest failed (did scripts/rig load run?): $(tail -n 3 "$tmp/inspect.log")"
    raw_digest=sha256:$(sha256sum <"$tmp/raw" | cut -d' ' -f1)
    expect_eq "digest of skopeo inspect --raw $host/$repo:latest" "$raw_digest" "$digest"
    expect_eq "mediaType in the manifest" "$(jq -r '.mediaType // empty' "$tmp/raw")" "$media"

    if [[ $mode == token ]]; then bearer=$(token writer "repository:$repo:pull"); fi
    code=$(get_manifest latest)
    expect_eq "GET $repo/manifests/latest" "$code" 200
    expect_eq "Content-Type" "$(header Content-Type)" "$media"
    expect_eq "Docker-Content-Digest" "$(header Docker-Content-Digest)" "$digest"

    local child children=0
    for child in $(jq -r '.manifests[]?.digest' "$tmp/raw"); do
        code=$(get_manifest "$child" HEAD)
        expect_eq "HEAD child manifest $child of the index" "$code" 200
        children=$((children + 1))
    done
    local note=""
    ((children == 0)) || note=", its $children child manifests present"
    pass "$mode $host/$repo:latest is $digest ($media$note)"
}

load_rig_env
check_fixture
