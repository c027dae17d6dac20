#include "core/detail/auth_json.hpp"

#include <mmerge/token_response.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mmerge {
namespace {

using detail::auth_member;
using detail::auth_string;

// Beyond this a lifetime means "forever" to a CLI run; the cap keeps the arithmetic in range.
constexpr std::int64_t max_lifetime_seconds = std::numeric_limits<std::int32_t>::max();

// A token goes into `Authorization: Bearer <token>`: a CR, LF or other control character would
// split or forge headers, and a space would end the token (RFC 6750 §2.1 b64token is stricter).
bool header_safe(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7f;
    });
}

// Reads `n` decimal digits at `at`; nullopt when any is not a digit.
std::optional<int> digits(std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size())
        return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// RFC 3339 §5.6 date-time: `2009-11-10T23:00:00Z`, `2009-11-10T23:00:00.123456+01:00`.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view s) {
    using namespace std::chrono;
    auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    auto h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
    if (!y || !mo || !d || !h || !mi || !sec || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
        s[16] != ':' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return std::nullopt;
    if (*h > 23 || *mi > 59 || *sec > 60)
        return std::nullopt;
    year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                        day{static_cast<unsigned>(*d)}};
    if (!date.ok())
        return std::nullopt;
    std::size_t at = 19;
    if (at < s.size() && s[at] == '.') {
        ++at;
        std::size_t start = at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9')
            ++at;
        if (at == start)
            return std::nullopt;
    }
    seconds offset{0};
    if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
        ++at;
    } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
        auto oh = digits(s, at + 1, 2), om = digits(s, at + 4, 2);
        if (!oh || !om || s[at + 3] != ':' || *oh > 23 || *om > 59)
            return std::nullopt;
        offset = hours{*oh} + minutes{*om};
        if (s[at] == '-')
            offset = -offset;
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != s.size())
        return std::nullopt;
    return sys_days{date} + hours{*h} + minutes{*mi} + seconds{*sec} - offset;
}

} // namespace

result<token_response> parse_token_response(std::string_view json) {
    rapidjson::Document doc;
    if (auto r = detail::auth_parse_json(doc, json, max_token_response_size, "token response"); !r)
        return r.error();
    if (!doc.IsObject())
        return fail("token response is not a JSON object");

    auto text = [&](const char* name) -> result<std::string_view> {
        auto* m = auth_member(doc, name);
        if (!m || m->IsNull())
            return std::string_view();
        if (!m->IsString())
            return fail(std::string("token response: \"") + name + "\" must be a string");
        return auth_string(*m);
    };
    auto token = text("token");
    if (!token)
        return token.error();
    auto access_token = text("access_token");
    if (!access_token)
        return access_token.error();
    auto refresh = text("refresh_token");
    if (!refresh)
        return refresh.error();
    std::string_view chosen = token->empty() ? *access_token : *token;
    if (chosen.empty())
        return fail("token response has neither \"token\" nor \"access_token\"");
    if (!header_safe(chosen))
        return fail("token response: the token holds a space or control character, which an "
                    "Authorization header cannot carry");
    if (!header_safe(*refresh))
        return fail("token response: \"refresh_token\" holds a space or control character");

    token_response out;
    out.token = secret(std::string(chosen));
    out.refresh_token = secret(std::string(*refresh));

    if (auto* e = auth_member(doc, "expires_in"); e && !e->IsNull()) {
        if (!e->IsNumber())
            return fail("token response: \"expires_in\" must be a number of seconds");
        double v = e->GetDouble();
        std::int64_t s = std::isfinite(v)
                             ? static_cast<std::int64_t>(std::clamp(
                                   std::floor(v), 0.0, static_cast<double>(max_lifetime_seconds)))
                             : min_token_lifetime.count();
        // token.md: "a token should never be returned with less than 60 seconds to live".
        out.expires_in = std::max(std::chrono::seconds{s}, min_token_lifetime);
    }
    if (auto issued = text("issued_at"); issued && !issued->empty())
        out.issued_at = parse_rfc3339(*issued);
    return out;
}

} // namespace mmerge
