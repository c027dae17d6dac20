// The net client against the scripted server: pooling, retries, timeouts, caps, redirects,
// streaming. Every server runs on 127.0.0.1 with a port chosen by the system.
#include "net/client.hpp"
#include "support/net_testing.hpp"
#include "support/scripted_server.hpp"

#include <mmerge/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mmerge::errc;
using mmerge::net::client;
using mmerge::net::request;
using mmerge::net::response;
using mmerge::net::verb;
using namespace mmerge::test;

namespace {

request make(verb method, const std::string& url) {
    request req;
    req.method = method;
    req.url = boost::urls::url(url);
    return req;
}

request get(const std::string& url) {
    return make(verb::get, url);
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

/** An io_context and a client on it (declared in that order: the client dies first). */
struct net_fixture {
    explicit net_fixture(mmerge::transport_options options = fast_transport())
        : http(std::move(options)) {}

    response send(request req) { return run(io, http.send(std::move(req))); }

    asio::io_context io;
    client http;
};

} // namespace

BOOST_AUTO_TEST_SUITE(net_client)

BOOST_AUTO_TEST_CASE(get_returns_status_headers_and_body) {
    scripted_server server({reply(200, "hello",
                                  {{"Content-Type", "text/plain"},
                                   {"WWW-Authenticate", "Basic realm=\"a\""},
                                   {"www-authenticate", "Bearer realm=\"b\""}})});
    net_fixture f;
    const auto res = f.send(get(server.url("/v2/")));
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(res.reason == "OK");
    BOOST_TEST(res.body == "hello");
    BOOST_TEST(res.headers.find("content-type").value() == "text/plain");
    BOOST_TEST(res.headers.find_all("WWW-Authenticate").size() == 2u);
    BOOST_TEST(res.url.buffer() == server.url("/v2/"));
    BOOST_TEST(res.attempts == 1u);
    const auto seen = server.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "GET");
    BOOST_TEST(seen[0].target == "/v2/");
    BOOST_TEST(seen[0].header("Host").value() == server.authority());
    BOOST_TEST(seen[0].header("User-Agent").value().starts_with("mmerge/"));
}

BOOST_AUTO_TEST_CASE(put_sends_body_and_caller_headers) {
    scripted_server server({reply(201)});
    net_fixture f;
    auto req = make(verb::put, server.url("/v2/demo/manifests/v1"));
    req.headers.add("Content-Type", "application/vnd.oci.image.index.v1+json");
    req.body = "{\"schemaVersion\":2}";
    BOOST_TEST(f.send(std::move(req)).status == 201u);
    const auto seen = server.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "PUT");
    BOOST_TEST(seen[0].body == "{\"schemaVersion\":2}");
    BOOST_TEST(seen[0].header("Content-Type").value() == "application/vnd.oci.image.index.v1+json");
    BOOST_TEST(seen[0].header("Content-Length").value() == "19");
}

BOOST_AUTO_TEST_CASE(sequential_requests_reuse_one_connection) {
    scripted_server server;
    server.set_handler([](const seen_request&) { return reply(200, "ok"); });
    net_fixture f;
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(f.send(get(server.url("/v2/"))).body == "ok");
    BOOST_TEST(server.requests().size() == 5u);
    BOOST_TEST(server.connections() == 1u);
    BOOST_TEST(f.http.connections_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_stay_within_the_pool_limit) {
    scripted_server server;
    server.set_handler([](const seen_request&) {
        auto s = reply(200, "ok");
        s.delay = 30ms; // long enough for the requests to overlap
        return s;
    });
    auto options = fast_transport();
    options.max_connections_per_host = 2;
    net_fixture f(options);
    std::vector<asio::awaitable<response>> works;
    for (int i = 0; i < 8; ++i)
        works.push_back(f.http.send(get(server.url("/v2/"))));
    const auto results = run_all(f.io, std::move(works));
    for (const auto& res : results)
        BOOST_TEST(res.status == 200u);
    BOOST_TEST(server.requests().size() == 8u);
    BOOST_TEST(server.connections() == 2u);
    BOOST_TEST(server.peak_connections() <= 2u);
}

BOOST_AUTO_TEST_CASE(too_many_requests_with_retry_after_is_retried_after_the_wait) {
    scripted_server server({reply(429, "slow down", {{"Retry-After", "1"}}), reply(200, "ok")});
    net_fixture f;
    const auto start = std::chrono::steady_clock::now();
    const auto res = f.send(get(server.url("/v2/")));
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(res.attempts == 2u);
    BOOST_TEST(since(start).count() >= 1000); // backoff_base is 1 ms: only Retry-After waits 1 s
    BOOST_TEST(server.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(service_unavailable_until_retries_are_exhausted) {
    scripted_server server;
    server.set_handler([](const seen_request&) { return reply(503, "down"); });
    net_fixture f;
    const auto e = error_of([&] { f.send(get(server.url("/v2/"))); });
    BOOST_TEST((e.code() == errc::retries_exhausted));
    BOOST_TEST(std::string(e.what()) == "gave up after 4 attempts: 503 Service Unavailable");
    BOOST_TEST(e.operation() == "GET");
    BOOST_TEST(e.reference() == server.url("/v2/"));
    BOOST_TEST(server.requests().size() == 4u); // --retries 3: one attempt and three retries
}

BOOST_AUTO_TEST_CASE(without_retries_a_retryable_status_is_returned_as_is) {
    scripted_server server({reply(503, "{\"errors\":[]}")});
    auto options = fast_transport();
    options.retries = 0;
    net_fixture f(options);
    const auto res = f.send(get(server.url("/v2/")));
    BOOST_TEST(res.status == 503u);
    BOOST_TEST(res.body == "{\"errors\":[]}");
}

BOOST_AUTO_TEST_CASE(connection_reset_then_success_is_retried) {
    scripted_server server({hang_up(), reply(200, "ok")});
    net_fixture f;
    const auto res = f.send(get(server.url("/v2/")));
    BOOST_TEST(res.body == "ok");
    BOOST_TEST(res.attempts == 2u);
    BOOST_TEST(server.connections() == 2u);
}

BOOST_AUTO_TEST_CASE(connection_refused_until_retries_are_exhausted) {
    std::string url;
    {
        scripted_server gone; // its port is closed once it is destroyed
        url = gone.url("/v2/");
    }
    auto options = fast_transport();
    options.retries = 1;
    net_fixture f(options);
    const auto e = error_of([&] { f.send(get(url)); });
    BOOST_TEST((e.code() == errc::retries_exhausted));
    const std::string authority(boost::urls::url(url).encoded_host_and_port());
    BOOST_TEST(std::string(e.what()) == "gave up after 2 attempts: connecting to " + authority +
                                            " failed: Connection refused");
}

BOOST_AUTO_TEST_CASE(timeout_names_the_host_and_the_phase) {
    scripted_server server({stall()});
    auto options = fast_transport();
    options.timeout = 200ms;
    options.retries = 0;
    net_fixture f(options);
    const auto start = std::chrono::steady_clock::now();
    const auto e = error_of([&] { f.send(get(server.url("/v2/"))); });
    BOOST_TEST((e.code() == errc::timeout));
    BOOST_TEST(std::string(e.what()) ==
               "timed out waiting for the response from " + server.authority() + " (limit 200 ms)");
    BOOST_TEST(since(start).count() < 1500);
}

BOOST_AUTO_TEST_CASE(timeouts_are_retried_like_connection_errors) {
    scripted_server server({stall(), reply(200, "ok")});
    auto options = fast_transport();
    options.timeout = 100ms;
    net_fixture f(options);
    const auto res = f.send(get(server.url("/v2/")));
    BOOST_TEST(res.body == "ok");
    BOOST_TEST(res.attempts == 2u);
}

BOOST_AUTO_TEST_CASE(truncated_body_is_a_network_error) {
    scripted_server server({raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")});
    auto options = fast_transport();
    options.retries = 0;
    net_fixture f(options);
    const auto e = error_of([&] { f.send(get(server.url("/v2/demo/manifests/v1"))); });
    BOOST_TEST((e.code() == errc::network));
    BOOST_TEST(std::string(e.what()) ==
               server.authority() + " closed the connection before the response was complete");
}

// The body is never sent: the client must refuse from the header alone, not wait for it.
BOOST_AUTO_TEST_CASE(content_length_over_the_cap_is_refused_without_reading_the_body) {
    auto huge = raw("HTTP/1.1 200 OK\r\nContent-Length: 5242880\r\n\r\n");
    huge.close_after = false;
    scripted_server server({huge});
    auto options = fast_transport();
    options.timeout = 5s;
    net_fixture f(options);
    const auto start = std::chrono::steady_clock::now();
    const auto e = error_of([&] { f.send(get(server.url("/v2/demo/manifests/v1"))); });
    BOOST_TEST((e.code() == errc::too_large));
    BOOST_TEST(std::string(e.what()) == "response from " + server.authority() +
                                            " declares a 5 MiB body, over the 4 MiB limit");
    BOOST_TEST(since(start).count() < 1000);
    BOOST_TEST(server.requests().size() == 1u); // not retried
}

// A chunked body announces no size: reading stops as soon as it passes the cap, although the
// server never ends it.
BOOST_AUTO_TEST_CASE(chunked_body_over_the_cap_is_refused) {
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i)
        bytes += "258\r\n" + std::string(600, 'x') + "\r\n";
    auto endless = raw(bytes);
    endless.close_after = false;
    scripted_server server({endless});
    net_fixture f;
    auto req = get(server.url("/token"));
    req.body_limit = 1024;
    const auto e = error_of([&] { f.send(std::move(req)); });
    BOOST_TEST((e.code() == errc::too_large));
    BOOST_TEST(std::string(e.what()) ==
               "response body from " + server.authority() + " is over the 1 KiB limit");
}

BOOST_AUTO_TEST_CASE(chunked_body_within_the_cap_is_read) {
    scripted_server server({raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")});
    net_fixture f;
    BOOST_TEST(f.send(get(server.url("/"))).body == "hello world");
}

BOOST_AUTO_TEST_CASE(head_with_content_length_has_no_body_and_keeps_the_connection) {
    scripted_server server(
        {reply(200, std::string(1234, 'x'), {{"Docker-Content-Digest", "sha256:ab"}}),
         reply(200, "next")});
    net_fixture f;
    const auto head = f.send(make(verb::head, server.url("/v2/demo/manifests/v1")));
    BOOST_TEST(head.status == 200u);
    BOOST_TEST(head.headers.find("Content-Length").value() == "1234");
    BOOST_TEST(head.headers.find("Docker-Content-Digest").value() == "sha256:ab");
    BOOST_TEST(head.body.empty());
    BOOST_TEST(f.send(get(server.url("/v2/"))).body == "next");
    BOOST_TEST(server.connections() == 1u);
}

BOOST_AUTO_TEST_CASE(streaming_sink_receives_the_exact_bytes_in_bounded_chunks) {
    std::string blob(300000, '\0');
    std::mt19937 random(42);
    for (auto& c : blob)
        c = static_cast<char>(random());
    scripted_server server({reply(200, blob)});
    net_fixture f;
    std::string received;
    std::size_t largest = 0;
    mmerge::net::body_sink sink;
    sink.write = [&](std::string_view chunk) {
        received += chunk;
        largest = std::max(largest, chunk.size());
    };
    const auto res = run(f.io, f.http.send(get(server.url("/v2/demo/blobs/sha256:x")), sink));
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(res.body.empty());
    BOOST_TEST((received == blob));
    BOOST_TEST(largest <= mmerge::net::stream_chunk_size);
}

BOOST_AUTO_TEST_CASE(streaming_an_error_status_puts_its_body_in_the_response) {
    const std::string error_body = R"({"errors":[{"code":"BLOB_UNKNOWN"}]})";
    scripted_server server({reply(404, error_body)});
    net_fixture f;
    bool called = false;
    mmerge::net::body_sink sink;
    sink.write = [&](std::string_view) { called = true; };
    const auto res = run(f.io, f.http.send(get(server.url("/v2/demo/blobs/sha256:x")), sink));
    BOOST_TEST(res.status == 404u);
    BOOST_TEST(res.body == error_body);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(streaming_broken_mid_body_restarts_the_sink_and_retries) {
    scripted_server server(
        {raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"), reply(200, "0123456789")});
    net_fixture f;
    std::string received;
    int restarts = 0;
    mmerge::net::body_sink sink;
    sink.write = [&](std::string_view chunk) { received += chunk; };
    sink.restart = [&] {
        received.clear();
        ++restarts;
    };
    const auto res = run(f.io, f.http.send(get(server.url("/blob")), sink));
    BOOST_TEST(res.attempts == 2u);
    BOOST_TEST(received == "0123456789");
    BOOST_TEST(restarts == 1);
}

BOOST_AUTO_TEST_CASE(streaming_broken_mid_body_without_restart_is_not_retried) {
    scripted_server server(
        {raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"), reply(200, "0123456789")});
    net_fixture f;
    std::string received;
    mmerge::net::body_sink sink;
    sink.write = [&](std::string_view chunk) { received += chunk; };
    const auto e = error_of([&] { run(f.io, f.http.send(get(server.url("/blob")), sink)); });
    BOOST_TEST((e.code() == errc::network));
    BOOST_TEST(received == "01234");
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(relative_redirect_is_followed_on_the_same_origin) {
    scripted_server server({reply(307, "", {{"Location", "../b/final?x=1"}}), reply(200, "there")});
    net_fixture f;
    auto req = get(server.url("/v2/a/start"));
    req.headers.add("Authorization", "Bearer same-origin");
    const auto res = f.send(std::move(req));
    BOOST_TEST(res.body == "there");
    BOOST_TEST(res.url.buffer() == server.url("/v2/b/final?x=1"));
    const auto seen = server.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[1].target == "/v2/b/final?x=1");
    BOOST_TEST(seen[1].header("Authorization").value() == "Bearer same-origin");
}

// DESIGN.md: blob GETs may redirect (307) to another host; never send Authorization there.
BOOST_AUTO_TEST_CASE(cross_host_redirect_sends_no_authorization) {
    scripted_server storage({reply(200, "blob bytes")});
    scripted_server registry({reply(307, "", {{"Location", storage.url("/bucket/blob?sig=1")}})});
    net_fixture f;
    auto req = get(registry.url("/v2/demo/blobs/sha256:x"));
    req.headers.add("Authorization", "Bearer secret-token");
    req.headers.add("X-Session", "secret-session");
    req.sensitive_headers = {"X-Session"};
    const auto res = f.send(std::move(req));
    BOOST_TEST(res.body == "blob bytes");
    BOOST_TEST(res.url.buffer() == storage.url("/bucket/blob?sig=1"));
    BOOST_TEST(registry.requests().at(0).header("Authorization").value() == "Bearer secret-token");
    const auto seen = storage.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(!seen[0].header("Authorization").has_value());
    BOOST_TEST(!seen[0].header("X-Session").has_value());
}

BOOST_AUTO_TEST_CASE(see_other_after_post_is_fetched_with_get) {
    scripted_server server({reply(303, "", {{"Location", "/result"}}), reply(200, "done")});
    net_fixture f;
    auto req = make(verb::post, server.url("/submit"));
    req.body = "data";
    BOOST_TEST(f.send(std::move(req)).body == "done");
    const auto seen = server.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[1].method == "GET");
    BOOST_TEST(seen[1].body.empty());
}

BOOST_AUTO_TEST_CASE(more_than_five_redirects_are_refused) {
    scripted_server server;
    server.set_handler([](const seen_request&) { return reply(302, "", {{"Location", "/loop"}}); });
    net_fixture f;
    const auto e = error_of([&] { f.send(get(server.url("/loop"))); });
    BOOST_TEST((e.code() == errc::bad_redirect));
    BOOST_TEST(std::string(e.what()) ==
               "stopped after 5 redirects; the last one was from " + server.url("/loop"));
    BOOST_TEST(server.requests().size() == 6u);
}

BOOST_AUTO_TEST_CASE(redirect_can_be_left_to_the_caller) {
    scripted_server server({reply(307, "", {{"Location", "/elsewhere"}})});
    net_fixture f;
    auto req = get(server.url("/v2/"));
    req.follow_redirects = false;
    const auto res = f.send(std::move(req));
    BOOST_TEST(res.status == 307u);
    BOOST_TEST(res.headers.find("Location").value() == "/elsewhere");
}

// A server closed an idle keep-alive connection: the next request must not fail for it.
BOOST_AUTO_TEST_CASE(idle_connection_closed_by_the_server_is_replaced) {
    auto first = reply(200, "one");
    first.close_after = true; // closes without "Connection: close"
    scripted_server server({first, reply(200, "two")});
    net_fixture f;
    BOOST_TEST(f.send(get(server.url("/a"))).body == "one");
    std::this_thread::sleep_for(20ms); // let the close arrive
    const auto res = f.send(get(server.url("/b")));
    BOOST_TEST(res.body == "two");
    BOOST_TEST(res.attempts == 1u);
    BOOST_TEST(server.connections() == 2u);
}

// Credentials in a URL are never sent as such and never shown.
BOOST_AUTO_TEST_CASE(userinfo_is_neither_sent_nor_shown) {
    scripted_server server({reply(200, "ok"), stall()});
    auto options = fast_transport();
    options.timeout = 100ms;
    options.retries = 0;
    net_fixture f(options);
    const std::string url = "http://bob:s3cret@" + server.authority() + "/v2/";
    BOOST_TEST(f.send(get(url)).status == 200u);
    const auto seen = server.requests();
    BOOST_TEST(!seen.at(0).header("Authorization").has_value());
    BOOST_TEST(seen.at(0).header("Host").value() == server.authority());
    const auto e = error_of([&] { f.send(get(url)); });
    BOOST_TEST(e.reference() == server.url("/v2/"));
    BOOST_TEST(std::string(e.what()).find("s3cret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_http_and_https_urls_are_accepted) {
    net_fixture f;
    const auto e = error_of([&] { f.send(get("ftp://127.0.0.1/x")); });
    BOOST_TEST((e.code() == errc::usage));
    BOOST_TEST(std::string(e.what()) ==
               "unsupported URL scheme \"ftp\" in ftp://127.0.0.1/x (only http and https)");
}

BOOST_AUTO_TEST_SUITE_END()
