#pragma once
// Shared by the tests of the net and registry layers: fast transport settings and a way to look
// at the mmerge::error an operation throws.

#include <mmerge/error.hpp>
#include <mmerge/transport_options.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>

namespace mmerge::test {

/**
 * Transport settings for tests: short timeouts, a 1 ms backoff so retries take no time, and no
 * certs.d folders (tests never read the machine's).
 */
inline transport_options fast_transport(bool plain_http = false) {
    using namespace std::chrono_literals;
    transport_options options;
    options.plain_http = plain_http;
    options.timeout = 2s;
    options.backoff_base = 1ms;
    options.certs_d_roots = {};
    return options;
}

/** The mmerge::error that `f()` throws; fails the test when it throws none. */
template <class F>
mmerge::error error_of(F&& f) {
    try {
        f();
    } catch (const mmerge::error& e) {
        return e;
    }
    BOOST_FAIL("expected an mmerge::error");
    throw std::logic_error("unreachable");
}

} // namespace mmerge::test
