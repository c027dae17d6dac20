#!/usr/bin/env bash
# No password or token of the rig ever shows up in its logs, its output or its processes' argv.
# Usage: secrets.sh CASE (every case_* below is a CTest test: integration/secrets/CASE).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Fails when file $2 contains secret $3 (described as $1). Never prints the secret.
refute_contains() {
    if grep -qF -- "$3" "$2"; then
        fail "$1 appears in $2"
    fi
}

case_no_secrets_in_logs() {
    local host code wrong access refresh files=() f
    host=$(registry_of token)
    # Exercise every path that handles a secret, so the logs have had their chance to leak it.
    wrong=wrong-$$-$RANDOM-password
    printf 'user = "%s:%s"\n' "$MMERGE_RIG_USER" "$wrong" |
        curl -sS -K - --cacert "$MMERGE_RIG_CA" -o /dev/null --get \
            --data-urlencode "service=$MMERGE_RIG_SERVICE" "$MMERGE_RIG_ISSUER" || true
    code=$(printf 'data-urlencode = "password=%s"\n' "$MMERGE_RIG_PASSWORD" |
        curl -sS -K - --cacert "$MMERGE_RIG_CA" -o "$tmp/body" -w '%{http_code}' \
            --data-urlencode grant_type=password --data-urlencode "username=$MMERGE_RIG_USER" \
            --data-urlencode "service=$MMERGE_RIG_SERVICE" --data-urlencode client_id=mmerge-tests \
            --data-urlencode access_type=offline --data-urlencode "scope=registry:catalog:*" \
            "$MMERGE_RIG_ISSUER")
    expect_eq "POST grant_type=password" "$code" 200
    access=$(jq -r .access_token "$tmp/body")
    refresh=$(jq -r .refresh_token "$tmp/body")
    code=$(http_bearer "$access" "https://$host/v2/_catalog")
    expect_eq "catalog with the token" "$code" 200
    code=$(http reader "https://$(registry_of basic)/v2/")
    expect_eq "basic registry as the reader" "$code" 200

    # The rig's own output: what it printed so far is in rig.log; status and env print now.
    "$repo_root/scripts/rig" status >"$tmp/rig-output" 2>&1 || true
    "$repo_root/scripts/rig" env >>"$tmp/rig-output" 2>&1 || true
    files=("$tmp/rig-output")
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$MMERGE_RIG_DIR" -name '*.log' -print0)
    ((${#files[@]} >= 5)) || fail "expected the rig's logs in $MMERGE_RIG_DIR, found ${#files[@]} files"

    # The argv of the rig's processes, as `ps` shows them.
    for f in "$MMERGE_RIG_DIR"/*/pid; do
        tr '\0' ' ' <"/proc/$(cat "$f")/cmdline" >>"$tmp/argv" 2>/dev/null || true
    done
    files+=("$tmp/argv")

    for f in "${files[@]}"; do
        refute_contains "the writer's password" "$f" "$MMERGE_RIG_PASSWORD"
        refute_contains "the reader's password" "$f" "$MMERGE_RIG_READER_PASSWORD"
        refute_contains "a wrong password" "$f" "$wrong"
        refute_contains "an access token" "$f" "$access"
        refute_contains "a refresh token" "$f" "$refresh"
    done
    local mode_bits
    mode_bits=$(stat -c %a "$MMERGE_RIG_ENV")
    expect_eq "permissions of rig.env (it holds the passwords)" "$mode_bits" 600
    pass "no password or token in ${#files[@]} logs, outputs and argv of the rig"
}

run_case "$@"
