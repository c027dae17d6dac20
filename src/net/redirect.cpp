#include "net/redirect.hpp"

#include "net/url.hpp"

namespace mmerge::net {

bool is_redirect_status(unsigned status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

result<request> redirected(const request& req, unsigned status, std::string_view location) {
    const auto from = origin_of(req.url);
    if (!from)
        return from.error();
    auto target = resolve_reference(req.url, location);
    if (!target)
        return fail("redirect from " + redacted(req.url) + " refused: " + target.error().message);
    request next = req;
    next.url = std::move(*target);
    const auto to = origin_of(next.url);
    if (!to)
        return fail("redirect from " + redacted(req.url) + " refused: " + to.error().message);
    if (from->is_tls() && !to->is_tls())
        return fail("redirect from " + redacted(req.url) + " to " + redacted(next.url) +
                    " refused: it would downgrade https to plain http");
    if (status == 303 && req.method != verb::head) {
        next.method = verb::get;
        next.body.clear();
        next.headers.erase("Content-Type");
        next.headers.erase("Content-Length");
    }
    if (*from != *to) {
        next.headers.erase("Authorization");
        for (const auto& name : req.sensitive_headers)
            next.headers.erase(name);
    }
    return next;
}

} // namespace mmerge::net
