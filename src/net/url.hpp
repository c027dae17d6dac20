#pragma once
/**
 * @file What the transport needs to know about a URL: its origin and how to show it. (Whether a
 * host is loopback is core's `mmerge::is_loopback_host`, in reference.hpp.)
 */

#include <mmerge/result.hpp>

#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <compare>
#include <string>
#include <string_view>

namespace mmerge::net {

/**
 * Scheme, host and port of a URL (RFC 6454): the unit of connection pooling and of the rule that
 * credentials never leave the origin they were meant for.
 */
struct origin {
    /** "http" or "https". */
    std::string scheme;
    /** Host name in lower case, or an IP address without brackets ("::1"). */
    std::string host;
    /** Port, the scheme's default (80, 443) when the URL has none. */
    std::string port;

    bool is_tls() const { return scheme == "https"; }
    /** "host:port" as in messages and certs.d folder names ("[::1]:5000" for IPv6). */
    std::string authority() const;
    /** The host as written in a URL or a certs.d folder name ("[::1]" for IPv6). */
    std::string url_host() const;

    friend bool operator==(const origin&, const origin&) = default;
    friend auto operator<=>(const origin&, const origin&) = default;
};

/** The origin of an absolute http or https URL; an error naming the problem otherwise. */
result<origin> origin_of(boost::urls::url_view url);

/**
 * `reference` (a Location or Link target, absolute or relative) resolved against `base`
 * (RFC 3986 section 5), without fragment. An error when it is not a URI reference.
 */
result<boost::urls::url> resolve_reference(boost::urls::url_view base, std::string_view reference);

/** The URL as it may be shown to a user: without userinfo, so credentials are never printed. */
std::string redacted(boost::urls::url_view url);

} // namespace mmerge::net
