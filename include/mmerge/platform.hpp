#pragma once
/**
 * @file The platform an image runs on (OCI image spec image-index.md `platform`, config.md):
 * parse the `os/arch[/variant][:os.version]` form users write, format it, normalize and match it
 * the way containerd's `platforms` package does.
 */

#include <mmerge/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mmerge {

/** A platform as an index entry or an image config states it; values as written, not normalized. */
struct platform {
    std::string os{};                       ///< `os`, e.g. `linux`, `windows`
    std::string architecture{};             ///< `architecture`, e.g. `amd64`, `arm64`
    std::string variant{};                  ///< `variant`, e.g. `v7`; empty when absent
    std::string os_version{};               ///< `os.version`, e.g. `10.0.17763.5329`; may be empty
    std::vector<std::string> os_features{}; ///< `os.features`, e.g. `win32k`

    friend bool operator==(const platform&, const platform&) = default;
};

/**
 * Parse what a user writes: `os/arch`, `os/arch/variant`, either followed by `:os.version`
 * (`windows/amd64:10.0.17763.5329`), or containerd's `os(os.version)/arch[/variant]`.
 * Components are kept as written (call `normalize` to compare). Each component is non-empty and
 * made of letters, digits, `_`, `.` and `-`.
 * @returns the platform, or an error naming the offending component and its offset: empty input,
 *          a missing architecture, more than three components, an empty component, an invalid
 *          character, an empty or doubly given os.version.
 */
result<platform> parse_platform(std::string_view text);

/**
 * The user-facing form `os/arch[/variant][:os.version]`, which `parse_platform` reads back.
 * `os.features` has no place in it and is left out.
 */
std::string to_string(const platform& p);

/**
 * The canonical form containerd compares (platforms/database.go normalizeOS, normalizeArch):
 * os and architecture lowercased, `macos` → `darwin`; `x86_64`/`x86-64` → `amd64`, `amd64/v1` →
 * `amd64`; `aarch64` → `arm64`, `arm64/v8` (also `8`, `v8.0`) → `arm64`, `arm64/9` → `arm64/v9`;
 * `i386` → `386`; `armhf` → `arm/v7`, `armel` → `arm/v6`; `arm` without variant → `arm/v7`, and
 * `arm/5|6|7|8` → `arm/v5|v6|v7|v8`. `os.version` and `os.features` are kept as they are.
 */
platform normalize(platform p);

/**
 * True when the image platform `actual` satisfies the assertion `asserted`: after normalization
 * os, architecture and variant are equal; an asserted os.version must equal the actual one (an
 * assertion without one accepts any); every asserted os.feature must be among the actual ones.
 * DESIGN.md "Protocol facts": compare the normalized config platform with the asserted one.
 */
bool matches(const platform& asserted, const platform& actual);

/**
 * True when `a` and `b` name the same platform: equal after normalization, os.version included
 * and os.features compared as sets. An index must not hold two equivalent entries, and merge
 * upserts by this relation (two Windows entries differing in os.version are distinct).
 */
bool equivalent(const platform& a, const platform& b);

} // namespace mmerge
