#include "registry/link_header.hpp"

#include <algorithm>
#include <cctype>

namespace mmerge::registry {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

// True when the parameters after `<uri>` (`; rel="next"; title=...`) give relation type `next`.
bool has_rel_next(std::string_view params) {
    while (!params.empty()) {
        const auto semi = params.find(';');
        std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        const auto eq = param.find('=');
        if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "rel"))
            continue;
        std::string_view value = trim(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        // rel may list several space-separated relation types.
        while (!value.empty()) {
            value = trim(value);
            const auto space = value.find(' ');
            if (iequals(value.substr(0, space), "next"))
                return true;
            value = space == std::string_view::npos ? std::string_view{} : value.substr(space);
        }
    }
    return false;
}

} // namespace

std::optional<std::string> next_link(std::span<const std::string_view> link_values) {
    for (std::string_view value : link_values) {
        // Each link is `<uri>` then parameters up to the next `,` that precedes a `<`.
        while (true) {
            const auto open = value.find('<');
            if (open == std::string_view::npos)
                break;
            const auto close = value.find('>', open);
            if (close == std::string_view::npos)
                break;
            const std::string_view uri = value.substr(open + 1, close - open - 1);
            value = value.substr(close + 1);
            const auto next = value.find('<');
            if (has_rel_next(value.substr(0, next)))
                return std::string(uri);
            if (next == std::string_view::npos)
                break;
            value = value.substr(next);
        }
    }
    return std::nullopt;
}

} // namespace mmerge::registry
