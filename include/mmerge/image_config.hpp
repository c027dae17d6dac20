#pragma once
/**
 * @file The image configuration (OCI image spec config.md, Docker's image JSON): what an image
 * says about itself, which is what mmerge trusts over an index entry's label.
 */

#include <mmerge/digest.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mmerge {

/** The parts of an image configuration mmerge uses. */
struct image_config {
    /// `os`, `architecture`, `variant`, `os.version`, `os.features`, as written (not normalized).
    mmerge::platform platform{};
    /// `created`, an RFC 3339 date-time; empty when absent.
    std::string created{};
    /// `rootfs.diff_ids`: the uncompressed layer digests, in layer order.
    std::vector<digest> diff_ids{};

    friend bool operator==(const image_config&, const image_config&) = default;
};

/**
 * Parse an OCI (`application/vnd.oci.image.config.v1+json`) or Docker
 * (`application/vnd.docker.container.image.v1+json`) image configuration; both put the platform
 * members at the top level. Other members are ignored.
 * @returns the config, or an error: not JSON, not an object, `os` or `architecture` missing or
 *          empty, a member of the wrong type, an invalid diff_id.
 */
result<image_config> parse_image_config(std::string_view json);

/** The platform of the image whose configuration is `json`; errors as `parse_image_config`. */
result<platform> platform_from_config(std::string_view json);

} // namespace mmerge
