#!/usr/bin/env bash
# skopeo (containers/image) pushes and pulls through the rig's bearer-token flow.
# Usage: skopeo.sh CASE (every case_* below is a CTest test: integration/skopeo/CASE).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

digest_of() { # mode who ref
    local opts
    mapfile -t opts < <(skopeo_opts "$1" "$2")
    skopeo inspect --raw "${opts[@]}" "docker://$3" >"$tmp/raw" 2>"$tmp/inspect.log" ||
        fail "skopeo inspect $3 as $2 failed: $(tail -n 3 "$tmp/inspect.log")"
    echo "sha256:$(sha256sum <"$tmp/raw" | cut -d' ' -f1)"
}

# Push a layout, copy it registry to registry (another repository: pull + push scopes), pull both.
case_token_push_pull() {
    local host name row media digest run
    host=$(registry_of token)
    name=$(first_fixture)
    row=$(catalog_row "$name")
    read -r media digest <<<"$row"
    run=$$-$RANDOM
    skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=true \
        --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_AUTH_FILE" \
        "oci:$repo_root/fixtures/images/$name" "docker://$host/smoke/push-$run:v1" \
        >"$tmp/push.log" 2>&1 || fail "skopeo push through token auth failed: $(tail -n 5 "$tmp/push.log")"
    skopeo --insecure-policy copy --quiet --preserve-digests \
        --src-tls-verify=true --src-cert-dir "$MMERGE_RIG_CERT_DIR" --src-authfile "$MMERGE_RIG_AUTH_FILE" \
        --dest-tls-verify=true --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_AUTH_FILE" \
        "docker://$host/smoke/push-$run:v1" "docker://$host/smoke/copy-$run:v1" \
        >"$tmp/copy.log" 2>&1 || fail "skopeo registry-to-registry copy failed: $(tail -n 5 "$tmp/copy.log")"
    local pulled
    pulled=$(digest_of token writer "$host/smoke/push-$run:v1")
    expect_eq "digest of smoke/push-$run:v1" "$pulled" "$digest"
    pulled=$(digest_of token reader "$host/smoke/copy-$run:v1")
    expect_eq "digest of smoke/copy-$run:v1 (pulled by the reader)" "$pulled" "$digest"
    pass "skopeo pushed, copied and pulled $name ($media) through bearer tokens"
}

case_anonymous_public_pull() {
    local host name row media digest repo
    host=$(registry_of token)
    name=$(first_fixture)
    row=$(catalog_row "$name")
    read -r media digest <<<"$row"
    repo=public/smoke-$$-$RANDOM
    skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=true \
        --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_AUTH_FILE" \
        "oci:$repo_root/fixtures/images/$name" "docker://$host/$repo:v1" \
        >"$tmp/push.log" 2>&1 || fail "skopeo push to $repo failed: $(tail -n 5 "$tmp/push.log")"
    local pulled
    pulled=$(digest_of token anonymous "$host/$repo:v1")
    expect_eq "anonymous pull of $repo:v1" "$pulled" "$digest"
    local opts
    mapfile -t opts < <(skopeo_opts token anonymous)
    if skopeo inspect --raw "${opts[@]}" "docker://$host/fixtures/$name:latest" >/dev/null 2>&1; then
        fail "an anonymous client pulled fixtures/$name, outside public/"
    fi
    pass "anonymous clients pull public/ repositories and nothing else"
}

run_case "$@"
