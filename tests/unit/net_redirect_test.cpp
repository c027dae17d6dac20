#include "net/redirect.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

namespace bdata = boost::unit_test::data;
using mmerge::net::request;
using mmerge::net::verb;

namespace {

struct redirect_case {
    const char* from;
    unsigned status;
    const char* location;
    const char* to; // "" when the redirect must be refused
    bool keeps_authorization;
    const char* why;
};

std::ostream& operator<<(std::ostream& os, const redirect_case& c) {
    return os << c.status << " " << c.from << " -> " << c.location;
}

const redirect_case redirect_cases[] = {
    {"https://r.example/v2/a/blobs/x", 307, "/store/x?sig=1", "https://r.example/store/x?sig=1",
     true, "absolute path on the same origin"},
    {"https://r.example/v2/a/blobs/x", 302, "../b/y", "https://r.example/v2/a/b/y", true,
     "relative path resolved against the request"},
    {"https://r.example/v2/", 301, "https://r.example:443/v3/", "https://r.example:443/v3/", true,
     "explicit default port is the same origin"},
    {"https://r.example/v2/a/blobs/x", 307, "https://cdn.example/x", "https://cdn.example/x", false,
     "another host: Authorization dropped (blob redirects to a CDN)"},
    {"https://r.example/v2/", 308, "https://r.example:5000/v2/", "https://r.example:5000/v2/",
     false, "another port"},
    {"http://127.0.0.1:5000/v2/", 302, "https://127.0.0.1:5000/v2/", "https://127.0.0.1:5000/v2/",
     false, "another scheme"},
    {"https://r.example/v2/", 302, "http://r.example/v2/", "", false,
     "https to http is a downgrade"},
    {"https://r.example/v2/", 302, "file:///etc/passwd", "", false, "not http or https"},
    {"https://r.example/v2/", 302, "http://[bad", "", false, "not a URI reference"},
    {"https://r.example/v2/#top", 302, "x#frag", "https://r.example/v2/x", true,
     "fragments are never sent"},
};

request make_request(const char* url) {
    request req;
    req.method = verb::get;
    req.url = boost::urls::url(url);
    req.headers.add("Authorization", "Bearer token");
    req.headers.add("X-Upload-Secret", "s");
    req.headers.add("Accept", "application/json");
    req.sensitive_headers = {"X-Upload-Secret"};
    return req;
}

} // namespace

BOOST_AUTO_TEST_SUITE(net_redirect)

BOOST_DATA_TEST_CASE(redirect_targets_and_credentials, bdata::make(redirect_cases), c) {
    BOOST_TEST_CONTEXT(c.why) {
        const auto next = mmerge::net::redirected(make_request(c.from), c.status, c.location);
        if (*c.to == '\0') {
            BOOST_TEST(!next.has_value());
            return;
        }
        BOOST_TEST_REQUIRE(next.has_value(), next.error().message);
        BOOST_TEST(next->url.buffer() == c.to);
        BOOST_TEST(next->headers.contains("Authorization") == c.keeps_authorization);
        BOOST_TEST(next->headers.contains("X-Upload-Secret") == c.keeps_authorization);
        BOOST_TEST(next->headers.find("Accept").value() == "application/json");
    }
}

BOOST_AUTO_TEST_CASE(downgrade_refusal_names_both_urls) {
    const auto next =
        mmerge::net::redirected(make_request("https://r.example/v2/"), 302, "http://r.example/v2/");
    BOOST_TEST(next.error().message == "redirect from https://r.example/v2/ to "
                                       "http://r.example/v2/ refused: it would downgrade https to "
                                       "plain http");
}

// RFC 9110 section 15.4.4: 303 means "GET the answer elsewhere"; 307/308 replay the request.
BOOST_AUTO_TEST_CASE(see_other_turns_post_into_get_without_body) {
    auto req = make_request("https://r.example/v2/a/blobs/uploads/");
    req.method = verb::post;
    req.body = "payload";
    req.headers.add("Content-Type", "application/octet-stream");
    const auto other = mmerge::net::redirected(req, 303, "/done");
    BOOST_TEST_REQUIRE(other.has_value());
    BOOST_TEST((other->method == verb::get));
    BOOST_TEST(other->body.empty());
    BOOST_TEST(!other->headers.contains("Content-Type"));
    const auto replay = mmerge::net::redirected(req, 307, "/again");
    BOOST_TEST_REQUIRE(replay.has_value());
    BOOST_TEST((replay->method == verb::post));
    BOOST_TEST(replay->body == "payload");
}

BOOST_AUTO_TEST_CASE(see_other_keeps_head) {
    auto req = make_request("https://r.example/v2/a/manifests/v1");
    req.method = verb::head;
    const auto next = mmerge::net::redirected(req, 303, "/elsewhere");
    BOOST_TEST_REQUIRE(next.has_value());
    BOOST_TEST((next->method == verb::head));
}

BOOST_AUTO_TEST_SUITE_END()
