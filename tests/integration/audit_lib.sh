# shellcheck shell=bash
# Shared by the `mmerge audit` integration tests (sourced, not run; it has no cases).
# mmerge runs as inspect_lib.sh sets it up ($MMERGE_BIN from CMake, an empty $HOME, no caller
# credentials, secrets redacted from what a failure shows). The registries are seeded once with
# audit_seed.sh's plan; what audit must report for every seeded tag is derived here from that plan
# and the table of recipes below, so a case compares mmerge's whole report with it.
# shellcheck source=inspect_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/inspect_lib.sh"
# shellcheck source=audit_seed.sh
source "$(dirname "${BASH_SOURCE[0]}")/audit_seed.sh"

# What every case requires, unless it says otherwise (used by the scripts that source this file).
# shellcheck disable=SC2034
require=linux/amd64,linux/arm64

# What `mmerge audit --require linux/amd64,linux/arm64` reports for a tag of each recipe of the
# seed: kind, platforms served (index order), missing, duplicates, dangling entries (fixtures
# whose manifest is gone), attestation entries, and the lie --deep finds
# (FIXTURE:DECLARED:ACTUAL, the fixture the entry points at). '-' is none.
recipe_table() {
    cat <<'EOF'
full           index       linux/amd64,linux/arm64               -            -           -                0 -
noarm          index       linux/amd64                           linux/arm64  -           -                0 -
noarm-v7       index       linux/amd64,linux/arm/v7              linux/arm64  -           -                0 -
three          index       linux/amd64,linux/arm64,linux/arm/v7  -            -           -                0 -
lie-mislabeled index       linux/amd64,linux/arm64               -            -           -                0 mislabeled-arm64:linux/arm64:linux/amd64
lie-same       index       linux/amd64,linux/arm64               -            -           -                0 oci-linux-amd64:linux/arm64:linux/amd64
dangling       index       linux/amd64                           linux/arm64  -           oci-linux-arm64  0 -
dup            index       linux/amd64,linux/arm64               -            linux/amd64 -                0 -
dockerlist     docker-list linux/amd64,linux/arm64               -            -           -                0 -
buildx         index       linux/amd64,linux/arm64               -            -           -                2 -
amd            image       linux/amd64                           linux/arm64  -           -                0 -
arm            image       linux/arm64                           linux/amd64  -           -                0 -
EOF
}

# load_recipe_digests: fills recipe_digests for every recipe of recipe_table. Building the
# manifests takes a second on a busy machine, so the digests are kept in the rig's directory,
# per version of the seed (the file is written whole, then renamed: readers never see half).
load_recipe_digests() {
    local cache r d
    cache=${MMERGE_RIG_DIR:?rig.env lacks MMERGE_RIG_DIR}/audit-recipes-$(seed_marker).txt
    if [[ ! -s $cache ]]; then
        for r in $(recipe_table | cut -d' ' -f1); do
            printf '%s %s\n' "$r" "$(recipe_digest "$r")"
        done >"$cache.$$"
        mv -f "$cache.$$" "$cache"
    fi
    while read -r r d; do recipe_digests[$r]=$d; done <"$cache"
}

# recipes_json DEEP: one JSON object, recipe -> the fields of its report line but repository and
# tag (DEEP is 0 or 1: whether lies are found).
recipes_json() {
    local deep=$1 recipe kind platforms missing dup dangling att lie d rows=()
    load_recipe_digests
    while read -r recipe kind platforms missing dup dangling att lie; do
        [[ $dangling == - ]] || dangling=$(fixture_digest "$dangling")
        if [[ $lie != - && $deep == 1 ]]; then
            lie="$(fixture_digest "${lie%%:*}"):${lie#*:}"
        else
            lie=-
        fi
        d=${recipe_digests[$recipe]:?no digest for recipe $recipe}
        rows+=("$recipe $d $kind $platforms $missing $dup $dangling $att $lie")
    done < <(recipe_table)
    printf '%s\n' "${rows[@]}" | jq -R -cs '
        def list: if . == "-" then [] else split(",") end;
        [split("\n")[] | select(. != "") | split(" ")
         | . as [$r, $digest, $kind, $platforms, $missing, $dup, $dangling, $att, $lie]
         | {digest: $digest, kind: $kind, platforms: ($platforms | list),
            missing: ($missing | list), duplicates: ($dup | list),
            lies: ($lie | list | map(split(":") | {digest: "\(.[0]):\(.[1])",
                                                   declared: .[2], actual: .[3]})),
            dangling: ($dangling | list), attestations: ($att | tonumber), error: null}
         | .complete = (.missing == [] and .duplicates == [] and .lies == [] and .dangling == [])
         | {key: $r, value: .}] | from_entries'
}

# expected_json HOST DEEP: reads "REPOSITORY TAG RECIPE" lines (a part of audit_plan) on stdin;
# prints the JSON lines audit must report for them, compact with sorted keys, sorted.
expected_json() {
    local host=$1 deep=$2 recipes
    recipes=$(recipes_json "$deep")
    [[ $(jq length <<<"$recipes") == "$(recipe_table | wc -l)" ]] ||
        fail "expected_json: the recipe table did not convert: $recipes"
    jq -R -c -S --arg host "$host" --argjson recipes "$recipes" '
        split(" ") as [$repo, $tag, $recipe]
        | {repository: "\($host)/\($repo)", tag: $tag} + $recipes[$recipe]' | LC_ALL=C sort
}

# expected_summary: the summary of the expected JSON lines on stdin, without requests.
expected_summary() {
    jq -cS -s '{summary: {
        repositories: (map(.repository) | unique | length),
        tags: length,
        complete: map(select(.complete)) | length,
        missing: (map(.missing[]) | group_by(.) | map({key: .[0], value: length}) | from_entries),
        lies: (map(.lies | length) | add),
        dangling: (map(.dangling | length) | add),
        duplicates: (map(.duplicates | length) | add),
        errors: 0}}'
}

# expected_table: the table audit prints for the expected JSON lines on stdin (rows sorted, as
# sorted_table prints mmerge's), header first, summary sentence last.
expected_table() {
    local lines
    lines=$(cat)
    printf 'TAG\tKIND\tPLATFORMS\tSTATUS\n'
    jq -r '([.missing[] | "missing \(.)"] + [.duplicates[] | "duplicate \(.)"]
            + [.lies[] | "lie: \(.digest[0:19]) claims \(.declared), is \(.actual)"]
            + [.dangling[] | "dangling \(.[0:19])"]) as $status
        | [.repository + ":" + .tag, .kind,
           (if .platforms == [] then "-" else .platforms | join(",") end),
           (if $status == [] then "ok" else $status | join("; ") end)] | join("\t")' \
        <<<"$lines" | LC_ALL=C sort
    echo
    jq -r -s '"\(length) tags in \(map(.repository) | unique | length) repositories: "
        + "\(map(select(.complete)) | length) complete"
        + (map(.missing[]) | group_by(.) | map(", \(length) missing \(.[0])") | join(""))
        + ", \(map(.lies | length) | add) lies, \(map(.dangling | length) | add) dangling, "
        + "\(map(.duplicates | length) | add) duplicates, 0 errors"' <<<"$lines"
}

# plan_of MODE ERE: the lines of MODE's seed whose repository matches the extended regex ERE.
plan_of() {
    audit_plan "$1" | awk -v re="$2" '$1 ~ re'
}

# --- reading mmerge's report ---------------------------------------------------------------------

# tag_lines: the per-tag JSON lines of the last `audit --json` (compact, sorted keys), sorted.
tag_lines() {
    jq -cS 'select(has("summary") | not)' "$tmp/out" | LC_ALL=C sort ||
        fail "stdout is not JSON lines$(shown)"
}

# summary_line: the summary of the last `audit --json`, which must be its last line, and only one.
summary_line() {
    [[ $(jq -c 'select(has("summary"))' "$tmp/out" | wc -l) == 1 ]] ||
        fail "the report has not exactly one summary line$(shown)"
    tail -n 1 "$tmp/out" | jq -cS 'select(has("summary"))' ||
        fail "the summary is not the last line$(shown)"
}

# sorted_table: the last table output with its rows sorted (they come as tags finish).
sorted_table() {
    local rows
    head -n 1 "$tmp/out"
    rows=$(sed -n '2,$p' "$tmp/out" | sed '/^$/,$d')
    [[ -n $rows ]] && LC_ALL=C sort <<<"$rows"
    sed -n '/^$/,$p' "$tmp/out"
}

# expect_report WHAT EXPECTED_FILE: the per-tag JSON lines of the last run are exactly those of
# EXPECTED_FILE (sorted JSON lines), and the summary agrees with them.
expect_report() {
    tag_lines >"$tmp/actual.jsonl"
    diff -u "$2" "$tmp/actual.jsonl" >"$tmp/diff" ||
        fail "$1: the report differs from the seed's known coverage (- expected, + mmerge):
$(head -n 60 "$tmp/diff")"
    expect_eq "$1: summary (without requests)" "$(summary_line | jq -cS 'del(.summary.requests)')" \
        "$(expected_summary <"$2")"
}

# repositories_of_report: the repositories (without the host) of the last --json report, sorted.
repositories_of_report() {
    jq -r 'select(has("summary") | not) | .repository | sub("^[^/]*/"; "")' "$tmp/out" |
        LC_ALL=C sort -u
}

# Options for mmerge to reach mode $1 as $2 (writer|reader), one per line (read with mapfile).
access_opts() {
    case $1 in
    plain) ;;
    basic | token)
        printf '%s\n' --ca-file "$MMERGE_RIG_CA" --auth-file
        if [[ ${2:-writer} == reader ]]; then
            echo "$MMERGE_RIG_READER_AUTH_FILE"
        else
            echo "$MMERGE_RIG_AUTH_FILE"
        fi
        ;;
    esac
}

# Runs case_$1 of the sourcing script once the plain registry is seeded.
run_audit_case() {
    declare -F "case_${1:-}" >/dev/null || fail "unknown test case \"${1:-}\" in $0"
    load_inspect_env
    audit_seed plain
    "case_$1"
}
