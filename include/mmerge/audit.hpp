#pragma once
/**
 * @file `mmerge audit`: platform coverage of tags across repositories and registries — which tags
 * lack a required platform, which index entries lie about their platform, which point at nothing.
 */

#include <mmerge/error.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/registry_options.hpp>
#include <mmerge/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmerge {

/** What one audit argument names. */
struct audit_target {
    enum class kind { reference, repository, registry };
    kind what = kind::reference;
    std::string registry;
    std::string repository;    ///< empty for a registry
    std::string tag_or_digest; ///< set for a reference
};

/**
 * Classify an argument: `REPO:TAG` or `REPO@DIGEST` is one reference; `HOST[:PORT]` alone (with a
 * `.` or `:`, or `localhost`) is a whole registry; anything else is a repository (all its tags).
 */
result<audit_target> parse_audit_target(std::string_view text);

/**
 * True when repository `name` belongs to shard `index` of `count`: a stable FNV-1a hash of the
 * name, so every run and every machine splits a registry the same way.
 */
bool in_shard(std::string_view name, unsigned index, unsigned count) noexcept;

/** An index entry whose image config says another platform than the entry. */
struct platform_lie {
    std::string digest;
    std::string declared;
    std::string actual;
};

/** The audit of one tag (or one failure to read a repository or registry). */
struct tag_audit {
    std::string repository; ///< `registry/repository`, or the registry for a catalog failure
    std::string tag;        ///< the tag or digest audited; empty for a repository-level failure
    std::string digest;
    std::string kind; ///< `index`, `docker-list`, `image`, or empty after an error
    std::vector<std::string> platforms;  ///< the platforms it serves, normalized
    std::vector<std::string> missing;    ///< required platforms not served
    std::vector<std::string> duplicates; ///< platforms served by more than one entry
    std::vector<platform_lie> lies;      ///< with --deep
    std::vector<std::string> dangling;   ///< entries whose manifest is missing
    std::size_t attestations = 0;
    std::string error; ///< what went wrong reading it, empty when it was read
    std::optional<errc> error_code;

    /** No gap, lie, duplicate, dangling entry or error. */
    bool complete() const {
        return missing.empty() && duplicates.empty() && lies.empty() && dangling.empty() &&
               error.empty();
    }
};

/** Totals over an audit. */
struct audit_summary {
    std::size_t repositories = 0;
    std::size_t tags = 0;
    std::size_t complete = 0;
    std::map<std::string, std::size_t> missing; ///< tags lacking each required platform
    std::size_t lies = 0;
    std::size_t dangling = 0;
    std::size_t duplicates = 0;
    std::size_t errors = 0;
    std::size_t auth_errors = 0;
    std::size_t requests = 0;

    /** DESIGN.md's exit code: 4 auth refused, 3 other errors, 1 a gap, 0 clean. */
    exit_code outcome() const;
};

/** What to audit and how. */
struct audit_options {
    std::vector<audit_target> targets;
    std::vector<platform> require;
    bool all_tags = false;            ///< for a reference: audit every tag of its repository
    bool deep = false;                ///< read each child's config and compare it with the entry
    std::vector<std::string> include; ///< glob patterns on repository names (fnmatch)
    std::vector<std::string> exclude;
    unsigned shard_index = 0;
    unsigned shard_count = 1;
    std::size_t jobs = 16;
    /** Called once per tag as soon as it is audited (results are streamed, not kept). */
    std::function<void(const tag_audit&)> on_result;
    std::function<void(const std::string&)> progress;
};

/**
 * Audit every target. Repository and registry failures are reported through `on_result` and the
 * audit goes on; nothing is thrown for them.
 */
audit_summary audit(const audit_options& options, const registry_options& registry);

/** One JSON line for a tag (schema in the README). */
std::string to_json(const tag_audit& t);
/** The final JSON line: `{"summary": {...}}`. */
std::string to_json(const audit_summary& s);

} // namespace mmerge
