#include "net/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>

namespace mmerge::net {

std::string origin::url_host() const {
    return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

std::string origin::authority() const {
    return url_host() + ":" + port;
}

result<origin> origin_of(boost::urls::url_view url) {
    origin o;
    o.scheme = url.scheme();
    std::ranges::transform(o.scheme, o.scheme.begin(),
                           [](unsigned char c) { return std::tolower(c); });
    if (o.scheme != "http" && o.scheme != "https")
        return fail("unsupported URL scheme \"" + o.scheme + "\" in " + redacted(url) +
                    " (only http and https)");
    o.host = url.host_address();
    if (o.host.empty())
        return fail("URL " + redacted(url) + " has no host");
    if (url.host_type() == boost::urls::host_type::name)
        std::ranges::transform(o.host, o.host.begin(),
                               [](unsigned char c) { return std::tolower(c); });
    o.port = url.has_port() && !url.port().empty() ? std::string(url.port())
             : o.scheme == "https"                 ? "443"
                                                   : "80";
    return o;
}

result<boost::urls::url> resolve_reference(boost::urls::url_view base, std::string_view reference) {
    const auto parsed = boost::urls::parse_uri_reference(reference);
    if (!parsed)
        return fail("\"" + std::string(reference) + "\" is not a URL");
    boost::urls::url resolved;
    if (!boost::urls::resolve(base, *parsed, resolved))
        return fail("cannot resolve \"" + std::string(reference) + "\" against " + redacted(base));
    resolved.remove_fragment();
    return resolved;
}

std::string redacted(boost::urls::url_view url) {
    if (!url.has_userinfo())
        return std::string(url.buffer());
    boost::urls::url copy(url);
    copy.remove_userinfo();
    return std::string(copy.buffer());
}

} // namespace mmerge::net
