#pragma once
// Bounded fan-out for the operations: run N coroutines with at most `jobs` in flight on the
// current executor, wait for all, and rethrow the first failure.

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>

namespace mmerge::ops {

/**
 * Call `task(i)` for every i in [0, n), at most `jobs` at once, on the calling coroutine's
 * executor; returns when all have finished. After a failure no new task starts, the running ones
 * finish, and the first exception is rethrown.
 */
boost::asio::awaitable<void>
for_each_bounded(std::size_t n, std::size_t jobs,
                 std::function<boost::asio::awaitable<void>(std::size_t)> task);

} // namespace mmerge::ops
