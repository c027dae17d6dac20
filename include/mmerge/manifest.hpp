#pragma once
/**
 * @file Manifests: the OCI image manifest (manifest.md), the OCI image index (image-index.md),
 * Docker's v2 schema 2 manifest and manifest list (manifest-v2-2.md). Parse and validate what a
 * registry returns, and write the index mmerge builds in one canonical form.
 */

#include <mmerge/descriptor.hpp>
#include <mmerge/result.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mmerge {

/** The largest manifest mmerge reads (DESIGN.md "Caps"); distribution 2.8 refuses more too. */
inline constexpr std::size_t max_manifest_bytes = 4 * 1024 * 1024;

/** Which family a manifest belongs to; `--format oci|docker` chooses it for the built index. */
enum class manifest_format {
    oci,   ///< `application/vnd.oci.image.{manifest,index}.v1+json`
    docker ///< `application/vnd.docker.distribution.manifest{,.list}.v2+json`
};

/** Whether a manifest describes one image or points at several. */
enum class manifest_kind { image, index };

/** An image manifest: one image's config and layers (OCI or Docker schema 2). */
struct image_manifest {
    manifest_format format = manifest_format::oci;
    descriptor config;                                ///< `config`
    std::vector<descriptor> layers{};                 ///< `layers`, base first
    std::string artifact_type{};                      ///< `artifactType` (OCI 1.1); may be empty
    std::optional<descriptor> subject{};              ///< `subject` (OCI 1.1 referrers)
    std::map<std::string, std::string> annotations{}; ///< `annotations`
    extra_fields extra{};                             ///< other top-level members, kept

    friend bool operator==(const image_manifest&, const image_manifest&) = default;
};

/**
 * An index: an OCI image index or a Docker manifest list. Ops code builds and edits it (entries,
 * annotations, format) and writes it with `serialize`.
 */
struct index {
    manifest_format format = manifest_format::oci;
    std::vector<descriptor> manifests{};              ///< `manifests`, the entries
    std::string artifact_type{};                      ///< `artifactType` (OCI only); may be empty
    std::optional<descriptor> subject{};              ///< `subject` (OCI only)
    std::map<std::string, std::string> annotations{}; ///< `annotations` (OCI only)
    extra_fields extra{};                             ///< other top-level members, kept

    friend bool operator==(const index&, const index&) = default;
};

/** The `mediaType` (and PUT Content-Type) of `m`: OCI image manifest or Docker schema 2. */
std::string_view media_type_of(const image_manifest& m);
/** The `mediaType` (and PUT Content-Type) of `i`: OCI index or Docker manifest list. */
std::string_view media_type_of(const index& i);

/** A parsed manifest: either an image manifest or an index. */
class manifest {
public:
    /** Wrap an image manifest. */
    manifest(image_manifest m)
        : content_(std::move(m)) {}
    /** Wrap an index. */
    manifest(mmerge::index i)
        : content_(std::move(i)) {}

    /** Image or index. */
    manifest_kind kind() const noexcept;
    /** OCI or Docker. */
    manifest_format format() const noexcept;
    /** The media type this manifest is, whether or not its body spelled out `mediaType`. */
    std::string_view media_type() const noexcept;
    /** The image manifest, or nullptr when this is an index. */
    const image_manifest* as_image() const noexcept {
        return std::get_if<image_manifest>(&content_);
    }
    /** The index, or nullptr when this is an image manifest. */
    const mmerge::index* as_index() const noexcept { return std::get_if<mmerge::index>(&content_); }
    /** `annotations`, whichever the kind. */
    const std::map<std::string, std::string>& annotations() const noexcept;
    /** `subject`, whichever the kind. */
    const std::optional<descriptor>& subject() const noexcept;
    /** `artifactType`, whichever the kind; empty when absent. */
    const std::string& artifact_type() const noexcept;

    friend bool operator==(const manifest&, const manifest&) = default;

private:
    std::variant<image_manifest, mmerge::index> content_;
};

/**
 * Parse and validate a manifest as a registry returned it.
 * 1. More than `max_manifest_bytes` is refused before parsing.
 * 2. Docker schema 1 (`schemaVersion: 1`, or a schema 1 media type in the body or
 *    `content_type`) is refused with a message that says so.
 * 3. `schemaVersion` must be 2; the media type is the body's `mediaType`, else `content_type`
 *    when it is a manifest type, else what the content shows (OCI allows leaving it out); a
 *    body whose members contradict its media type (an index with `config`, an image manifest
 *    with `manifests`, or both without a media type) is refused.
 * 4. A `content_type` that is a manifest media type other than the body's is refused; parameters
 *    are ignored, and other values (`application/json`, ...) do not count.
 * 5. Every descriptor must be valid (see `parse_descriptor`).
 * Unknown members and annotations are kept, so that writing the manifest back loses nothing.
 * @param bytes         the body, exactly as received
 * @param content_type  the response's Content-Type, or empty when unknown
 * @returns the manifest, or an error saying what is wrong and in which member.
 */
result<manifest> parse_manifest(std::string_view bytes, std::string_view content_type = {});

/**
 * The canonical JSON of an index: compact, members in a fixed order, so that the same index
 * gives byte-identical output and so the same digest. Order: `schemaVersion`, `mediaType`,
 * `artifactType`, `manifests` (each as `serialize(const descriptor&)` orders it), `subject`,
 * `annotations` sorted by key, then the extra members sorted by name. A Docker manifest list
 * leaves out what only OCI has: `artifactType`, `subject`, `annotations`, and each entry's
 * `annotations` and `artifactType`.
 * @throws std::invalid_argument when an extra member holds invalid JSON text or reuses a member
 *         name written above (only code can build such an index, the parser never does).
 */
std::string serialize(const index& i);

/**
 * The canonical JSON of an image manifest, in the order of the index form with `config` and
 * `layers` in place of `manifests`. Child manifests are pushed byte for byte, never through this.
 */
std::string serialize(const image_manifest& m);

} // namespace mmerge
