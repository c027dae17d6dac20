#pragma once
/** @file `mmerge inspect`: what a reference resolves to, read from the registry. */

#include <mmerge/descriptor.hpp>
#include <mmerge/digest.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/reference.hpp>
#include <mmerge/registry_options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmerge {

/** What a manifest is, as `inspect` reports it. */
enum class manifest_shape {
    image,      ///< an image manifest (OCI or Docker schema 2)
    index,      ///< an OCI image index
    docker_list ///< a Docker manifest list
};

/** `index`, `docker-list` or `image`: the `kind` of inspect's output. */
const char* to_string(manifest_shape s) noexcept;

/** One entry of an index, as inspect reports it. */
struct inspect_entry {
    descriptor entry;
    /** A buildx attestation manifest (not a platform). */
    bool attestation = false;
};

/** The result of inspecting one reference. */
struct inspect_result {
    reference ref;
    manifest_shape shape = manifest_shape::image;
    std::string media_type;
    mmerge::digest digest;
    std::int64_t size = 0;
    /** For an index: its entries in order. */
    std::vector<inspect_entry> entries;
    /** For an image: its platform read from its config (verified against the config digest). */
    std::optional<mmerge::platform> platform;
    /** For an image: its config descriptor and number of layers. */
    std::optional<descriptor> config;
    std::size_t layers = 0;
    /** For an index: its annotations. */
    std::map<std::string, std::string> annotations;
};

/**
 * Resolve `ref` (tag or digest) and describe it: an index's entries with their platforms and
 * attestation flags, or an image's platform from its config.
 * @throws mmerge::error on registry, network, TLS and auth failures, a digest mismatch, or a
 *         manifest mmerge refuses (schema 1, invalid).
 */
inspect_result inspect(const reference& ref, const registry_options& options);

/**
 * The stable `--json` form (documented in the README): one object with `reference`, `kind`,
 * `mediaType`, `digest`, `size`, and `manifests` (index) or `platform`, `config`, `layers`
 * (image).
 */
std::string to_json(const inspect_result& r);

/** The human-readable form `mmerge inspect` prints on a terminal. */
std::string to_text(const inspect_result& r);

} // namespace mmerge
