#include "net/retry.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

namespace bdata = boost::unit_test::data;
using namespace std::chrono_literals;

namespace {

struct retry_after_case {
    const char* value;
    long long wait_ms; // -1: not a Retry-After value
    const char* why;
};

std::ostream& operator<<(std::ostream& os, const retry_after_case& c) {
    return os << '"' << c.value << '"';
}

// "now" for every case: Mon, 01 Jan 2024 00:00:00 GMT.
const auto now = std::chrono::system_clock::from_time_t(1704067200);

const retry_after_case retry_after_cases[] = {
    {"1", 1000, "delay-seconds"},
    {"0", 0, "retry at once"},
    {" 7 ", 7000, "surrounding whitespace"},
    {"3600", 60000, "capped at max_retry_after"},
    {"99999999999999999999999", 60000, "overflow is capped, not an error"},
    {"Mon, 01 Jan 2024 00:00:05 GMT", 5000, "IMF-fixdate"},
    {"Monday, 01-Jan-24 00:00:05 GMT", 5000, "obsolete RFC 850 date"},
    {"Mon Jan  1 00:00:05 2024", 5000, "obsolete asctime date"},
    {"Sun, 31 Dec 2023 23:59:00 GMT", 0, "a date in the past means now"},
    {"Tue, 02 Jan 2024 00:00:00 GMT", 60000, "a far date is capped"},
    {"soon", -1, "not a number nor a date"},
    {"1.5", -1, "fractions are not delay-seconds"},
    {"-1", -1, "negative"},
    {"", -1, "empty"},
};

} // namespace

BOOST_AUTO_TEST_SUITE(net_retry)

BOOST_DATA_TEST_CASE(retry_after_values, bdata::make(retry_after_cases), c) {
    BOOST_TEST_CONTEXT(c.why) {
        const auto wait = mmerge::net::parse_retry_after(c.value, now);
        if (c.wait_ms < 0) {
            BOOST_TEST(!wait.has_value());
        } else {
            BOOST_TEST_REQUIRE(wait.has_value());
            BOOST_TEST(wait->count() == c.wait_ms);
        }
    }
}

BOOST_AUTO_TEST_CASE(retryable_statuses_are_exactly_408_429_500_502_503_504) {
    for (unsigned status : {408u, 429u, 500u, 502u, 503u, 504u})
        BOOST_TEST(mmerge::net::is_retryable_status(status), status);
    for (unsigned status : {200u, 307u, 400u, 401u, 403u, 404u, 501u, 505u})
        BOOST_TEST(!mmerge::net::is_retryable_status(status), status);
}

// Exponential: each retry may wait twice as long as the one before, up to max_backoff.
BOOST_AUTO_TEST_CASE(backoff_bound_doubles_up_to_the_cap) {
    using mmerge::net::backoff_bound;
    BOOST_TEST(backoff_bound(1, 100ms).count() == 100);
    BOOST_TEST(backoff_bound(2, 100ms).count() == 200);
    BOOST_TEST(backoff_bound(4, 100ms).count() == 800);
    BOOST_TEST(backoff_bound(40, 1000ms).count() == 10000);
}

BOOST_AUTO_TEST_SUITE_END()
