#pragma once
// A per-run cache whose lookups are single-flight: concurrent requests for one key wait for the
// first one's answer instead of each asking the registry (nothing fetched twice).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <map>
#include <memory>
#include <optional>

namespace mmerge::ops {

/** Key → value, computed at most once per key (a failure is remembered and rethrown too). */
template <class Key, class Value>
class once_cache {
public:
    /**
     * The value for `key`: cached, or being computed by another coroutine (wait for it), or
     * computed now by `co_await compute()`.
     */
    template <class Compute>
    boost::asio::awaitable<Value> get(const Key& key, Compute compute) {
        auto [it, inserted] = entries_.try_emplace(key);
        if (!inserted) {
            auto entry = it->second; // keep it alive while waiting
            while (!entry->value && !entry->failure) {
                boost::system::error_code ignored;
                co_await entry->done->async_wait(
                    boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
            }
            if (entry->failure)
                std::rethrow_exception(entry->failure);
            co_return *entry->value;
        }
        auto entry = std::make_shared<slot>();
        entry->done = std::make_shared<boost::asio::steady_timer>(
            co_await boost::asio::this_coro::executor,
            boost::asio::steady_timer::time_point::max());
        it->second = entry;
        try {
            entry->value = co_await compute();
        } catch (...) {
            entry->failure = std::current_exception();
        }
        entry->done->cancel();
        if (entry->failure)
            std::rethrow_exception(entry->failure);
        co_return *entry->value;
    }

private:
    struct slot {
        std::optional<Value> value;
        std::exception_ptr failure;
        std::shared_ptr<boost::asio::steady_timer> done;
    };
    std::map<Key, std::shared_ptr<slot>> entries_;
};

} // namespace mmerge::ops
