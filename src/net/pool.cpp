#include "net/pool.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mmerge::net {

namespace asio = boost::asio;

/** A request waiting for a slot: woken by cancelling its timer once it was given one. */
struct connection_pool::waiter {
    explicit waiter(const asio::any_io_executor& executor)
        : wake(executor, asio::steady_timer::time_point::max()) {}

    asio::steady_timer wake;
    bool granted = false;
    std::unique_ptr<connection> handed; // a reused connection, or null for a fresh slot
};

connection_pool::connection_pool(std::size_t limit)
    : limit_(limit == 0 ? 1 : limit) {}

connection_pool::~connection_pool() = default;

std::size_t connection_pool::open_count(const origin& o) const {
    const auto it = origins_.find(o);
    return it == origins_.end() ? 0 : it->second.open;
}

asio::awaitable<connection_pool::lease> connection_pool::acquire(const origin& o) {
    auto& s = origins_[o];
    while (!s.idle.empty()) {
        // Newest first: the connection least likely to have been closed by the server.
        auto c = std::move(s.idle.back());
        s.idle.pop_back();
        if (c->looks_alive() && std::chrono::steady_clock::now() - c->idle_since() < max_idle_time)
            co_return lease(this, o, std::move(c));
        --s.open;
    }
    if (s.open < limit_) {
        ++s.open;
        co_return lease(this, o, nullptr);
    }
    auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
    s.waiters.push_back(w);
    boost::system::error_code ignored;
    while (!w->granted)
        co_await w->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    co_return lease(this, o, std::move(w->handed));
}

void connection_pool::give_back(const origin& o, std::unique_ptr<connection> c) {
    auto& s = origins_[o];
    if (!s.waiters.empty()) {
        const auto w = s.waiters.front();
        s.waiters.pop_front();
        w->handed = std::move(c);
        w->granted = true;
        w->wake.cancel();
        return;
    }
    s.idle.push_back(std::move(c));
}

void connection_pool::free_slot(const origin& o) {
    auto& s = origins_[o];
    if (!s.waiters.empty()) {
        // The slot passes to the first waiter, which opens a connection in it.
        const auto w = s.waiters.front();
        s.waiters.pop_front();
        w->granted = true;
        w->wake.cancel();
        return;
    }
    --s.open;
}

connection_pool::lease::lease(connection_pool* pool, origin o, std::unique_ptr<connection> c)
    : pool_(pool)
    , origin_(std::move(o))
    , connection_(std::move(c)) {}

connection_pool::lease::lease(lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr))
    , origin_(std::move(other.origin_))
    , connection_(std::move(other.connection_)) {}

connection_pool::lease& connection_pool::lease::operator=(lease&& other) noexcept {
    if (this != &other) {
        discard();
        pool_ = std::exchange(other.pool_, nullptr);
        origin_ = std::move(other.origin_);
        connection_ = std::move(other.connection_);
    }
    return *this;
}

connection_pool::lease::~lease() {
    discard();
}

void connection_pool::lease::attach(std::unique_ptr<connection> c) {
    connection_ = std::move(c);
}

void connection_pool::lease::release() {
    if (!pool_)
        return;
    if (connection_ && connection_->reusable())
        std::exchange(pool_, nullptr)->give_back(origin_, std::move(connection_));
    else
        discard();
}

void connection_pool::lease::discard() {
    if (!pool_)
        return;
    connection_.reset();
    std::exchange(pool_, nullptr)->free_slot(origin_);
}

} // namespace mmerge::net
