#!/usr/bin/env bash
# `mmerge merge` verifies before it writes: a mislabeled source, duplicate platforms and an unmet
# --expect fail with exit 1 and a message showing expected and actual, and leave the target as it
# was (absent: no tag, no child manifest, no blob; existing: the same digest, no child pushed). --dry-run
# prints the plan and the index and writes nothing.
# Usage: merge_checks.sh CASE (every case_* below is a CTest test: integration/merge_checks/CASE).
# shellcheck source=merge_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/merge_lib.sh"

# expect_manifest_not_in MODE REPO DIGEST WHAT: manifest DIGEST was not pushed into REPO.
expect_manifest_not_in() {
    local code
    code=$(manifest_status "$1" "$2" "$3")
    expect_eq "$4: HEAD $2 manifest $3" "$code" 404
}

case_mislabeled_source_leaves_absent_target_absent() {
    local repo target
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    mm merge --target "$target" --add "$(src plain oci-linux-s390x)" \
        --add "$(src plain mislabeled-arm64)=linux/arm64"
    expect_status "mislabeled-arm64=linux/arm64" 1
    expect_err "the message names the source" "fixtures/mislabeled-arm64"
    expect_err "the message shows what was expected" "linux/arm64"
    expect_err "the message shows what the config says" "linux/amd64"
    expect_err "the message names the manifest" "$(catalog_digest mislabeled-arm64)"
    [[ ! -s $tmp/out ]] || fail "a failed merge printed on stdout$(shown)"
    expect_absent plain "$target" "after a mislabeled source"
    expect_nothing_written plain "$repo" "after a mislabeled source" oci-linux-s390x mislabeled-arm64
    pass "mislabeled source: exit 1, expected linux/arm64 vs actual linux/amd64, nothing written"
}

case_mislabeled_source_leaves_existing_target_unchanged() {
    local repo target before opts
    repo=$(repo_for index)
    target=$(registry_of token)/$repo:v1
    mapfile -t opts < <(access_opts token)
    merge_ok "seed" "$target" "${opts[@]}" --add "$(src token oci-linux-amd64)"
    before=$merged
    mm merge --target "$target" "${opts[@]}" --add "$(src token oci-linux-s390x)" \
        --add "$(src token mislabeled-arm64)=linux/arm64"
    expect_status "mislabeled-arm64=linux/arm64 onto an existing target" 1
    expect_err "the message shows what was expected" "linux/arm64"
    expect_err "the message shows what the config says" "linux/amd64"
    expect_digest token "$target" "$before" "after a mislabeled source"
    # Positive control for the HEADs below: the seeded child is there.
    expect_eq "HEAD of the seeded child" \
        "$(manifest_status token "$repo" "$(catalog_digest oci-linux-amd64)")" 200
    expect_manifest_not_in token "$repo" "$(catalog_digest oci-linux-s390x)" "the valid source's child"
    expect_manifest_not_in token "$repo" "$(catalog_digest mislabeled-arm64)" "the mislabeled child"
    pass "mislabeled source onto an existing target (token mode): exit 1, same digest, no child pushed"
}

case_duplicate_platforms_fail() {
    local repo target
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    mm merge --target "$target" --add "$(src plain oci-linux-amd64)" \
        --add "$(src plain docker-linux-amd64)" --add "$(src plain oci-linux-arm64)"
    expect_status "oci-linux-amd64 + docker-linux-amd64" 1
    expect_err "the message names the platform" "linux/amd64"
    expect_err "the message names the first source" "fixtures/oci-linux-amd64"
    expect_err "the message names the second source" "fixtures/docker-linux-amd64"
    expect_absent plain "$target" "after duplicate platforms"
    expect_nothing_written plain "$repo" "after duplicate platforms" \
        oci-linux-amd64 docker-linux-amd64 oci-linux-arm64
    pass "two linux/amd64 sources: exit 1 naming both, nothing written"
}

case_expect_missing_platform_fails() {
    local repo target
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    mm merge --target "$target" --expect linux/amd64,linux/arm64 --add "$(src plain oci-linux-amd64)"
    expect_status "--expect linux/amd64,linux/arm64 with amd64 only" 1
    expect_err "the message names the missing platform" "linux/arm64"
    expect_err "the message names --expect" "--expect"
    expect_absent plain "$target" "after an unmet --expect"
    expect_nothing_written plain "$repo" "after an unmet --expect" oci-linux-amd64
    pass "--expect missing linux/arm64: exit 1, names it, nothing written"
}

case_expect_counts_kept_entries() {
    local target
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "seed arm64" "$target" --add "$(src plain oci-linux-arm64)"
    merge_ok "--expect met by the kept arm64 and the added amd64" "$target" \
        --expect linux/amd64,linux/arm64 --add "$(src plain oci-linux-amd64)"
    check_index "--expect met" plain "$target" "$oci_index" oci-linux-arm64 oci-linux-amd64
    pass "--expect is checked on the final index, kept entries included"
}

case_dry_run_writes_nothing_to_absent_target() {
    local repo target json index_line index_digest
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    mm merge --target "$target" --dry-run --add "$(src plain oci-linux-amd64)" \
        --add "$(src plain oci-linux-arm64)=linux/arm64"
    expect_status "--dry-run" 0
    expect_eq "first line" "$(sed -n 1p "$tmp/out")" "dry run: nothing was written"
    expect_eq "second line" "$(sed -n 2p "$tmp/out")" "target $target would change"
    grep -qxF "  + linux/amd64 $(catalog_digest oci-linux-amd64)" "$tmp/out" ||
        fail "the plan does not add linux/amd64$(shown)"
    grep -qxF "  + linux/arm64 $(catalog_digest oci-linux-arm64)" "$tmp/out" ||
        fail "the plan does not add linux/arm64$(shown)"
    load_blobs plain oci-linux-amd64 oci-linux-arm64
    expect_eq "blobs it would mount" "$(sed -n 's/^  mount  //p' "$tmp/out" | sort)" "$blobs"
    expect_eq "manifests it would push" "$(sed -n 's/^  push manifest //p' "$tmp/out" | sort)" \
        "$(printf '%s\n' "$(catalog_digest oci-linux-amd64)" "$(catalog_digest oci-linux-arm64)" | sort)"
    index_line=$(grep -E '^index sha256:[0-9a-f]{64}:$' "$tmp/out") || fail "no \"index <digest>:\" line$(shown)"
    index_digest=${index_line#index }
    index_digest=${index_digest%:}
    json=$(grep -A1 -xF "$index_line" "$tmp/out" | tail -n 1)
    expect_eq "digest of the printed index JSON" "sha256:$(printf '%s' "$json" | sha256sum | cut -d' ' -f1)" "$index_digest"
    printf '%s' "$json" >"$tmp/dry.json"
    expect_entries "the printed index" "$tmp/dry.json" \
        "$(fixture_entry oci-linux-amd64)" "$(fixture_entry oci-linux-arm64)"

    expect_absent plain "$target" "after --dry-run"
    expect_nothing_written plain "$repo" "after --dry-run" oci-linux-amd64 oci-linux-arm64

    # The real run pushes exactly the index the dry run showed.
    merge_ok "the same merge without --dry-run" "$target" --add "$(src plain oci-linux-amd64)" \
        --add "$(src plain oci-linux-arm64)=linux/arm64"
    expect_eq "digest of the real run (dry run said $index_digest)" "$merged" "$index_digest"
    check_index "after the real run" plain "$target" "$oci_index" oci-linux-amd64 oci-linux-arm64
    # Control for the HEADs above: what the real run wrote is seen.
    expect_eq "HEAD of amd64's manifest after the real run" \
        "$(manifest_status plain "$repo" "$(catalog_digest oci-linux-amd64)")" 200
    load_blobs plain oci-linux-amd64
    for b in $blobs; do
        expect_eq "HEAD of blob $b after the real run" "$(blob_status plain "$repo" "$b")" 200
    done
    pass "--dry-run: plan and index JSON printed, nothing written; the real run pushes that index"
}

case_dry_run_writes_nothing_to_existing_target() {
    local repo target before b
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    merge_ok "seed" "$target" --add "$(src plain oci-linux-amd64)" --add "$(src plain oci-linux-arm64)"
    before=$merged
    merge_json "--dry-run --json adding linux/s390x" "$target" --dry-run --add "$(src plain oci-linux-s390x)"
    expect_eq "dryRun" "$(report .dryRun)" true
    expect_eq "changed (it would)" "$(report .changed)" true
    expect_eq "previous" "$(report .previous)" "\"$before\""
    expect_eq "changes" "$(report .changes)" "[\"+ linux/s390x $(catalog_digest oci-linux-s390x)\"]"
    expect_eq "manifestsPushed (would be)" "$(report .manifestsPushed)" "[\"$(catalog_digest oci-linux-s390x)\"]"
    load_blobs plain oci-linux-s390x
    expect_eq "mounted (would be)" "$(jq -r '.mounted[]' "$tmp/report.json" | sort)" "$blobs"
    expect_eq "uploaded" "$(report .uploaded)" "[]"
    [[ $merged != "$before" ]] || fail "the dry run's index digest equals the current one"

    expect_digest plain "$target" "$before" "after --dry-run"
    expect_eq "HEAD of a seeded child (control)" \
        "$(manifest_status plain "$repo" "$(catalog_digest oci-linux-amd64)")" 200
    expect_manifest_not_in plain "$repo" "$(catalog_digest oci-linux-s390x)" "after --dry-run"
    for b in $blobs; do
        expect_eq "HEAD of blob $b in $repo after --dry-run" "$(blob_status plain "$repo" "$b")" 404
    done
    pass "--dry-run on an existing target: same digest, no child manifest or blob written"
}

run_merge_case "$@"
