#!/usr/bin/env bash
# Each mode of the rig answers the API version check (GET /v2/) as distribution 2.8 does.
# Usage: registry.sh CASE (every case_* below is a CTest test: integration/registry/CASE).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_plain_v2() {
    local host code
    host=$(registry_of plain)
    code=$(http anonymous "http://$host/v2/")
    expect_eq "GET http://$host/v2/" "$code" 200
    expect_eq "Docker-Distribution-API-Version" "$(header Docker-Distribution-API-Version)" registry/2.0
    pass "plain registry answers 200 without credentials"
}

case_basic_v2() {
    local host code challenge
    host=$(registry_of basic)
    code=$(http anonymous "https://$host/v2/")
    expect_eq "GET /v2/ without credentials" "$code" 401
    challenge=$(header WWW-Authenticate)
    [[ $challenge =~ ^Basic\ realm=\"[^\"]+\" ]] ||
        fail "expected a Basic challenge with a realm, got \"$challenge\""
    code=$(http wrong "https://$host/v2/")
    expect_eq "GET /v2/ with a wrong password" "$code" 401
    code=$(http writer "https://$host/v2/")
    expect_eq "GET /v2/ as $MMERGE_RIG_USER" "$code" 200
    code=$(http reader "https://$host/v2/")
    expect_eq "GET /v2/ as $MMERGE_RIG_READER" "$code" 200
    pass "basic registry: 401 + Basic challenge, 200 with credentials"
}

# The client flow of the token spec: challenge -> realm and service from it -> token -> 200.
case_token_v2() {
    local host code challenge realm service tok
    host=$(registry_of token)
    code=$(http anonymous "https://$host/v2/")
    expect_eq "GET /v2/ without a token" "$code" 401
    challenge=$(header WWW-Authenticate)
    [[ $challenge == Bearer\ * ]] || fail "expected a Bearer challenge, got \"$challenge\""
    realm=$(sed -n 's/.*realm="\([^"]*\)".*/\1/p' <<<"$challenge")
    service=$(sed -n 's/.*service="\([^"]*\)".*/\1/p' <<<"$challenge")
    expect_eq "challenge realm" "$realm" "$MMERGE_RIG_ISSUER"
    expect_eq "challenge service" "$service" "$MMERGE_RIG_SERVICE"

    code=$(http writer --get --data-urlencode "service=$service" "$realm")
    expect_eq "token request to the realm" "$code" 200
    tok=$(jq -er .token "$tmp/body") || fail "the issuer's answer has no token"
    expect_eq "access_token equals token" "$(jq -r .access_token "$tmp/body")" "$tok"
    code=$(http_bearer "$tok" "https://$host/v2/")
    expect_eq "GET /v2/ with the bearer token" "$code" 200

    code=$(http_bearer "not.a.token" "https://$host/v2/")
    expect_eq "GET /v2/ with a forged token" "$code" 401
    pass "token registry: 401 + Bearer challenge naming $realm, 200 with the issuer's token"
}

# TLS: the server certificate is verified through the rig CA for both 127.0.0.1 and localhost
# (its SANs), and is not trusted without that CA.
case_tls_san() {
    local host port code mode
    for mode in basic token; do
        host=$(registry_of "$mode")
        port=${host##*:}
        for name in 127.0.0.1 localhost; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$MMERGE_RIG_CA" \
                "https://$name:$port/v2/" || true)
            expect_eq "$mode registry as https://$name:$port with the rig CA" "$code" 401
        done
        # The system trust store does not hold the rig's per-run CA: curl must refuse (60).
        code=0
        curl -s -o /dev/null --max-time 10 "https://$host/v2/" || code=$?
        expect_eq "curl exit status for $mode registry without the rig CA" "$code" 60
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$MMERGE_RIG_CA" \
        "$MMERGE_RIG_ISSUER?service=$MMERGE_RIG_SERVICE" || true)
    expect_eq "issuer over TLS with the rig CA" "$code" 200
    pass "registry and issuer certificates verify with the rig CA for 127.0.0.1 and localhost"
}

run_case "$@"
