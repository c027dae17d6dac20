#include "net/connection.hpp"

#include "net/tls.hpp"

#include <mmerge/error.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <limits>
#include <optional>
#include <sys/socket.h>

namespace mmerge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto use_awaitable = asio::use_awaitable;

/** Longest response header section accepted (Beast's default of 8 KiB is tight for Link). */
constexpr std::uint32_t max_header_size = 64 * 1024;

std::string format_duration(std::chrono::milliseconds d) {
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                                 : std::to_string(d.count()) + " ms";
}

std::string format_size(std::uint64_t bytes) {
    constexpr std::uint64_t kib = 1024, mib = 1024 * 1024;
    if (bytes >= mib && bytes % mib == 0)
        return std::to_string(bytes / mib) + " MiB";
    if (bytes >= kib && bytes % kib == 0)
        return std::to_string(bytes / kib) + " KiB";
    return std::to_string(bytes) + " bytes";
}

[[noreturn]] void fail(errc code, std::string message) {
    throw mmerge::error(code, "", "", std::move(message));
}

bool is_ip_address(const std::string& host) {
    error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

http::verb to_beast(verb v) {
    switch (v) {
    case verb::get:
        return http::verb::get;
    case verb::head:
        return http::verb::head;
    case verb::post:
        return http::verb::post;
    case verb::put:
        return http::verb::put;
    case verb::patch:
        return http::verb::patch;
    case verb::delete_:
        return http::verb::delete_;
    }
    return http::verb::get;
}

std::string request_target(boost::urls::url_view url) {
    std::string target(url.encoded_target());
    return target.empty() || target.front() != '/' ? "/" + target : target;
}

/**
 * Asio's host name check, plus the reason when it refuses: without X509_STORE_CTX_set_error the
 * handshake error would only say "certificate verify failed", not that the name is wrong.
 */
struct host_check {
    asio::ssl::host_name_verification check;
    bool is_address;

    bool operator()(bool preverified, asio::ssl::verify_context& ctx) const {
        if (check(preverified, ctx))
            return true;
        if (preverified)
            X509_STORE_CTX_set_error(ctx.native_handle(), is_address
                                                              ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                              : X509_V_ERR_HOSTNAME_MISMATCH);
        return false;
    }
};

} // namespace

struct connection::impl {
    origin target;
    std::chrono::milliseconds timeout{};
    std::optional<tcp_stream> plain;
    std::unique_ptr<tls_stream> tls;
    beast::flat_buffer buffer;
    std::vector<char> chunk;
    bool keep_alive = true;
    bool failed = false;
    bool started = false;
    std::size_t completed = 0;
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();

    tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

    void arm() { lowest().expires_after(timeout); }

    [[noreturn]] void fail_io(const error_code& ec, const std::string& phase);

    template <class Stream>
    asio::awaitable<response> exchange(Stream& stream, const request& req, const body_sink* sink);
};

void connection::impl::fail_io(const error_code& ec, const std::string& phase) {
    failed = true;
    const std::string where = target.authority();
    if (ec == beast::error::timeout)
        fail(errc::timeout,
             "timed out " + phase + " " + where + " (limit " + format_duration(timeout) + ")");
    if (ec == http::error::end_of_stream || ec == asio::error::eof)
        fail(errc::network, where + " closed the connection before answering");
    if (ec == http::error::partial_message || ec == asio::ssl::error::stream_truncated)
        fail(errc::network, where + " closed the connection before the response was complete");
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        fail(errc::invalid_response, "invalid HTTP response from " + where + ": " + ec.message());
    if (ec.category() == asio::error::get_ssl_category())
        fail(errc::tls, "TLS error with " + where + ": " + ec.message());
    fail(errc::network, phase + " " + where + " failed: " + ec.message());
}

template <class Stream>
asio::awaitable<response> connection::impl::exchange(Stream& stream, const request& req,
                                                     const body_sink* sink) {
    error_code ec;
    started = false;

    http::request<http::string_body> message{to_beast(req.method), request_target(req.url), 11};
    message.set(http::field::host, std::string(req.url.encoded_host_and_port()));
    for (const auto& field : req.headers)
        if (!iequals(field.name, "Host"))
            message.insert(field.name, field.value);
    if (!req.body.empty() || req.method == verb::post || req.method == verb::put ||
        req.method == verb::patch) {
        message.body() = req.body;
        message.prepare_payload();
    }
    // Step by step, each with its own deadline: a large upload on a slow link is not a timeout
    // as long as it makes progress.
    http::request_serializer<http::string_body> serializer(message);
    while (!serializer.is_done()) {
        arm();
        co_await http::async_write_some(stream, serializer,
                                        asio::redirect_error(use_awaitable, ec));
        if (ec)
            fail_io(ec, "sending the request to");
    }

    http::response_parser<http::buffer_body> parser;
    parser.header_limit(max_header_size);
    parser.body_limit(boost::none); // the caps below depend on the status
    if (req.method == verb::head)
        parser.skip(true);
    arm();
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(use_awaitable, ec));
    started = parser.got_some();
    if (ec)
        fail_io(ec, "waiting for the response from");

    auto& head = parser.get();
    response answer;
    answer.status = head.result_int();
    answer.reason = head.reason().empty() ? std::string(http::obsolete_reason(head.result()))
                                          : std::string(head.reason());
    for (const auto& field : head)
        answer.headers.add(field.name_string(), field.value());
    answer.url = req.url;

    const bool streamed = sink && answer.status / 100 == 2;
    const std::uint64_t cap = streamed ? std::numeric_limits<std::uint64_t>::max()
                              : sink   ? std::min(req.body_limit, max_small_body)
                                       : req.body_limit;
    if (!parser.is_done()) {
        if (const auto length = parser.content_length(); length && *length > cap) {
            failed = true;
            fail(errc::too_large, "response from " + target.authority() + " declares a " +
                                      format_size(*length) + " body, over the " + format_size(cap) +
                                      " limit");
        }
        if (chunk.empty())
            chunk.resize(stream_chunk_size);
        std::uint64_t received = 0;
        while (!parser.is_done()) {
            head.body().data = chunk.data();
            head.body().size = chunk.size();
            arm();
            // read_some, not read: read would wait to fill the whole chunk, so a slow or
            // endless body would be neither streamed nor stopped at its cap.
            co_await http::async_read_some(stream, buffer, parser,
                                           asio::redirect_error(use_awaitable, ec));
            if (ec == http::error::need_buffer)
                ec = {};
            if (ec)
                fail_io(ec, "reading the response body from");
            const std::size_t n = chunk.size() - head.body().size;
            received += n;
            if (received > cap) {
                failed = true;
                fail(errc::too_large, "response body from " + target.authority() + " is over the " +
                                          format_size(cap) + " limit");
            }
            if (streamed)
                sink->write(std::string_view(chunk.data(), n));
            else
                answer.body.append(chunk.data(), n);
        }
    }
    keep_alive = parser.keep_alive();
    ++completed;
    idle_since = std::chrono::steady_clock::now();
    co_return answer;
}

connection::connection(std::unique_ptr<impl> state)
    : impl_(std::move(state)) {}

connection::~connection() = default;

asio::awaitable<std::unique_ptr<connection>> connection::open(const origin& o, tls_contexts& tls,
                                                              std::chrono::milliseconds timeout) {
    const auto executor = co_await asio::this_coro::executor;
    auto state = std::make_unique<impl>();
    state->target = o;
    state->timeout = timeout;
    if (o.is_tls())
        state->tls = std::make_unique<tls_stream>(executor, tls.context_for(o));
    else
        state->plain.emplace(executor);

    // The resolver has no deadline of its own: a timer cancels it. Both live in shared state
    // because the timer's handler may run after this frame is gone.
    struct resolving {
        explicit resolving(const asio::any_io_executor& executor)
            : resolver(executor)
            , timer(executor) {}
        asio::ip::tcp::resolver resolver;
        asio::steady_timer timer;
        bool timed_out = false;
    };
    auto r = std::make_shared<resolving>(executor);
    r->timer.expires_after(timeout);
    r->timer.async_wait([r](const error_code& ec) {
        if (!ec) {
            r->timed_out = true;
            r->resolver.cancel();
        }
    });
    error_code ec;
    const auto endpoints =
        co_await r->resolver.async_resolve(o.host, o.port, asio::redirect_error(use_awaitable, ec));
    r->timer.cancel();
    if (ec)
        state->fail_io(r->timed_out ? error_code(beast::error::timeout) : ec, "resolving");

    state->arm();
    co_await state->lowest().async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec)
        state->fail_io(ec, "connecting to");
    state->lowest().socket().set_option(asio::ip::tcp::no_delay(true), ec);

    if (state->tls) {
        SSL* ssl = state->tls->native_handle();
        const bool is_address = is_ip_address(o.host);
        // Set SNI: registries behind a shared front end (and the CDNs blobs redirect to) choose
        // the certificate by name, and present a default one or refuse the handshake without it.
        // RFC 6066 forbids IP literals in SNI.
        if (!is_address && !SSL_set_tlsext_host_name(ssl, o.host.c_str()))
            fail(errc::tls, "cannot set the TLS server name for " + o.authority());
        if (tls.verify()) {
            state->tls->set_verify_mode(asio::ssl::verify_peer);
            state->tls->set_verify_callback(
                host_check{asio::ssl::host_name_verification(o.host), is_address});
        }
        state->arm();
        co_await state->tls->async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(use_awaitable, ec));
        if (ec == beast::error::timeout)
            state->fail_io(ec, "during the TLS handshake with");
        if (ec) {
            const long verify = SSL_get_verify_result(ssl);
            const std::string why = verify != X509_V_OK
                                        ? std::string("certificate verify failed (") +
                                              X509_verify_cert_error_string(verify) + ")"
                                        : ec.message();
            fail(errc::tls, "TLS handshake with " + o.authority() + " failed: " + why);
        }
    }
    co_return std::unique_ptr<connection>(new connection(std::move(state)));
}

asio::awaitable<response> connection::round_trip(const request& req, const body_sink* sink) {
    if (impl_->tls)
        co_return co_await impl_->exchange(*impl_->tls, req, sink);
    co_return co_await impl_->exchange(*impl_->plain, req, sink);
}

const origin& connection::target() const noexcept {
    return impl_->target;
}

bool connection::reusable() const noexcept {
    return !impl_->failed && impl_->keep_alive;
}

bool connection::response_started() const noexcept {
    return impl_->started;
}

std::size_t connection::completed() const noexcept {
    return impl_->completed;
}

std::chrono::steady_clock::time_point connection::idle_since() const noexcept {
    return impl_->idle_since;
}

bool connection::looks_alive() const noexcept {
    if (!reusable() || impl_->buffer.size() != 0)
        return false;
    // A peek that would block means the peer has neither closed the connection nor sent bytes
    // we did not ask for; either would make the next request fail or read garbage.
    char byte;
    const auto n =
        ::recv(impl_->lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

} // namespace mmerge::net
