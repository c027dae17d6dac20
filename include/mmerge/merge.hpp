#pragma once
/**
 * @file `mmerge merge`: verify single-arch images, copy what the target repository lacks, and
 * create or update the multi-arch index at the target tag (DESIGN.md "How the merge must behave").
 */

#include <mmerge/digest.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/reference.hpp>
#include <mmerge/registry_options.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmerge {

/** `--mode`: keep the target's other entries (update) or make the index exactly the sources. */
enum class merge_mode { update, replace };
/** `--format`: the index type; `auto` is a Docker list only when every child is Docker schema 2. */
enum class index_format { automatic, oci, docker };
/** `--attestations`: keep buildx attestation entries or drop them all. */
enum class attestation_policy { keep, drop };

/** One `--add SRC[=PLATFORM]`. */
struct merge_source {
    /** The argument as the user wrote it, for messages. */
    std::string text;
    reference ref;
    /** `=PLATFORM`: what the image must be; without it the platform is read from the config. */
    std::optional<platform> asserted;
};

/** Parse `SRC[=PLATFORM]`; errors name the faulty part. */
result<merge_source> parse_merge_source(std::string_view arg);

/** Parse a comma-separated platform list (`--expect`, `--require`). */
result<std::vector<platform>> parse_platform_list(std::string_view csv);

/** What `mmerge merge` was asked to do, built once by the CLI. */
struct merge_options {
    reference target;
    std::vector<merge_source> sources;
    std::vector<platform> expect;
    merge_mode mode = merge_mode::update;
    std::vector<platform> remove;
    index_format format = index_format::automatic;
    std::map<std::string, std::string> annotations;
    attestation_policy attestations = attestation_policy::keep;
    bool dry_run = false;
    /** Requests in flight at once (`--jobs`). */
    std::size_t jobs = 8;
    /** Attempts to merge onto a target that other writers keep changing. */
    unsigned max_attempts = 8;
    /** Receives progress lines for stderr (nothing when empty). */
    std::function<void(const std::string&)> progress;
};

/** One child manifest of the result, as the report shows it. */
struct merged_child {
    std::string source; ///< the `--add` text, or `(kept)` for an entry the target already had
    mmerge::digest digest;
    std::string media_type;
    std::string platform; ///< `os/arch[/variant][:os.version]`, or `attestation`
    bool attestation = false;
};

/** What a merge did (or, with --dry-run, would do). */
struct merge_report {
    std::string target;    ///< `registry/repository:tag`
    mmerge::digest digest; ///< the index at the target tag
    std::string media_type;
    bool changed = false; ///< the tag now points at another index than before
    bool dry_run = false;
    std::optional<mmerge::digest> previous; ///< what the tag pointed at before, if anything
    std::vector<merged_child> children;
    /** The plan's changes to the target's entries: `+ linux/arm64 sha256:...`, `~`, `-`. */
    std::vector<std::string> changes;
    std::vector<std::string> mounted;          ///< blobs mounted from another repository
    std::vector<std::string> uploaded;         ///< blobs copied by upload (streamed)
    std::vector<std::string> existing;         ///< blobs the target already had
    std::vector<std::string> manifests_pushed; ///< child manifests PUT by digest
    std::string index_json;                    ///< the index bytes (pushed, or that would be)
    unsigned attempts = 1;    ///< merges done because other writers changed the target
    std::size_t requests = 0; ///< registry requests made
};

/**
 * Run the merge: resolve and verify every source (digests, platforms, duplicates, --expect)
 * before anything is written, copy what the target repository lacks, push child manifests by
 * digest, then the index by tag — unless it is unchanged — and confirm it.
 * @throws mmerge::error: errc::check_failed (exit 1) for a failed verification, errc::usage
 *         for contradictory options, and registry, network or auth errors.
 */
merge_report merge(const merge_options& options, const registry_options& registry);

/** The `--json` report: one object (schema in the README). */
std::string to_json(const merge_report& r);

} // namespace mmerge
