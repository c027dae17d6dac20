#pragma once
/** @file Everything an operation needs to reach registries, built once by the CLI. */

#include <mmerge/credential_options.hpp>
#include <mmerge/transport_options.hpp>

#include <functional>
#include <string>

namespace mmerge {

/** Transport, credentials and tracing for one run; passed down by `const&`. */
struct registry_options {
    transport_options transport;
    credential_options credentials;
    /** Receives one line per registry request at -v; lines never hold a secret. */
    std::function<void(const std::string&)> trace;
};

} // namespace mmerge
