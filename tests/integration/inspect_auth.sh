#!/usr/bin/env bash
# `mmerge inspect` credentials against the rig's Basic and token registries: every source of
# DESIGN.md's order (first hit wins), credential helpers, wrong passwords (exit 4, never shown at
# any verbosity), the reader, and anonymous access.
# Usage: inspect_auth.sh CASE (every case_* below is a CTest test: integration/inspect_auth/CASE).
# shellcheck source=inspect_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/inspect_lib.sh"

image=oci-linux-arm64

# The catalogued digest of $image.
image_digest() {
    local digest
    read -r _ digest <<<"$(catalog_row "$image")"
    echo "$digest"
}

# expect_inspected WHAT: the last run inspected $image (exit 0, its digest on stdout, quiet stderr).
expect_inspected() {
    expect_status "$1" 0
    expect_out "$1: the digest" "^  digest      $(image_digest)\$"
    expect_err_empty "$1"
}

# ref_of MODE: the reference of $image in MODE.
ref_of() {
    echo "$(registry_of "$1")/fixtures/$image"
}

# A config file for mode $1 with the writer's right ($2 = right) or a wrong password.
config_for() { # mode right|wrong file
    local password=$MMERGE_RIG_PASSWORD
    [[ $2 == right ]] || password=$(wrong_password)
    write_auths "$3" "$(registry_of "$1")" "$MMERGE_RIG_USER" "$password"
}

case_docker_config_home() {
    local mode
    for mode in basic token; do
        rm -rf "$HOME/.docker"
        config_for "$mode" right "$HOME/.docker/config.json"
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA"
        expect_inspected "$mode: credentials from \$HOME/.docker/config.json"
    done
    pass "credentials from ~/.docker/config.json, Basic and token"
}

case_docker_config_env() {
    config_for token wrong "$HOME/.docker/config.json"
    config_for token right "$tmp/docker-config/config.json"
    mm DOCKER_CONFIG="$tmp/docker-config" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "credentials from \$DOCKER_CONFIG/config.json (a wrong ~/.docker beside it)"
    pass "\$DOCKER_CONFIG/config.json is used instead of ~/.docker/config.json"
}

case_auth_file_option() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" --auth-file "$MMERGE_RIG_AUTH_FILE"
        expect_inspected "$mode: --auth-file with the rig's containers auth.json"
    done
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" --auth-file "$tmp/no-such-auth.json"
    expect_status "--auth-file naming a missing file" 2
    pass "--auth-file (containers auth.json), Basic and token; a missing file is a usage error"
}

case_registry_auth_file_env() {
    mm REGISTRY_AUTH_FILE="$MMERGE_RIG_AUTH_FILE" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "credentials from \$REGISTRY_AUTH_FILE"
    pass "\$REGISTRY_AUTH_FILE"
}

case_xdg_runtime_auth_json() {
    config_for token right "$XDG_RUNTIME_DIR/containers/auth.json"
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "credentials from \$XDG_RUNTIME_DIR/containers/auth.json (podman login's)"
    pass "\$XDG_RUNTIME_DIR/containers/auth.json"
}

# make_helper NAME: bin/docker-credential-NAME answering `get` with the writer's credentials and
# logging "ARGS | SERVER" of each call to $tmp/helper-NAME.log.
make_helper() {
    mkdir -p "$tmp/bin"
    cat >"$tmp/bin/docker-credential-$1" <<EOF
#!/bin/sh
read -r server
printf '%s | %s\n' "\$*" "\$server" >>"$tmp/helper-$1.log"
[ "\$1" = get ] || exit 1
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$MMERGE_RIG_USER" "\$(cat "$tmp/password")"
EOF
    chmod 700 "$tmp/bin/docker-credential-$1"
}

case_credential_helper() {
    local host
    host=$(registry_of token)
    make_helper itest
    mkdir -p "$HOME/.docker"
    printf '{"credHelpers":{"%s":"itest"}}\n' "$host" >"$HOME/.docker/config.json"
    mm PATH="$tmp/bin:$PATH" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "credentials from credHelpers (docker-credential-itest)"
    [[ -f $tmp/helper-itest.log ]] || fail "docker-credential-itest was never called"
    expect_eq "the helper's calls (arguments | server on stdin)" "$(sort -u "$tmp/helper-itest.log")" \
        "get | $host"
    pass "credHelpers: docker-credential-itest get was called with $host and its login worked"
}

case_creds_store() {
    local host
    host=$(registry_of basic)
    make_helper store
    mkdir -p "$HOME/.docker"
    printf '{"credsStore":"store"}\n' >"$HOME/.docker/config.json"
    mm PATH="$tmp/bin:$PATH" inspect "$(ref_of basic)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "credentials from credsStore (docker-credential-store)"
    [[ -f $tmp/helper-store.log ]] || fail "docker-credential-store was never called"
    grep -qxF "get | $host" "$tmp/helper-store.log" ||
        fail "docker-credential-store was not asked for $host: $(cat "$tmp/helper-store.log")"
    pass "credsStore: docker-credential-store get was called and its login worked"
}

case_password_stdin() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" --username "$MMERGE_RIG_USER" \
            --password-stdin <"$tmp/password"
        expect_inspected "$mode: --username with --password-stdin"
    done
    pass "--username + --password-stdin, Basic and token"
}

case_env_username_password() {
    export MMERGE_USERNAME=$MMERGE_RIG_USER MMERGE_PASSWORD=$MMERGE_RIG_PASSWORD
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "MMERGE_USERNAME and MMERGE_PASSWORD"
    unset MMERGE_PASSWORD
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_status "MMERGE_USERNAME without MMERGE_PASSWORD" 2
    pass "MMERGE_USERNAME/MMERGE_PASSWORD; one without the other is a usage error"
}

# --- precedence: first hit wins, and a file without an entry for the registry is no hit --------

case_username_beats_wrong_auth_file() {
    config_for token wrong "$tmp/wrong.json"
    mm REGISTRY_AUTH_FILE="$tmp/wrong.json" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" \
        --auth-file "$tmp/wrong.json" --username "$MMERGE_RIG_USER" --password-stdin <"$tmp/password"
    expect_inspected "--username + --password-stdin over a wrong --auth-file and REGISTRY_AUTH_FILE"
    pass "--username/--password-stdin beat the auth files"
}

case_env_login_beats_auth_file() {
    config_for token wrong "$tmp/wrong.json"
    export MMERGE_USERNAME=$MMERGE_RIG_USER MMERGE_PASSWORD=$MMERGE_RIG_PASSWORD
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" --auth-file "$tmp/wrong.json"
    expect_inspected "MMERGE_USERNAME/MMERGE_PASSWORD over a wrong --auth-file"
    # And --username beats the environment.
    MMERGE_PASSWORD=$(wrong_password)
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" --username "$MMERGE_RIG_USER" \
        --password-stdin <"$tmp/password"
    expect_inspected "--username + --password-stdin over wrong MMERGE_* variables"
    unset MMERGE_USERNAME MMERGE_PASSWORD
    pass "MMERGE_USERNAME/PASSWORD beat --auth-file; --username beats them"
}

case_auth_file_order() {
    config_for token wrong "$tmp/wrong.json"
    config_for token right "$tmp/right.json"
    mm REGISTRY_AUTH_FILE="$tmp/wrong.json" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" \
        --auth-file "$tmp/right.json"
    expect_inspected "--auth-file over a wrong REGISTRY_AUTH_FILE"
    # First hit wins: a wrong entry is not skipped for a later right one.
    mm REGISTRY_AUTH_FILE="$tmp/right.json" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" \
        --auth-file "$tmp/wrong.json"
    expect_status "a wrong --auth-file, a right REGISTRY_AUTH_FILE" 4
    config_for token wrong "$HOME/.docker/config.json"
    config_for token wrong "$XDG_RUNTIME_DIR/containers/auth.json"
    mm REGISTRY_AUTH_FILE="$tmp/right.json" inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "REGISTRY_AUTH_FILE over a wrong XDG auth.json and ~/.docker/config.json"
    config_for token right "$XDG_RUNTIME_DIR/containers/auth.json"
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA"
    expect_inspected "XDG auth.json over a wrong ~/.docker/config.json"
    pass "--auth-file, REGISTRY_AUTH_FILE, XDG auth.json, ~/.docker in that order; first hit wins"
}

case_file_without_entry_falls_through() {
    write_auths "$tmp/other.json" "registry.example:5000" someone "not-a-secret"
    config_for token right "$HOME/.docker/config.json"
    mm inspect "$(ref_of token)" --ca-file "$MMERGE_RIG_CA" --auth-file "$tmp/other.json"
    expect_inspected "an --auth-file for another registry, then ~/.docker/config.json"
    pass "a credentials file with no entry for the registry is no hit: the next source is used"
}

case_reader_can_inspect() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" \
            --auth-file "$MMERGE_RIG_READER_AUTH_FILE"
        expect_inspected "$mode: the reader (pull only)"
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" --username "$MMERGE_RIG_READER" \
            --password-stdin <"$tmp/reader-password"
        expect_inspected "$mode: the reader with --password-stdin"
    done
    pass "the pull-only reader can inspect, Basic and token"
}

# --- wrong passwords: exit 4, and no password at any verbosity --------------------------------

# check_wrong_password MODE: at verbosity 0, 1 and 2, through --password-stdin and a config.json.
check_wrong_password() {
    local mode=$1 wrong verbosity encoded
    wrong=$(wrong_password)
    encoded=$(basic_auth "$MMERGE_RIG_USER" "$wrong")
    secrets+=("$wrong" "$encoded")
    printf '%s\n' "$wrong" >"$tmp/wrong-password"
    write_auths "$tmp/wrong.json" "$(registry_of "$mode")" "$MMERGE_RIG_USER" "$wrong"
    for verbosity in "" -v "-v -v"; do
        # shellcheck disable=SC2086 # $verbosity is zero, one or two words
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" $verbosity \
            --username "$MMERGE_RIG_USER" --password-stdin <"$tmp/wrong-password"
        expect_status "$mode ${verbosity:--v0}: a wrong password on stdin" 4
        expect_out_empty "$mode ${verbosity:--v0}: a wrong password"
        expect_err "$mode ${verbosity:--v0}: the message says the credentials were refused" \
            'refused the credentials'
        expect_err "$mode ${verbosity:--v0}: a hint to log in" '^hint: .*login'
        refute_leak "the wrong password" "$wrong" "$mode ${verbosity:--v0} --password-stdin"
        refute_leak "the wrong password, base64" "$encoded" "$mode ${verbosity:--v0} --password-stdin"
        refute_leak "the writer's real password" "$MMERGE_RIG_PASSWORD" "$mode ${verbosity:--v0}"

        # shellcheck disable=SC2086
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" $verbosity --auth-file "$tmp/wrong.json"
        expect_status "$mode ${verbosity:--v0}: a wrong password in an auth file" 4
        refute_leak "the wrong password" "$wrong" "$mode ${verbosity:--v0} --auth-file"
        refute_leak "the wrong password, base64" "$encoded" "$mode ${verbosity:--v0} --auth-file"
    done
}

case_wrong_password_basic() {
    check_wrong_password basic
    pass "basic: a wrong password is exit 4 and never printed, at -v0, -v and -v -v"
}

case_wrong_password_token() {
    check_wrong_password token
    pass "token: a wrong password is exit 4 and never printed, at -v0, -v and -v -v"
}

# Success at the highest verbosity shows the requests but no password, base64 login or token.
case_no_secret_in_verbose_success() {
    local mode encoded
    encoded=$(basic_auth "$MMERGE_RIG_USER" "$MMERGE_RIG_PASSWORD")
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" -v -v \
            --username "$MMERGE_RIG_USER" --password-stdin <"$tmp/password"
        expect_status "$mode -v -v with --password-stdin" 0
        expect_err "$mode -v -v shows requests" "GET https://$(registry_of "$mode")/v2/"
        refute_leak "the writer's password" "$MMERGE_RIG_PASSWORD" "$mode -v -v --password-stdin"
        refute_leak "the writer's base64 login" "$encoded" "$mode -v -v --password-stdin"

        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA" -v -v --json \
            --auth-file "$MMERGE_RIG_AUTH_FILE"
        expect_status "$mode -v -v with --auth-file" 0
        refute_leak "the writer's password" "$MMERGE_RIG_PASSWORD" "$mode -v -v --auth-file"
        refute_leak "the writer's base64 login" "$encoded" "$mode -v -v --auth-file"
        grep -qiE 'authorization:|basic [a-z0-9+/=]{8,}|bearer [a-z0-9._-]{8,}' "$tmp/err" &&
            fail "$mode -v -v prints an Authorization value"
    done
    pass "-v -v shows the requests and no password, login or token"
}

# --- anonymous ----------------------------------------------------------------------------------

case_anonymous_refused_outside_public() {
    local mode
    for mode in basic token; do
        mm inspect "$(ref_of "$mode")" --ca-file "$MMERGE_RIG_CA"
        expect_status "$mode: anonymous inspect of fixtures/$image" 4
        expect_out_empty "$mode: anonymous inspect"
        expect_err "$mode: the message names the registry" "$(registry_of "$mode")"
        expect_err "$mode: a hint to log in" '^hint: .*(login|--username)'
    done
    pass "anonymous access outside public/: exit 4 with a hint to log in"
}

# The token registry gives anonymous clients pull on public/: an anonymous token, no login.
case_anonymous_public() {
    local repo
    repo=public/itest-$$-$RANDOM
    copy_to token "fixtures/$image:latest" "$repo:v1"
    mm inspect "$(registry_of token)/$repo:v1" --ca-file "$MMERGE_RIG_CA" --json
    expect_status "anonymous inspect of $repo:v1" 0
    expect_eq "digest" "$(jq -r .digest "$tmp/out")" "$(image_digest)"
    pass "anonymous inspect of a public/ repository (anonymous token)"
}

run_inspect_case "$@"
