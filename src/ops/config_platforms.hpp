#pragma once
// The platform of an image, read from its config blob once per digest for a whole run: merge
// and audit both see the same configs many times (shared layers, tags pointing at one image).

#include "ops/once_cache.hpp"
#include "registry/session.hpp"

#include <mmerge/descriptor.hpp>
#include <mmerge/platform.hpp>
#include <mmerge/reference.hpp>

#include <boost/asio/awaitable.hpp>

#include <map>
#include <string>

namespace mmerge::ops {

/** Image configs are small JSON documents; a larger one is refused rather than buffered. */
inline constexpr std::size_t max_config_bytes = 8 * 1024 * 1024;

/** A per-run cache of config digest → platform over one session. */
class config_platforms {
public:
    explicit config_platforms(registry::session& s)
        : session_(s) {}

    /**
     * The platform `config` (a descriptor from `repo`'s manifest) states, as written.
     * @throws mmerge::error errc::check_failed naming `what` when it is not an image config or
     *         is unusable, and as session::get_blob does (the blob is verified).
     */
    boost::asio::awaitable<platform> of(const repository_name& repo, const descriptor& config,
                                        const std::string& what);

private:
    registry::session& session_;
    once_cache<digest, platform> cache_;
};

} // namespace mmerge::ops
