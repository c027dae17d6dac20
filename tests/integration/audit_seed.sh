#!/usr/bin/env bash
# shellcheck shell=bash
# The seeded registry of the `mmerge audit` integration tests: a known set of repositories under
# audit/ (complete indexes, indexes without arm64, single-arch images, an index entry that lies
# about its platform, a dangling entry, a buildx index with attestations, a Docker manifest list,
# duplicate platforms, a repository with 120 tags, and 80 small repositories so that the audit/
# repositories alone span more than one page of distribution 2.8's _catalog, whose default page
# is 100 entries; its tags/list has no pagination at all).
#
# Sourced by audit_lib.sh (audit_seed MODE), or run by hand: audit_seed.sh plain|token.
#
# Seeding pushes manifests directly with curl (several parallel batches, a few seconds): blobs are
# mounted from the rig's fixtures/<name> repositories (scripts/rig load pushes them), child
# manifests are PUT by digest, then every tag. It runs once per registry: a marker tag
# (audit-seed/marker:<hash of this file and of fixtures/images/catalog.tsv>) is pushed last, and
# a flock on a file in the rig's directory makes parallel test cases (ctest -j) wait for one
# seeding instead of racing. Changing this file changes the marker, so the next run seeds again
# (restart the rig to drop what an older plan left).
#
# What each tag is (the RECIPE column of audit_plan) and what audit must report for it is in
# audit_lib.sh's expected_json.

if [[ -z ${repo_root:-} ]]; then
    # shellcheck source=lib.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

audit_seed_file=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
fixture_dir=$repo_root/fixtures/images

# audit_plan MODE: the seed, one "REPOSITORY TAG RECIPE" line per tag. plain gets the whole set;
# token a few repositories (enough for the catalog and permission cases).
audit_plan() {
    local i
    case $1 in
    plain)
        for i in 1 2 3 4 5 6 7 8; do echo "audit/clean/full-$i 1.0 full"; done
        echo "audit/clean/buildx latest buildx"
        echo "audit/clean/dockerlist latest dockerlist"
        echo "audit/clean/three latest three"
        for i in 1 2 3 4 5; do echo "audit/noarm/idx-$i 1.0 noarm"; done
        echo "audit/noarm/v7 1.0 noarm-v7"
        for i in 1 2 3 4 5; do echo "audit/single/amd-$i latest amd"; done
        for i in 1 2; do echo "audit/single/arm-$i latest arm"; done
        echo "audit/lie/mislabeled latest lie-mislabeled"
        echo "audit/lie/same-image latest lie-same"
        echo "audit/broken/dangling latest dangling"
        echo "audit/dup/amd64-twice latest dup"
        for i in full noarm amd arm three; do echo "audit/mixed $i $i"; done
        for ((i = 0; i < 120; i++)); do printf 'audit/tags/many t%03d full\n' "$i"; done
        for ((i = 0; i < 80; i++)); do printf 'audit/bulk/b%03d latest amd\n' "$i"; done
        ;;
    token)
        echo "audit/clean/full-1 1.0 full"
        echo "audit/clean/buildx latest buildx"
        echo "audit/noarm/idx-1 1.0 noarm"
        echo "audit/lie/mislabeled latest lie-mislabeled"
        echo "audit/broken/dangling latest dangling"
        ;;
    *) fail "audit_plan: no seed for mode $1" ;;
    esac
}

# recipe_entries RECIPE: the entries of an index recipe, one "FIXTURE PLATFORM" line each, in
# index order; nothing for a recipe that is a fixture pushed as is (recipe_fixture).
recipe_entries() {
    case $1 in
    full) printf '%s\n' "oci-linux-amd64 linux/amd64" "oci-linux-arm64 linux/arm64" ;;
    noarm) printf '%s\n' "oci-linux-amd64 linux/amd64" ;;
    noarm-v7) printf '%s\n' "oci-linux-amd64 linux/amd64" "oci-linux-arm-v7 linux/arm/v7" ;;
    three) printf '%s\n' "oci-linux-amd64 linux/amd64" "oci-linux-arm64 linux/arm64" \
        "oci-linux-arm-v7 linux/arm/v7" ;;
    # arm64 entry -> an image whose config says linux/amd64.
    lie-mislabeled) printf '%s\n' "oci-linux-amd64 linux/amd64" "mislabeled-arm64 linux/arm64" ;;
    # arm64 entry -> the very amd64 image of the first entry.
    lie-same) printf '%s\n' "oci-linux-amd64 linux/amd64" "oci-linux-amd64 linux/arm64" ;;
    # the arm64 child is deleted after the index is pushed (dangling_fixture).
    dangling) printf '%s\n' "oci-linux-amd64 linux/amd64" "oci-linux-arm64 linux/arm64" ;;
    # two different amd64 images (OCI and Docker forms).
    dup) printf '%s\n' "oci-linux-amd64 linux/amd64" "docker-linux-amd64 linux/amd64" \
        "oci-linux-arm64 linux/arm64" ;;
    dockerlist) printf '%s\n' "docker-linux-amd64 linux/amd64" "docker-linux-arm64 linux/arm64" ;;
    buildx | amd | arm) ;;
    *) fail "unknown audit seed recipe $1" ;;
    esac
}

# recipe_fixture RECIPE: the fixture a recipe pushes as is (its catalogued manifest), if any.
recipe_fixture() {
    case $1 in
    buildx) echo buildx-index ;;
    amd) echo oci-linux-amd64 ;;
    arm) echo oci-linux-arm64 ;;
    esac
}

# The fixture whose manifest the dangling recipe deletes from the repository once its index is
# pushed (distribution refuses an index whose child is missing).
dangling_fixture=oci-linux-arm64

# The catalogued manifest digest and media type of every fixture, read once.
declare -gA fixture_digests=() fixture_medias=()
while IFS=$'\t' read -r name _ media digest _; do
    [[ -z $name || $name == '#'* ]] && continue
    fixture_digests[$name]=$digest
    fixture_medias[$name]=$media
done <"$catalog"

# fixture_digest FIXTURE / fixture_media FIXTURE: the catalogued manifest digest and media type.
fixture_digest() {
    [[ -n ${fixture_digests[$1]:-} ]] || fail "fixture $1 is not in $catalog"
    echo "${fixture_digests[$1]}"
}
fixture_media() {
    [[ -n ${fixture_medias[$1]:-} ]] || fail "fixture $1 is not in $catalog"
    echo "${fixture_medias[$1]}"
}

# fixture_file FIXTURE DIGEST: the blob file of DIGEST in the fixture's OCI layout.
fixture_file() {
    local f=$fixture_dir/$1/blobs/sha256/${2#sha256:}
    [[ -f $f ]] || fail "audit seed: $f is missing (scripts/make-fixtures writes the layouts)"
    echo "$f"
}

# recipe_manifest RECIPE FILE: writes the manifest a recipe's tag points at into FILE and prints
# "MEDIA_TYPE DIGEST". Built indexes carry an annotation naming the recipe, so that every recipe
# has its own digest; the Docker list has no annotations (the format has none).
recipe_manifest() {
    local recipe=$1 out=$2 fixture media entries=() f p d
    fixture=$(recipe_fixture "$recipe")
    if [[ -n $fixture ]]; then
        d=${fixture_digests[$fixture]}
        cp "$(fixture_file "$fixture" "$d")" "$out"
        echo "${fixture_medias[$fixture]} $d"
        return
    fi
    media=application/vnd.oci.image.index.v1+json
    [[ $recipe == dockerlist ]] && media=application/vnd.docker.distribution.manifest.list.v2+json
    while read -r f p; do
        d=${fixture_digests[$f]:?fixture $f is not catalogued}
        entries+=("${fixture_medias[$f]} $d $(stat -c %s "$(fixture_file "$f" "$d")") $p")
    done < <(recipe_entries "$recipe")
    printf '%s\n' "${entries[@]}" | jq -R -cs --arg m "$media" --arg r "$recipe" '
        [split("\n")[] | select(. != "") | split(" ") as [$em, $d, $s, $p] | ($p | split("/")) as $v
         | {mediaType: $em, digest: $d, size: ($s | tonumber),
            platform: ({architecture: $v[1], os: $v[0]}
                       + (if $v[2] then {variant: $v[2]} else {} end))}]
        | {schemaVersion: 2, mediaType: $m, manifests: .}
        + (if ($m | contains("oci")) then {annotations: {"io.mmerge.test.audit-recipe": $r}}
           else {} end)' | tr -d '\n' >"$out"
    echo "$media sha256:$(sha256sum <"$out" | cut -d' ' -f1)"
}

# recipe_digest RECIPE: the digest of a recipe's manifest (computed once per process).
declare -gA recipe_digests=()
recipe_digest() {
    local f
    if [[ -z ${recipe_digests[$1]:-} ]]; then
        f=$(mktemp "$tmp/recipe.XXXXXX")
        recipe_digests[$1]=$(recipe_manifest "$1" "$f" | cut -d' ' -f2)
        rm -f "$f"
    fi
    echo "${recipe_digests[$1]}"
}

# recipe_children RECIPE: "FIXTURE DIGEST MEDIA_TYPE" of every manifest the recipe's manifest
# refers to (entries of a built index, or of the buildx fixture, attestations included).
recipe_children() {
    local f p fixture d
    while read -r f p; do
        echo "$f ${fixture_digests[$f]} ${fixture_medias[$f]}"
    done < <(recipe_entries "$1")
    fixture=$(recipe_fixture "$1")
    if [[ -n $fixture && ${fixture_medias[$fixture]} == *index* ]]; then
        d=${fixture_digests[$fixture]}
        jq -r --arg f "$fixture" '.manifests[] | "\($f) \(.digest) \(.mediaType)"' \
            "$(fixture_file "$fixture" "$d")"
    fi
}

# recipe_blobs RECIPE: "fixtures/FIXTURE BLOB" for every config and layer the recipe's images
# need, FIXTURE being a repository of the rig that has the blob.
recipe_blobs() {
    local f d fixture files=()
    fixture=$(recipe_fixture "$1")
    if [[ -n $fixture && ${fixture_medias[$fixture]} != *index* ]]; then
        files+=("$(fixture_file "$fixture" "${fixture_digests[$fixture]}")")
    fi
    while read -r f d _; do
        files+=("$(fixture_file "$f" "$d")")
    done < <(recipe_children "$1")
    # The fixture's name is the folder above blobs/sha256/ in the path of its manifest.
    jq -r '(input_filename | split("/") | .[-4]) as $f
        | (.config.digest, .layers[].digest) | "fixtures/\($f) \(.)"' "${files[@]}"
}

# --- pushing ---------------------------------------------------------------------------------------

# seed_base MODE: the registry's base URL.
seed_base() {
    local host
    host=$(registry_of "$1")
    if [[ $1 == plain ]]; then echo "http://$host"; else echo "https://$host"; fi
}

# seed_auth_lines MODE: the curl config lines every request of a batch carries (TLS trust, and a
# writer's bearer token for every scope the seed touches in token mode). They hold a token: they
# only go to files in $tmp (mode 0700), never to argv or output.
seed_auth_lines() {
    local mode=$1 scopes=() r tok
    case $mode in
    plain) ;;
    token)
        while read -r r; do scopes+=("repository:$r:pull,push,delete"); done < <(
            audit_plan token | cut -d' ' -f1
            echo audit-seed/marker
        )
        while read -r r; do scopes+=("repository:fixtures/$r:pull"); done < <(
            awk -F'\t' '!/^#/ && NF { print $1 }' "$catalog"
        )
        ((${#scopes[@]} <= 64)) || fail "audit seed: too many scopes for one token (${#scopes[@]})"
        tok=$(token writer "${scopes[@]}")
        printf 'cacert = "%s"\nheader = "Authorization: Bearer %s"\n' "$MMERGE_RIG_CA" "$tok"
        ;;
    *) fail "audit seed: mode $mode is not seeded" ;;
    esac
}

# seed_batch NAME EXPECTED_STATUS: runs the requests of $seed_dir/NAME.cfg (blocks of curl config
# lines separated by `next`) in parallel; every answer must be EXPECTED_STATUS.
seed_batch() {
    local name=$1 want=$2 cfg=$seed_dir/$1.cfg count bad
    [[ -s $cfg ]] || return 0
    count=$(grep -c '^url = ' "$cfg")
    curl -sS --parallel --parallel-max 16 -K "$cfg" >"$seed_dir/$name.out" 2>"$seed_dir/$name.err" ||
        fail "audit seed: curl failed for the $name batch: $(tail -n 3 "$seed_dir/$name.err")"
    expect_eq "audit seed: answers in the $name batch" "$(wc -l <"$seed_dir/$name.out")" "$count"
    bad=$(awk -v w="$want" '$1 != w' "$seed_dir/$name.out" | head -n 5)
    [[ -z $bad ]] || fail "audit seed: the registry did not answer $want to every request of the \
$name batch (a mount that answers 202 means the fixtures are not loaded: scripts/rig load):
$bad"
}

# seed_request BATCH METHOD URL [DATA_FILE MEDIA_TYPE]: appends one request to a batch.
seed_request() {
    local cfg=$seed_dir/$1.cfg
    {
        [[ -s $cfg ]] && echo next
        printf 'url = "%s"\nrequest = "%s"\noutput = "/dev/null"\n' "$3" "$2"
        printf 'write-out = "%%{http_code} %s %%{url_effective}\\n"\n' "$2"
        printf '%s\n' "$seed_auth"
        if [[ -n ${4:-} ]]; then
            printf 'data-binary = "@%s"\nheader = "Content-Type: %s"\n' "$4" "$5"
        fi
    } >>"$cfg"
}

# seed_marker: the marker tag that says a registry holds this version of the seed (of this file
# and of the fixtures it is made of).
seed_marker() {
    echo "s$(cat "$audit_seed_file" "$catalog" | sha256sum | cut -c1-16)"
}

# seeded MODE: is the marker there?
seeded() {
    local code
    code=$(printf '%s\n' "$seed_auth" | curl -sS -K - -o /dev/null -w '%{http_code}' --head \
        -H "Accept: $accept_manifests" --max-time 20 \
        "$(seed_base "$1")/v2/audit-seed/marker/manifests/$(seed_marker)" || true)
    [[ $code == 200 ]]
}

# audit_seed MODE: seeds MODE's registry with audit_plan MODE, once (see the top of this file).
audit_seed() {
    local mode=$1 base lock
    base=$(seed_base "$mode")
    seed_auth=$(seed_auth_lines "$mode")
    seeded "$mode" && return 0
    lock=${MMERGE_RIG_DIR:?rig.env lacks MMERGE_RIG_DIR}/audit-seed-$mode.lock
    exec {seed_lock_fd}>"$lock"
    flock -w 120 "$seed_lock_fd" || fail "audit seed: waited 2 minutes for $lock"
    if ! seeded "$mode"; then
        seed_push "$mode" "$base"
        seeded "$mode" || fail "audit seed: the marker is not there after seeding $mode"
    fi
    exec {seed_lock_fd}>&-
}

# seed_push MODE BASE: pushes the plan (the caller holds the lock).
seed_push() {
    local mode=$1 base=$2 repo tag recipe f d media blob fx
    seed_dir=$tmp/seed-$mode
    rm -rf "$seed_dir"
    mkdir -p "$seed_dir/manifests"
    {
        audit_plan "$mode"
        echo "audit-seed/marker $(seed_marker) amd"
    } >"$seed_dir/plan"
    # The manifest of each recipe, and the blobs and children it needs; then per repository.
    cut -d' ' -f3 "$seed_dir/plan" | sort -u | while read -r recipe; do
        recipe_manifest "$recipe" "$seed_dir/manifests/$recipe" >"$seed_dir/manifests/$recipe.type"
        recipe_blobs "$recipe" >"$seed_dir/manifests/$recipe.blobs"
        recipe_children "$recipe" >"$seed_dir/manifests/$recipe.children"
    done
    # per_repository EXT: "REPOSITORY LINE" for each line of manifests/RECIPE.EXT of each
    # repository's recipes.
    per_repository() {
        sort -u -k1,1 -k3,3 "$seed_dir/plan" | awk -v dir="$seed_dir/manifests" -v ext="$1" '
            { file = dir "/" $3 "." ext; while ((getline line < file) > 0) print $1, line; close(file) }'
    }
    per_repository blobs | sort -u -k1,1 -k3,3 >"$seed_dir/mounts"
    per_repository children | sort -u >"$seed_dir/children"

    # The blobs are mounted from the fixtures the rig loaded: say so clearly when they are not.
    cut -d' ' -f2 "$seed_dir/mounts" | sort -u | while read -r fx; do
        [[ $(printf '%s\n' "$seed_auth" | curl -sS -K - -o /dev/null -w '%{http_code}' --head \
            -H "Accept: $accept_manifests" "$base/v2/$fx/manifests/latest" || true) == 200 ]] ||
            fail "audit seed: $base/$fx:latest is missing: load the fixtures (scripts/rig load)"
    done

    # 1. blobs: one mount each into every repository that needs them.
    while read -r repo f blob; do
        seed_request mounts POST "$base/v2/$repo/blobs/uploads/?mount=$blob&from=$f"
    done <"$seed_dir/mounts"
    seed_batch mounts 201
    # 2. child manifests by digest.
    while read -r repo f d media; do
        seed_request children PUT "$base/v2/$repo/manifests/$d" \
            "$fixture_dir/$f/blobs/sha256/${d#sha256:}" "$media"
    done <"$seed_dir/children"
    seed_batch children 201
    # 3. every tag: images first, then indexes. Not together: distribution's filesystem storage
    # rewrites a manifest's link in place, so an image PUT by tag races with an index PUT that
    # checks the same image as its child (a 400 MANIFEST_BLOB_UNKNOWN now and then).
    local batch
    while read -r repo tag recipe; do
        read -r media d <"$seed_dir/manifests/$recipe.type"
        [[ $repo == audit-seed/marker ]] && continue
        batch=index-tags
        [[ $media == *index* || $media == *list* ]] || batch=image-tags
        seed_request "$batch" PUT "$base/v2/$repo/manifests/$tag" "$seed_dir/manifests/$recipe" "$media"
    done <"$seed_dir/plan"
    seed_batch image-tags 201
    seed_batch index-tags 201
    # 4. deletions that leave an index entry dangling.
    while read -r repo tag recipe; do
        [[ $recipe == dangling ]] || continue
        seed_request deletes DELETE "$base/v2/$repo/manifests/${fixture_digests[$dangling_fixture]}"
    done < <(sort -u -k1,1 -k3,3 "$seed_dir/plan")
    seed_batch deletes 202
    # 5. the marker, last.
    read -r media d <"$seed_dir/manifests/amd.type"
    seed_request marker PUT "$base/v2/audit-seed/marker/manifests/$(seed_marker)" \
        "$seed_dir/manifests/amd" "$media"
    seed_batch marker 201
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    [[ $# == 1 ]] || fail "usage: audit_seed.sh plain|token"
    load_rig_env
    audit_seed "$1"
    echo "audit seed: $1 registry seeded ($(audit_plan "$1" | wc -l) tags)"
fi
