#!/usr/bin/env bash
# Concurrent writers: per-arch CI jobs that each add their platform to one shared tag at the same
# moment (update mode). Registries have no compare-and-swap on tags, so mmerge must notice a
# concurrent write (HEAD before the PUT, check after a settle delay) and merge again: the final
# index must always hold every job's platform.
# Usage: merge_concurrency.sh CASE (every case_* below is a CTest test:
# integration/merge_concurrency/CASE).
# shellcheck source=merge_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/merge_lib.sh"

iterations=20

# start_writer NAME TARGET SOURCE [OPTION...]: runs `mmerge merge --json` in the background once
# $tmp/go exists (so both writers start at the same moment); output in $tmp/NAME.{out,err,rc}.
start_writer() {
    (
        until [[ -e $tmp/go ]]; do sleep 0.002; done
        rc=0
        "$MMERGE_BIN" merge --target "$2" --add "$3" "${@:4}" --json >"$tmp/$1.out" 2>"$tmp/$1.err" || rc=$?
        echo "$rc" >"$tmp/$1.rc"
    ) &
}

# writer_result NAME WHAT: the writer exited 0 with a JSON report; prints its attempts.
writer_result() {
    local rc
    rc=$(cat "$tmp/$1.rc")
    [[ $rc == 0 ]] || fail "$2: exit status $rc$(printf '\n--- stdout:\n%s\n--- stderr:\n%s' "$(cat "$tmp/$1.out")" "$(cat "$tmp/$1.err")")"
    jq -er .attempts "$tmp/$1.out" || fail "$2: no JSON report: $(cat "$tmp/$1.out")"
}

# two_writers MODE: $iterations times, two writers add linux/amd64 and linux/arm64 to a fresh tag
# of MODE's registry at the same moment; the final index must hold exactly both. Sets $remerged
# to how many iterations needed a re-merge.
two_writers() {
    local mode=$1 host repo target i attempts_a attempts_b opts
    remerged=0
    host=$(registry_of "$mode")
    repo=$(repo_for index)
    mapfile -t opts < <(access_opts "$mode")
    for ((i = 1; i <= iterations; i++)); do
        target=$host/$repo:it-$i
        rm -f "$tmp/go"
        start_writer amd "$target" "$(src "$mode" oci-linux-amd64)" "${opts[@]}"
        start_writer arm "$target" "$(src "$mode" oci-linux-arm64)=linux/arm64" "${opts[@]}"
        touch "$tmp/go"
        wait
        attempts_a=$(writer_result amd "$mode, iteration $i, the amd64 writer")
        attempts_b=$(writer_result arm "$mode, iteration $i, the arm64 writer")
        if ((attempts_a > 1 || attempts_b > 1)); then remerged=$((remerged + 1)); fi
        raw "$mode" "$target" "$tmp/index.json" >/dev/null
        expect_entries "$mode, iteration $i: the final index at $target (attempts: amd64 writer $attempts_a, arm64 writer $attempts_b)" \
            "$tmp/index.json" "$(fixture_entry oci-linux-amd64)" "$(fixture_entry oci-linux-arm64)"
    done
}

case_two_writers_adding_different_platforms() {
    two_writers plain
    pass "plain: $iterations x two concurrent writers (amd64, arm64) on a fresh tag: both platforms every time; $remerged iteration(s) needed a re-merge (.attempts > 1)"
}

case_two_writers_adding_different_platforms_token() {
    two_writers token
    pass "token: $iterations x two concurrent writers (amd64, arm64) on a fresh tag: both platforms every time; $remerged iteration(s) needed a re-merge (.attempts > 1)"
}

run_merge_case "$@"
