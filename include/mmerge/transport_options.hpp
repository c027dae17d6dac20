#pragma once
/** @file How mmerge talks to registries: timeouts, retries, TLS trust and connection limits. */

#include <mmerge/version.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace mmerge {

/**
 * The transport settings of one run, filled once by the CLI from the common flags of DESIGN.md
 * (`--timeout`, `--retries`, `--plain-http`, `--insecure`, `--ca-file`, `--cert-dir`) and passed
 * down by `const&`. Nothing below the CLI reads the environment: the CLI decides `certs_d_roots`.
 */
struct transport_options {
    /** Limit for each step of a request: connect, TLS handshake, write, and each read. */
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    /** How many times a failed request is tried again (connection errors, 408/429/5xx). */
    unsigned retries = 3;
    /**
     * First backoff step; attempt n waits a random time in [0, backoff_base * 2^(n-1)] ("full
     * jitter"), capped, unless the server's `Retry-After` says otherwise.
     */
    std::chrono::milliseconds backoff_base = std::chrono::milliseconds(250);
    /** `--plain-http`: use http:// even for non-loopback registries (the registry layer decides).
     */
    bool plain_http = false;
    /** `--insecure`: TLS without certificate or host name verification (the CLI warns). */
    bool insecure = false;
    /** `--ca-file`: extra trusted CAs (PEM) for every TLS connection of the run; empty for none. */
    std::filesystem::path ca_file;
    /**
     * `--cert-dir`: a certs.d-style folder (`*.crt` CAs, `*.cert` + `*.key` client certificate)
     * used for every TLS connection of the run; empty for none.
     */
    std::filesystem::path cert_dir;
    /** Roots searched for `<root>/<host:port>/` then `<root>/<host>/`; the first folder found wins.
     */
    std::vector<std::filesystem::path> certs_d_roots = {"/etc/containers/certs.d",
                                                        "/etc/docker/certs.d"};
    /** Open connections per (scheme, host, port); further requests wait for a free one. */
    std::size_t max_connections_per_host = 8;
    /** The `User-Agent` header of every request. */
    std::string user_agent = std::string("mmerge/") + version;
};

} // namespace mmerge
