#pragma once
// The pure steps of a merge: which entries the new index holds, in which order and format, and
// the checks that must pass before anything is written. No I/O: unit tests drive it directly.

#include <mmerge/descriptor.hpp>
#include <mmerge/manifest.hpp>
#include <mmerge/merge.hpp>
#include <mmerge/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mmerge::ops {

/** A child manifest a source contributes: an image (verified platform) or an attestation. */
struct resolved_child {
    /** The `--add` text it came from. */
    std::string source;
    /** The index entry to write: mediaType, digest, size, platform (from the config, for an
        image), and the source entry's annotations. */
    descriptor entry;
    bool attestation = false;
};

/** The index a merge would push, and what changed compared with the target. */
struct index_plan {
    mmerge::index index;
    /** One line per change, for the report and --dry-run: `+ linux/arm64 sha256:...`. */
    std::vector<std::string> changes;
};

/**
 * The first pair of image children that name the same platform (platform `equivalent`), as a
 * message showing both sources, or nullopt. Attestations are not platforms and never collide.
 */
std::optional<std::string> find_duplicate(const std::vector<resolved_child>& children);

/**
 * Build the new index.
 * - update: start from `current` (nullopt when the tag does not exist yet); each image child
 *   replaces, in place, the entries of the same platform, and the attestations that pointed at a
 *   replaced manifest go with it; other entries, attestations and annotations are kept.
 * - replace: exactly the children.
 * Then `remove` drops the entries whose platform matches, with their attestations, but never a
 * source of the same run; in replace mode `changes` still compare with the target's entries;
 * `attestations == drop` drops every attestation; `annotations` are set on the index. Images come
 * first in a stable order (kept ones in place, new ones in --add order), then attestations.
 * Format: `automatic` is a Docker manifest list when every entry is Docker schema 2, else an OCI
 * index; `docker` with an OCI child, or with attestations kept, is refused (a child is never
 * converted, and a Docker list cannot mark attestations).
 * @return the plan, or an error for a contradictory request (exit 2).
 */
result<index_plan> plan_index(const std::optional<mmerge::index>& current,
                              const std::vector<resolved_child>& children,
                              const merge_options& options);

/** The platforms of `expect` that no image entry of `i` matches. */
std::vector<platform> missing_platforms(const mmerge::index& i,
                                        const std::vector<platform>& expect);

/**
 * True when `current` still holds every entry `ours` added (same digest for the same platform)
 * and none that `options.remove` dropped: another writer did not undo this merge.
 */
bool contains_merge(const mmerge::index& current, const std::vector<resolved_child>& ours,
                    const merge_options& options);

} // namespace mmerge::ops
