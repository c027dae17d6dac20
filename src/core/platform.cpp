// Platforms: the user syntax, normalization and matching of containerd's platforms package.
#include <mmerge/platform.hpp>

#include <algorithm>
#include <array>
#include <optional>

namespace mmerge {

namespace {

std::string lowercase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    return s;
}

// containerd's specifier component: [A-Za-z0-9_.-]+
bool is_component_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

std::string quote(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string describe(char c) {
    if (c >= 0x20 && c < 0x7f)
        return std::string("'") + c + "'";
    static constexpr char digits[] = "0123456789abcdef";
    auto u = static_cast<unsigned char>(c);
    return std::string("byte 0x") + digits[u >> 4] + digits[u & 0x0f];
}

// Checks one component that starts at `offset` in `whole`.
std::optional<parse_error> check_component(std::string_view whole, std::string_view part,
                                           std::size_t offset, std::string_view name) {
    if (part.empty())
        return fail("invalid platform " + quote(whole) + ": empty " + std::string(name) +
                        " at offset " + std::to_string(offset),
                    offset);
    for (std::size_t i = 0; i < part.size(); ++i)
        if (!is_component_char(part[i]))
            return fail("invalid platform " + quote(whole) + ": invalid character " +
                            describe(part[i]) + " in " + std::string(name) + " at offset " +
                            std::to_string(offset + i) +
                            " (allowed: letters, digits, '_', '.', '-')",
                        offset + i);
    return std::nullopt;
}

} // namespace

result<platform> parse_platform(std::string_view text) {
    if (text.empty())
        return fail("platform is empty; expected os/arch[/variant][:os.version], e.g. linux/arm64",
                    0);

    platform p;
    std::string_view spec = text;
    std::size_t version_offset = std::string_view::npos;
    if (auto colon = text.find(':'); colon != std::string_view::npos) {
        spec = text.substr(0, colon);
        version_offset = colon + 1;
        p.os_version = std::string(text.substr(version_offset));
    }

    std::array<std::string_view, 3> parts;
    std::array<std::size_t, 3> offsets{};
    std::size_t count = 0;
    for (std::size_t start = 0;;) {
        auto slash = spec.find('/', start);
        if (count == parts.size())
            return fail("invalid platform " + quote(text) +
                            ": too many components (expected os/arch[/variant]); the extra one "
                            "starts at offset " +
                            std::to_string(start),
                        start);
        parts[count] = spec.substr(start, slash == std::string_view::npos ? slash : slash - start);
        offsets[count] = start;
        ++count;
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }

    // containerd's form puts the version on the os: windows(10.0.17763)/amd64.
    std::string_view os = parts[0];
    if (auto open = os.find('('); open != std::string_view::npos && os.ends_with(')')) {
        if (version_offset != std::string_view::npos)
            return fail("invalid platform " + quote(text) + ": os.version given twice, as (" +
                            std::string(os.substr(open + 1, os.size() - open - 2)) +
                            ") and after ':'",
                        offsets[0] + open);
        version_offset = offsets[0] + open + 1;
        p.os_version = std::string(os.substr(open + 1, os.size() - open - 2));
        os = os.substr(0, open);
    }

    static constexpr std::array<std::string_view, 3> names = {"os", "architecture", "variant"};
    if (auto e = check_component(text, os, offsets[0], names[0]))
        return *e;
    if (count == 1)
        return fail("invalid platform " + quote(text) +
                        ": no architecture; expected os/arch[/variant], e.g. " + std::string(os) +
                        (os == "windows" ? "/amd64" : "/arm64"),
                    spec.size());
    for (std::size_t i = 1; i < count; ++i)
        if (auto e = check_component(text, parts[i], offsets[i], names[i]))
            return *e;
    if (version_offset != std::string_view::npos) {
        if (auto e = check_component(text, p.os_version, version_offset, "os.version"))
            return *e;
    }

    p.os = std::string(os);
    p.architecture = std::string(parts[1]);
    if (count == 3)
        p.variant = std::string(parts[2]);
    return p;
}

std::string to_string(const platform& p) {
    std::string out = p.os + "/" + p.architecture;
    if (!p.variant.empty())
        out += "/" + p.variant;
    if (!p.os_version.empty())
        out += ":" + p.os_version;
    return out;
}

platform normalize(platform p) {
    p.os = lowercase(std::move(p.os));
    if (p.os == "macos")
        p.os = "darwin";

    std::string arch = lowercase(std::move(p.architecture));
    std::string variant = lowercase(std::move(p.variant));
    if (arch == "i386") {
        arch = "386";
        variant.clear();
    } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
        arch = "amd64";
        if (variant == "v1")
            variant.clear();
    } else if (arch == "aarch64" || arch == "arm64") {
        arch = "arm64";
        if (variant == "8" || variant == "v8" || variant == "v8.0")
            variant.clear();
        else if (variant == "9" || variant == "9.0" || variant == "v9.0")
            variant = "v9";
    } else if (arch == "armhf") {
        arch = "arm";
        variant = "v7";
    } else if (arch == "armel") {
        arch = "arm";
        variant = "v6";
    } else if (arch == "arm") {
        if (variant.empty() || variant == "7")
            variant = "v7";
        else if (variant == "5" || variant == "6" || variant == "8")
            variant = "v" + variant;
    }
    p.architecture = std::move(arch);
    p.variant = std::move(variant);
    return p;
}

bool matches(const platform& asserted, const platform& actual) {
    platform want = normalize(asserted);
    platform have = normalize(actual);
    if (want.os != have.os || want.architecture != have.architecture ||
        want.variant != have.variant)
        return false;
    if (!want.os_version.empty() && want.os_version != have.os_version)
        return false;
    return std::all_of(want.os_features.begin(), want.os_features.end(), [&](const auto& f) {
        return std::find(have.os_features.begin(), have.os_features.end(), f) !=
               have.os_features.end();
    });
}

bool equivalent(const platform& a, const platform& b) {
    platform x = normalize(a);
    platform y = normalize(b);
    for (auto* p : {&x, &y}) {
        std::sort(p->os_features.begin(), p->os_features.end());
        p->os_features.erase(std::unique(p->os_features.begin(), p->os_features.end()),
                             p->os_features.end());
    }
    return x == y;
}

} // namespace mmerge
