#include "registry/error_body.hpp"

#include <cctype>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mmerge::registry {
namespace {

std::string string_member(const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString())
        return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

std::string compact_json(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

// Registries answer errors with HTML pages too (proxies, CDNs): keep what a person can read,
// collapse whitespace, and cut it short.
std::string printable_excerpt(std::string_view body) {
    std::string out;
    bool space = false;
    for (const unsigned char c : body) {
        if (out.size() >= max_diagnostic_text)
            break;
        if (std::isspace(c)) {
            space = !out.empty();
            continue;
        }
        if (!std::isprint(c))
            continue;
        if (space)
            out.push_back(' ');
        space = false;
        out.push_back(static_cast<char>(c));
    }
    return out;
}

} // namespace

std::vector<diagnostic> parse_error_body(std::string_view body) {
    std::vector<diagnostic> out;
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (!doc.HasParseError() && doc.IsObject()) {
        const auto errors = doc.FindMember("errors");
        if (errors != doc.MemberEnd() && errors->value.IsArray()) {
            for (const auto& e : errors->value.GetArray()) {
                if (!e.IsObject())
                    continue;
                diagnostic d{string_member(e, "code"), string_member(e, "message"), {}};
                const auto detail = e.FindMember("detail");
                if (detail != e.MemberEnd() && !detail->value.IsNull())
                    d.detail = compact_json(detail->value);
                out.push_back(std::move(d));
            }
            return out;
        }
    }
    if (auto text = printable_excerpt(body); !text.empty())
        out.push_back({{}, std::move(text), {}});
    return out;
}

std::string describe(const std::vector<diagnostic>& diagnostics, unsigned status,
                     std::string_view reason) {
    std::string out;
    for (const auto& d : diagnostics) {
        if (!out.empty())
            out += "; ";
        if (!d.code.empty())
            out += d.code + ": ";
        out += d.message.empty() ? std::string("(no message)") : d.message;
        if (!d.detail.empty())
            out += " (detail: " + d.detail + ")";
    }
    if (out.empty()) {
        out = std::to_string(status);
        if (!reason.empty())
            out.append(" ").append(reason);
    }
    return out;
}

} // namespace mmerge::registry
