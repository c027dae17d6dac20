#pragma once
// Digest validation shared by digest::parse and parse_reference, so each can report the fault at
// an offset in its own input.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mmerge::detail {

/** Where and why a text is not a digest mmerge accepts. */
struct digest_problem {
    /// Offset in the text given to find_digest_problem.
    std::size_t position = 0;
    /// A sentence that reads on its own: "sha256 digest needs 64 hex characters but has 63".
    std::string reason;
};

/** `'c'` for a printable character, `'\xNN'` for a byte that would not print in a message. */
inline std::string quote_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
        return std::string{'\'', c, '\''};
    static constexpr char digits[] = "0123456789abcdef";
    return std::string{'\'', '\\', 'x', digits[u >> 4], digits[u & 0x0f], '\''};
}

/** nullopt when `text` is `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`. */
std::optional<digest_problem> find_digest_problem(std::string_view text);

} // namespace mmerge::detail
