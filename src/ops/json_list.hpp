#pragma once
// A JSON array of strings under a key, for the operations' reports.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <vector>

namespace mmerge::ops {

inline void write_string_list(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key,
                              const std::vector<std::string>& values) {
    w.Key(key);
    w.StartArray();
    for (const auto& v : values)
        w.String(v);
    w.EndArray();
}

} // namespace mmerge::ops
