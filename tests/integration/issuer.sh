#!/usr/bin/env bash
# The rig's token issuer (tests/rig/token_issuer.py) and the token registry that trusts it.
# Usage: issuer.sh CASE (every case_* below is a CTest test: integration/issuer/CASE).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Compact JSON of the `access` claim of token $1.
access_of() {
    jwt_part "$1" 1 | jq -c .access
}

case_wrong_password() {
    local code
    code=$(issuer_get wrong "repository:fixtures/x:pull")
    expect_eq "GET /token with a wrong password" "$code" 401
    expect_eq "error code" "$(jq -r '.errors[0].code' "$tmp/body")" UNAUTHORIZED
    jq -e 'has("token") or has("access_token") | not' "$tmp/body" >/dev/null ||
        fail "a refused GET still carried a token"
    [[ $(header WWW-Authenticate) == Basic* ]] || fail "a refused GET should challenge for Basic"

    code=$(printf 'user = "no-such-user:%s"\n' "$MMERGE_RIG_PASSWORD" | curl -sS -K - \
        --cacert "$MMERGE_RIG_CA" -o "$tmp/body" -w '%{http_code}' --get \
        --data-urlencode "service=$MMERGE_RIG_SERVICE" "$MMERGE_RIG_ISSUER")
    expect_eq "GET /token as an unknown user" "$code" 401

    code=$(printf 'data-urlencode = "password=not-the-password"\n' | curl -sS -K - \
        --cacert "$MMERGE_RIG_CA" -o "$tmp/body" -w '%{http_code}' \
        --data-urlencode grant_type=password --data-urlencode "username=$MMERGE_RIG_USER" \
        --data-urlencode "service=$MMERGE_RIG_SERVICE" --data-urlencode client_id=mmerge-tests \
        "$MMERGE_RIG_ISSUER")
    expect_eq "POST /token grant_type=password with a wrong password" "$code" 401
    expect_eq "OAuth2 error" "$(jq -r .error "$tmp/body")" invalid_grant
    jq -e 'has("access_token") | not' "$tmp/body" >/dev/null || fail "a refused POST carried a token"
    pass "the issuer refuses wrong credentials with 401 and a JSON error, on GET and POST"
}

case_reader_cannot_push() {
    local host name repo tok code
    host=$(registry_of token)
    name=$(first_fixture)
    repo=fixtures/$name
    tok=$(token reader "repository:$repo:pull,push")
    expect_eq "reader's granted access" "$(access_of "$tok")" \
        "[{\"type\":\"repository\",\"name\":\"$repo\",\"actions\":[\"pull\"]}]"
    code=$(http_bearer "$tok" -H "Accept: $accept_manifests" "https://$host/v2/$repo/manifests/latest")
    expect_eq "reader pulls $repo:latest" "$code" 200
    code=$(http_bearer "$tok" -X POST "https://$host/v2/$repo/blobs/uploads/")
    expect_eq "reader starts an upload to $repo" "$code" 401
    [[ $(header WWW-Authenticate) == *'error="insufficient_scope"'* ]] ||
        fail "the registry should answer insufficient_scope, got: $(header WWW-Authenticate)"

    if skopeo --insecure-policy copy --quiet --dest-tls-verify=true \
        --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_READER_AUTH_FILE" \
        "oci:$repo_root/fixtures/images/$name" "docker://$host/smoke/reader-push:v1" \
        >"$tmp/skopeo.log" 2>&1; then
        fail "skopeo pushed to smoke/reader-push as $MMERGE_RIG_READER"
    fi
    grep -qiE 'denied|unauthorized' "$tmp/skopeo.log" ||
        fail "skopeo failed for another reason than authorization: $(tail -n 3 "$tmp/skopeo.log")"

    tok=$(token writer "repository:$repo:pull,push")
    code=$(http_bearer "$tok" -X POST "https://$host/v2/$repo/blobs/uploads/")
    expect_eq "writer starts an upload to $repo" "$code" 202
    local location
    location=$(header Location)
    [[ $location == /* ]] && location=https://$host$location
    http_bearer "$tok" -X DELETE "$location" >/dev/null # cancel the upload
    pass "the reader pulls but cannot push (token narrowed to pull, registry says insufficient_scope)"
}

case_anonymous_public_only() {
    local tok code
    code=$(issuer_get anonymous "repository:public/smoke:pull,push" "repository:fixtures/x:pull" \
        "registry:catalog:*")
    expect_eq "anonymous GET /token (a partial grant is not an error)" "$code" 200
    tok=$(jq -r .token "$tmp/body")
    expect_eq "anonymous access" "$(access_of "$tok")" \
        '[{"type":"repository","name":"public/smoke","actions":["pull"]}]'
    expect_eq "anonymous sub" "$(jwt_part "$tok" 1 | jq -r .sub)" ""
    jq -e 'has("refresh_token") | not' "$tmp/body" >/dev/null ||
        fail "an anonymous client got a refresh token"
    pass "anonymous clients get pull on public/ only"
}

case_jwt_claims() {
    local tok header claims alg
    tok=$(token writer "repository:fixtures/a:pull" "repository:fixtures/a:push,bogus" \
        "repository:127.0.0.1:5000/x:pull" "registry:catalog:*" "repository:fixtures/b:delete")
    local expires_in issued_at
    expires_in=$(jq -r .expires_in "$tmp/body")
    issued_at=$(jq -r .issued_at "$tmp/body")
    [[ $issued_at =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
        fail "issued_at \"$issued_at\" is not RFC 3339 UTC"
    ((expires_in >= 60)) || fail "expires_in $expires_in is below the spec's minimum of 60"

    header=$(jwt_part "$tok" 0)
    claims=$(jwt_part "$tok" 1)
    expect_eq "typ" "$(jq -r .typ <<<"$header")" JWT
    alg=$(jq -r .alg <<<"$header")
    [[ $alg == ES256 || $alg == RS256 ]] || fail "alg $alg is neither ES256 nor RS256"
    if [[ $alg == ES256 ]]; then
        local sig_len
        sig_len=$(cut -d. -f3 <<<"$tok" | tr -d '\n' | wc -c)
        expect_eq "ES256 signature length (raw R||S, 64 bytes in base64url)" "$sig_len" 86
    fi
    # The x5c certificate must chain to the rig CA: that is how distribution trusts the token.
    jq -r '.x5c[0]' <<<"$header" | base64 -d | openssl x509 -inform der -out "$tmp/signer.pem"
    openssl verify -CAfile "$MMERGE_RIG_CA" "$tmp/signer.pem" >/dev/null ||
        fail "the x5c signing certificate does not verify against the rig CA"

    expect_eq "aud (a plain string equal to the service)" "$(jq -c .aud <<<"$claims")" \
        "\"$MMERGE_RIG_SERVICE\""
    expect_eq "sub" "$(jq -r .sub <<<"$claims")" "$MMERGE_RIG_USER"
    [[ -n $(jq -r '.iss // empty' <<<"$claims") ]] || fail "iss is empty"
    [[ -n $(jq -r '.jti // empty' <<<"$claims") ]] || fail "jti is empty"
    expect_eq "exp - iat" "$(jq '.exp - .iat' <<<"$claims")" "$expires_in"
    jq -e '.nbf <= .iat' <<<"$claims" >/dev/null || fail "nbf is after iat"
    expect_eq "access (merged per resource, host:port names kept, unknown actions dropped)" \
        "$(jq -c .access <<<"$claims")" \
        '[{"type":"repository","name":"fixtures/a","actions":["pull","push"]},{"type":"repository","name":"127.0.0.1:5000/x","actions":["pull"]},{"type":"registry","name":"catalog","actions":["*"]},{"type":"repository","name":"fixtures/b","actions":["delete"]}]'
    pass "the JWT has the claims distribution 2.8 checks, signed $alg with an x5c chain to the rig CA"
}

# POST form for the OAuth2 grant of $1 (password|refresh_token), secrets through curl's config.
oauth_post() {
    local grant=$1 secret_config=$2
    shift 2
    printf '%s\n' "$secret_config" | curl -sS -K - --cacert "$MMERGE_RIG_CA" --max-time 20 \
        -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' --data-urlencode "grant_type=$grant" \
        --data-urlencode "service=$MMERGE_RIG_SERVICE" "$@" "$MMERGE_RIG_ISSUER" || true
}

case_refresh_token() {
    local host repo code refresh access
    host=$(registry_of token)
    repo=fixtures/$(first_fixture)
    code=$(oauth_post password "data-urlencode = \"password=$MMERGE_RIG_PASSWORD\"" \
        --data-urlencode "username=$MMERGE_RIG_USER" --data-urlencode client_id=mmerge-tests \
        --data-urlencode access_type=offline --data-urlencode "scope=repository:$repo:pull")
    expect_eq "POST grant_type=password access_type=offline" "$code" 200
    refresh=$(jq -er .refresh_token "$tmp/body") || fail "no refresh_token with access_type=offline"
    jq -e .access_token "$tmp/body" >/dev/null || fail "no access_token in the OAuth2 answer"

    code=$(oauth_post refresh_token "data-urlencode = \"refresh_token=$refresh\"" \
        --data-urlencode client_id=mmerge-tests --data-urlencode "scope=repository:$repo:pull")
    expect_eq "POST grant_type=refresh_token" "$code" 200
    access=$(jq -er .access_token "$tmp/body") || fail "no access_token from the refresh grant"
    expect_eq "granted scope" "$(jq -r .scope "$tmp/body")" "repository:$repo:pull"
    code=$(http_bearer "$access" -H "Accept: $accept_manifests" "https://$host/v2/$repo/manifests/latest")
    expect_eq "pull with the refreshed token" "$code" 200

    code=$(oauth_post refresh_token 'data-urlencode = "refresh_token=not-a-refresh-token"' \
        --data-urlencode client_id=mmerge-tests)
    expect_eq "POST with an unknown refresh token" "$code" 401
    expect_eq "OAuth2 error" "$(jq -r .error "$tmp/body")" invalid_grant

    code=$(oauth_post password "data-urlencode = \"password=$MMERGE_RIG_PASSWORD\"" \
        --data-urlencode "username=$MMERGE_RIG_USER")
    expect_eq "POST without client_id" "$code" 400

    code=$(http writer --get --data-urlencode "service=$MMERGE_RIG_SERVICE" \
        --data-urlencode offline_token=true "$MMERGE_RIG_ISSUER")
    expect_eq "GET offline_token=true" "$code" 200
    jq -e .refresh_token "$tmp/body" >/dev/null || fail "no refresh_token with offline_token=true"
    code=$(http writer --get --data-urlencode "service=$MMERGE_RIG_SERVICE" "$MMERGE_RIG_ISSUER")
    jq -e 'has("refresh_token") | not' "$tmp/body" >/dev/null ||
        fail "a refresh_token came without offline_token=true"
    pass "OAuth2 password and refresh_token grants, refresh tokens only when offline"
}

# One JSON line per request, whatever its outcome, with user, scopes and status.
case_log_counts() {
    local marker lines code
    marker=smoke/log-$$-$RANDOM
    [[ -f $MMERGE_RIG_ISSUER_LOG ]] || fail "no issuer log at $MMERGE_RIG_ISSUER_LOG"
    code=$(issuer_get writer "repository:$marker:pull,push")
    expect_eq "writer GET" "$code" 200
    code=$(issuer_get anonymous "repository:$marker:pull")
    expect_eq "anonymous GET" "$code" 200
    code=$(oauth_post password "data-urlencode = \"password=$MMERGE_RIG_PASSWORD\"" \
        --data-urlencode "username=$MMERGE_RIG_USER" --data-urlencode client_id=mmerge-tests \
        --data-urlencode "scope=repository:$marker:pull")
    expect_eq "writer POST" "$code" 200
    code=$(issuer_get wrong "repository:$marker:pull")
    expect_eq "GET with a wrong password" "$code" 401

    lines=$(grep -F "\"repository:$marker:" "$MMERGE_RIG_ISSUER_LOG" || true)
    expect_eq "issuer log lines for $marker" "$(grep -c . <<<"$lines")" 4
    expect_eq "logged method user status" \
        "$(jq -r '[.method, .path, .user, (.status | tostring)] | join(" ")' <<<"$lines" | paste -sd'|')" \
        "GET /token $MMERGE_RIG_USER 200|GET /token anonymous 200|POST /token $MMERGE_RIG_USER 200|GET /token $MMERGE_RIG_USER 401"
    expect_eq "logged scopes of the first request" "$(head -n 1 <<<"$lines" | jq -c .scopes)" \
        "[\"repository:$marker:pull,push\"]"
    pass "the issuer log has one line per request (4 for 4), with method, user, scopes and status"
}

run_case "$@"
