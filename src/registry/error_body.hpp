#pragma once
// Distribution error bodies (distribution spec, "Error Codes"): {"errors":[{code,message,detail}]}
// turned into diagnostics a user can read. Pure: the registry layer feeds it bodies it read
// with a cap (net::max_small_body).

#include <string>
#include <string_view>
#include <vector>

namespace mmerge::registry {

/** One entry of a registry's `errors` array. `detail` is kept as compact JSON text. */
struct diagnostic {
    std::string code;    ///< e.g. `MANIFEST_UNKNOWN`, `DENIED`, `NAME_UNKNOWN`
    std::string message; ///< the registry's message
    std::string detail;  ///< compact JSON of `detail`, empty when absent or null
};

/** Longest text of a non-JSON body that goes into a message (an HTML error page, say). */
inline constexpr std::size_t max_diagnostic_text = 512;

/**
 * Parse an error body. A body in the spec's form gives its entries; any other body (HTML, plain
 * text, JSON of another shape) gives one diagnostic whose message is the body's first
 * `max_diagnostic_text` printable characters, so the user still sees what the server said.
 * An empty body gives no diagnostics.
 */
std::vector<diagnostic> parse_error_body(std::string_view body);

/**
 * One line for the user: `MANIFEST_UNKNOWN: manifest unknown; NAME_UNKNOWN: ...`, or, with no
 * diagnostics, the HTTP status `404 Not Found`.
 */
std::string describe(const std::vector<diagnostic>& diagnostics, unsigned status,
                     std::string_view reason);

} // namespace mmerge::registry
