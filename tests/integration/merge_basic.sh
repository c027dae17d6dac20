#!/usr/bin/env bash
# `mmerge merge` against the rig: 2, 3 and 6 platforms from OCI, Docker and mixed sources, the
# index type each gives (auto, --format oci, --format docker), and Windows os.version entries.
# Every result is cross-checked with `skopeo inspect --raw` and catalog.tsv.
# Usage: merge_basic.sh CASE (every case_* below is a CTest test: integration/merge_basic/CASE).
# shellcheck source=merge_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/merge_lib.sh"

six_oci=(oci-linux-amd64 oci-linux-arm64 oci-linux-arm-v7 oci-linux-ppc64le oci-linux-s390x
    oci-windows-amd64-10.0.17763.5329)
six_docker=(docker-linux-amd64 docker-linux-arm64 docker-linux-arm-v7 docker-linux-ppc64le
    docker-linux-s390x docker-windows-amd64-10.0.17763.5329)

# merge_fixtures MEDIA_TYPE [OPTION...] -- FIXTURE...: merges the fixtures (plain registry) into a
# new target of this case, which must become an index of MEDIA_TYPE with exactly their entries.
merge_fixtures() {
    local media=$1 options=() adds=() f target
    shift
    while [[ $1 != -- ]]; do
        options+=("$1")
        shift
    done
    shift
    for f in "$@"; do adds+=(--add "$(src plain "$f")"); done
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "merge of $*" "$target" "${adds[@]}" "${options[@]}"
    check_index "merge of $*" plain "$target" "$media" "$@"
}

case_oci_two_platforms() {
    merge_fixtures "$oci_index" -- oci-linux-amd64 oci-linux-arm64
    pass "2 OCI images -> an OCI index with their 2 entries, digests unchanged"
}

case_oci_three_platforms() {
    merge_fixtures "$oci_index" -- oci-linux-amd64 oci-linux-arm64 oci-linux-arm-v7
    pass "3 OCI images -> an OCI index with their 3 entries"
}

case_oci_six_platforms() {
    merge_fixtures "$oci_index" -- "${six_oci[@]}"
    pass "6 OCI images (5 linux + windows) -> an OCI index with their 6 entries"
}

case_docker_two_platforms() {
    merge_fixtures "$docker_list" -- docker-linux-amd64 docker-linux-arm64
    pass "2 Docker schema 2 images -> a Docker manifest list"
}

case_docker_three_platforms() {
    merge_fixtures "$docker_list" -- docker-linux-amd64 docker-linux-arm64 docker-linux-arm-v7
    pass "3 Docker schema 2 images -> a Docker manifest list"
}

case_docker_six_platforms() {
    merge_fixtures "$docker_list" -- "${six_docker[@]}"
    pass "6 Docker schema 2 images (5 linux + windows) -> a Docker manifest list"
}

case_mixed_sources_give_oci_index() {
    # Children keep their own media type (never converted): one OCI, two Docker entries.
    merge_fixtures "$oci_index" -- oci-linux-amd64 docker-linux-arm64 docker-linux-s390x
    pass "OCI + Docker sources -> an OCI index, each child keeping its media type"
}

case_format_oci_with_docker_sources() {
    merge_fixtures "$oci_index" --format oci -- docker-linux-amd64 docker-linux-arm64
    pass "--format oci with Docker sources -> an OCI index of Docker children"
}

case_format_docker_with_oci_source_is_refused() {
    local repo target
    repo=$(repo_for index)
    target=$(registry_of plain)/$repo:v1
    mm merge --target "$target" --format docker \
        --add "$(src plain docker-linux-amd64)" --add "$(src plain oci-linux-arm64)"
    expect_status "--format docker with an OCI source" 2
    expect_err "the message names the OCI child" "$(catalog_digest oci-linux-arm64)"
    expect_err "the message names its media type" "application/vnd.oci.image.manifest.v1+json"
    expect_absent plain "$target" "--format docker refused"
    expect_nothing_written plain "$repo" "--format docker refused" docker-linux-amd64 oci-linux-arm64
    pass "--format docker with an OCI source: exit 2, names the child, writes nothing"
}

case_windows_os_versions_are_distinct() {
    local target
    target=$(registry_of plain)/$(repo_for index):v1
    merge_ok "two windows/amd64 images with other os.version" "$target" \
        --add "$(src plain oci-windows-amd64-10.0.17763.5329)=windows/amd64:10.0.17763.5329" \
        --add "$(src plain oci-windows-amd64-10.0.20348.2227)" \
        --add "$(src plain oci-linux-amd64)"
    check_index "windows os.version" plain "$target" "$oci_index" \
        oci-windows-amd64-10.0.17763.5329 oci-windows-amd64-10.0.20348.2227 oci-linux-amd64
    pass "windows/amd64 10.0.17763 and 10.0.20348 are two entries, each with its os.version"
}

run_merge_case "$@"
