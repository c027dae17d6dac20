#pragma once
/** @file When and how long to wait before sending a request again: pure decisions, no I/O. */

#include <chrono>
#include <optional>
#include <string_view>

namespace mmerge::net {

/** Longest wait a `Retry-After` header can impose; a server asking for more gets this much. */
inline constexpr std::chrono::seconds max_retry_after{60};
/** Longest backoff step between two attempts when the server gave no `Retry-After`. */
inline constexpr std::chrono::seconds max_backoff{10};

/** True for the statuses worth another try: 408, 429, 500, 502, 503, 504. */
bool is_retryable_status(unsigned status) noexcept;

/**
 * The wait a `Retry-After` value asks for (RFC 9110 section 10.2.3): delay-seconds or an
 * HTTP-date (IMF-fixdate, RFC 850 or asctime), measured from `now`, clamped to
 * [0, max_retry_after]. nullopt when the value is neither.
 */
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

/**
 * The upper bound of the wait before retry number `retry` (1 for the first retry):
 * min(max_backoff, base * 2^(retry-1)). The client waits a uniformly random time in
 * [0, bound] ("full jitter"), so clients that failed together do not retry together.
 */
std::chrono::milliseconds backoff_bound(unsigned retry, std::chrono::milliseconds base) noexcept;

} // namespace mmerge::net
