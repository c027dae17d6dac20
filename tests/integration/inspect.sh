#!/usr/bin/env bash
# `mmerge inspect` against the rig's real registries: what it prints for images and indexes in the
# three modes (cross-checked with `skopeo inspect --raw` and catalog.tsv), usage and registry
# errors, the loopback plain-HTTP fallback, and one token request per run.
# Usage: inspect.sh CASE (every case_* below is a CTest test: integration/inspect/CASE).
# shellcheck source=inspect_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/inspect_lib.sh"

# Options giving the writer's access to mode $1, one per line (read them with mapfile).
access_opts() {
    case $1 in
    plain) ;;
    *) printf '%s\n' --ca-file "$MMERGE_RIG_CA" --auth-file "$MMERGE_RIG_AUTH_FILE" ;;
    esac
}

# jq filter $1 on the last stdout.
out_json() {
    jq -cS "$1" "$tmp/out" || fail "stdout is not JSON$(shown)"
}

# check_image MODE NAME: `inspect` and `inspect --json` of fixtures/NAME:latest in MODE agree with
# skopeo's raw manifest and with catalog.tsv (kind, media type, digest, size, platform, config).
check_image() {
    local mode=$1 name=$2 host ref media digest raw_digest raw_size platform layers opts
    host=$(registry_of "$mode")
    ref=$host/fixtures/$name:latest
    mapfile -t opts < <(access_opts "$mode")
    read -r media digest <<<"$(catalog_row "$name")"
    platform=$(catalog_platform "$name")
    read -r raw_digest raw_size <<<"$(raw_manifest "$mode" "$ref")"
    expect_eq "skopeo's digest of $ref (sha256 of the raw bytes)" "$raw_digest" "$digest"
    layers=$(jq '.layers | length' "$tmp/raw")
    jq -cS .config "$tmp/raw" >"$tmp/raw-config"

    mm inspect "$ref" "${opts[@]}"
    expect_status "inspect $ref" 0
    expect_err_empty "inspect $ref"
    printf '%s\n' "$ref" "  kind        image" "  media type  $media" "  digest      $digest" \
        "  size        $raw_size" "  platform    $platform" "  layers      $layers" >"$tmp/expected"
    diff -u "$tmp/expected" "$tmp/out" >"$tmp/diff" ||
        fail "text of inspect $ref differs from what skopeo and the catalog say: $(cat "$tmp/diff")"

    mm inspect "$ref" --json "${opts[@]}"
    expect_status "inspect --json $ref" 0
    expect_err_empty "inspect --json $ref"
    expect_eq "reference" "$(out_json .reference)" "\"$ref\""
    expect_eq "kind" "$(out_json .kind)" '"image"'
    expect_eq "mediaType" "$(out_json .mediaType)" "\"$media\""
    expect_eq "digest (skopeo inspect --raw | sha256sum)" "$(out_json .digest)" "\"$raw_digest\""
    expect_eq "size (bytes of the raw manifest)" "$(out_json .size)" "$raw_size"
    expect_eq "platform (from the config)" "$(out_json .platform)" "$(platform_json "$platform")"
    expect_eq "config descriptor" "$(out_json .config)" "$(cat "$tmp/raw-config")"
    expect_eq "layers" "$(out_json .layers)" "$layers"
}

# check_index MODE: inspect of fixtures/buildx-index (2 platforms + 2 buildx attestations).
check_index() {
    local mode=$1 host ref media digest raw_digest raw_size opts
    host=$(registry_of "$mode")
    ref=$host/fixtures/buildx-index:latest
    mapfile -t opts < <(access_opts "$mode")
    read -r media digest <<<"$(catalog_row buildx-index)"
    read -r raw_digest raw_size <<<"$(raw_manifest "$mode" "$ref")"
    expect_eq "skopeo's digest of $ref" "$raw_digest" "$digest"
    # What each entry must look like, from the raw index: buildx marks attestations with the
    # vnd.docker.reference.type annotation and names their subject in vnd.docker.reference.digest.
    jq -cS '[.manifests[] | (.annotations // {}) as $a
        | ($a["vnd.docker.reference.type"] == "attestation-manifest") as $att
        | {mediaType, digest, size, attestation: $att}
        + (if .platform then {platform} else {} end)
        + (if $att then {attests: $a["vnd.docker.reference.digest"]} else {} end)]' \
        "$tmp/raw" >"$tmp/raw-entries"

    mm inspect "$ref" --json "${opts[@]}"
    expect_status "inspect --json $ref" 0
    expect_err_empty "inspect --json $ref"
    expect_eq "kind" "$(out_json .kind)" '"index"'
    expect_eq "mediaType" "$(out_json .mediaType)" "\"$media\""
    expect_eq "digest (skopeo inspect --raw | sha256sum)" "$(out_json .digest)" "\"$raw_digest\""
    expect_eq "size" "$(out_json .size)" "$raw_size"
    expect_eq "attestation flags in order" "$(out_json '[.manifests[].attestation]')" \
        '[false,false,true,true]'
    expect_eq "platforms of the images" \
        "$(out_json '[.manifests[] | select(.attestation | not) | .platform.os + "/" + .platform.architecture]')" \
        '["linux/amd64","linux/arm64"]'
    expect_eq "each attestation names an image of the index" \
        "$(out_json '[.manifests as $m | $m[] | select(.attestation) | .attests as $s | any($m[]; .digest == $s and (.attestation | not))]')" \
        '[true,true]'
    expect_eq "entries (mediaType, digest, size, platform, attestation, attests)" \
        "$(out_json .manifests)" "$(cat "$tmp/raw-entries")"

    mm inspect "$ref" "${opts[@]}"
    expect_status "inspect $ref" 0
    expect_err_empty "inspect $ref"
    printf '%s\n' "$ref" "  kind        index (OCI)" "  media type  $media" "  digest      $digest" \
        "  size        $raw_size" "  manifests   4" >"$tmp/expected"
    head -n 6 "$tmp/out" | diff -u "$tmp/expected" - >"$tmp/diff" ||
        fail "text of inspect $ref: $(cat "$tmp/diff")"
    expect_eq "lines of text" "$(wc -l <"$tmp/out")" 10
    local i line label d size subject pattern
    for i in 0 1 2 3; do
        line=$(sed -n "$((7 + i))p" "$tmp/out")
        d=$(jq -r ".[$i].digest" "$tmp/raw-entries")
        size=$(jq -r ".[$i].size" "$tmp/raw-entries")
        subject=$(jq -r ".[$i].attests // empty" "$tmp/raw-entries")
        if [[ -n $subject ]]; then
            label=attestation
            pattern="^    attestation +$d  $size  for $subject\$"
        else
            label=$(jq -r ".[$i].platform | .os + \"/\" + .architecture" "$tmp/raw-entries")
            pattern="^    $label +$d  $size\$"
        fi
        [[ $line =~ $pattern ]] || fail "entry $i of the text should show $label, $d and $size: \"$line\""
    done
}

case_plain_image() {
    check_image plain oci-linux-arm-v7
    pass "plain: inspect and --json of an OCI arm/v7 image match skopeo and the catalog"
}

case_plain_index() {
    check_index plain
    pass "plain: inspect of buildx-index shows its 2 platforms and 2 attestations"
}

case_basic_image() {
    check_image basic oci-linux-arm64
    pass "basic (--ca-file, --auth-file): inspect and --json of an OCI image match skopeo"
}

case_basic_index() {
    check_index basic
    pass "basic (--ca-file, --auth-file): inspect of buildx-index"
}

case_token_image() {
    check_image token oci-linux-amd64
    pass "token (--ca-file, --auth-file): inspect and --json of an OCI image match skopeo"
}

case_token_index() {
    check_index token
    pass "token (--ca-file, --auth-file): inspect of buildx-index"
}

# A Docker schema 2 image is an image (not a list), with the Docker media type.
case_docker_form_image() {
    check_image token docker-linux-arm-v7
    expect_eq "kind of a Docker-form image" "$(out_json .kind)" '"image"'
    expect_eq "mediaType of a Docker-form image" "$(out_json .mediaType)" \
        '"application/vnd.docker.distribution.manifest.v2+json"'
    expect_eq "config mediaType of a Docker-form image" "$(out_json .config.mediaType)" \
        '"application/vnd.docker.container.image.v1+json"'
    pass "a Docker-form image: kind image, Docker media types"
}

# Windows images carry os.version, which tells Windows Server releases apart. check_image compares
# the whole text, whose platform line is windows/amd64:VERSION.
case_windows_os_version() {
    local name
    for name in oci-windows-amd64-10.0.17763.5329 docker-windows-amd64-10.0.20348.2227; do
        check_image basic "$name"
        expect_eq "os.version in --json" "$(out_json '.platform["os.version"]')" "\"${name##*-}\""
    done
    pass "Windows images show their os.version in text and --json"
}

case_by_digest() {
    local host digest ref
    host=$(registry_of token)
    read -r _ digest <<<"$(catalog_row docker-linux-s390x)"
    ref=$host/fixtures/docker-linux-s390x@$digest
    mm inspect "$ref" --json --ca-file "$MMERGE_RIG_CA" --auth-file "$MMERGE_RIG_AUTH_FILE"
    expect_status "inspect $ref" 0
    expect_eq "digest" "$(out_json .digest)" "\"$digest\""
    expect_eq "platform" "$(out_json .platform)" "$(platform_json linux/s390x)"
    pass "inspect by digest resolves the digest asked for"
}

case_missing_tag() {
    local mode host opts
    for mode in plain basic token; do
        host=$(registry_of "$mode")
        mapfile -t opts < <(access_opts "$mode")
        mm inspect "$host/fixtures/oci-linux-amd64:no-such-tag" "${opts[@]}"
        expect_status "$mode: inspect of a missing tag" 3
        expect_out_empty "$mode: inspect of a missing tag"
        expect_err "$mode: the registry's error code" MANIFEST_UNKNOWN
        expect_err "$mode: the reference in the message" "fixtures/oci-linux-amd64:no-such-tag"
    done
    pass "a missing tag: exit 3 with MANIFEST_UNKNOWN and the reference, in all three modes"
}

case_bad_reference() {
    local ref
    for ref in 'Fixtures/Upper' "$MMERGE_RIG_PLAIN/fixtures/x:bad tag" "$MMERGE_RIG_PLAIN/fixtures/x@sha256:abc" ''; do
        mm inspect "$ref"
        expect_status "inspect \"$ref\"" 2
        expect_out_empty "inspect \"$ref\""
        expect_err "inspect \"$ref\" says why" '^mmerge: .+'
    done
    mm inspect
    expect_status "inspect without a reference" 2
    mm inspect "$MMERGE_RIG_PLAIN/fixtures/a" "$MMERGE_RIG_PLAIN/fixtures/b"
    expect_status "inspect with two references" 2
    pass "bad references and a wrong number of them: exit 2 with a message, nothing on stdout"
}

case_unknown_option() {
    mm inspect "$MMERGE_RIG_PLAIN/fixtures/oci-linux-amd64" --no-such-option
    expect_status "an unknown option" 2
    expect_err "the message names the option" 'no-such-option'
    mm inspect "$MMERGE_RIG_PLAIN/fixtures/oci-linux-amd64" --target x
    expect_status "a merge option given to inspect" 2
    mm inspect "$MMERGE_RIG_PLAIN/fixtures/oci-linux-amd64" --timeout soon
    expect_status "--timeout with a non-number" 2
    pass "unknown and misplaced options: exit 2"
}

# A password is never taken from argv: --username alone is a usage error, not a prompt.
case_username_without_password_stdin() {
    mm inspect "$(registry_of basic)/fixtures/oci-linux-amd64" --ca-file "$MMERGE_RIG_CA" \
        --username "$MMERGE_RIG_USER" </dev/null
    expect_status "--username without --password-stdin" 2
    expect_err "the message says what is missing" 'password-stdin'
    expect_out_empty "--username without --password-stdin"
    mm inspect "$(registry_of basic)/fixtures/oci-linux-amd64" --ca-file "$MMERGE_RIG_CA" \
        --password-stdin <"$tmp/password"
    expect_status "--password-stdin without --username" 2
    pass "--username and --password-stdin only together: exit 2 otherwise"
}

# A loopback registry that does not speak TLS is reached over plain HTTP with no flag (as docker
# does); --plain-http asks for it directly.
case_plain_loopback_fallback() {
    local host digest
    host=$(registry_of plain)
    read -r _ digest <<<"$(catalog_row oci-linux-s390x)"
    mm inspect "$host/fixtures/oci-linux-s390x" --json
    expect_status "inspect of a plain-HTTP loopback registry without a flag" 0
    expect_eq "digest" "$(out_json .digest)" "\"$digest\""
    mm inspect "$host/fixtures/oci-linux-s390x" --json -v
    expect_status "inspect -v of a plain-HTTP loopback registry" 0
    expect_err "-v shows the request over http" "http://$host/v2/fixtures/oci-linux-s390x/manifests/latest"
    mm inspect "$host/fixtures/oci-linux-s390x" --json --plain-http
    expect_status "inspect --plain-http" 0
    expect_eq "digest with --plain-http" "$(out_json .digest)" "\"$digest\""
    pass "plain HTTP on loopback found automatically; --plain-http works too"
}

# An image inspect is a manifest GET and a config blob GET on one repository: one token.
case_token_reuse_one_token_request() {
    local host repo before lines
    host=$(registry_of token)
    repo=itest/reuse-$$-$RANDOM
    copy_to token fixtures/oci-linux-arm64:latest "$repo:v1"
    before=$(wc -l <"$MMERGE_RIG_ISSUER_LOG")
    mm inspect "$host/$repo:v1" -v --ca-file "$MMERGE_RIG_CA" --auth-file "$MMERGE_RIG_AUTH_FILE"
    expect_status "inspect $repo:v1" 0
    expect_err "-v shows the manifest GET" "GET https://$host/v2/$repo/manifests/v1"
    expect_err "-v shows the config blob GET" "GET https://$host/v2/$repo/blobs/sha256:[0-9a-f]{64}"
    expect_err "-v shows the token request" "GET $MMERGE_RIG_ISSUER\\?"
    lines=$(tail -n +"$((before + 1))" "$MMERGE_RIG_ISSUER_LOG" | grep -F "\"repository:$repo:" || true)
    expect_eq "token requests for $repo during the run" "$(grep -c . <<<"$lines")" 1
    expect_eq "that request's user, scopes and status" \
        "$(jq -c '[.user, .scopes, .status]' <<<"$lines")" \
        "[\"$MMERGE_RIG_USER\",[\"repository:$repo:pull\"],200]"
    refute_leak "the writer's password" "$MMERGE_RIG_PASSWORD" "inspect -v"
    pass "one token request (issuer log) for a manifest and a config blob in one run"
}

# No schema 1 case here: distribution 2.8 refuses schema 1 pushes ("manifest schema v1
# unsupported"), so the rig cannot hold one; the refusal is covered by the core manifest tests.

run_inspect_case "$@"
