#!/usr/bin/env bash
# `mmerge audit` of the seeded registry (audit_seed.sh): the whole report, in JSON lines and as a
# table, matches the seed's known coverage exactly; lies (only with --deep), dangling entries,
# attestations, duplicate platforms, Docker lists and a repository with 120 tags; exit codes 0, 1,
# 3 and 4.
# Usage: audit.sh CASE (every case_* below is a CTest test: integration/audit/CASE).
# shellcheck source=audit_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/audit_lib.sh"

# The whole audit/ prefix of the plain registry, through _catalog: 110 repositories, more than
# the 100 of distribution's default catalog page, so the report is whole only when audit follows
# the catalog's Link.
case_registry_json() {
    local host code
    host=$(registry_of plain)
    code=$(http anonymous "http://$host/v2/_catalog")
    expect_eq "GET /v2/_catalog" "$code" 200
    [[ -n $(header Link) ]] || fail "precondition: the registry's first catalog page has no Link"
    (($(jq '[.repositories[] | select(startswith("audit/"))] | length' "$tmp/body") < 110)) ||
        fail "precondition: the first catalog page already holds every audit/ repository"

    mm audit "$host" --include 'audit/*' --require "$require" --json
    expect_status "audit of the seeded registry (gaps)" 1
    expect_err_empty "audit --json without a terminal"
    audit_plan plain | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "audit $host --include audit/* --json" "$tmp/expected.jsonl"
    expect_eq "summary: repositories, tags" \
        "$(summary_line | jq -c '[.summary.repositories, .summary.tags]')" "[110,233]"
    pass "the JSON report of 110 repositories (2 catalog pages) and 233 tags matches the seed"
}

case_registry_table() {
    local host
    host=$(registry_of plain)
    mm audit "$host" --include 'audit/*' --require "$require"
    expect_status "audit of the seeded registry (gaps), table" 1
    expect_err_empty "audit without a terminal (no progress)"
    audit_plan plain | expected_json "$host" 0 | expected_table >"$tmp/expected.txt"
    sorted_table >"$tmp/actual.txt"
    diff -u "$tmp/expected.txt" "$tmp/actual.txt" >"$tmp/diff" ||
        fail "the table differs from the seed's known coverage (- expected, + mmerge):
$(head -n 60 "$tmp/diff")"
    pass "the table (header, 233 rows, summary sentence) matches the seed"
}

case_registry_deep_json() {
    local host
    host=$(registry_of plain)
    mm audit "$host" --include 'audit/*' --require "$require" --deep --json
    expect_status "audit --deep of the seeded registry" 1
    audit_plan plain | expected_json "$host" 1 >"$tmp/expected.jsonl"
    expect_report "audit $host --include audit/* --deep --json" "$tmp/expected.jsonl"
    expect_eq "summary: lies" "$(summary_line | jq .summary.lies)" 2
    pass "the --deep JSON report matches the seed, its 2 lies included"
}

# arm64_lie DIGEST: the lies of an index whose linux/arm64 entry DIGEST is a linux/amd64 image.
arm64_lie() {
    printf '[{"actual":"linux/amd64","declared":"linux/arm64","digest":"%s"}]' "$1"
}

# An index entry that says linux/arm64 but whose image config says linux/amd64 (a mislabeled
# image, or the amd64 image itself): only --deep reads the child's config, so only --deep sees it.
case_deep_lies() {
    local host
    host=$(registry_of plain)
    mm audit "$host" --include 'audit/lie/*' --require "$require" --json
    expect_status "audit of the lying indexes without --deep (nothing to see)" 0
    plan_of plain '^audit/lie/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "without --deep" "$tmp/expected.jsonl"
    expect_eq "lies without --deep" "$(tag_lines | jq -c .lies | sort -u)" "[]"

    mm audit "$host" --include 'audit/lie/*' --require "$require" --deep --json
    expect_status "audit --deep of the lying indexes" 1
    plan_of plain '^audit/lie/' | expected_json "$host" 1 >"$tmp/expected.jsonl"
    expect_report "with --deep" "$tmp/expected.jsonl"
    expect_eq "the mislabeled entry" \
        "$(tag_lines | jq -c 'select(.repository | endswith("/mislabeled")) | .lies')" \
        "$(arm64_lie "$(fixture_digest mislabeled-arm64)")"
    expect_eq "the entry pointing at the amd64 image" \
        "$(tag_lines | jq -c 'select(.repository | endswith("/same-image")) | .lies')" \
        "$(arm64_lie "$(fixture_digest oci-linux-amd64)")"

    mm audit "$host" --include 'audit/lie/*' --require "$require" --deep
    expect_status "audit --deep of the lying indexes, table" 1
    plan_of plain '^audit/lie/' | expected_json "$host" 1 | expected_table >"$tmp/expected.txt"
    diff -u "$tmp/expected.txt" <(sorted_table) >"$tmp/diff" ||
        fail "the --deep table differs: $(cat "$tmp/diff")"
    grep -qF "lie: $(fixture_digest mislabeled-arm64 | cut -c1-19) claims linux/arm64, is linux/amd64" \
        "$tmp/out" || fail "the table does not name the mislabeled entry's lie$(shown)"
    pass "lies are reported with --deep only, with the entry's digest, declared and actual platform"
}

# An index whose arm64 entry's manifest was deleted: reported dangling (and arm64 missing), with
# and without --deep.
case_dangling() {
    local host code arm64
    host=$(registry_of plain)
    arm64=$(fixture_digest oci-linux-arm64)
    code=$(http anonymous --head -H "Accept: $accept_manifests" \
        "http://$host/v2/audit/broken/dangling/manifests/$arm64")
    expect_eq "precondition: the arm64 child is gone from audit/broken/dangling" "$code" 404
    for deep in 0 1; do
        local flags=()
        ((deep)) && flags=(--deep)
        mm audit "$host/audit/broken/dangling" --require "$require" --json "${flags[@]}"
        expect_status "audit ${flags[*]} of the dangling index" 1
        plan_of plain '^audit/broken/dangling$' | expected_json "$host" "$deep" >"$tmp/expected.jsonl"
        expect_report "dangling ${flags[*]}" "$tmp/expected.jsonl"
        expect_eq "dangling entries ${flags[*]}" "$(tag_lines | jq -c .dangling)" "[\"$arm64\"]"
        expect_eq "summary dangling ${flags[*]}" "$(summary_line | jq .summary.dangling)" 1
    done
    mm audit "$host/audit/broken/dangling" --require "$require"
    expect_out "the table names the dangling entry" \
        $'\tmissing linux/arm64; dangling '"${arm64:0:19}\$"
    pass "the entry whose manifest is missing is reported dangling, with and without --deep"
}

# buildx's index: 2 platforms and 2 attestation manifests (platform unknown/unknown).
case_attestations() {
    local host code
    host=$(registry_of plain)
    code=$(http anonymous -H "Accept: $accept_manifests" \
        "http://$host/v2/audit/clean/buildx/manifests/latest")
    expect_eq "GET the buildx index" "$code" 200
    expect_eq "precondition: entries of the buildx index (unknown/unknown = attestations)" \
        "$(jq -c '[.manifests[].platform | "\(.os)/\(.architecture)"]' "$tmp/body")" \
        '["linux/amd64","linux/arm64","unknown/unknown","unknown/unknown"]'
    mm audit "$host/audit/clean/buildx:latest" --require "$require" --json
    expect_status "audit of a buildx index" 0
    plan_of plain '^audit/clean/buildx$' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "buildx index" "$tmp/expected.jsonl"
    expect_eq "attestations" "$(tag_lines | jq .attestations)" 2
    expect_eq "platforms (attestations not among them)" "$(tag_lines | jq -c .platforms)" \
        '["linux/amd64","linux/arm64"]'
    pass "attestation entries are counted as attestations, not as platforms"
}

# Two entries for linux/amd64 (an OCI and a Docker image) and one for linux/arm64.
case_duplicates() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/dup/amd64-twice" --require "$require" --json
    expect_status "audit of an index with a duplicate platform" 1
    plan_of plain '^audit/dup/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "duplicates" "$tmp/expected.jsonl"
    expect_eq "duplicates" "$(tag_lines | jq -c .duplicates)" '["linux/amd64"]'
    mm audit "$host/audit/dup/amd64-twice" --require "$require"
    expect_status "audit of an index with a duplicate platform, table" 1
    expect_out "the table names the duplicate" $'\tduplicate linux/amd64$'
    pass "a platform served by two entries is reported as a duplicate"
}

case_docker_list() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/clean/dockerlist" --require "$require" --json
    expect_status "audit of a Docker manifest list" 0
    plan_of plain '^audit/clean/dockerlist$' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "Docker list" "$tmp/expected.jsonl"
    expect_eq "kind" "$(tag_lines | jq -r .kind)" docker-list
    pass "a Docker manifest list is audited as kind docker-list"
}

# 120 tags (distribution 2.8 lists them all on one page: it ignores n for tags/list).
case_many_tags() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/tags/many" --require "$require" --json
    expect_status "audit of a repository with 120 complete tags" 0
    plan_of plain '^audit/tags/many$' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "120 tags" "$tmp/expected.jsonl"
    expect_eq "tags audited" "$(tag_lines | jq -r .tag | sort | tr '\n' ' ')" \
        "$(printf 't%03d ' $(seq 0 119))"
    pass "every one of the 120 tags is audited once"
}

case_clean_subset_exit_0() {
    local host
    host=$(registry_of plain)
    mm audit "$host" --include 'audit/clean/*' --require "$require" --json
    expect_status "audit of the clean repositories" 0
    plan_of plain '^audit/clean/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "clean subset" "$tmp/expected.jsonl"
    expect_eq "summary: complete = tags = 11" \
        "$(summary_line | jq -c '[.summary.complete, .summary.tags]')" "[11,11]"
    mm audit "$host" --include 'audit/clean/*' --require "$require"
    expect_status "audit of the clean repositories, table" 0
    expect_out "the summary sentence" \
        '^11 tags in 11 repositories: 11 complete, 0 lies, 0 dangling, 0 duplicates, 0 errors$'
    pass "a clean selection exits 0"
}

# A repository that cannot be read is reported (tag "", error set), the audit goes on, and the
# exit code is 3 even when gaps were found too.
case_unreadable_repo_exit_3() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/clean/full-1" "$host/audit/absent" "$host/audit/noarm/idx-1" \
        --require "$require" --json
    expect_status "audit with a repository that does not exist (and a gap)" 3
    plan_of plain '^audit/(clean/full-1|noarm/idx-1)$' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    jq -cS 'select(.error == null)' <(tag_lines) >"$tmp/read.jsonl"
    diff -u "$tmp/expected.jsonl" "$tmp/read.jsonl" >"$tmp/diff" ||
        fail "the readable repositories' lines differ: $(cat "$tmp/diff")"
    expect_eq "the unreadable repository's line" \
        "$(tag_lines | jq -c 'select(.error != null) | [.repository, .tag, .kind, .complete]')" \
        "[\"$host/audit/absent\",\"\",\"\",false]"
    tag_lines | jq -r 'select(.error != null) | .error' | grep -qE 'NAME_UNKNOWN|not known' ||
        fail "the error does not say the repository is unknown$(shown)"
    expect_eq "summary: errors, tags" "$(summary_line | jq -c '[.summary.errors, .summary.tags]')" "[1,2]"
    mm audit "$host/audit/absent" --require "$require"
    expect_status "audit of a missing repository, table" 3
    expect_out "the table's error row" "^$host/audit/absent"$'\t-\t-\terror: '
    pass "an unreadable repository is reported, the others audited, exit 3"
}

case_auth_refused_exit_4() {
    local host pw
    host=$(registry_of basic)
    pw=$(wrong_password)
    secrets+=("$pw" "$(basic_auth "$MMERGE_RIG_USER" "$pw")")
    write_auths "$tmp/wrong.json" "$host" "$MMERGE_RIG_USER" "$pw"
    mm audit "$host/fixtures/oci-linux-amd64" --require "$require" --json \
        --ca-file "$MMERGE_RIG_CA" --auth-file "$tmp/wrong.json"
    expect_status "audit with a wrong password" 4
    expect_eq "the refused repository's line" \
        "$(tag_lines | jq -c '[.repository, .tag, (.error != null)]')" \
        "[\"$host/fixtures/oci-linux-amd64\",\"\",true]"
    refute_leak "the wrong password" "$pw" "audit --auth-file (wrong password)"
    mm audit "$host/fixtures/oci-linux-amd64" --require "$require" \
        --ca-file "$MMERGE_RIG_CA" --auth-file "$tmp/wrong.json"
    expect_status "audit with a wrong password, table" 4
    refute_leak "the wrong password" "$pw" "audit --auth-file (wrong password), table"
    pass "refused credentials exit 4 without showing the password"
}

run_audit_case "$@"
