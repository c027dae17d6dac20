#pragma once
// Reading and writing the platform members an index entry and an image config share:
// `architecture`, `os`, `os.version`, `os.features`, `variant` (image-index.md, config.md).

#include "core/detail/json.hpp"

#include <mmerge/platform.hpp>

namespace mmerge::detail {

/** Read the platform members of the object behind `r`; `os` and `architecture` are required. */
inline result<platform> read_platform(object_reader& r) {
    platform p;
    auto os = r.required_string("os");
    if (!os)
        return os.error();
    auto architecture = r.required_string("architecture");
    if (!architecture)
        return architecture.error();
    // An empty os or architecture is as good as none, and would match nothing.
    if (os->empty())
        return fail(quoted(r.path_of("os")) + " is empty");
    if (architecture->empty())
        return fail(quoted(r.path_of("architecture")) + " is empty");
    p.os = std::move(*os);
    p.architecture = std::move(*architecture);
    auto variant = r.optional_string("variant");
    if (!variant)
        return variant.error();
    p.variant = variant->value_or("");
    auto os_version = r.optional_string("os.version");
    if (!os_version)
        return os_version.error();
    p.os_version = os_version->value_or("");
    auto os_features = r.string_array("os.features");
    if (!os_features)
        return os_features.error();
    p.os_features = std::move(*os_features);
    return p;
}

/** Write the platform members in canonical order, leaving out empty optional ones. */
inline void write_platform_members(json_writer& w, const platform& p) {
    w.Key("architecture");
    write_string(w, p.architecture);
    w.Key("os");
    write_string(w, p.os);
    if (!p.os_version.empty()) {
        w.Key("os.version");
        write_string(w, p.os_version);
    }
    if (!p.os_features.empty()) {
        w.Key("os.features");
        w.StartArray();
        for (const auto& f : p.os_features)
            write_string(w, f);
        w.EndArray();
    }
    if (!p.variant.empty()) {
        w.Key("variant");
        write_string(w, p.variant);
    }
}

} // namespace mmerge::detail
