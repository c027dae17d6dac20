#!/usr/bin/env bash
# `mmerge inspect` and TLS trust against the rig's HTTPS registries (their CA is the rig's own,
# unknown to the system store): the certificate error, --ca-file, --cert-dir, certs.d folders
# under $HOME, --insecure, and the issue's "done when": a docker config.json plus a certs.d folder
# is all a user needs for the token registry.
# Usage: inspect_tls.sh CASE (every case_* below is a CTest test: integration/inspect_tls/CASE).
# shellcheck source=inspect_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/inspect_lib.sh"

image=docker-linux-ppc64le

image_digest() {
    local digest
    read -r _ digest <<<"$(catalog_row "$image")"
    echo "$digest"
}

ref_of() {
    echo "$(registry_of "$1")/fixtures/$image"
}

expect_inspected() {
    expect_status "$1" 0
    expect_out "$1: the digest" "^  digest      $(image_digest)\$"
}

# certs_d DIR: a certs.d folder $HOME/.config/containers/certs.d/DIR holding the rig's CA.
certs_d() {
    mkdir -p "$HOME/.config/containers/certs.d/$1"
    cp "$MMERGE_RIG_CA" "$HOME/.config/containers/certs.d/$1/ca.crt"
}

case_unknown_ca() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --auth-file "$MMERGE_RIG_AUTH_FILE"
        expect_status "$mode: a registry whose CA is not trusted" 3
        expect_out_empty "$mode: untrusted CA"
        expect_err "$mode: the certificate problem by name" 'certificate verify failed'
        expect_err "$mode: the registry in the message" "$(registry_of "$mode")"
        expect_err "$mode: a hint naming the fixes" '^hint: .*--ca-file'
    done
    pass "an unknown CA: exit 3, \"certificate verify failed\" and a hint, Basic and token"
}

case_ca_file() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --auth-file "$MMERGE_RIG_AUTH_FILE" --ca-file "$MMERGE_RIG_CA"
        expect_inspected "$mode: --ca-file"
        expect_err_empty "$mode: --ca-file"
    done
    mm inspect "$(ref_of basic)" --ca-file "$tmp/no-such-ca.crt"
    expect_status "--ca-file naming a missing file" 2
    pass "--ca-file trusts the registry (and the token realm); a missing file is a usage error"
}

case_cert_dir() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --auth-file "$MMERGE_RIG_AUTH_FILE" \
            --cert-dir "$MMERGE_RIG_CERT_DIR"
        expect_inspected "$mode: --cert-dir"
        expect_err_empty "$mode: --cert-dir"
    done
    pass "--cert-dir (certs.d-style folder) trusts the registry and the token realm"
}

# podman's per-user certs.d: $HOME/.config/containers/certs.d/HOST/ applies to every port of HOST,
# so one folder covers the token registry and its issuer.
case_certs_d_host() {
    certs_d 127.0.0.1
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --auth-file "$MMERGE_RIG_AUTH_FILE"
        expect_inspected "$mode: ~/.config/containers/certs.d/127.0.0.1/ca.crt"
        expect_err_empty "$mode: certs.d"
    done
    pass "\$HOME/.config/containers/certs.d/127.0.0.1/ca.crt, Basic and token"
}

case_certs_d_host_port() {
    local host
    host=$(registry_of basic)
    certs_d "$host"
    mm inspect "$(ref_of basic)" --auth-file "$MMERGE_RIG_AUTH_FILE"
    expect_inspected "\$HOME/.config/containers/certs.d/$host/ca.crt"
    # The folder of another port does not apply.
    rm -rf "$HOME/.config/containers/certs.d"
    certs_d "127.0.0.1:1"
    mm inspect "$(ref_of basic)" --auth-file "$MMERGE_RIG_AUTH_FILE"
    expect_status "a certs.d folder for another port" 3
    expect_err "another port's folder" 'certificate verify failed'
    pass "certs.d/HOST:PORT applies to that port only"
}

case_insecure() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --auth-file "$MMERGE_RIG_AUTH_FILE" --insecure
        expect_inspected "$mode: --insecure"
        expect_err "$mode: --insecure warns on stderr" 'warning: .*--insecure'
    done
    pass "--insecure reaches the registry and the realm without verification, with a warning"
}

# The issue's "done when": only what docker and podman users have — a docker config.json from
# `docker login` and the CA in a certs.d folder — and inspect works against the token registry.
case_done_when_docker_config_and_certs_d() {
    local host
    host=$(registry_of token)
    write_auths "$HOME/.docker/config.json" "$host" "$MMERGE_RIG_USER" "$MMERGE_RIG_PASSWORD"
    certs_d 127.0.0.1
    mm inspect "$host/fixtures/buildx-index"
    expect_status "inspect with ~/.docker/config.json and certs.d only" 0
    expect_err_empty "inspect with ~/.docker/config.json and certs.d only"
    expect_out "the kind" '^  kind        index \(OCI\)$'
    expect_out "the digest" "^  digest      $(catalog_row buildx-index | cut -d' ' -f2)\$"
    mm inspect "$(ref_of token)" --json
    expect_status "inspect --json of an image" 0
    expect_eq "digest" "$(jq -r .digest "$tmp/out")" "$(image_digest)"
    expect_eq "platform" "$(jq -c .platform "$tmp/out")" '{"architecture":"ppc64le","os":"linux"}'
    pass "token registry with only ~/.docker/config.json and certs.d/127.0.0.1/ca.crt"
}

run_inspect_case "$@"
