# shellcheck shell=bash
# Shared by the `mmerge merge` integration tests (sourced, not run; it has no cases).
# The binary comes from CMake: $MMERGE_BIN (tests/integration/CMakeLists.txt passes
# $<TARGET_FILE:mmerge>). Every run of mmerge gets a fresh, empty $HOME and $XDG_RUNTIME_DIR and
# none of the caller's credential variables: it finds only what a case passes (--auth-file).
#
# Every case writes only to repositories of its own, merge-it/<case>-<run id>, so the cases run in
# parallel (ctest -j) and again on the same rig. Results are cross-checked with
# `skopeo inspect --raw` (the index digest is the sha256 of the bytes skopeo reads) and with
# fixtures/images/catalog.tsv (the digest, media type and platform of every fixture).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${MMERGE_BIN:-} && -x ${MMERGE_BIN:-} ]] ||
    fail "MMERGE_BIN=\"${MMERGE_BIN:-}\" is not an executable: run these tests through ctest \
(tests/integration/CMakeLists.txt sets it to the built mmerge)"

unset REGISTRY_AUTH_FILE DOCKER_CONFIG MMERGE_USERNAME MMERGE_PASSWORD
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# The index media types the case scripts expect.
# shellcheck disable=SC2034
oci_index=application/vnd.oci.image.index.v1+json
# shellcheck disable=SC2034
docker_list=application/vnd.docker.distribution.manifest.list.v2+json

# Unique per run of a case script: the repositories a case writes are merge-it/<case>-$run_id.
run_id=$(printf '%x%x%x' "$(date +%s)" "$$" "$RANDOM")
case_name=""

# --- running mmerge ------------------------------------------------------------------------------

# mm ARGS...: runs mmerge; stdout in $tmp/out, stderr in $tmp/err, exit status in $status.
mm() {
    status=0
    "$MMERGE_BIN" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
}

# What the last mmerge run printed, for failure messages (the rig's passwords never reach argv
# or mmerge's output: they stay in the rig's auth files).
shown() {
    printf '\n--- stdout:\n%s\n--- stderr:\n%s\n' "$(head -c 6000 "$tmp/out")" "$(head -c 6000 "$tmp/err")"
}

expect_status() { # what expected
    [[ $status == "$2" ]] || fail "$1: exit status $status, expected $2$(shown)"
}

# expect_err WHAT STRING: stderr of the last run contains STRING (fixed text).
expect_err() {
    grep -qF -- "$2" "$tmp/err" || fail "$1: stderr does not contain \"$2\"$(shown)"
}

# Options for mmerge to reach mode $1 as the writer, one per line (read them with mapfile).
# plain needs none: mmerge falls back to plain HTTP by itself for a loopback registry.
access_opts() {
    case $1 in
    plain) ;;
    basic | token) printf '%s\n' --ca-file "$MMERGE_RIG_CA" --auth-file "$MMERGE_RIG_AUTH_FILE" ;;
    *) fail "access_opts: unknown mode $1" ;;
    esac
}

# merge_ok WHAT TARGET ARGS...: runs `mmerge merge --target TARGET ARGS...`, which must succeed
# with exactly one line on stdout, `TARGET@sha256:<64 hex>`, and nothing on stderr (no terminal,
# no -v: no progress). Sets $merged to the digest it printed.
merge_ok() {
    local what=$1 target=$2 line
    shift 2
    mm merge --target "$target" "$@"
    expect_status "$what" 0
    [[ $(wc -l <"$tmp/out") == 1 ]] || fail "$what: stdout is not exactly one line$(shown)"
    line=$(cat "$tmp/out")
    [[ $line == "$target@sha256:"* && ${line#"$target@"} =~ ^sha256:[0-9a-f]{64}$ ]] ||
        fail "$what: stdout is not \"$target@sha256:<64 hex>\"$(shown)"
    [[ ! -s $tmp/err ]] || fail "$what: stderr is not empty$(shown)"
    merged=${line#"$target@"}
}

# merge_json WHAT TARGET ARGS...: as merge_ok with --json: stdout is one JSON report, kept in
# $tmp/report.json; $merged is its digest.
merge_json() {
    local what=$1 target=$2
    shift 2
    mm merge --target "$target" --json "$@"
    expect_status "$what" 0
    [[ $(wc -l <"$tmp/out") == 1 ]] || fail "$what: --json printed more than one line$(shown)"
    cp "$tmp/out" "$tmp/report.json"
    merged=$(jq -er .digest "$tmp/report.json") || fail "$what: the report has no digest$(shown)"
    expect_eq "$what: report target" "$(jq -r .target "$tmp/report.json")" "$target"
}

# report FILTER: jq -cS FILTER on the last --json report.
report() {
    jq -cS "$1" "$tmp/report.json"
}

# --- names ---------------------------------------------------------------------------------------

# repo_for NAME: this case's repository NAME (merge-it/<case>-<name>-<run id>).
repo_for() {
    local c=${case_name//_/-}
    echo "merge-it/$c-$1-$run_id"
}

# src MODE FIXTURE: the reference of a fixture image in MODE's registry (tag latest).
src() {
    echo "$(registry_of "$1")/fixtures/$2"
}

# catalog_digest FIXTURE / catalog_media FIXTURE / catalog_platform FIXTURE.
catalog_digest() { awk '{ print $2 }' <<<"$(catalog_row "$1")"; }
catalog_media() { awk '{ print $1 }' <<<"$(catalog_row "$1")"; }
catalog_platform() {
    awk -F'\t' -v n="$1" '$1 == n { print $5; found = 1 } END { exit !found }' "$catalog" ||
        fail "fixture $1 is not in $catalog"
}

# --- the registry as skopeo and curl see it ------------------------------------------------------

# raw MODE REF FILE: the manifest bytes at REF as skopeo reads them, into FILE; prints their
# sha256 digest (the manifest's digest).
raw() {
    local opts
    mapfile -t opts < <(skopeo_opts "$1" writer)
    skopeo inspect --raw "${opts[@]}" "docker://$2" >"$3" 2>"$tmp/skopeo.log" ||
        fail "skopeo inspect --raw $2 failed: $(tail -n 3 "$tmp/skopeo.log")"
    echo "sha256:$(sha256sum <"$3" | cut -d' ' -f1)"
}

# expect_absent MODE REF WHAT: skopeo finds no manifest at REF.
expect_absent() {
    local opts
    mapfile -t opts < <(skopeo_opts "$1" writer)
    if skopeo inspect --raw "${opts[@]}" "docker://$2" >/dev/null 2>"$tmp/skopeo.log"; then
        fail "$3: $2 exists, it must not"
    fi
    grep -qi 'manifest unknown' "$tmp/skopeo.log" ||
        fail "$3: skopeo failed on $2 for another reason than an absent manifest: $(tail -n 2 "$tmp/skopeo.log")"
}

# expect_digest MODE REF DIGEST WHAT: skopeo reads a manifest with DIGEST at REF.
expect_digest() {
    expect_eq "$4: digest of $2 (skopeo inspect --raw | sha256sum)" "$(raw "$1" "$2" "$tmp/check.json")" "$3"
}

# registry_status MODE REPO [curl args...] PATH: the registry's status for /v2/REPO/PATH as the
# writer (a token for the repository in token mode); body in $tmp/body.
registry_status() {
    local mode=$1 repo=$2 host tok
    shift 2
    host=$(registry_of "$mode")
    local args=("$@")
    local path=${args[-1]}
    unset 'args[-1]'
    case $mode in
    plain) http anonymous "${args[@]}" "http://$host/v2/$repo/$path" ;;
    basic) http writer "${args[@]}" "https://$host/v2/$repo/$path" ;;
    token)
        tok=$(token writer "repository:$repo:pull")
        http_bearer "$tok" "${args[@]}" "https://$host/v2/$repo/$path"
        ;;
    esac
}

# manifest_status MODE REPO DIGEST: the registry's status for HEAD of manifest DIGEST in REPO
# (with the full Accept list: without it distribution answers 404 for OCI content).
manifest_status() {
    registry_status "$1" "$2" --head -H "Accept: $accept_manifests" "manifests/$3"
}

# blob_status MODE REPO DIGEST: the registry's status for HEAD of blob DIGEST in REPO.
blob_status() {
    registry_status "$1" "$2" --head "blobs/$3"
}

# expect_nothing_written MODE REPO WHAT FIXTURE...: REPO has no tag at all (the registry does not
# know it), and none of the fixtures' manifests, configs or layers (what a merge of them would
# have pushed or mounted there).
expect_nothing_written() {
    local mode=$1 repo=$2 what=$3 code f b
    shift 3
    code=$(registry_status "$mode" "$repo" tags/list)
    if [[ $code != 404 ]] || ! grep -q NAME_UNKNOWN "$tmp/body"; then
        fail "$what: $repo has tags (GET tags/list: $code $(head -c 300 "$tmp/body"))"
    fi
    for f in "$@"; do
        code=$(manifest_status "$mode" "$repo" "$(catalog_digest "$f")")
        expect_eq "$what: HEAD of $f's manifest in $repo" "$code" 404
    done
    load_blobs "$mode" "$@"
    for b in $blobs; do
        code=$(blob_status "$mode" "$repo" "$b")
        expect_eq "$what: HEAD of blob $b in $repo" "$code" 404
    done
}

# entries FILE: one sorted line per entry of the index in FILE: "digest mediaType platform", the
# platform as catalog.tsv writes it (os/arch[/variant][:os.version]), or "attestation-of <digest>"
# for a buildx attestation entry.
entries() {
    jq -r '.manifests[] | (.annotations // {}) as $a
        | if $a["vnd.docker.reference.type"] == "attestation-manifest"
          then "\(.digest) \(.mediaType) attestation-of \($a["vnd.docker.reference.digest"])"
          else "\(.digest) \(.mediaType) \(.platform.os)/\(.platform.architecture)"
            + (if .platform.variant then "/\(.platform.variant)" else "" end)
            + (if .platform["os.version"] then ":\(.platform["os.version"])" else "" end)
          end' "$1" | sort
}

# fixture_entry FIXTURE: the entry line (as `entries` prints it) the index must hold for FIXTURE.
fixture_entry() {
    printf '%s %s %s\n' "$(catalog_digest "$1")" "$(catalog_media "$1")" "$(catalog_platform "$1")"
}

# expect_entries WHAT FILE LINE...: the index in FILE holds exactly the entries LINE... (any order).
expect_entries() {
    local what=$1 file=$2
    shift 2
    printf '%s\n' "$@" | sort >"$tmp/expected-entries"
    entries "$file" >"$tmp/actual-entries"
    diff -u "$tmp/expected-entries" "$tmp/actual-entries" >"$tmp/entries.diff" ||
        fail "$what: the index entries differ (- expected, + actual): $(cat "$tmp/entries.diff")"
}

# check_index WHAT MODE TARGET MEDIA_TYPE FIXTURE...: the index at TARGET, as skopeo reads it, has
# the digest mmerge printed ($merged), MEDIA_TYPE, and exactly one entry per FIXTURE with the
# fixture's digest, media type and platform. The raw index is left in $tmp/index.json.
check_index() {
    local what=$1 mode=$2 target=$3 media=$4 lines=() f
    shift 4
    expect_eq "$what: digest of $target (skopeo inspect --raw | sha256sum)" \
        "$(raw "$mode" "$target" "$tmp/index.json")" "$merged"
    expect_eq "$what: mediaType of the index" "$(jq -r .mediaType "$tmp/index.json")" "$media"
    for f in "$@"; do lines+=("$(fixture_entry "$f")"); done
    expect_entries "$what" "$tmp/index.json" "${lines[@]}"
}

# load_blobs MODE FIXTURE...: sets $blobs to the sorted unique config and layer digests of the
# fixture images (one a line), read with skopeo; fails the test when they cannot be read.
load_blobs() {
    local mode=$1 f
    shift
    blobs=$(for f in "$@"; do
        raw "$mode" "$(src "$mode" "$f")" "$tmp/blobs-src.json" >/dev/null
        jq -er '.config.digest, .layers[].digest' "$tmp/blobs-src.json"
    done | sort -u)
    [[ -n $blobs ]] || fail "no blobs read for $*"
}

# copy_image MODE FROM TO: copies image FROM to TO (repository:tag) inside MODE's registry with
# skopeo, digests preserved.
copy_image() {
    local host sopts=() dopts=()
    host=$(registry_of "$1")
    if [[ $1 == plain ]]; then
        sopts=(--src-tls-verify=false)
        dopts=(--dest-tls-verify=false)
    else
        sopts=(--src-tls-verify=true --src-cert-dir "$MMERGE_RIG_CERT_DIR" --src-authfile "$MMERGE_RIG_AUTH_FILE")
        dopts=(--dest-tls-verify=true --dest-cert-dir "$MMERGE_RIG_CERT_DIR" --dest-authfile "$MMERGE_RIG_AUTH_FILE")
    fi
    skopeo --insecure-policy copy --quiet --preserve-digests "${sopts[@]}" "${dopts[@]}" \
        "docker://$host/$2" "docker://$host/$3" >"$tmp/copy.log" 2>&1 ||
        fail "skopeo copy $2 -> $3 in $1 failed: $(tail -n 3 "$tmp/copy.log")"
}

# token_requests_for REPO: how many token requests the issuer logged with push on REPO.
token_requests_for() {
    [[ -f $MMERGE_RIG_ISSUER_LOG ]] || fail "the issuer log $MMERGE_RIG_ISSUER_LOG does not exist"
    grep -cF "\"repository:$1:pull,push\"" "$MMERGE_RIG_ISSUER_LOG" || true
}

# Runs case_$1 of the sourcing script.
run_merge_case() {
    declare -F "case_${1:-}" >/dev/null || fail "unknown test case \"${1:-}\" in $0"
    load_rig_env
    case_name=$1
    "case_$1"
}
