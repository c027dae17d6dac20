#pragma once
/** @file The token endpoint's answer (distribution docs/spec/auth/token.md "Token Response Fields",
 * oauth.md). Pure: the registry layer fetches it, this reads it. */

#include <mmerge/credentials.hpp>
#include <mmerge/result.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace mmerge {

/** A bearer token and how long it lives. */
struct token_response {
    /// The bearer token for `Authorization: Bearer ...`.
    secret token;
    /// How long the token lives from issued_at (or from receipt); at least 60 s.
    std::chrono::seconds expires_in{60};
    /// When the server issued it (RFC 3339), when it said so in a form we read.
    std::optional<std::chrono::sys_seconds> issued_at;
    /// A refresh token (OAuth2 or `offline_token=true`), empty when none was given.
    secret refresh_token;
};

/** Shortest lifetime a token is given: the spec's default, and its floor for older servers. */
inline constexpr std::chrono::seconds min_token_lifetime{60};
/** Token bodies larger than this are refused (DESIGN.md: token bodies 64 KiB–1 MiB). */
inline constexpr std::size_t max_token_response_size = 1024 * 1024;

/**
 * Parse a token endpoint's JSON body.
 *
 * The token is `token`, or `access_token` when `token` is absent or empty (token.md: either may
 * appear; when both do they should be equal). `expires_in` defaults to 60 and is raised to 60
 * when lower; a fractional value is rounded down. `issued_at` is RFC 3339 (`2009-11-10T23:00:00Z`,
 * with optional fraction and `+hh:mm` offset); one we cannot read is dropped, so the lifetime
 * counts from receipt, the spec's rule when it is omitted. `refresh_token` is kept.
 *
 * @return an error when the body exceeds max_token_response_size, is not a JSON object, has no
 *         non-empty token, has a non-string token or a non-number `expires_in`, or the token holds
 *         characters an HTTP header cannot carry. The token never appears in a message.
 */
result<token_response> parse_token_response(std::string_view json);

} // namespace mmerge
