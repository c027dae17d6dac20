#!/usr/bin/env bash
# `mmerge audit` against the rig's token registry (seeded with audit_seed.sh's token plan): the
# main user may list the catalog; the reader may not (exit 4, a message naming registry:catalog),
# but can audit repositories it names.
# Usage: audit_token.sh CASE (every case_* below is a CTest test: integration/audit_token/CASE).
# shellcheck source=audit_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/audit_lib.sh"

case_writer_lists_catalog() {
    local host opts
    host=$(registry_of token)
    mapfile -t opts < <(access_opts token writer)
    mm audit "$host" --include 'audit/*' --require "$require" --json "${opts[@]}"
    expect_status "audit of the token registry as $MMERGE_RIG_USER (gaps)" 1
    audit_plan token | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "audit $host --include audit/* as the main user" "$tmp/expected.jsonl"
    refute_leak "the main user's password" "$MMERGE_RIG_PASSWORD" "audit (token, main user)"

    mm audit "$host" --include 'audit/*' --require "$require" "${opts[@]}"
    expect_status "audit of the token registry as $MMERGE_RIG_USER, table" 1
    audit_plan token | expected_json "$host" 0 | expected_table >"$tmp/expected.txt"
    diff -u "$tmp/expected.txt" <(sorted_table) >"$tmp/diff" ||
        fail "the table differs from the seed: $(cat "$tmp/diff")"
    pass "with registry:catalog:* the whole registry is audited through bearer tokens"
}

# The reader has pull on every repository but not registry:catalog:*.
case_reader_catalog_refused() {
    local host opts
    host=$(registry_of token)
    mapfile -t opts < <(access_opts token reader)
    mm audit "$host" --include 'audit/*' --require "$require" --json "${opts[@]}"
    expect_status "audit of the token registry as $MMERGE_RIG_READER (no catalog permission)" 4
    expect_eq "the report's lines" \
        "$(tag_lines | jq -c '[.repository, .tag, .kind, .complete, (.error != null)]')" \
        "[\"$host\",\"\",\"\",false,true]"
    tag_lines | jq -r .error | grep -qF 'registry:catalog' ||
        fail "the error does not say that registry:catalog is needed$(shown)"
    expect_eq "summary: errors, tags" \
        "$(summary_line | jq -c '[.summary.errors, .summary.tags]')" "[1,0]"
    refute_leak "the reader's password" "$MMERGE_RIG_READER_PASSWORD" "audit (token, reader)"

    mm audit "$host" --include 'audit/*' --require "$require" "${opts[@]}"
    expect_status "the same as a table" 4
    expect_out "the table's error row" "^$host"$'\t-\t-\terror: .*registry:catalog'
    pass "a refused _catalog exits 4 with a message naming registry:catalog"
}

case_reader_named_repositories() {
    local host opts
    host=$(registry_of token)
    mapfile -t opts < <(access_opts token reader)
    mm audit "$host/audit/clean/full-1" "$host/audit/clean/buildx:latest" --require "$require" \
        --json "${opts[@]}"
    expect_status "audit of two complete repositories as $MMERGE_RIG_READER" 0
    plan_of token '^audit/clean/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "named repositories as the reader" "$tmp/expected.jsonl"

    mm audit "$host/audit/lie/mislabeled" "$host/audit/broken/dangling" "$host/audit/noarm/idx-1" \
        --require "$require" --deep --json "${opts[@]}"
    expect_status "audit --deep of three repositories with gaps as $MMERGE_RIG_READER" 1
    plan_of token '^audit/(lie|broken|noarm)/' | expected_json "$host" 1 >"$tmp/expected.jsonl"
    expect_report "--deep as the reader" "$tmp/expected.jsonl"
    refute_leak "the reader's password" "$MMERGE_RIG_READER_PASSWORD" "audit (token, reader, named)"
    pass "the reader audits repositories it names, --deep included"
}

run_token_case() {
    declare -F "case_${1:-}" >/dev/null || fail "unknown test case \"${1:-}\" in $0"
    load_inspect_env
    audit_seed token
    "case_$1"
}

run_token_case "$@"
