#pragma once
// RapidJSON reading shared by the credential and token parsers (private to src/core).

#include <mmerge/result.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <string>
#include <string_view>

namespace mmerge::detail {

/**
 * Parse `json` (at most `cap` bytes) into `doc`. `what` names the document in messages
 * ("token response"). The iterative parser keeps deeply nested hostile input off the stack.
 */
inline result<void> auth_parse_json(rapidjson::Document& doc, std::string_view json,
                                    std::size_t cap, const std::string& what) {
    if (json.size() > cap)
        return fail(what + " is " + std::to_string(json.size()) + " bytes, over the " +
                    std::to_string(cap) + "-byte cap");
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError()) {
        auto at = doc.GetErrorOffset();
        return fail(what + " is not valid JSON at offset " + std::to_string(at) + ": " +
                        rapidjson::GetParseError_En(doc.GetParseError()),
                    at);
    }
    return {};
}

/** The member `name` of object `obj`, or nullptr when absent. */
inline const rapidjson::Value* auth_member(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view auth_string(const rapidjson::Value& v) {
    return std::string_view(v.GetString(), v.GetStringLength());
}

} // namespace mmerge::detail
