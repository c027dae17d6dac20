#pragma once
/** @file Keep-alive connections per origin, bounded: requests share a few connections. */

#include "net/connection.hpp"
#include "net/url.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>

namespace mmerge::net {

/** How long a pooled connection may stay idle; older ones are closed rather than reused. */
inline constexpr std::chrono::seconds max_idle_time{30};

/**
 * At most `limit` connections per origin, open or being opened; a request that finds none idle
 * and the limit reached waits (first come, first served) until one is returned or closed.
 * Single-threaded: use it from the thread that runs its executor.
 */
class connection_pool {
public:
    class lease;

    explicit connection_pool(std::size_t limit);
    ~connection_pool();
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /**
     * A slot for `o`: with an idle connection that still looks alive (reused), or empty, in which
     * case the caller opens one and `attach`es it.
     */
    boost::asio::awaitable<lease> acquire(const origin& o);

    /** Connections to `o` open (or being opened) now. */
    std::size_t open_count(const origin& o) const;

private:
    struct waiter;
    struct slots {
        std::size_t open = 0;
        std::deque<std::unique_ptr<connection>> idle;
        std::deque<std::shared_ptr<waiter>> waiters;
    };

    void give_back(const origin& o, std::unique_ptr<connection> c);
    void free_slot(const origin& o);

    std::size_t limit_;
    std::map<origin, slots> origins_;
};

/**
 * One slot of the pool, held for one round trip. `release()` returns a healthy keep-alive
 * connection for reuse; otherwise (error, `Connection: close`, or no release at all) the
 * connection is closed and its slot freed.
 */
class connection_pool::lease {
public:
    lease() = default;
    lease(lease&& other) noexcept;
    lease& operator=(lease&& other) noexcept;
    ~lease();

    /** The connection, or nullptr while the slot is empty. */
    connection* get() const noexcept { return connection_.get(); }
    connection* operator->() const noexcept { return connection_.get(); }
    explicit operator bool() const noexcept { return connection_ != nullptr; }

    /** Puts a newly opened connection into the empty slot. */
    void attach(std::unique_ptr<connection> c);
    /** Ends the lease: keeps the connection for reuse when it is reusable, else closes it. */
    void release();
    /** Ends the lease closing the connection (after a failure). */
    void discard();

private:
    friend class connection_pool;
    lease(connection_pool* pool, origin o, std::unique_ptr<connection> c);

    connection_pool* pool_ = nullptr;
    origin origin_;
    std::unique_ptr<connection> connection_;
};

} // namespace mmerge::net
