#include "ops/concurrency.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace mmerge::ops {
namespace asio = boost::asio;

namespace {

struct shared_state {
    std::size_t n = 0;
    std::size_t next = 0;
    std::size_t running = 0;
    std::exception_ptr first_error;
    std::function<asio::awaitable<void>(std::size_t)> task;
};

// Each worker takes the next index until none is left or a task failed.
asio::awaitable<void> worker(shared_state& s) {
    while (s.next < s.n && !s.first_error) {
        const std::size_t i = s.next++;
        try {
            co_await s.task(i);
        } catch (...) {
            if (!s.first_error)
                s.first_error = std::current_exception();
        }
    }
}

} // namespace

asio::awaitable<void> for_each_bounded(std::size_t n, std::size_t jobs,
                                       std::function<asio::awaitable<void>(std::size_t)> task) {
    if (n == 0)
        co_return;
    const auto executor = co_await asio::this_coro::executor;
    shared_state s{n, 0, std::min(std::max<std::size_t>(jobs, 1), n), nullptr, std::move(task)};
    // The timer never fires: the last worker cancels it, which wakes this coroutine.
    asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
    const std::size_t workers = s.running;
    for (std::size_t w = 0; w < workers; ++w)
        asio::co_spawn(executor, worker(s), [&](std::exception_ptr) {
            if (--s.running == 0)
                all_done.cancel();
        });
    boost::system::error_code ec;
    while (s.running > 0)
        co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (s.first_error)
        std::rethrow_exception(s.first_error);
}

} // namespace mmerge::ops
