#pragma once
// Private JSON helpers of the core parsers (manifest, descriptor, image_config) over RapidJSON.
// RapidJSON stays inside src/core: public headers only see std types.

#include <mmerge/descriptor.hpp>
#include <mmerge/result.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mmerge::detail {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Deeper nesting than this is refused: real manifests and configs nest a handful of levels, and
/// the checks below recurse, so untrusted input must not choose the depth.
inline constexpr int max_json_depth = 64;

// Iterative parsing so that a hostile document cannot overflow the stack while parsing;
// validate UTF-8 because JSON text must be UTF-8; full precision so numbers we keep verbatim in
// unknown fields are written back as they came.
inline constexpr unsigned json_parse_flags = rapidjson::kParseIterativeFlag |
                                             rapidjson::kParseValidateEncodingFlag |
                                             rapidjson::kParseFullPrecisionFlag;

inline std::string_view view_of(const rapidjson::Value& v) {
    return {v.GetString(), v.GetStringLength()};
}

/** `text` quoted for an error message: control bytes escaped, long values cut. */
inline std::string quoted(std::string_view text) {
    constexpr std::size_t max_shown = 100;
    std::string out = "\"";
    std::size_t shown = std::min(text.size(), max_shown);
    // Do not cut a UTF-8 sequence in half.
    while (shown < text.size() && shown > 0 &&
           (static_cast<unsigned char>(text[shown]) & 0xc0) == 0x80)
        --shown;
    static constexpr char digits[] = "0123456789abcdef";
    for (char c : text.substr(0, shown)) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += digits[u >> 4];
            out += digits[u & 0x0f];
        } else {
            out += c;
        }
    }
    out += '"';
    if (shown < text.size())
        out += "...";
    return out;
}

/** "a string", "an object", ... for "must be X, found Y" messages. */
inline std::string_view type_name(const rapidjson::Value& v) {
    switch (v.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "a boolean";
    case rapidjson::kObjectType:
        return "an object";
    case rapidjson::kArrayType:
        return "an array";
    case rapidjson::kStringType:
        return "a string";
    case rapidjson::kNumberType:
        return "a number";
    }
    return "a value";
}

/** The compact JSON text of `v`. */
inline std::string compact(const rapidjson::Value& v) {
    rapidjson::StringBuffer buffer;
    json_writer writer(buffer);
    v.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

/**
 * Write `json`, the text of one JSON value kept from an unknown field, compactly.
 * Throws std::invalid_argument when it is not JSON: only code, never input, builds such a value.
 */
inline void write_raw(json_writer& writer, std::string_view name, std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<json_parse_flags>(json.data(), json.size());
    if (doc.HasParseError())
        throw std::invalid_argument("field \"" + std::string(name) + "\" holds invalid JSON text");
    doc.Accept(writer);
}

/** Write the object members `fields` (sorted by the map), each refusing a name in `known`. */
inline void write_extra(json_writer& writer, const extra_fields& fields,
                        std::initializer_list<std::string_view> known) {
    for (const auto& [name, json] : fields) {
        if (std::find(known.begin(), known.end(), name) != known.end())
            throw std::invalid_argument("extra field \"" + name +
                                        "\" collides with a field mmerge writes itself");
        writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
        write_raw(writer, name, json);
    }
}

inline void write_string(json_writer& writer, std::string_view s) {
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline void write_string_map(json_writer& writer, const std::map<std::string, std::string>& m) {
    writer.StartObject();
    for (const auto& [k, v] : m) {
        write_string(writer, k);
        write_string(writer, v);
    }
    writer.EndObject();
}

// Walks the DOM: refuses duplicate member names (Go's encoding/json keeps the last one, RapidJSON
// finds the first, so a registry and mmerge could disagree about what a manifest says) and
// nesting beyond max_json_depth.
inline std::optional<std::string> check_structure(const rapidjson::Value& v, int depth = 1) {
    if (depth > max_json_depth)
        return "is nested more than " + std::to_string(max_json_depth) + " levels deep";
    if (v.IsArray()) {
        for (const auto& item : v.GetArray())
            if (auto e = check_structure(item, depth + 1))
                return e;
    } else if (v.IsObject()) {
        std::vector<std::string_view> names;
        names.reserve(v.MemberCount());
        for (const auto& m : v.GetObject()) {
            names.push_back(view_of(m.name));
            if (auto e = check_structure(m.value, depth + 1))
                return e;
        }
        std::sort(names.begin(), names.end());
        if (auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end())
            return "has the member " + quoted(*dup) + " twice";
    }
    return std::nullopt;
}

/**
 * Parse `text` as one JSON document. `what` names it in errors ("manifest", "image config"):
 * syntax errors carry RapidJSON's offset; duplicate member names and excessive nesting are
 * refused too.
 */
inline result<rapidjson::Document> parse_json(std::string_view text, std::string_view what) {
    rapidjson::Document doc;
    doc.Parse<json_parse_flags>(text.data(), text.size());
    if (doc.HasParseError()) {
        std::size_t at = doc.GetErrorOffset();
        return fail(std::string(what) +
                        " is not valid JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
                        " (at offset " + std::to_string(at) + ")",
                    at);
    }
    if (auto e = check_structure(doc))
        return fail(std::string(what) + " " + *e);
    return doc;
}

/**
 * Reads the members of one JSON object by name, remembering which it read, so that the rest can
 * be kept verbatim (`rest`). Errors name the member by its path (`manifests[2].size`).
 */
class object_reader {
public:
    /// `object` must be a JSON object; `path` is its own path, empty for the root.
    object_reader(const rapidjson::Value& object, std::string path)
        : object_(object)
        , path_(std::move(path)) {}

    /** The path of member `name`, for messages: `manifests[2].size`. */
    std::string path_of(std::string_view name) const {
        return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
    }

    /** The member `name`, or nullptr; either way `name` counts as read. */
    const rapidjson::Value* find(std::string_view name) {
        read_.emplace_back(name);
        for (const auto& m : object_.GetObject())
            if (view_of(m.name) == name)
                return &m.value;
        return nullptr;
    }

    bool has(std::string_view name) const {
        for (const auto& m : object_.GetObject())
            if (view_of(m.name) == name)
                return true;
        return false;
    }

    parse_error missing(std::string_view name) const {
        return fail(quoted(path_of(name)) + " is missing");
    }

    parse_error wrong_type(std::string_view name, std::string_view expected,
                           const rapidjson::Value& found) const {
        return fail(quoted(path_of(name)) + " must be " + std::string(expected) + ", found " +
                    std::string(type_name(found)));
    }

    /** An optional string member; absent gives an empty optional. */
    result<std::optional<std::string>> optional_string(std::string_view name) {
        const auto* v = find(name);
        if (v == nullptr)
            return std::optional<std::string>();
        if (!v->IsString())
            return wrong_type(name, "a string", *v);
        return std::optional<std::string>(std::string(view_of(*v)));
    }

    /** A required string member. */
    result<std::string> required_string(std::string_view name) {
        auto s = optional_string(name);
        if (!s)
            return s.error();
        if (!*s)
            return missing(name);
        return std::move(**s);
    }

    /** An optional array of strings; absent gives an empty vector. */
    result<std::vector<std::string>> string_array(std::string_view name) {
        std::vector<std::string> out;
        const auto* v = find(name);
        if (v == nullptr)
            return out;
        if (!v->IsArray())
            return wrong_type(name, "an array of strings", *v);
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
            const auto& item = (*v)[i];
            if (!item.IsString())
                return fail(quoted(path_of(name) + "[" + std::to_string(i) + "]") +
                            " must be a string, found " + std::string(type_name(item)));
            out.emplace_back(view_of(item));
        }
        return out;
    }

    /** An optional object whose values are all strings (annotations); absent gives empty. */
    result<std::map<std::string, std::string>> string_map(std::string_view name) {
        std::map<std::string, std::string> out;
        const auto* v = find(name);
        if (v == nullptr)
            return out;
        if (!v->IsObject())
            return wrong_type(name, "an object of strings", *v);
        for (const auto& m : v->GetObject()) {
            if (!m.value.IsString())
                return fail(quoted(path_of(name) + "." + std::string(view_of(m.name))) +
                            " must be a string, found " + std::string(type_name(m.value)));
            out.emplace(view_of(m.name), view_of(m.value));
        }
        return out;
    }

    /** The members not read so far, as compact JSON text. */
    extra_fields rest() const {
        extra_fields out;
        for (const auto& m : object_.GetObject()) {
            auto name = view_of(m.name);
            if (std::find(read_.begin(), read_.end(), name) == read_.end())
                out.emplace(name, compact(m.value));
        }
        return out;
    }

private:
    const rapidjson::Value& object_;
    std::string path_;
    std::vector<std::string> read_;
};

} // namespace mmerge::detail
