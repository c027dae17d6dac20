#pragma once
/** @file The one exception network operations throw, and the error codes it carries. */

#include <mmerge/exit_code.hpp>

#include <string>
#include <system_error>

namespace mmerge {

/** What went wrong, as an `std::error_code` in mmerge's category (`error_category()`). */
enum class errc {
    network = 1,        ///< connect, read or write failed, connection reset
    timeout,            ///< no answer within --timeout
    tls,                ///< handshake or certificate verification failed
    too_large,          ///< a body exceeded its cap
    bad_redirect,       ///< too many redirects, or https -> http
    http_status,        ///< the server answered an unexpected status
    retries_exhausted,  ///< 408/429/5xx or connection errors until --retries ran out
    unauthorized,       ///< 401 after credentials (or a token) were sent
    forbidden,          ///< 403
    not_found,          ///< 404 where the thing must exist
    digest_mismatch,    ///< content does not hash to the digest it must have
    invalid_response,   ///< unparseable or inconsistent answer from the server
    unsupported,        ///< e.g. a schema 1 manifest
    check_failed,       ///< a verification the user asked for failed (platform, expect, audit)
    usage,              ///< bad command line or bad input file
};

/** The error category of `errc`; its messages are short and user-facing. */
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/** The exit code DESIGN.md assigns to an error (1 check, 2 usage, 3 registry/network, 4 auth). */
exit_code exit_code_for(std::error_code ec) noexcept;

/**
 * The one exception mmerge's network operations throw: a `system_error` that also carries the
 * operation ("get manifest"), the reference it was about (credentials never included) and the
 * server's own diagnostics (registry error codes and messages, or the TLS verification reason).
 */
class error : public std::system_error {
public:
    error(std::error_code ec, std::string operation, std::string reference,
          std::string diagnostics = {})
        : std::system_error(ec)
        , message_(diagnostics.empty() ? ec.message() : diagnostics)
        , operation_(std::move(operation))
        , reference_(std::move(reference))
        , diagnostics_(std::move(diagnostics)) {}

    /** The server's diagnostics when there are some, else the error code's message. */
    const char* what() const noexcept override { return message_.c_str(); }
    const std::string& operation() const noexcept { return operation_; }
    const std::string& reference() const noexcept { return reference_; }
    const std::string& diagnostics() const noexcept { return diagnostics_; }

private:
    std::string message_;
    std::string operation_;
    std::string reference_;
    std::string diagnostics_;
};

} // namespace mmerge

template <>
struct std::is_error_code_enum<mmerge::errc> : std::true_type {};
