#include "net/http.hpp"

#include <algorithm>

namespace mmerge::net {

bool iequals(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
               return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
           });
}

void header_fields::add(std::string_view name, std::string_view value) {
    fields_.push_back({std::string(name), std::string(value)});
}

void header_fields::set(std::string_view name, std::string_view value) {
    erase(name);
    add(name, value);
}

std::size_t header_fields::erase(std::string_view name) {
    return std::erase_if(fields_, [&](const field& f) { return iequals(f.name, name); });
}

std::optional<std::string_view> header_fields::find(std::string_view name) const {
    for (const auto& f : fields_)
        if (iequals(f.name, name))
            return f.value;
    return std::nullopt;
}

std::vector<std::string_view> header_fields::find_all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const auto& f : fields_)
        if (iequals(f.name, name))
            values.push_back(f.value);
    return values;
}

std::string_view to_string(verb v) noexcept {
    switch (v) {
    case verb::get:
        return "GET";
    case verb::head:
        return "HEAD";
    case verb::post:
        return "POST";
    case verb::put:
        return "PUT";
    case verb::patch:
        return "PATCH";
    case verb::delete_:
        return "DELETE";
    }
    return "GET";
}

} // namespace mmerge::net
