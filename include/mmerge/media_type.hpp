#pragma once
/**
 * @file Media types of the OCI image spec (media-types.md) and of Docker's image manifest v2
 * (schema 2 and the deprecated schema 1), and how to classify them.
 */

#include <array>
#include <string>
#include <string_view>

namespace mmerge::media_type {

// OCI image spec v1.1, media-types.md.

/** An OCI image manifest (manifest.md). */
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
/** An OCI image index (image-index.md). */
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
/** An OCI image configuration (config.md). */
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
/** The OCI empty descriptor's content, `{}` (manifest.md "Guidance for an Empty Descriptor"). */
inline constexpr std::string_view oci_empty = "application/vnd.oci.empty.v1+json";
/** An OCI layer: uncompressed tar. */
inline constexpr std::string_view oci_layer_tar = "application/vnd.oci.image.layer.v1.tar";
/** An OCI layer: gzip-compressed tar. */
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
/** An OCI layer: zstd-compressed tar. */
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
/** A non-distributable OCI layer, uncompressed (deprecated in v1.1, still met in the wild). */
inline constexpr std::string_view oci_layer_nondistributable_tar =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
/** A non-distributable OCI layer, gzip (deprecated in v1.1). */
inline constexpr std::string_view oci_layer_nondistributable_gzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/** A non-distributable OCI layer, zstd (deprecated in v1.1). */
inline constexpr std::string_view oci_layer_nondistributable_zstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// Docker image manifest v2 (distribution's docs/spec/manifest-v2-2.md).

/** A Docker v2 schema 2 image manifest. */
inline constexpr std::string_view docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
/** A Docker manifest list (the multi-platform form of schema 2). */
inline constexpr std::string_view docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/** A Docker image configuration. */
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
/** A Docker layer: gzip-compressed tar. */
inline constexpr std::string_view docker_layer_gzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** A Docker "foreign" layer (Windows base layers served from URLs). */
inline constexpr std::string_view docker_layer_foreign =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/** A Docker plugin configuration. */
inline constexpr std::string_view docker_plugin_config = "application/vnd.docker.plugin.v1+json";
/** A Docker v2 schema 1 manifest, unsigned: deprecated, refused by mmerge. */
inline constexpr std::string_view docker_schema1_manifest =
    "application/vnd.docker.distribution.manifest.v1+json";
/** A Docker v2 schema 1 manifest, signed (JWS): deprecated, refused by mmerge. */
inline constexpr std::string_view docker_schema1_signed_manifest =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// Attestations as BuildKit (docker buildx) stores them: an OCI image manifest whose layers are
// in-toto statements, referenced from the index (see descriptor.hpp, is_attestation).

/** An in-toto statement (a layer of an attestation manifest). */
inline constexpr std::string_view in_toto = "application/vnd.in-toto+json";

/**
 * The four manifest media types mmerge reads, in the order of DESIGN.md's Accept list. A manifest
 * request must announce all of them: without the OCI types distribution answers 404 for OCI
 * content, and without the list types it may downgrade a tag to a single image.
 */
inline constexpr std::array<std::string_view, 4> manifest_accept_types = {
    oci_manifest, oci_index, docker_manifest, docker_manifest_list};

/** The `Accept` header value for manifest GET and HEAD: `manifest_accept_types` joined. */
inline constexpr std::string_view manifest_accept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

/**
 * The media type part of a `Content-Type` value: parameters (`; charset=utf-8`) and surrounding
 * blanks removed, lowercased (media types are case-insensitive, RFC 6838 section 4.2).
 */
std::string essence(std::string_view content_type);

/**
 * True when `text` is a syntactically valid media type name, `type/subtype`, without parameters
 * (RFC 6838 section 4.2, as the OCI descriptor's `mediaType` requires).
 */
bool is_valid(std::string_view text);

/** An OCI index or a Docker manifest list. Parameters and case are ignored, as in all below. */
bool is_index(std::string_view type);
/** An OCI image manifest or a Docker v2 schema 2 image manifest. */
bool is_image_manifest(std::string_view type);
/** One of the four manifest types mmerge reads (`manifest_accept_types`). */
bool is_manifest(std::string_view type);
/** A Docker schema 1 manifest, signed or not. */
bool is_schema1(std::string_view type);
/** Any Docker media type (`application/vnd.docker.*`). */
bool is_docker(std::string_view type);
/** Any OCI media type (`application/vnd.oci.*`). */
bool is_oci(std::string_view type);
/** A layer type of OCI or Docker (tar, gzip, zstd, non-distributable, foreign). */
bool is_layer(std::string_view type);
/** An image configuration type of OCI or Docker. */
bool is_image_config(std::string_view type);

} // namespace mmerge::media_type
