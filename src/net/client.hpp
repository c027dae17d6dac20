#pragma once
/** @file The HTTP client of the net layer: pooled connections, redirects, retries, body caps. */

#include "net/http.hpp"

#include <mmerge/transport_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>

namespace mmerge::net {

/**
 * Sends HTTP/1.1 requests for one run (DESIGN.md layer 2). Knows HTTP, not OCI: the registry layer
 * adds credentials, Accept lists and the meaning of statuses.
 *
 * - Keep-alive connections per (scheme, host, port), at most `max_connections_per_host` of them;
 *   concurrent requests share them, and a reused connection the server had closed is replaced
 *   transparently (once) when it fails before any byte of the answer.
 * - https verifies the peer and its host name (unless `insecure`); trust: system store,
 *   `ca_file`, `cert_dir`, and the host's certs.d folder (see net/tls.hpp).
 * - Every step is limited by `timeout`; bodies are capped (`request::body_limit`).
 * - Redirects and retries as described on `send`.
 *
 * All coroutines of one client must run on one thread (one io_context, as mmerge runs).
 */
class client {
public:
    explicit client(transport_options options);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /**
     * Sends `req` and returns the final response, whatever its status, with its body.
     *
     * 1. Redirects (301, 302, 303, 307, 308; at most `max_redirects`) are followed unless
     *    `req.follow_redirects` is false; see net/redirect.hpp for what each hop keeps.
     * 2. Connection errors, timeouts and 408/429/500/502/503/504 are retried up to
     *    `options.retries` times: the wait is the server's `Retry-After` (capped at
     *    `max_retry_after`) or a full-jitter exponential backoff from `options.backoff_base`.
     *    With `retries == 0` the response or error of the single attempt is returned as is.
     *
     * Throws mmerge::error whose operation is the method and whose reference is the URL without
     * userinfo: errc::timeout, errc::network, errc::tls, errc::too_large, errc::invalid_response,
     * errc::bad_redirect, errc::usage (not an http(s) URL), and errc::retries_exhausted
     * ("gave up after 4 attempts: 503 Service Unavailable").
     */
    boost::asio::awaitable<response> send(request req);

    /**
     * Like `send(req)`, but a 2xx body goes to `sink` chunk by chunk instead of into
     * `response::body` (bounded memory, no cap: the caller verifies size and digest). Bodies of
     * other statuses are read into `response::body`, capped at `max_small_body`. A failure after
     * part of the body reached the sink is retried only when `sink.restart` is set.
     */
    boost::asio::awaitable<response> send(request req, body_sink sink);

    const transport_options& options() const noexcept;
    /** Connections opened so far (each new TCP or TLS connection counts once). */
    std::size_t connections_opened() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mmerge::net
