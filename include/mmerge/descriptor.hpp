#pragma once
/**
 * @file Content descriptors (OCI image spec descriptor.md; image-index.md for `platform`), and the
 * attestation entries BuildKit adds to an index.
 */

#include <mmerge/digest.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/result.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmerge {

/**
 * Members of a JSON object that mmerge does not interpret, kept so that what is read and
 * written back is not impoverished: name → the member's value as compact JSON text.
 */
using extra_fields = std::map<std::string, std::string>;

/** A descriptor: what a manifest or an index says about content it points to. */
struct descriptor {
    std::string media_type{};                         ///< `mediaType`, required
    mmerge::digest digest;                            ///< `digest`, required
    std::int64_t size = 0;                            ///< `size` in bytes, required, ≥ 0
    std::optional<mmerge::platform> platform{};       ///< `platform` (index entries)
    std::map<std::string, std::string> annotations{}; ///< `annotations`
    std::vector<std::string> urls{};                  ///< `urls` (foreign layers)
    std::string artifact_type{};                      ///< `artifactType`; empty when absent
    extra_fields extra{};                             ///< other members (`data`, extensions)
    extra_fields platform_extra{};                    ///< other members of `platform` (`features`)

    friend bool operator==(const descriptor&, const descriptor&) = default;
};

/** The annotation BuildKit sets on an attestation entry of an index: its kind. */
inline constexpr std::string_view reference_type_annotation = "vnd.docker.reference.type";
/** The annotation BuildKit sets on an attestation entry: the digest of the image it attests. */
inline constexpr std::string_view reference_digest_annotation = "vnd.docker.reference.digest";
/** The value of `reference_type_annotation` that marks an attestation manifest. */
inline constexpr std::string_view attestation_manifest_type = "attestation-manifest";

/**
 * True when `d` is an attestation entry as docker buildx writes them: annotation
 * `vnd.docker.reference.type` = `attestation-manifest` (the entry's platform is then
 * `unknown/unknown`, which is why such entries must not be taken for images).
 */
bool is_attestation(const descriptor& d);

/**
 * The digest of the image manifest that attestation `d` is about (annotation
 * `vnd.docker.reference.digest`); empty when the annotation is absent or not a valid digest.
 */
std::optional<digest> attests(const descriptor& d);

/**
 * Parse one descriptor from its JSON object text, validating it (descriptor.md "Properties"):
 * `mediaType` a valid media type, `digest` a valid digest, `size` an integer ≥ 0, `urls` strings,
 * `annotations` string values, `platform` with string `os` and `architecture`.
 * @returns the descriptor, or an error naming the offending member.
 */
result<descriptor> parse_descriptor(std::string_view json);

/**
 * The descriptor as canonical compact JSON, members in a fixed order: `mediaType`,
 * `artifactType`, `digest`, `size`, `urls`, `platform` (`architecture`, `os`, `os.version`,
 * `os.features`, `variant`, then its extra members by name), `annotations` (by key), then the
 * extra members by name. Empty optional members are left out.
 */
std::string serialize(const descriptor& d);

} // namespace mmerge
