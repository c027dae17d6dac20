#include "net/retry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>
#include <string>

namespace mmerge::net {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
    // RFC 9110 section 5.6.7: senders use IMF-fixdate, recipients also accept the two obsolete
    // forms. The classic locale makes %a and %b the English names whatever the user's locale.
    static constexpr const char* formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT", // Sun, 06 Nov 1994 08:49:37 GMT
        "%A, %d-%b-%y %H:%M:%S GMT", // Sunday, 06-Nov-94 08:49:37 GMT
        "%a %b %d %H:%M:%S %Y",      // Sun Nov  6 08:49:37 1994
    };
    for (const char* format : formats) {
        std::istringstream in{std::string(text)};
        in.imbue(std::locale::classic());
        std::tm tm{};
        in >> std::get_time(&tm, format);
        if (in.fail())
            continue;
        in >> std::ws;
        if (!in.eof())
            continue;
        return std::chrono::system_clock::from_time_t(timegm(&tm));
    }
    return std::nullopt;
}

} // namespace

bool is_retryable_status(unsigned status) noexcept {
    switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return true;
    default:
        return false;
    }
}

std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
    using std::chrono::milliseconds;
    value = trim(value);
    if (value.empty())
        return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(value.front()))) {
        unsigned long long seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec == std::errc::result_out_of_range)
            return milliseconds(max_retry_after);
        if (ec != std::errc() || end != value.data() + value.size())
            return std::nullopt;
        return milliseconds(
            std::chrono::seconds(std::min<unsigned long long>(seconds, max_retry_after.count())));
    }
    const auto date = parse_http_date(value);
    if (!date)
        return std::nullopt;
    const auto wait = std::chrono::duration_cast<milliseconds>(*date - now);
    return std::clamp(wait, milliseconds(0), milliseconds(max_retry_after));
}

std::chrono::milliseconds backoff_bound(unsigned retry, std::chrono::milliseconds base) noexcept {
    const std::chrono::milliseconds cap = max_backoff;
    auto bound = std::max(base, std::chrono::milliseconds(0));
    for (unsigned i = 1; i < retry && bound < cap; ++i)
        bound *= 2;
    return std::min(bound, cap);
}

} // namespace mmerge::net
