#!/usr/bin/env bash
# `mmerge merge` on an existing target: update keeps the other entries, annotations and buildx
# attestations (and drops the attestation of a replaced manifest), --mode replace, --remove,
# --attestations drop, --annotation; a buildx index as a source; a second identical run changes
# nothing and PUTs nothing. Cross-checked with `skopeo inspect --raw`.
# Usage: merge_update.sh CASE (every case_* below is a CTest test: integration/merge_update/CASE).
# shellcheck source=merge_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/merge_lib.sh"

# The entry lines (as `entries` prints them) of fixtures/buildx-index, read with skopeo:
# $bx_amd64, $bx_arm64 (images) and $bx_amd64_att, $bx_arm64_att (their attestations).
read_buildx() {
    raw plain "$(src plain buildx-index)" "$tmp/buildx.json" >/dev/null
    entries "$tmp/buildx.json" >"$tmp/buildx-entries"
    bx_amd64=$(grep ' linux/amd64$' "$tmp/buildx-entries") || fail "buildx-index has no linux/amd64 entry"
    bx_arm64=$(grep ' linux/arm64$' "$tmp/buildx-entries") || fail "buildx-index has no linux/arm64 entry"
    bx_amd64_att=$(grep " attestation-of ${bx_amd64%% *}\$" "$tmp/buildx-entries") ||
        fail "buildx-index has no attestation of its amd64 image"
    bx_arm64_att=$(grep " attestation-of ${bx_arm64%% *}\$" "$tmp/buildx-entries") ||
        fail "buildx-index has no attestation of its arm64 image"
    [[ $(wc -l <"$tmp/buildx-entries") == 4 ]] || fail "buildx-index should have 4 entries: $(cat "$tmp/buildx-entries")"
}

# seed_buildx: $target (plain, this case's repository) holds all of fixtures/buildx-index; $seeded
# is its digest.
seed_buildx() {
    read_buildx
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "seed: buildx-index into a new target" "$target" --add "$(src plain buildx-index)"
    seeded=$merged
}

case_buildx_source_gives_all_entries() {
    seed_buildx
    raw plain "$target" "$tmp/index.json" >/dev/null
    expect_eq "index type" "$(jq -r .mediaType "$tmp/index.json")" "$oci_index"
    expect_entries "buildx-index without a platform" "$tmp/index.json" \
        "$bx_amd64" "$bx_arm64" "$bx_amd64_att" "$bx_arm64_att"
    # Every descriptor as buildx wrote it: digest, size, platform, annotations.
    expect_eq "the entries' descriptors" \
        "$(jq -cS '.manifests | sort_by(.digest)' "$tmp/index.json")" \
        "$(jq -cS '.manifests | sort_by(.digest)' "$tmp/buildx.json")"
    pass "a buildx index as a source, no platform asserted: its 4 entries, descriptors unchanged"
}

case_buildx_source_with_platform_gives_entry_and_attestation() {
    local target
    read_buildx
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "buildx-index=linux/arm64" "$target" --add "$(src plain buildx-index)=linux/arm64" \
        --add "$(src plain oci-linux-s390x)"
    raw plain "$target" "$tmp/index.json" >/dev/null
    expect_entries "buildx-index=linux/arm64 + s390x" "$tmp/index.json" \
        "$bx_arm64" "$bx_arm64_att" "$(fixture_entry oci-linux-s390x)"
    pass "buildx index=linux/arm64: its arm64 entry and that entry's attestation only"
}

case_update_adds_platform_keeping_others_and_attestations() {
    seed_buildx
    merge_json "update: add linux/s390x" "$target" --add "$(src plain oci-linux-s390x)"
    expect_eq "previous (the seeded index)" "$(report .previous)" "\"$seeded\""
    expect_eq "changes" "$(report .changes)" "[\"+ linux/s390x $(catalog_digest oci-linux-s390x)\"]"
    expect_eq "digest of $target" "$(raw plain "$target" "$tmp/index.json")" "$merged"
    expect_entries "update: add linux/s390x" "$tmp/index.json" \
        "$bx_amd64" "$bx_arm64" "$bx_amd64_att" "$bx_arm64_att" "$(fixture_entry oci-linux-s390x)"
    pass "update adds linux/s390x; amd64 and arm64 keep their digests, both attestations kept"
}

case_update_replacing_platform_drops_its_attestation() {
    seed_buildx
    merge_ok "update: replace linux/amd64" "$target" --add "$(src plain oci-linux-amd64)"
    expect_eq "digest of $target" "$(raw plain "$target" "$tmp/index.json")" "$merged"
    expect_entries "update: replace linux/amd64" "$tmp/index.json" \
        "$(fixture_entry oci-linux-amd64)" "$bx_arm64" "$bx_arm64_att"
    pass "update replacing linux/amd64 drops the old amd64 image and its attestation, keeps arm64's"
}

case_replace_mode_makes_exactly_the_sources() {
    seed_buildx
    merge_ok "--mode replace" "$target" --mode replace \
        --add "$(src plain oci-linux-s390x)" --add "$(src plain oci-linux-ppc64le)"
    check_index "--mode replace" plain "$target" "$oci_index" oci-linux-s390x oci-linux-ppc64le
    pass "--mode replace: the index is exactly the sources (buildx entries and attestations gone)"
}

case_remove_drops_entry_and_its_attestation() {
    seed_buildx
    merge_ok "--remove linux/arm64" "$target" --remove linux/arm64
    expect_eq "digest of $target" "$(raw plain "$target" "$tmp/index.json")" "$merged"
    expect_entries "--remove linux/arm64" "$tmp/index.json" "$bx_amd64" "$bx_amd64_att"
    pass "--remove linux/arm64 drops the arm64 entry and its attestation"
}

case_attestations_drop() {
    seed_buildx
    merge_ok "--attestations drop" "$target" --attestations drop --add "$(src plain oci-linux-s390x)"
    expect_eq "digest of $target" "$(raw plain "$target" "$tmp/index.json")" "$merged"
    expect_entries "--attestations drop" "$tmp/index.json" \
        "$bx_amd64" "$bx_arm64" "$(fixture_entry oci-linux-s390x)"
    pass "--attestations drop: every attestation entry gone, images kept"
}

case_annotations_in_the_index() {
    local target
    target=$(registry_of plain)/$(repo_for index):v1
    # Docker sources, but a Docker list has no annotations: auto gives an OCI index.
    merge_ok "--annotation" "$target" --annotation org.opencontainers.image.source=https://example.test/demo \
        --annotation k=v --add "$(src plain docker-linux-amd64)" --add "$(src plain docker-linux-arm64)"
    check_index "--annotation" plain "$target" "$oci_index" docker-linux-amd64 docker-linux-arm64
    expect_eq "index annotations" "$(jq -cS .annotations "$tmp/index.json")" \
        '{"k":"v","org.opencontainers.image.source":"https://example.test/demo"}'
    # An update without --annotation keeps them.
    merge_ok "update after --annotation" "$target" --add "$(src plain docker-linux-s390x)"
    check_index "update after --annotation" plain "$target" "$oci_index" \
        docker-linux-amd64 docker-linux-arm64 docker-linux-s390x
    expect_eq "index annotations after an update" "$(jq -cS .annotations "$tmp/index.json")" \
        '{"k":"v","org.opencontainers.image.source":"https://example.test/demo"}'
    pass "--annotation k=v lands in the OCI index's annotations, and an update keeps them"
}

case_update_keeps_docker_list() {
    local target
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "seed: Docker list" "$target" --add "$(src plain docker-linux-amd64)" \
        --add "$(src plain docker-linux-arm64)"
    local first=$merged
    merge_ok "update: add Docker s390x" "$target" --add "$(src plain docker-linux-s390x)"
    [[ $merged != "$first" ]] || fail "the update did not change the index"
    check_index "update of a Docker list" plain "$target" "$docker_list" \
        docker-linux-amd64 docker-linux-arm64 docker-linux-s390x
    pass "update of a Docker list with a Docker image: still a Docker list, 3 entries"
}

# writes_logged REPO: how many write requests (PUT, POST, PATCH, DELETE) on REPO the plain
# registry's access log holds (the rig keeps it in $MMERGE_RIG_DIR/plain/registry.log).
writes_logged() {
    grep -cE "\"(PUT|POST|PATCH|DELETE) /v2/$1/" "$MMERGE_RIG_DIR/plain/registry.log" || true
}

# Guards idempotence: a second identical run reports unchanged and PUTs no manifest; checked in
# mmerge's -v trace and, independently, in the registry's access log.
case_second_identical_run_is_unchanged_without_put() {
    local host repo target args first line writes i
    host=$(registry_of plain)
    repo=$(repo_for index)
    target=$host/$repo:v1
    [[ -f $MMERGE_RIG_DIR/plain/registry.log ]] || fail "no registry log in $MMERGE_RIG_DIR/plain"
    args=(merge --target "$target" --add "$(src plain oci-linux-amd64)" --add "$(src plain oci-linux-arm64)=linux/arm64")
    mm "${args[@]}" -v
    expect_status "first run" 0
    first=$(cat "$tmp/out")
    # The trace shows every request: the first run PUTs the tag (the check below can see a PUT).
    grep -qE "^mmerge: PUT http://$host/v2/$repo/manifests/v1 -> 201\$" "$tmp/err" ||
        fail "first run: no PUT of the tag in the -v trace$(shown)"
    # So does the registry's log, once it has written the line (the tag PUT is the last write).
    for ((i = 0; i < 100; i++)); do
        grep -qF "\"PUT /v2/$repo/manifests/v1 " "$MMERGE_RIG_DIR/plain/registry.log" && break
        sleep 0.02
    done
    grep -qF "\"PUT /v2/$repo/manifests/v1 " "$MMERGE_RIG_DIR/plain/registry.log" ||
        fail "the registry log shows no PUT of $repo:v1 after the first run"
    writes=$(writes_logged "$repo")

    mm "${args[@]}" -v
    expect_status "second run" 0
    line=$(cat "$tmp/out")
    expect_eq "second run's stdout" "$line" "$first"
    if grep -E '^mmerge: (PUT|POST|PATCH|DELETE) ' "$tmp/err"; then
        fail "second identical run wrote to the registry (lines above)$(shown)"
    fi
    grep -qE "^mmerge: HEAD http://$host/v2/$repo/manifests/v1 -> 200\$" "$tmp/err" ||
        fail "second run: the trace shows no HEAD of the tag (is -v tracing requests?)$(shown)"

    merge_json "third run, --json" "$target" "${args[@]:3}"
    expect_eq "digest" "$merged" "${first#"$target@"}"
    expect_eq "changed" "$(report .changed)" false
    expect_eq "previous" "$(report .previous)" "\"$merged\""
    expect_eq "manifestsPushed" "$(report .manifestsPushed)" "[]"
    expect_eq "mounted" "$(report .mounted)" "[]"
    expect_eq "uploaded" "$(report .uploaded)" "[]"
    expect_eq "changes" "$(report .changes)" "[]"
    expect_digest plain "$target" "$merged" "after three runs"
    expect_eq "write requests on $repo in the registry log after the 2nd and 3rd runs" \
        "$(writes_logged "$repo")" "$writes"
    pass "a second identical run: same digest, changed=false, no PUT/POST (trace and registry log)"
}

run_merge_case "$@"
