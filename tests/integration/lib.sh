# shellcheck shell=bash
# Shared by the integration smoke tests (sourced, not run). The tests start nothing: they use the
# rig that scripts/rig started, found through $MMERGE_RIG_ENV (the path `scripts/rig env` prints).
# Secrets stay out of argv and output: curl gets credentials through a config on stdin (-K -),
# skopeo through the rig's auth files.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
catalog=$repo_root/fixtures/images/catalog.tsv

# The Accept list every manifest GET sends (without it distribution downgrades or answers 404).
accept_manifests="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json"
accept_manifests+=",application/vnd.docker.distribution.manifest.v2+json"
accept_manifests+=",application/vnd.docker.distribution.manifest.list.v2+json"

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

pass() { printf 'ok: %s\n' "$*"; }

expect_eq() { # what actual expected
    [[ $2 == "$3" ]] || fail "$1: got \"$2\", expected \"$3\""
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load_rig_env() {
    [[ -n ${MMERGE_RIG_ENV:-} ]] || fail "MMERGE_RIG_ENV is not set. The integration tests need the \
rig: run scripts/test, or: scripts/rig start && scripts/rig load && export MMERGE_RIG_ENV=\$(scripts/rig env)"
    [[ -f $MMERGE_RIG_ENV ]] || fail "MMERGE_RIG_ENV=$MMERGE_RIG_ENV does not exist: the rig is \
not started (scripts/rig start; scripts/rig status)"
    local line
    while IFS= read -r line; do
        [[ $line =~ ^MMERGE_RIG_[A-Z_]+= ]] || continue
        declare -gx "${line%%=*}=${line#*=}"
    done <"$MMERGE_RIG_ENV"
    : "${MMERGE_RIG_CA:?rig.env lacks MMERGE_RIG_CA}"
}

# Address of mode $1 (plain|basic|token), failing clearly when that registry is not up.
registry_of() {
    local var=MMERGE_RIG_${1^^} url code
    [[ ,${MMERGE_RIG_MODES:-}, == *",$1,"* && -n ${!var:-} ]] ||
        fail "the rig does not run the $1 registry (MMERGE_RIG_MODES=${MMERGE_RIG_MODES:-}); start it with scripts/rig start"
    if [[ $1 == plain ]]; then url=http://${!var}/v2/; else url=https://${!var}/v2/; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$MMERGE_RIG_CA" "$url" || true)
    [[ $code != 000 ]] ||
        fail "the rig's $1 registry at ${!var} does not answer: is the rig down? (scripts/rig status)"
    echo "${!var}"
}

# curl config lines with the credentials of $1 (writer|reader|anonymous|wrong), for `curl -K -`.
creds_config() {
    case $1 in
    writer) printf 'user = "%s:%s"\n' "$MMERGE_RIG_USER" "$MMERGE_RIG_PASSWORD" ;;
    reader) printf 'user = "%s:%s"\n' "$MMERGE_RIG_READER" "$MMERGE_RIG_READER_PASSWORD" ;;
    wrong) printf 'user = "%s:%s"\n' "$MMERGE_RIG_USER" "not-the-password" ;;
    anonymous) ;;
    *) fail "creds_config: unknown user kind $1" ;;
    esac
}

# http WHO [curl args...] URL: prints the status; body in $tmp/body, headers in $tmp/headers.
http() {
    local who=$1
    shift
    : >"$tmp/body"
    creds_config "$who" | curl -sS -K - --cacert "$MMERGE_RIG_CA" --max-time 20 \
        -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" || true
}

# http_bearer TOKEN [curl args...] URL: as http, with a bearer token (through stdin as well).
http_bearer() {
    local token=$1
    shift
    : >"$tmp/body"
    printf 'header = "Authorization: Bearer %s"\n' "$token" |
        curl -sS -K - --cacert "$MMERGE_RIG_CA" --max-time 20 \
            -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" || true
}

# The value of response header $1 from $tmp/headers (last occurrence, CR stripped).
header() {
    grep -i "^$1:" "$tmp/headers" | tail -n 1 | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r'
}

# issuer_get WHO SCOPE...: GET the issuer's /token for the rig's service; prints the status.
issuer_get() {
    local who=$1 args=() s
    shift
    args=(--get --data-urlencode "service=$MMERGE_RIG_SERVICE")
    for s in "$@"; do args+=(--data-urlencode "scope=$s"); done
    http "$who" "${args[@]}" "$MMERGE_RIG_ISSUER"
}

# token WHO SCOPE...: a token from the issuer (fails the test on an error).
token() {
    local code
    code=$(issuer_get "$@")
    expect_eq "issuer GET status for $1" "$code" 200
    jq -er .token "$tmp/body" || fail "the issuer's answer has no token"
}

# Part $2 (0 header, 1 claims) of JWT $1, decoded.
jwt_part() {
    local part
    part=$(cut -d. -f$(($2 + 1)) <<<"$1" | tr '_-' '/+')
    while ((${#part} % 4)); do part+="="; done
    base64 -d <<<"$part"
}

# The first image of the catalog.
first_fixture() {
    [[ -f $catalog ]] || fail "no $catalog (scripts/make-fixtures writes it)"
    awk -F'\t' '!/^#/ && NF { print $1; exit }' "$catalog"
}

# Prints the catalogued "media_type digest" of fixture $1.
catalog_row() {
    [[ -f $catalog ]] || fail "no $catalog (scripts/make-fixtures writes it)"
    awk -F'\t' -v n="$1" '$1 == n { print $3, $4; found = 1 } END { exit !found }' "$catalog" ||
        fail "fixture $1 is not in $catalog"
}

# skopeo options to reach mode $1 as WHO $2 (writer|reader|anonymous).
# One argument per line: read them with mapfile.
skopeo_opts() {
    if [[ $1 == plain ]]; then
        printf '%s\n' --tls-verify=false
        return
    fi
    printf '%s\n' --tls-verify=true --cert-dir "$MMERGE_RIG_CERT_DIR"
    case $2 in
    writer) printf '%s\n' --authfile "$MMERGE_RIG_AUTH_FILE" ;;
    reader) printf '%s\n' --authfile "$MMERGE_RIG_READER_AUTH_FILE" ;;
    anonymous) printf '%s\n' --no-creds ;;
    esac
}

# Runs case_$1 of the sourcing script.
run_case() {
    declare -F "case_${1:-}" >/dev/null || fail "unknown test case \"${1:-}\" in $0"
    load_rig_env
    "case_$1"
}
