#include "net/url.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/url.hpp>

#include <ostream>

namespace bdata = boost::unit_test::data;
using mmerge::net::origin_of;

namespace {

struct origin_case {
    const char* url;
    const char* authority; // "" when the URL must be refused
    const char* why;
};

std::ostream& operator<<(std::ostream& os, const origin_case& c) {
    return os << c.url;
}

const origin_case origin_cases[] = {
    {"https://Registry.Example/v2/", "registry.example:443", "host lower-cased, default port"},
    {"http://127.0.0.1:5000/v2/", "127.0.0.1:5000", "explicit port"},
    {"http://localhost/v2/", "localhost:80", "http default port"},
    {"https://[::1]:5443/v2/", "[::1]:5443", "IPv6 keeps its brackets in the authority"},
    {"https://user:secret@registry.example/", "registry.example:443", "userinfo is no part of it"},
    {"ftp://registry.example/", "", "only http and https"},
};

} // namespace

BOOST_AUTO_TEST_SUITE(net_url)

BOOST_DATA_TEST_CASE(origin_of_a_url, bdata::make(origin_cases), c) {
    BOOST_TEST_CONTEXT(c.why) {
        const auto o = origin_of(boost::urls::url(c.url));
        if (*c.authority == '\0') {
            BOOST_TEST(!o.has_value());
        } else {
            BOOST_TEST_REQUIRE(o.has_value());
            BOOST_TEST(o->authority() == c.authority);
        }
    }
}

BOOST_AUTO_TEST_CASE(unsupported_scheme_is_named_in_the_error) {
    const auto o = origin_of(boost::urls::url("ftp://registry.example/x"));
    BOOST_TEST(o.error().message ==
               "unsupported URL scheme \"ftp\" in ftp://registry.example/x (only http and https)");
}

// Secrets never reach a message: a URL with userinfo is shown without it.
BOOST_AUTO_TEST_CASE(redacted_url_has_no_userinfo) {
    BOOST_TEST(mmerge::net::redacted(boost::urls::url("https://bob:s3cret@reg.example/v2/?n=1")) ==
               "https://reg.example/v2/?n=1");
}

// DESIGN.md: upload Locations and Link targets may be relative, and may carry a query.
BOOST_AUTO_TEST_CASE(references_resolve_against_the_request_url) {
    const boost::urls::url base("https://r.example/v2/demo/blobs/uploads/");
    BOOST_TEST(
        mmerge::net::resolve_reference(base, "/v2/demo/blobs/uploads/u1?_state=x")->buffer() ==
        "https://r.example/v2/demo/blobs/uploads/u1?_state=x");
    BOOST_TEST(mmerge::net::resolve_reference(base, "u2#frag")->buffer() ==
               "https://r.example/v2/demo/blobs/uploads/u2");
    BOOST_TEST(mmerge::net::resolve_reference(base, "https://other.example/x")->buffer() ==
               "https://other.example/x");
    BOOST_TEST(!mmerge::net::resolve_reference(base, "http://[bad").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
