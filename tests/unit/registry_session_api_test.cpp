// The registry session's Distribution API against a scripted registry on 127.0.0.1: manifest
// GET/HEAD/PUT and their verification, blobs, mount and upload, tag and catalog pagination, and
// registry errors as the caller sees them. Auth flows are in registry_session_auth_test.cpp.
#include "registry/session.hpp"
#include "support/net_testing.hpp"
#include "support/scripted_server.hpp"

#include <mmerge/error.hpp>
#include <mmerge/media_type.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mmerge::digest;
using mmerge::errc;
using mmerge::repository_name;
using namespace mmerge::test;

namespace {

const std::string oci_manifest_type = "application/vnd.oci.image.manifest.v1+json";
const std::string manifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";
const std::string other_manifest = R"({"schemaVersion":2})";

/** An io_context and a session on it (declared in that order: the session dies first). */
struct session_fixture {
    explicit session_fixture(const mmerge::transport_options& transport = fast_transport(true))
        : s(transport, {}) {}

    template <class T>
    T go(asio::awaitable<T> work) {
        return run(io, std::move(work));
    }

    asio::io_context io;
    mmerge::registry::session s;
};

step manifest_reply(const std::string& body, header_list extra = {}) {
    extra.emplace_back("Content-Type", oci_manifest_type);
    return reply(200, body, std::move(extra));
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    std::mt19937 random(7);
    for (auto& c : out)
        c = static_cast<char>(random());
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(registry_session_api)

// ---- manifests ----

BOOST_AUTO_TEST_CASE(manifest_by_digest_is_returned_with_its_digest_and_type) {
    const auto d = digest::of(manifest);
    scripted_server registry(
        {reply(200, manifest,
               {{"Content-Type", "application/vnd.oci.image.manifest.v1+json; charset=utf-8"}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto got = f.go(f.s.get_manifest(repo, d.str()));
    BOOST_TEST(got.bytes == manifest);
    BOOST_TEST(got.digest == d);
    BOOST_TEST(got.content_type == oci_manifest_type);
    BOOST_TEST(registry.requests().at(0).target == "/v2/a/b/manifests/" + d.str());
}

// DESIGN.md: verify by-digest fetches against the digest asked for, whatever the headers say.
BOOST_AUTO_TEST_CASE(manifest_by_digest_with_other_content_is_a_digest_mismatch) {
    const auto asked = digest::of(manifest);
    scripted_server registry(
        {manifest_reply(other_manifest, {{"Docker-Content-Digest", asked.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, asked.str())); });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()) == "the registry served content whose digest is " +
                                            digest::of(other_manifest).str() + ", not " +
                                            asked.str());
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(e.reference() == registry.authority() + "/a/b@" + asked.str());
}

BOOST_AUTO_TEST_CASE(manifest_by_tag_with_a_wrong_docker_content_digest_is_a_mismatch) {
    const auto wrong = digest::of(other_manifest);
    scripted_server registry({manifest_reply(manifest, {{"Docker-Content-Digest", wrong.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()) == "Docker-Content-Digest says " + wrong.str() +
                                            " but the content hashes to " +
                                            digest::of(manifest).str());
    BOOST_TEST(e.reference() == registry.authority() + "/a/b:v1");
}

// DESIGN.md: Docker-Content-Digest may be missing; for a tag the body is hashed.
BOOST_AUTO_TEST_CASE(manifest_by_tag_without_docker_content_digest_is_hashed) {
    scripted_server registry({manifest_reply(manifest)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto got = f.go(f.s.get_manifest(repo, "v1"));
    BOOST_TEST(got.digest == digest::of(manifest));
    BOOST_TEST(got.bytes == manifest);
}

BOOST_AUTO_TEST_CASE(manifest_by_tag_with_the_right_docker_content_digest_is_accepted) {
    const auto d = digest::of(manifest);
    scripted_server registry({manifest_reply(manifest, {{"Docker-Content-Digest", d.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).digest == d);
}

// DESIGN.md: always send the full Accept list, on GET and on HEAD.
BOOST_AUTO_TEST_CASE(manifest_get_and_head_send_the_full_accept_list) {
    const auto d = digest::of(manifest);
    scripted_server registry(
        {manifest_reply(manifest), manifest_reply(manifest, {{"Docker-Content-Digest", d.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    f.go(f.s.get_manifest(repo, "v1"));
    f.go(f.s.head_manifest(repo, "v1"));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].method == "GET");
    BOOST_TEST(seen[1].method == "HEAD");
    for (const auto& r : seen) {
        const auto accept = r.header("Accept").value_or("");
        for (const auto type : mmerge::media_type::manifest_accept_types)
            BOOST_TEST(accept.find(type) != std::string::npos,
                       r.method << " Accept lacks " << type);
    }
}

BOOST_AUTO_TEST_CASE(manifest_head_gives_digest_type_and_size_from_the_headers) {
    const auto d = digest::of(manifest);
    scripted_server registry({manifest_reply(manifest, {{"Docker-Content-Digest", d.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto head = f.go(f.s.head_manifest(repo, "v1"));
    BOOST_TEST_REQUIRE(head.has_value());
    BOOST_TEST(head->digest == d);
    BOOST_TEST(head->content_type == oci_manifest_type);
    BOOST_TEST(head->size == static_cast<std::int64_t>(manifest.size()));
    BOOST_TEST(registry.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(manifest_head_answered_405_falls_back_to_get) {
    scripted_server registry({reply(405), manifest_reply(manifest)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto head = f.go(f.s.head_manifest(repo, "v1"));
    BOOST_TEST_REQUIRE(head.has_value());
    BOOST_TEST(head->digest == digest::of(manifest));
    BOOST_TEST(head->size == static_cast<std::int64_t>(manifest.size()));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].method == "HEAD");
    BOOST_TEST(seen[1].method == "GET");
    BOOST_TEST(seen[1].target == "/v2/a/b/manifests/v1");
}

BOOST_AUTO_TEST_CASE(manifest_head_without_docker_content_digest_falls_back_to_get) {
    scripted_server registry({manifest_reply(manifest), manifest_reply(manifest)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto head = f.go(f.s.head_manifest(repo, "v1"));
    BOOST_TEST_REQUIRE(head.has_value());
    BOOST_TEST(head->digest == digest::of(manifest));
    BOOST_TEST(registry.requests().at(1).method == "GET");
}

// STYLE.md rule 5: a manifest that does not exist is a value, not an error.
BOOST_AUTO_TEST_CASE(manifest_head_answered_404_is_nullopt) {
    scripted_server registry({reply(404)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(!f.go(f.s.head_manifest(repo, "v1")).has_value());
}

BOOST_AUTO_TEST_CASE(manifest_get_answered_404_is_not_found_with_the_registry_message) {
    scripted_server registry(
        {reply(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::not_found));
    BOOST_TEST(std::string(e.what()) == "MANIFEST_UNKNOWN: manifest unknown");
    BOOST_TEST((mmerge::exit_code_for(e.code()) == mmerge::exit_code::registry_error));
}

// DESIGN.md: a manifest PUT's Content-Type must equal its mediaType; the bytes are sent as is.
BOOST_AUTO_TEST_CASE(manifest_put_sends_the_media_type_and_the_exact_bytes) {
    const auto d = digest::of(manifest);
    scripted_server registry({reply(201, "", {{"Docker-Content-Digest", d.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.put_manifest(repo, "v1", oci_manifest_type, manifest)) == d);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "PUT");
    BOOST_TEST(seen[0].target == "/v2/a/b/manifests/v1");
    BOOST_TEST(seen[0].header("Content-Type").value() == oci_manifest_type);
    BOOST_TEST(seen[0].body == manifest);
}

BOOST_AUTO_TEST_CASE(manifest_put_stored_under_another_digest_is_a_mismatch) {
    const auto reported = digest::of(other_manifest);
    scripted_server registry({reply(201, "", {{"Docker-Content-Digest", reported.str()}})});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e =
        error_of([&] { f.go(f.s.put_manifest(repo, "v1", oci_manifest_type, manifest)); });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()) == "the registry stored " + reported.str() +
                                            " for content whose digest is " +
                                            digest::of(manifest).str());
    BOOST_TEST(e.operation() == "put manifest");
}

// Caps: a manifest declared larger than 4 MiB is refused from its header, not read.
BOOST_AUTO_TEST_CASE(manifest_over_the_cap_is_refused_without_reading_it) {
    auto huge = raw("HTTP/1.1 200 OK\r\nContent-Length: 5242880\r\n\r\n");
    huge.close_after = false;
    scripted_server registry({huge});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::too_large));
    BOOST_TEST(std::string(e.what()) == "response from " + registry.authority() +
                                            " declares a 5 MiB body, over the 4 MiB limit");
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(registry.requests().size() == 1u);
}

// ---- blobs ----

BOOST_AUTO_TEST_CASE(blob_head_answers_whether_the_blob_exists) {
    const auto d = digest::of("layer");
    scripted_server registry({reply(200), reply(404)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.blob_exists(repo, d)));
    BOOST_TEST(!f.go(f.s.blob_exists(repo, d)));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].method == "HEAD");
    BOOST_TEST(seen[0].target == "/v2/a/b/blobs/" + d.str());
}

BOOST_AUTO_TEST_CASE(small_blob_is_returned_verified) {
    const std::string config = R"({"architecture":"arm64","os":"linux"})";
    const auto d = digest::of(config);
    scripted_server registry({reply(200, config), reply(200, config + " ")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_blob(repo, d, 1024)) == config);
    const auto e = error_of([&] { f.go(f.s.get_blob(repo, d, 1024)); });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()) ==
               "the registry served content whose digest is " + digest::of(config + " ").str());
    BOOST_TEST(e.operation() == "get blob");
    BOOST_TEST(e.reference() == registry.authority() + "/a/b@" + d.str());
}

BOOST_AUTO_TEST_CASE(streamed_blob_reaches_the_sink_byte_for_byte) {
    const auto blob = random_bytes(200000);
    const auto d = digest::of(blob);
    scripted_server registry({reply(200, blob)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    std::string received;
    f.go(f.s.get_blob_stream(repo, d, static_cast<std::int64_t>(blob.size()),
                             [&](std::string_view chunk) { received += chunk; }));
    BOOST_TEST((received == blob));
}

BOOST_AUTO_TEST_CASE(streamed_blob_with_other_bytes_is_a_digest_mismatch) {
    const auto blob = random_bytes(1000);
    const auto d = digest::of(blob);
    scripted_server registry({reply(200, blob.substr(1) + "x")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] {
        f.go(f.s.get_blob_stream(repo, d, static_cast<std::int64_t>(blob.size()),
                                 [](std::string_view) {}));
    });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()) == "the registry served 1000 bytes with digest " +
                                            digest::of(blob.substr(1) + "x").str());
}

// The descriptor's size is checked too, even when the digest is right.
BOOST_AUTO_TEST_CASE(streamed_blob_of_another_size_than_expected_is_a_mismatch) {
    const auto blob = random_bytes(1000);
    const auto d = digest::of(blob);
    scripted_server registry({reply(200, blob)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e =
        error_of([&] { f.go(f.s.get_blob_stream(repo, d, 999, [](std::string_view) {})); });
    BOOST_TEST((e.code() == errc::digest_mismatch));
    BOOST_TEST(std::string(e.what()).find("1000 bytes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(streamed_blob_answered_404_is_not_found) {
    const auto d = digest::of("layer");
    scripted_server registry({reply(
        404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    bool called = false;
    const auto e = error_of(
        [&] { f.go(f.s.get_blob_stream(repo, d, -1, [&](std::string_view) { called = true; })); });
    BOOST_TEST((e.code() == errc::not_found));
    BOOST_TEST(std::string(e.what()) == "BLOB_UNKNOWN: blob unknown to registry");
    BOOST_TEST(!called);
}

// ---- mount and upload ----

BOOST_AUTO_TEST_CASE(mount_answered_201_is_mounted) {
    const auto d = digest::of("layer");
    scripted_server registry({reply(201, "", {{"Location", "/v2/x/blobs/" + d.str()}})});
    session_fixture f;
    const repository_name dst{registry.authority(), "x"};
    const repository_name src{registry.authority(), "y/z"};
    const auto result = f.go(f.s.mount_blob(dst, d, src));
    BOOST_TEST(result.mounted);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "POST");
    BOOST_TEST(seen[0].target == "/v2/x/blobs/uploads/?mount=" + d.str() + "&from=y/z");
}

// DESIGN.md "Mount": 202 means an upload session was opened instead: upload into it.
BOOST_AUTO_TEST_CASE(mount_answered_202_gives_the_location_the_upload_uses) {
    const std::string data = "layer bytes";
    const auto d = digest::of(data);
    scripted_server registry(
        {reply(202, "", {{"Location", "/v2/x/blobs/uploads/u2?state=def"}}), reply(201)});
    session_fixture f;
    const repository_name dst{registry.authority(), "x"};
    const repository_name src{registry.authority(), "y"};
    const auto result = f.go(f.s.mount_blob(dst, d, src));
    BOOST_TEST(!result.mounted);
    BOOST_TEST(result.upload_location == registry.url("/v2/x/blobs/uploads/u2?state=def"));
    f.go(f.s.upload_blob(dst, d, data, result.upload_location));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u); // no second POST
    BOOST_TEST(seen[1].method == "PUT");
    BOOST_TEST(seen[1].target == "/v2/x/blobs/uploads/u2?state=def&digest=" + d.str());
    BOOST_TEST(seen[1].body == data);
}

// DESIGN.md "Upload": the Location may be relative and carry a query; digest= is added to it.
BOOST_AUTO_TEST_CASE(upload_puts_to_the_relative_location_keeping_its_query) {
    const std::string data = random_bytes(5000);
    const auto d = digest::of(data);
    scripted_server registry(
        {reply(202, "", {{"Location", "/v2/x/blobs/uploads/uuid?state=abc"}}), reply(201)});
    session_fixture f;
    const repository_name repo{registry.authority(), "x"};
    f.go(f.s.upload_blob(repo, d, data));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].method == "POST");
    BOOST_TEST(seen[0].target == "/v2/x/blobs/uploads/");
    BOOST_TEST(seen[1].method == "PUT");
    BOOST_TEST(seen[1].target == "/v2/x/blobs/uploads/uuid?state=abc&digest=" + d.str());
    BOOST_TEST(seen[1].header("Content-Type").value() == "application/octet-stream");
    BOOST_TEST((seen[1].body == data));
}

BOOST_AUTO_TEST_CASE(upload_refused_by_the_registry_carries_its_message) {
    const auto d = digest::of("data");
    scripted_server registry(
        {reply(202, "", {{"Location", "/v2/x/blobs/uploads/uuid"}}),
         reply(
             400,
             R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "x"};
    const auto e = error_of([&] { f.go(f.s.upload_blob(repo, d, "data")); });
    BOOST_TEST((e.code() == errc::http_status));
    BOOST_TEST(e.operation() == "upload blob");
    BOOST_TEST(std::string(e.what()) ==
               "DIGEST_INVALID: provided digest did not match uploaded content");
}

// ---- tags and catalog ----

// DESIGN.md: follow `Link: <...>; rel="next"` verbatim (it may be relative).
BOOST_AUTO_TEST_CASE(tag_pages_follow_a_relative_link_verbatim) {
    scripted_server registry({reply(200, R"({"name":"x","tags":["a","b"]})",
                                    {{"Link", R"(</v2/x/tags/list?last=b&n=2>; rel="next")"}}),
                              reply(200, R"({"name":"x","tags":["c"]})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "x"};
    const auto tags = f.go(f.s.list_tags(repo));
    BOOST_TEST(tags == (std::vector<std::string>{"a", "b", "c"}));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].target == "/v2/x/tags/list");
    BOOST_TEST(seen[1].target == "/v2/x/tags/list?last=b&n=2");
}

BOOST_AUTO_TEST_CASE(null_tags_are_an_empty_list) {
    scripted_server registry({reply(200, R"({"name":"x","tags":null})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "x"};
    BOOST_TEST(f.go(f.s.list_tags(repo)).empty());
}

BOOST_AUTO_TEST_CASE(tag_list_that_is_not_json_is_an_invalid_response) {
    scripted_server registry({reply(200, "<html>oops</html>")});
    session_fixture f;
    const repository_name repo{registry.authority(), "x"};
    const auto e = error_of([&] { f.go(f.s.list_tags(repo)); });
    BOOST_TEST((e.code() == errc::invalid_response));
    BOOST_TEST(std::string(e.what()) == "the registry answered with invalid JSON");
}

BOOST_AUTO_TEST_CASE(catalog_pages_are_concatenated) {
    scripted_server registry({reply(200, R"({"repositories":["a","b"]})",
                                    {{"Link", R"(</v2/_catalog?last=b&n=2>; rel="next")"}}),
                              reply(200, R"({"repositories":["c"]})")});
    session_fixture f;
    const auto repos = f.go(f.s.catalog(registry.authority()));
    BOOST_TEST(repos == (std::vector<std::string>{"a", "b", "c"}));
    BOOST_TEST(registry.requests().at(1).target == "/v2/_catalog?last=b&n=2");
}

// ---- registry errors ----

BOOST_AUTO_TEST_CASE(denied_is_forbidden_with_the_registry_code) {
    scripted_server registry({reply(
        403,
        R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::forbidden));
    BOOST_TEST(std::string(e.what()) == "DENIED: requested access to the resource is denied");
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(e.reference() == registry.authority() + "/a/b:v1");
    BOOST_TEST((mmerge::exit_code_for(e.code()) == mmerge::exit_code::auth_refused));
}

BOOST_AUTO_TEST_CASE(too_many_requests_with_retry_after_then_success) {
    scripted_server registry(
        {reply(429, R"({"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]})",
               {{"Retry-After", "1"}}),
         manifest_reply(manifest)});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);
    BOOST_TEST(registry.requests().size() == 2u);
    BOOST_TEST(f.s.stats().requests == 1u); // retries are the transport's, not new requests
}

BOOST_AUTO_TEST_CASE(service_unavailable_until_retries_are_exhausted) {
    scripted_server registry;
    registry.set_handler([](const seen_request&) { return reply(503, "down"); });
    auto transport = fast_transport(true);
    transport.retries = 2;
    session_fixture f(transport);
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::retries_exhausted));
    BOOST_TEST(std::string(e.what()) == "gave up after 3 attempts: 503 Service Unavailable");
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(e.reference() == registry.authority() + "/a/b:v1");
    BOOST_TEST((mmerge::exit_code_for(e.code()) == mmerge::exit_code::registry_error));
    BOOST_TEST(registry.requests().size() == 3u);
}

// DESIGN.md "Transport": a loopback registry without TLS is reached over plain HTTP without
// --plain-http, as docker does for localhost.
BOOST_AUTO_TEST_CASE(loopback_registry_without_tls_falls_back_to_http) {
    scripted_server registry({manifest_reply(manifest)});
    auto transport = fast_transport(true);
    transport.plain_http = false;
    session_fixture f(transport);
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u); // the TLS attempt is no HTTP request
    BOOST_TEST(seen[0].target == "/v2/a/b/manifests/v1");
}

// A loopback registry that does speak TLS, with a certificate we do not trust, must fail with
// the certificate problem, not fall back to http and hide it.
BOOST_AUTO_TEST_CASE(loopback_registry_with_an_untrusted_certificate_does_not_fall_back) {
    const auto& pki = test_certificates();
    scripted_server registry({manifest_reply(manifest)},
                             server_tls{pki.server_cert, pki.server_key, {}});
    auto transport = fast_transport(true);
    transport.plain_http = false;
    session_fixture f(transport);
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::tls));
    BOOST_TEST(std::string(e.what()).find("certificate verify failed") != std::string::npos);
    BOOST_TEST(registry.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
