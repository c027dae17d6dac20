#pragma once
/** @file One HTTP/1.1 connection to one origin, over TCP or TLS. Beast stays in the .cpp. */

#include "net/http.hpp"
#include "net/url.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace mmerge::net {

class tls_contexts;

/**
 * A keep-alive HTTP/1.1 connection. Every step (connect, handshake, write, each read) is limited
 * by the timeout given to `open`. Failures throw mmerge::error with an empty operation and
 * reference (the client fills them in) and a message naming the host and the phase.
 */
class connection {
public:
    /**
     * Resolves and connects to `o`; for https also the TLS handshake with SNI, and with peer and
     * host name verification when `tls.verify()`. Errors: errc::timeout, errc::network,
     * errc::tls (the message names the certificate problem).
     */
    static boost::asio::awaitable<std::unique_ptr<connection>>
    open(const origin& o, tls_contexts& tls, std::chrono::milliseconds timeout);

    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /**
     * Sends `req` (whose URL has this connection's origin) and reads the whole answer. With a
     * `sink`, a 2xx body is streamed into it; any other body goes to `response::body`, capped at
     * `req.body_limit` (at `max_small_body` for a streamed request). A body over its cap is
     * refused from its Content-Length before it is read, or as soon as a chunked body passes it.
     * Errors: errc::timeout, errc::network (reset, truncated body), errc::too_large,
     * errc::invalid_response, errc::tls.
     */
    boost::asio::awaitable<response> round_trip(const request& req, const body_sink* sink);

    const origin& target() const noexcept;
    /** Nothing failed and the server keeps the connection open: it may serve another request. */
    bool reusable() const noexcept;
    /** Some bytes of a response arrived during the last round_trip. */
    bool response_started() const noexcept;
    /** Round trips completed on this connection; more than 0 means it was reused. */
    std::size_t completed() const noexcept;
    /** While idle, the server neither closed the connection nor sent anything unexpected. */
    bool looks_alive() const noexcept;
    /** When the last round trip ended (or the connection opened). */
    std::chrono::steady_clock::time_point idle_since() const noexcept;

private:
    struct impl;
    explicit connection(std::unique_ptr<impl> state);
    std::unique_ptr<impl> impl_;
};

} // namespace mmerge::net
