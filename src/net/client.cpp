#include "net/client.hpp"

#include "net/connection.hpp"
#include "net/pool.hpp"
#include "net/redirect.hpp"
#include "net/retry.hpp"
#include "net/tls.hpp"
#include "net/url.hpp"

#include <mmerge/error.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <optional>
#include <random>

namespace mmerge::net {
namespace {

namespace asio = boost::asio;

[[noreturn]] void fail(errc code, std::string message) {
    throw mmerge::error(code, "", "", std::move(message));
}

/** Failures worth another attempt: the network, not the peer's certificate or our limits. */
bool is_retryable(const std::error_code& ec) {
    return ec == errc::network || ec == errc::timeout;
}

std::string attempts_text(unsigned n) {
    return std::to_string(n) + (n == 1 ? " attempt" : " attempts");
}

} // namespace

struct client::impl {
    explicit impl(transport_options o)
        : options(std::move(o))
        , tls(options)
        , pool(options.max_connections_per_host)
        , random(std::random_device{}()) {}

    transport_options options;
    tls_contexts tls;
    connection_pool pool;
    std::mt19937_64 random;
    std::size_t opened = 0;

    asio::awaitable<response> send(request req, const body_sink* sink);
    asio::awaitable<response> follow(const request& req, const body_sink* sink);
    asio::awaitable<response> exchange(const request& hop, const body_sink* sink);
    std::chrono::milliseconds backoff(unsigned retry);
};

std::chrono::milliseconds client::impl::backoff(unsigned retry) {
    const auto bound = backoff_bound(retry, options.backoff_base);
    std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(0, bound.count());
    return std::chrono::milliseconds(pick(random));
}

// One round trip on a pooled connection. A reused connection may have been closed by the server
// while idle (keep-alive races are normal): when it fails before any byte of the answer, the
// request goes once more on a fresh connection, without counting as a retry.
asio::awaitable<response> client::impl::exchange(const request& hop, const body_sink* sink) {
    const origin target = origin_of(hop.url).value();
    for (bool replayed = false;; replayed = true) {
        auto lease = co_await pool.acquire(target);
        const bool reused = static_cast<bool>(lease);
        if (!reused) {
            lease.attach(co_await connection::open(target, tls, options.timeout));
            ++opened;
        }
        try {
            response answer = co_await lease->round_trip(hop, sink);
            lease.release();
            co_return answer;
        } catch (const mmerge::error& e) {
            // A timeout is no sign of a stale connection: replaying it would double the wait.
            if (!reused || replayed || lease->response_started() || e.code() != errc::network)
                throw;
        }
        lease.discard();
    }
}

asio::awaitable<response> client::impl::follow(const request& req, const body_sink* sink) {
    const request* hop = &req;
    std::optional<request> next;
    for (unsigned redirects = 0;; ++redirects) {
        response answer = co_await exchange(*hop, sink);
        const auto location = answer.headers.find("Location");
        if (!hop->follow_redirects || !is_redirect_status(answer.status) || !location)
            co_return answer;
        if (redirects == max_redirects)
            fail(errc::bad_redirect, "stopped after " + std::to_string(max_redirects) +
                                         " redirects; the last one was from " + redacted(hop->url));
        auto moved = redirected(*hop, answer.status, *location);
        if (!moved)
            fail(errc::bad_redirect, moved.error().message);
        next = std::move(*moved);
        hop = &*next;
    }
}

asio::awaitable<response> client::impl::send(request req, const body_sink* sink) {
    if (const auto target = origin_of(req.url); !target)
        fail(errc::usage, target.error().message);
    if (!req.headers.contains("User-Agent") && !options.user_agent.empty())
        req.headers.set("User-Agent", options.user_agent);

    // A streamed body cannot be taken back: once bytes reached the sink, a retry needs the
    // sink's restart, and the sink must not see the chunks of a failed attempt twice.
    bool delivered = false;
    body_sink tracked;
    if (sink)
        tracked.write = [&](std::string_view chunk) {
            delivered = true;
            sink->write(chunk);
        };

    const unsigned attempts = options.retries + 1;
    for (unsigned attempt = 1;; ++attempt) {
        if (delivered) {
            sink->restart();
            delivered = false;
        }
        std::optional<std::chrono::milliseconds> wait;
        std::string why;
        try {
            response answer = co_await follow(req, sink ? &tracked : nullptr);
            answer.attempts = attempt;
            if (!is_retryable_status(answer.status) || attempts == 1)
                co_return answer;
            why = std::to_string(answer.status) + " " + answer.reason;
            if (const auto after = answer.headers.find("Retry-After"))
                wait = parse_retry_after(*after, std::chrono::system_clock::now());
        } catch (const mmerge::error& e) {
            if (attempts == 1 || !is_retryable(e.code()) || (delivered && !sink->restart))
                throw;
            why = e.what();
        }
        if (attempt == attempts)
            fail(errc::retries_exhausted, "gave up after " + attempts_text(attempt) + ": " + why);
        asio::steady_timer timer(co_await asio::this_coro::executor,
                                 wait ? *wait : backoff(attempt));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

client::client(transport_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

client::~client() = default;

const transport_options& client::options() const noexcept {
    return impl_->options;
}

std::size_t client::connections_opened() const noexcept {
    return impl_->opened;
}

namespace {

// The one place net errors get their operation and reference: the method and the URL the caller
// asked for, without userinfo. Nothing from Asio or Beast escapes raw.
asio::awaitable<response> named(asio::awaitable<response> work, std::string operation,
                                std::string reference) {
    std::error_code code;
    std::string message;
    try {
        co_return co_await std::move(work);
    } catch (const mmerge::error& e) {
        if (!e.operation().empty())
            throw;
        code = e.code();
        message = e.what();
    } catch (const boost::system::system_error& e) {
        code = errc::network;
        message = e.what();
    }
    throw mmerge::error(code, std::move(operation), std::move(reference), message);
}

} // namespace

asio::awaitable<response> client::send(request req) {
    std::string operation(to_string(req.method)), reference = redacted(req.url);
    co_return co_await named(impl_->send(std::move(req), nullptr), std::move(operation),
                             std::move(reference));
}

asio::awaitable<response> client::send(request req, body_sink sink) {
    std::string operation(to_string(req.method)), reference = redacted(req.url);
    co_return co_await named(impl_->send(std::move(req), &sink), std::move(operation),
                             std::move(reference));
}

} // namespace mmerge::net
