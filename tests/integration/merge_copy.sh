#!/usr/bin/env bash
# `mmerge merge` copies into the target repository only what it lacks: nothing for sources in the
# target repository, cross-repository mounts within a registry (never an upload), a streamed
# copy from another registry (digests unchanged); in the three auth modes (plain HTTP, HTTPS +
# Basic, HTTPS + bearer tokens: one token request per run). Cross-checked with `skopeo inspect`.
# Usage: merge_copy.sh CASE (every case_* below is a CTest test: integration/merge_copy/CASE).
# shellcheck source=merge_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/merge_lib.sh"

three=(oci-linux-amd64 docker-linux-arm64 oci-linux-s390x)

# Sorted lines of the report's array $1 (mounted, uploaded, existing, manifestsPushed).
report_list() {
    jq -r ".$1[]" "$tmp/report.json" | sort
}

expect_report_list() { # what array expected-lines
    expect_eq "$1: .$2 of the --json report" "$(report_list "$2")" "$3"
}

# The catalog digests of the fixtures, sorted, one a line.
digests_of() {
    local f
    for f in "$@"; do catalog_digest "$f"; done | sort
}

case_sources_in_the_target_repository() {
    local host repo target arm
    host=$(registry_of plain)
    repo=$(repo_for index)
    copy_image plain fixtures/oci-linux-amd64:latest "$repo:amd"
    copy_image plain fixtures/docker-linux-arm64:latest "$repo:arm"
    arm=$(catalog_digest docker-linux-arm64)
    target=$host/$repo:v1
    # One source by tag, one by digest, both in the target repository.
    merge_json "sources in the target repository" "$target" --add "$host/$repo:amd" \
        --add "$host/$repo@$arm=linux/arm64"
    expect_report_list "nothing to copy" mounted ""
    expect_report_list "nothing to copy" uploaded ""
    expect_report_list "the children are there already" manifestsPushed ""
    expect_eq "changed" "$(report .changed)" true
    check_index "sources in the target repository" plain "$target" "$oci_index" \
        oci-linux-amd64 docker-linux-arm64
    pass "sources in the target repository: no mount, no upload, no child push; the index is right"
}

# merged_by_mount MODE: 3 fixtures of other repositories of MODE's registry merged into a new
# repository: every blob is mounted (none uploaded), every child pushed by digest.
merged_by_mount() {
    local mode=$1 host target opts
    host=$(registry_of "$mode")
    target=$host/$(repo_for index):v1
    mapfile -t opts < <(access_opts "$mode")
    merge_json "$mode: merge from other repositories" "$target" "${opts[@]}" \
        --add "$(src "$mode" oci-linux-amd64)" --add "$(src "$mode" docker-linux-arm64)=linux/arm64" \
        --add "$(src "$mode" oci-linux-s390x)"
    load_blobs "$mode" "${three[@]}"
    expect_report_list "$mode: every config and layer mounted" mounted "$blobs"
    expect_report_list "$mode: nothing uploaded" uploaded ""
    expect_report_list "$mode: the new repository had no blob" existing ""
    expect_report_list "$mode: children pushed by digest" manifestsPushed "$(digests_of "${three[@]}")"
    expect_eq "$mode: changed" "$(report .changed)" true
    expect_eq "$mode: previous" "$(report .previous)" null
    check_index "$mode: merge from other repositories" "$mode" "$target" "$oci_index" "${three[@]}"
}

case_plain_other_repositories_are_mounted() {
    merged_by_mount plain
    pass "plain HTTP: blobs of other repositories mounted, not uploaded"
}

# Also guards concurrent first requests to a Basic registry: the sources are resolved together,
# all sent before the registry's first 401 taught mmerge that it wants Basic; a request whose 401
# arrives after another one learned it must answer with the credentials, not give up.
case_basic_other_repositories_are_mounted() {
    merged_by_mount basic
    pass "HTTPS + Basic (--ca-file, --auth-file): blobs mounted, not uploaded"
}

case_token_other_repositories_are_mounted_with_one_token() {
    local repo before after
    repo=$(repo_for index)
    before=$(token_requests_for "$repo")
    merged_by_mount token
    after=$(token_requests_for "$repo")
    expect_eq "token requests of the run (issuer log lines with push on $repo)" $((after - before)) 1
    # That one token carried push on the target and pull on every source.
    grep -F "\"repository:$repo:pull,push\"" "$MMERGE_RIG_ISSUER_LOG" | tail -n 1 >"$tmp/issued"
    local f
    for f in "${three[@]}"; do
        jq -e --arg s "repository:fixtures/$f:pull" '.granted | index($s)' "$tmp/issued" >/dev/null ||
            fail "the run's token does not grant pull on fixtures/$f: $(jq -c .granted "$tmp/issued")"
    done
    pass "HTTPS + token: blobs mounted with one token carrying every scope (one token request)"
}

# merged_across MODE: fixtures of the plain registry merged into MODE's registry: every blob
# copied by upload (none mounted), the children's digests unchanged.
merged_across() {
    local mode=$1 target opts
    target=$(registry_of "$mode")/$(repo_for index):v1
    mapfile -t opts < <(access_opts "$mode")
    merge_json "plain -> $mode" "$target" "${opts[@]}" \
        --add "$(src plain oci-linux-amd64)" --add "$(src plain docker-linux-arm64)" \
        --add "$(src plain oci-linux-s390x)=linux/s390x"
    load_blobs plain "${three[@]}"
    expect_report_list "plain -> $mode: every config and layer uploaded" uploaded "$blobs"
    expect_report_list "plain -> $mode: nothing mounted across registries" mounted ""
    expect_report_list "plain -> $mode: children pushed by digest" manifestsPushed "$(digests_of "${three[@]}")"
    check_index "plain -> $mode" "$mode" "$target" "$oci_index" "${three[@]}"
    # The children as the target registry serves them: byte for byte the sources' manifests.
    local f digest
    for f in "${three[@]}"; do
        digest=$(catalog_digest "$f")
        expect_digest "$mode" "${target%:v1}@$digest" "$digest" "plain -> $mode: child $f"
    done
}

case_other_registry_plain_to_basic_streams_blobs() {
    merged_across basic
    pass "plain -> HTTPS + Basic: blobs uploaded, children's digests unchanged"
}

case_other_registry_plain_to_token_streams_blobs() {
    local repo before after
    repo=$(repo_for index)
    before=$(token_requests_for "$repo")
    merged_across token
    after=$(token_requests_for "$repo")
    expect_eq "token requests of the run (push on $repo)" $((after - before)) 1
    pass "plain -> HTTPS + token: blobs uploaded, children's digests unchanged, one token"
}

run_merge_case "$@"
