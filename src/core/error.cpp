#include <mmerge/error.hpp>

namespace mmerge {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "mmerge"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::network: return "network error";
        case errc::timeout: return "timed out";
        case errc::tls: return "TLS error";
        case errc::too_large: return "response body too large";
        case errc::bad_redirect: return "refused redirect";
        case errc::http_status: return "unexpected HTTP status";
        case errc::retries_exhausted: return "gave up after retries";
        case errc::unauthorized: return "authentication required or refused";
        case errc::forbidden: return "access denied";
        case errc::not_found: return "not found";
        case errc::digest_mismatch: return "digest mismatch";
        case errc::invalid_response: return "invalid response";
        case errc::unsupported: return "unsupported";
        case errc::check_failed: return "check failed";
        case errc::usage: return "bad usage";
        }
        return "unknown error";
    }
};

} // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

exit_code exit_code_for(std::error_code ec) noexcept {
    if (ec.category() != error_category())
        return exit_code::registry_error;
    switch (static_cast<errc>(ec.value())) {
    case errc::unauthorized:
    case errc::forbidden: return exit_code::auth_refused;
    case errc::check_failed: return exit_code::check_failed;
    case errc::usage:
    case errc::unsupported: return exit_code::usage;
    default: return exit_code::registry_error;
    }
}

} // namespace mmerge
