#pragma once
/** @file Following a redirect safely: pure decisions, no I/O. */

#include "net/http.hpp"

#include <mmerge/result.hpp>

#include <string_view>

namespace mmerge::net {

/** Most redirects one request follows; the sixth is refused. */
inline constexpr unsigned max_redirects = 5;

/** True for the redirects the client follows: 301, 302, 303, 307, 308. */
bool is_redirect_status(unsigned status) noexcept;

/**
 * The request to send after `req` was answered `status` with `Location: location`
 * (RFC 9110 section 15.4):
 * - a relative Location is resolved against `req.url` (RFC 3986 section 5);
 * - 303 becomes a GET without body (a HEAD stays a HEAD); 301, 302, 307, 308 keep method and body;
 * - once the target has another scheme, host or port, `Authorization` and the request's
 *   `sensitive_headers` are dropped, for every later hop too.
 * Errors (refusals): a Location that is not a URI reference, a scheme other than http/https, and
 * https -> http (a downgrade would expose the request to the network).
 */
result<request> redirected(const request& req, unsigned status, std::string_view location);

} // namespace mmerge::net
