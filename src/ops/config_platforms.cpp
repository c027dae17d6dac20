#include "ops/config_platforms.hpp"

#include <mmerge/error.hpp>
#include <mmerge/image_config.hpp>
#include <mmerge/media_type.hpp>

namespace mmerge::ops {

boost::asio::awaitable<platform> config_platforms::of(const repository_name& repo,
                                                      const descriptor& config,
                                                      const std::string& what) {
    co_return co_await cache_.get(config.digest, [&]() -> boost::asio::awaitable<platform> {
        if (!media_type::is_image_config(config.media_type))
            throw error(errc::check_failed, "verify", what,
                        "not a container image: its config is " + config.media_type);
        const auto bytes = co_await session_.get_blob(repo, config.digest, max_config_bytes);
        auto p = platform_from_config(bytes);
        if (!p)
            throw error(errc::check_failed, "verify", what,
                        "its image config is unusable: " + p.error().message);
        co_return *p;
    });
}

} // namespace mmerge::ops
