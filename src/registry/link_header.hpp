#pragma once
// RFC 8288 `Link` headers as the Distribution API uses them for pagination of tag lists and
// `_catalog`: `Link: </v2/_catalog?last=b&n=100>; rel="next"`. Pure.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mmerge::registry {

/**
 * The target of the `rel="next"` link among all `Link` header values, exactly as written (it may
 * be relative, and it must be followed verbatim: DESIGN.md "Protocol facts"), or nothing when
 * there is no next page. Several links per header and several headers are accepted; `rel` may be
 * quoted or not, in any case, and may list several relation types.
 */
std::optional<std::string> next_link(std::span<const std::string_view> link_values);

} // namespace mmerge::registry
