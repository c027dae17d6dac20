#!/usr/bin/env bash
# `mmerge audit` of the seeded registry (audit_seed.sh): what is audited — --shard (disjoint
# shards whose union is the whole, by the documented FNV-1a hash), --include/--exclude, one
# REPO:TAG or REPO@DIGEST, --all-tags, a repository, several targets, --require normalization —
# and how many requests it takes (the --json summary's `requests`).
# Usage: audit_select.sh CASE (every case_* below is a CTest test: integration/audit_select/CASE).
# shellcheck source=audit_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/audit_lib.sh"

# shard_table: "N I NAME" for N = 1..4 and every name on stdin, I being the shard of NAME by
# FNV-1a 64 of the name modulo N (the stable hash audit documents, so every machine splits a
# registry the same way).
shard_table() {
    python3 -c '
import sys
for name in sys.stdin.read().split():
    h = 14695981039346656037
    for byte in name.encode():
        h = ((h ^ byte) * 1099511628211) % 2**64
    for count in range(1, 5):
        print(count, h % count, name)
'
}

# --shard I/N for N = 1..4: each shard is exactly its hash's share of the repositories, the
# shards of one N are disjoint, and together they report every seeded tag exactly as a whole run.
case_shards() {
    local host n i all
    host=$(registry_of plain)
    all=$(audit_plan plain | cut -d' ' -f1 | LC_ALL=C sort -u)
    shard_table <<<"$all" >"$tmp/shards"
    audit_plan plain | expected_json "$host" 0 >"$tmp/expected.jsonl"
    for n in 1 2 3 4; do
        : >"$tmp/union.jsonl"
        for ((i = 0; i < n; i++)); do
            mm audit "$host" --include 'audit/*' --require "$require" --json --shard "$i/$n"
            expect_status "shard $i/$n (gaps in every shard)" 1
            tag_lines >"$tmp/shard.jsonl"
            jq -r '.repository | sub("^[^/]*/"; "")' "$tmp/shard.jsonl" |
                LC_ALL=C sort -u >"$tmp/shard.repos"
            [[ -s $tmp/shard.repos ]] || fail "shard $i/$n is empty$(shown)"
            diff -u <(awk -v n="$n" -v i="$i" '$1 == n && $2 == i { print $3 }' "$tmp/shards" |
                LC_ALL=C sort) "$tmp/shard.repos" >"$tmp/diff" ||
                fail "shard $i/$n is not the FNV-1a share of the repositories: $(cat "$tmp/diff")"
            expect_eq "shard $i/$n: summary repositories" \
                "$(tail -n 1 "$tmp/out" | jq .summary.repositories)" "$(wc -l <"$tmp/shard.repos")"
            cat "$tmp/shard.jsonl" >>"$tmp/union.jsonl"
        done
        LC_ALL=C sort -o "$tmp/union.jsonl" "$tmp/union.jsonl"
        # Equal to the whole report: so no tag (and no repository) is in two shards or in none.
        diff -u "$tmp/expected.jsonl" "$tmp/union.jsonl" >"$tmp/diff" ||
            fail "N=$n: the shards' reports together differ from the whole (a line twice or \
missing): $(head -n 40 "$tmp/diff")"
    done
    pass "--shard I/N for N=1..4: disjoint FNV-1a shares whose union is the whole report"
}

case_include_exclude() {
    local host
    host=$(registry_of plain)
    mm audit "$host" --include 'audit/single/*' --exclude '*/arm-*' --require "$require" --json
    expect_status "--include audit/single/* --exclude */arm-*" 1
    plan_of plain '^audit/single/amd-' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "--include with --exclude" "$tmp/expected.jsonl"

    mm audit "$host" --include 'audit/lie/*' --include 'audit/dup/*' --require "$require" --json
    expect_status "two --include" 1
    plan_of plain '^audit/(lie|dup)/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "two --include" "$tmp/expected.jsonl"

    mm audit "$host" --include 'audit/*' --exclude 'audit/bulk/*' --exclude 'audit/tags/*' \
        --exclude 'audit/noarm/*' --exclude 'audit/single/*' --exclude 'audit/mixed' \
        --exclude 'audit/broken/*' --exclude 'audit/dup/*' --require "$require" --json
    expect_status "everything with a gap excluded" 0
    plan_of plain '^audit/(clean|lie)/' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "several --exclude" "$tmp/expected.jsonl"

    # Globs match the repository path, without the registry.
    mm audit "$host" --include "$host/audit/*" --require "$require" --json
    expect_status "a glob with the registry in it" 0
    expect_eq "repositories selected by a glob naming the registry" \
        "$(summary_line | jq -c '[.summary.repositories, .summary.tags]')" "[0,0]"
    pass "--include and --exclude select repositories by path"
}

case_single_tag() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/mixed:noarm" --require "$require" --json
    expect_status "REPO:TAG of an index without arm64" 1
    plan_of plain '^audit/mixed$' | awk '$2 == "noarm"' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "audit/mixed:noarm" "$tmp/expected.jsonl"

    mm audit "$host/audit/mixed:full" --require "$require"
    expect_status "REPO:TAG of a complete index" 0
    plan_of plain '^audit/mixed$' | awk '$2 == "full"' | expected_json "$host" 0 | expected_table \
        >"$tmp/expected.txt"
    diff -u "$tmp/expected.txt" <(sorted_table) >"$tmp/diff" ||
        fail "the table of audit/mixed:full differs: $(cat "$tmp/diff")"
    pass "REPO:TAG audits that one tag only"
}

case_digest_reference() {
    local host digest
    host=$(registry_of plain)
    digest=$(plan_of plain '^audit/mixed$' | awk '$2 == "three"' | expected_json "$host" 0 |
        jq -r .digest)
    mm audit "$host/audit/mixed@$digest" --require "$require" --json
    expect_status "REPO@DIGEST of a complete index" 0
    expect_eq "the one line of REPO@DIGEST" \
        "$(tag_lines | jq -c '[.repository, .tag, .digest, .kind, .platforms, .complete]')" \
        "$(printf '["%s","%s","%s","index",["linux/amd64","linux/arm64","linux/arm/v7"],true]' \
            "$host/audit/mixed" "$digest" "$digest")"
    expect_eq "summary tags" "$(summary_line | jq .summary.tags)" 1
    pass "REPO@DIGEST audits that manifest"
}

# A repository, a REPO:TAG with --all-tags: every tag of audit/mixed.
case_all_tags() {
    local host
    host=$(registry_of plain)
    plan_of plain '^audit/mixed$' | expected_json "$host" 0 >"$tmp/expected.jsonl"
    mm audit "$host/audit/mixed:noarm" --all-tags --require "$require" --json
    expect_status "REPO:TAG --all-tags" 1
    expect_report "audit/mixed:noarm --all-tags" "$tmp/expected.jsonl"
    mm audit "$host/audit/mixed" --require "$require" --json
    expect_status "REPO" 1
    expect_report "audit/mixed" "$tmp/expected.jsonl"
    pass "--all-tags and a bare repository audit every tag"
}

case_several_targets() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/lie/mislabeled" "$host/audit/mixed:three" "$host/audit/noarm/v7" \
        --require "$require" --json
    expect_status "three targets, one with a gap" 1
    {
        plan_of plain '^audit/(lie/mislabeled|noarm/v7)$'
        plan_of plain '^audit/mixed$' | awk '$2 == "three"'
    } | expected_json "$host" 0 >"$tmp/expected.jsonl"
    expect_report "several targets" "$tmp/expected.jsonl"
    pass "several targets are audited in one run"
}

# --require is compared after normalization (x86_64 = amd64, aarch64 = arm64 = arm64/v8).
case_require_normalized() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/clean/full-1" "$host/audit/clean/dockerlist" \
        --require linux/x86_64,linux/aarch64/v8 --json
    expect_status "--require linux/x86_64,linux/aarch64/v8 of amd64+arm64 indexes" 0
    expect_eq "missing" "$(tag_lines | jq -c .missing | sort -u)" "[]"
    mm audit "$host/audit/noarm/idx-1" --require linux/x86_64,linux/aarch64 --json
    expect_status "--require linux/x86_64,linux/aarch64 of an amd64-only index" 1
    expect_eq "missing entries" "$(tag_lines | jq '.missing | length')" 1
    pass "--require matches normalized platforms"
}

# Request economy, counted by the summary's `requests` (every HTTP request mmerge sent). On
# --plain-http: without it, a loopback registry is first tried over HTTPS, one more request.
# audit/mixed holds 5 tags: full (index: amd64 A, arm64 R), noarm (index: A), three (index: A, R,
# arm/v7 V), amd (image A), arm (image R).
case_requests_shallow() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/mixed" --plain-http --require "$require" --json
    expect_status "audit of audit/mixed" 1
    # 1 tags list + 5 manifest GETs + 3 HEADs (A, R, V: each distinct child once per
    # repository) + 2 config GETs (the configs of the images amd and arm).
    expect_eq "requests for audit/mixed without --deep" "$(summary_line | jq .summary.requests)" 11
    mm audit "$host/audit/tags/many" --plain-http --require "$require" --json
    expect_status "audit of audit/tags/many" 0
    # 1 tags list + 120 manifest GETs + 2 HEADs (the index's 2 children, once for all 120 tags).
    expect_eq "requests for the 120 tags of one index" "$(summary_line | jq .summary.requests)" 123
    pass "without --deep: one GET per tag, one HEAD per distinct child, one GET per config"
}

case_requests_deep() {
    local host
    host=$(registry_of plain)
    mm audit "$host/audit/mixed" --plain-http --deep --require "$require" --json
    expect_status "audit --deep of audit/mixed" 1
    # 1 tags list + 5 manifest GETs + 3 child manifest GETs (A, R, V) + 3 config GETs (A's, R's
    # and V's; the images amd and arm are A and R: their configs are not read twice).
    expect_eq "requests for audit/mixed with --deep" "$(summary_line | jq .summary.requests)" 12
    # Configs are cached by digest for the whole run, across repositories: 2 tags lists,
    # 2 manifest GETs, 1 config GET.
    mm audit "$host/audit/single/amd-1" "$host/audit/single/amd-2" --plain-http --deep \
        --require "$require" --json
    expect_status "audit --deep of two repositories of the same image" 1
    expect_eq "requests for two repositories of one image" "$(summary_line | jq .summary.requests)" 5
    pass "with --deep: each child manifest and each config read once"
}

run_audit_case "$@"
