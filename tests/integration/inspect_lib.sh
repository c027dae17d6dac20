# shellcheck shell=bash
# Shared by the `mmerge inspect` integration tests (sourced, not run; it has no cases).
# The binary comes from CMake: $MMERGE_BIN (tests/integration/CMakeLists.txt passes
# $<TARGET_FILE:mmerge>). Every run of mmerge gets a fresh, empty $HOME and $XDG_RUNTIME_DIR and
# none of the credential variables of the caller, so only what a case sets up is found.
# Secrets never reach argv or the test's output: passwords go through files and stdin, and what
# mmerge printed is shown with every known secret replaced by ***.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${MMERGE_BIN:-} && -x ${MMERGE_BIN:-} ]] ||
    fail "MMERGE_BIN=\"${MMERGE_BIN:-}\" is not an executable: run these tests through ctest \
(tests/integration/CMakeLists.txt sets it to the built mmerge)"

unset REGISTRY_AUTH_FILE DOCKER_CONFIG MMERGE_USERNAME MMERGE_PASSWORD
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# Strings that must never be shown (filled by load_rig_env's passwords and by the cases).
secrets=()

# Runs mmerge: `mm [VAR=value]... ARGS...`; leading VAR=value words (never secrets) go to its
# environment. Its stdout is in $tmp/out, stderr in $tmp/err, exit status in $status.
mm() {
    local assignments=()
    while (($#)) && [[ $1 =~ ^[A-Z_][A-Z0-9_]*= ]]; do
        assignments+=("$1")
        shift
    done
    status=0
    env "${assignments[@]}" "$MMERGE_BIN" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
}

# Contents of file $1 with every secret replaced by ***.
redacted() {
    local text s
    text=$(cat "$1")
    for s in "${secrets[@]}"; do
        [[ -n $s ]] && text=${text//"$s"/***}
    done
    printf '%s' "$text"
}

# What the last mmerge run printed (redacted), for failure messages.
shown() {
    printf '\n--- stdout:\n%s\n--- stderr:\n%s\n' "$(redacted "$tmp/out")" "$(redacted "$tmp/err")"
}

expect_status() { # what expected
    [[ $status == "$2" ]] || fail "$1: exit status $status, expected $2$(shown)"
}

# expect_out|expect_err WHAT REGEX: stdout/stderr of the last run matches the extended regex.
expect_out() {
    grep -qE -- "$2" "$tmp/out" || fail "$1: stdout does not match /$2/$(shown)"
}
expect_err() {
    grep -qE -- "$2" "$tmp/err" || fail "$1: stderr does not match /$2/$(shown)"
}
expect_err_empty() {
    [[ ! -s $tmp/err ]] || fail "$1: expected nothing on stderr$(shown)"
}
expect_out_empty() {
    [[ ! -s $tmp/out ]] || fail "$1: expected nothing on stdout$(shown)"
}

# Fails when the last run printed secret $2 (described as $1) on stdout or stderr, or anything
# that looks like a bearer token (a JWT). Never prints the secret.
refute_leak() {
    local f
    for f in "$tmp/out" "$tmp/err"; do
        if [[ -n $2 ]] && grep -qF -- "$2" "$f"; then
            fail "$1 appears in mmerge's ${f##*/} (run: $3)"
        fi
        if grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}' "$f"; then
            fail "a bearer token (JWT) appears in mmerge's ${f##*/} (run: $3)"
        fi
    done
}

# base64 of USER:PASSWORD, as docker's "auth" field holds it (printf is a builtin: no argv).
basic_auth() {
    printf '%s:%s' "$1" "$2" | base64 -w0
}

# write_auths FILE HOST USER PASSWORD [HOST USER PASSWORD]...: a docker config.json / containers
# auth.json with one "auths" entry per host.
write_auths() {
    local file=$1 sep="" body=""
    shift
    while (($# >= 3)); do
        body+=$(printf '%s"%s":{"auth":"%s"}' "$sep" "$1" "$(basic_auth "$2" "$3")")
        sep=,
        shift 3
    done
    mkdir -p "$(dirname "$file")"
    (
        umask 077
        printf '{"auths":{%s}}\n' "$body" >"$file"
    )
}

# A password the rig never handed out, distinctive enough to grep for.
wrong_password() {
    printf 'wrong-pw-%s-%s-itest' "$$" "$RANDOM"
}

# raw_manifest MODE REF: the manifest bytes as skopeo reads them, in $tmp/raw; prints
# "sha256:<hex> <size>" of those bytes.
raw_manifest() {
    local opts
    mapfile -t opts < <(skopeo_opts "$1" writer)
    skopeo inspect --raw "${opts[@]}" "docker://$2" >"$tmp/raw" 2>"$tmp/skopeo.log" ||
        fail "skopeo inspect --raw $2 failed: $(tail -n 3 "$tmp/skopeo.log")"
    printf 'sha256:%s %s\n' "$(sha256sum <"$tmp/raw" | cut -d' ' -f1)" "$(wc -c <"$tmp/raw")"
}

# The OCI platform object (compact, sorted keys) for catalog platform text $1
# (os/arch[/variant][:os.version]).
platform_json() {
    jq -cnS --arg p "$1" '
        ($p | split(":")) as $v | ($v[0] | split("/")) as $parts
        | {os: $parts[0], architecture: $parts[1]}
        + (if $parts[2] then {variant: $parts[2]} else {} end)
        + (if $v[1] then {"os.version": $v[1]} else {} end)'
}

# Prints the catalogued platform of fixture $1.
catalog_platform() {
    awk -F'\t' -v n="$1" '$1 == n { print $5; found = 1 } END { exit !found }' "$catalog" ||
        fail "fixture $1 is not in $catalog"
}

# copy_to MODE SRC_REPO:TAG DST_REPO:TAG: copies an image within the TLS registry of MODE (basic or
# token) as the writer, with skopeo, to make a repository no other test uses.
copy_to() {
    local host
    host=$(registry_of "$1")
    skopeo --insecure-policy copy --quiet --preserve-digests \
        --src-tls-verify=true --src-cert-dir "$MMERGE_RIG_CERT_DIR" --src-authfile "$MMERGE_RIG_AUTH_FILE" \
        --dest-tls-verify=true --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_AUTH_FILE" \
        "docker://$host/$2" "docker://$host/$3" >"$tmp/copy.log" 2>&1 ||
        fail "skopeo copy $2 -> $3 in $1 failed: $(tail -n 3 "$tmp/copy.log")"
}

load_inspect_env() {
    load_rig_env
    secrets=("$MMERGE_RIG_PASSWORD" "$MMERGE_RIG_READER_PASSWORD"
        "$(basic_auth "$MMERGE_RIG_USER" "$MMERGE_RIG_PASSWORD")"
        "$(basic_auth "$MMERGE_RIG_READER" "$MMERGE_RIG_READER_PASSWORD")")
    printf '%s\n' "$MMERGE_RIG_PASSWORD" >"$tmp/password"
    printf '%s\n' "$MMERGE_RIG_READER_PASSWORD" >"$tmp/reader-password"
}

# Runs case_$1 of the sourcing script (as lib.sh's run_case, with this file's setup).
run_inspect_case() {
    declare -F "case_${1:-}" >/dev/null || fail "unknown test case \"${1:-}\" in $0"
    load_inspect_env
    "case_$1"
}
