#pragma once
// The synchronous face of an operation: one io_context and one session for the run, the
// operation's coroutine driven to its end, its result or exception handed back.

#include "registry/session.hpp"

#include <mmerge/registry_options.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <utility>

namespace mmerge::ops {

/**
 * Run `operation(session)` — a callable returning `asio::awaitable<T>` — to completion on a new
 * io_context with a session built from `options`, and return its value (or rethrow).
 */
template <class Operation>
auto run_session(const registry_options& options, Operation&& operation) {
    boost::asio::io_context io;
    registry::session session(options.transport, {options.credentials, options.trace});
    auto result = boost::asio::co_spawn(io, std::forward<Operation>(operation)(session),
                                        boost::asio::use_future);
    io.run();
    return result.get();
}

} // namespace mmerge::ops
