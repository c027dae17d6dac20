// The registry session's auth flows against scripted servers (a registry and a token issuer on
// 127.0.0.1): Basic, Bearer by GET, OAuth2 POST with its fallback, the token cache, declared
// scopes, insufficient_scope, challenge loops and realm validation. Each case asserts what the
// caller sees and the requests the servers recorded.
#include "registry/session.hpp"
#include "support/net_testing.hpp"
#include "support/scripted_server.hpp"

#include <mmerge/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mmerge::errc;
using mmerge::repository_name;
using mmerge::scope;
using namespace mmerge::test;

namespace {

// base64("alice:s3cret")
constexpr const char* alice_basic = "Basic YWxpY2U6czNjcmV0";
constexpr const char* password = "s3cret";
const std::string manifest = R"({"schemaVersion":2})";
const std::string unauthorized_body =
    R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";

mmerge::registry::session_options login(std::string user, std::string pass,
                                        std::string identity_token = {}) {
    mmerge::registry::session_options options;
    options.credentials.explicit_login =
        mmerge::credential{std::move(user), mmerge::secret(std::move(pass)),
                           mmerge::secret(std::move(identity_token))};
    return options;
}

/** An io_context and a session on it (declared in that order: the session dies first). */
struct session_fixture {
    explicit session_fixture(mmerge::registry::session_options options = {},
                             const mmerge::transport_options& transport = fast_transport(true))
        : s(transport, std::move(options)) {}

    template <class T>
    T go(asio::awaitable<T> work) {
        return run(io, std::move(work));
    }

    asio::io_context io;
    mmerge::registry::session s;
};

/** `Bearer realm="<issuer>/token",service="svc",scope="<scope>"` + `extra`. */
std::string bearer(const scripted_server& issuer, const std::string& scope_text,
                   const std::string& extra = {}) {
    return "Bearer realm=\"" + issuer.url("/token") + "\",service=\"svc\",scope=\"" + scope_text +
           "\"" + extra;
}

step challenge(const std::string& www_authenticate) {
    return reply(401, unauthorized_body, {{"WWW-Authenticate", www_authenticate}});
}

step token(const std::string& value) {
    return reply(200, R"({"token":")" + value + R"(","expires_in":300})",
                 {{"Content-Type", "application/json"}});
}

step manifest_reply() {
    return reply(200, manifest, {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}});
}

/** The decoded values of query parameter `key` in a request target or form body. */
std::vector<std::string> params(std::string_view query_or_target, std::string_view key) {
    boost::urls::url u;
    const auto q = query_or_target.find('?');
    if (query_or_target.starts_with("/"))
        u.set_encoded_query(q == std::string_view::npos ? std::string_view()
                                                        : query_or_target.substr(q + 1));
    else
        u.set_encoded_query(query_or_target);
    std::vector<std::string> out;
    for (const auto& p : u.params())
        if (p.key == key)
            out.push_back(p.value);
    return out;
}

std::string path_of(const seen_request& r) {
    return r.target.substr(0, r.target.find('?'));
}

} // namespace

BOOST_AUTO_TEST_SUITE(registry_session_auth)

// 1. anonymous request → 401 Bearer 2. token GET with service, scope and Basic credentials
// 3. the same request again with the token.
BOOST_AUTO_TEST_CASE(bearer_challenge_gets_a_token_with_service_scope_and_credentials) {
    scripted_server issuer({token("tok-1")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply()});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto got = f.go(f.s.get_manifest(repo, "v1"));
    BOOST_TEST(got.bytes == manifest);

    const auto tokens = issuer.requests();
    BOOST_TEST_REQUIRE(tokens.size() == 1u);
    BOOST_TEST(tokens[0].method == "GET");
    BOOST_TEST(path_of(tokens[0]) == "/token");
    BOOST_TEST(params(tokens[0].target, "service") == std::vector<std::string>{"svc"});
    BOOST_TEST(params(tokens[0].target, "scope") ==
               std::vector<std::string>{"repository:a/b:pull"});
    BOOST_TEST(tokens[0].header("Authorization").value() == alice_basic);

    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(!seen[0].header("Authorization").has_value());
    BOOST_TEST(seen[1].target == "/v2/a/b/manifests/v1");
    BOOST_TEST(seen[1].header("Authorization").value() == "Bearer tok-1");
    BOOST_TEST(f.s.stats().token_requests == 1u);
}

BOOST_AUTO_TEST_CASE(anonymous_token_request_carries_no_authorization) {
    scripted_server issuer({token("anon")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply()});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);
    BOOST_TEST_REQUIRE(issuer.requests().size() == 1u);
    BOOST_TEST(!issuer.requests()[0].header("Authorization").has_value());
    BOOST_TEST(registry.requests().at(1).header("Authorization").value() == "Bearer anon");
}

// Token reuse: later requests to the same repository send the cached token at once.
BOOST_AUTO_TEST_CASE(later_requests_to_the_same_repository_reuse_the_token) {
    scripted_server issuer({token("tok-1")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply(),
                              manifest_reply(), reply(200)});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    f.go(f.s.get_manifest(repo, "v1"));
    f.go(f.s.get_manifest(repo, "v2"));
    const auto d = mmerge::digest::of("layer");
    BOOST_TEST(f.go(f.s.blob_exists(repo, d)));

    BOOST_TEST(issuer.requests().size() == 1u);
    BOOST_TEST(f.s.stats().token_requests == 1u);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 4u); // one 401, then three requests answered at once
    for (std::size_t i = 1; i < seen.size(); ++i)
        BOOST_TEST(seen[i].header("Authorization").value() == "Bearer tok-1");
}

// DESIGN.md "Mount": push on the target and pull on the source in ONE token request, with one
// `scope` parameter per scope; the mount then reuses that token.
BOOST_AUTO_TEST_CASE(declared_mount_scopes_are_asked_for_in_one_token_request) {
    scripted_server issuer({token("tok-mount")});
    scripted_server registry(
        {challenge(bearer(issuer, "repository:dst:pull")), reply(404), reply(201)});
    session_fixture f(login("alice", password));
    const repository_name dst{registry.authority(), "dst"};
    const repository_name src{registry.authority(), "src"};
    const std::vector<scope> scopes{{"repository", "dst", {"pull", "push"}},
                                    {"repository", "src", {"pull"}}};
    f.s.declare_scopes(registry.authority(), scopes);
    const auto d = mmerge::digest::of("layer");
    BOOST_TEST(!f.go(f.s.blob_exists(dst, d)));
    const auto mounted = f.go(f.s.mount_blob(dst, d, src));
    BOOST_TEST(mounted.mounted);
    BOOST_TEST(mounted.upload_location.empty());

    const auto tokens = issuer.requests();
    BOOST_TEST_REQUIRE(tokens.size() == 1u);
    BOOST_TEST(params(tokens[0].target, "scope") ==
               (std::vector<std::string>{"repository:dst:pull,push", "repository:src:pull"}));
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[2].method == "POST");
    BOOST_TEST(path_of(seen[2]) == "/v2/dst/blobs/uploads/");
    BOOST_TEST(params(seen[2].target, "mount") == std::vector<std::string>{d.str()});
    BOOST_TEST(params(seen[2].target, "from") == std::vector<std::string>{"src"});
    BOOST_TEST(seen[2].header("Authorization").value() == "Bearer tok-mount");
}

// Without declare_scopes, a mount alone still asks for both scopes in its one token request.
BOOST_AUTO_TEST_CASE(mount_asks_for_push_on_target_and_pull_on_source_together) {
    scripted_server issuer({token("tok-mount")});
    scripted_server registry({challenge(bearer(issuer, "repository:dst:pull,push")), reply(201)});
    session_fixture f(login("alice", password));
    const repository_name dst{registry.authority(), "dst"};
    const repository_name src{registry.authority(), "src"};
    BOOST_TEST(f.go(f.s.mount_blob(dst, mmerge::digest::of("layer"), src)).mounted);
    BOOST_TEST_REQUIRE(issuer.requests().size() == 1u);
    BOOST_TEST(params(issuer.requests()[0].target, "scope") ==
               (std::vector<std::string>{"repository:dst:pull,push", "repository:src:pull"}));
}

// oauth.md: an identity token is a refresh token, exchanged by POSTing a form.
BOOST_AUTO_TEST_CASE(identity_token_is_exchanged_by_oauth2_post) {
    scripted_server issuer({reply(200, R"({"access_token":"tok-oauth","expires_in":300})")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply()});
    session_fixture f(login("alice", "", "refresh-abc"));
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);

    const auto tokens = issuer.requests();
    BOOST_TEST_REQUIRE(tokens.size() == 1u);
    BOOST_TEST(tokens[0].method == "POST");
    BOOST_TEST(tokens[0].target == "/token");
    BOOST_TEST(tokens[0].header("Content-Type").value() == "application/x-www-form-urlencoded");
    BOOST_TEST(!tokens[0].header("Authorization").has_value());
    const auto& form = tokens[0].body;
    BOOST_TEST(params(form, "grant_type") == std::vector<std::string>{"refresh_token"});
    BOOST_TEST(params(form, "refresh_token") == std::vector<std::string>{"refresh-abc"});
    BOOST_TEST(params(form, "service") == std::vector<std::string>{"svc"});
    BOOST_TEST(params(form, "scope") == std::vector<std::string>{"repository:a/b:pull"});
    BOOST_TEST(params(form, "client_id") == std::vector<std::string>{"mmerge"});
    BOOST_TEST(registry.requests().at(1).header("Authorization").value() == "Bearer tok-oauth");
}

// Older token servers have no OAuth2 endpoint: 404 (or 405) to the POST → the GET flow, with the
// identity token as the Basic password.
BOOST_AUTO_TEST_CASE(oauth2_post_answered_404_falls_back_to_get) {
    for (const unsigned status : {404u, 405u}) {
        BOOST_TEST_CONTEXT("POST answered " << status) {
            scripted_server issuer({reply(status), token("tok-get")});
            scripted_server registry(
                {challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply()});
            session_fixture f(login("alice", "", "refresh-abc"));
            const repository_name repo{registry.authority(), "a/b"};
            BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);

            const auto tokens = issuer.requests();
            BOOST_TEST_REQUIRE(tokens.size() == 2u);
            BOOST_TEST(tokens[0].method == "POST");
            BOOST_TEST(tokens[1].method == "GET");
            BOOST_TEST(params(tokens[1].target, "service") == std::vector<std::string>{"svc"});
            BOOST_TEST(params(tokens[1].target, "scope") ==
                       std::vector<std::string>{"repository:a/b:pull"});
            // base64("alice:refresh-abc")
            BOOST_TEST(tokens[1].header("Authorization").value() ==
                       "Basic YWxpY2U6cmVmcmVzaC1hYmM=");
            BOOST_TEST(registry.requests().at(1).header("Authorization").value() ==
                       "Bearer tok-get");
            BOOST_TEST(f.s.stats().token_requests == 2u);
        }
    }
}

// expires_in is clamped to >= 60 s and renewed 10 s early, so expiry cannot be observed without a
// ≥ 50 s sleep (the session has no injectable clock): not tested here.

// DESIGN.md "Mount": a token without push → 401 insufficient_scope naming the wider scope → ONE
// new token request for it → success.
BOOST_AUTO_TEST_CASE(insufficient_scope_asks_once_for_the_wider_scope) {
    scripted_server issuer({token("tok-pull"), token("tok-push")});
    scripted_server registry(
        {challenge(bearer(issuer, "repository:a/b:pull")),
         challenge(bearer(issuer, "repository:a/b:pull,push", ",error=\"insufficient_scope\"")),
         manifest_reply()});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);

    const auto tokens = issuer.requests();
    BOOST_TEST_REQUIRE(tokens.size() == 2u);
    BOOST_TEST(params(tokens[0].target, "scope") ==
               std::vector<std::string>{"repository:a/b:pull"});
    BOOST_TEST(params(tokens[1].target, "scope") ==
               std::vector<std::string>{"repository:a/b:pull,push"});
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[1].header("Authorization").value() == "Bearer tok-pull");
    BOOST_TEST(seen[2].header("Authorization").value() == "Bearer tok-push");
}

// A cached token the registry no longer accepts (expired or revoked on its side) is dropped and
// replaced once, not sent again.
BOOST_AUTO_TEST_CASE(token_rejected_by_the_registry_is_replaced) {
    scripted_server issuer({token("tok-old"), token("tok-new")});
    scripted_server registry(
        {challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply(),
         challenge(bearer(issuer, "repository:a/b:pull", ",error=\"invalid_token\"")),
         manifest_reply()});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    f.go(f.s.get_manifest(repo, "v1"));
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v2")).bytes == manifest);
    BOOST_TEST(issuer.requests().size() == 2u);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 4u);
    BOOST_TEST(seen[2].header("Authorization").value() == "Bearer tok-old");
    BOOST_TEST(seen[3].header("Authorization").value() == "Bearer tok-new");
}

// DESIGN.md: a 401 that repeats the same challenge after it was answered must stop, not loop.
BOOST_AUTO_TEST_CASE(repeated_bearer_challenge_after_a_token_is_unauthorized) {
    scripted_server issuer;
    issuer.set_handler([](const seen_request&) { return token("tok-useless"); });
    scripted_server registry;
    const std::string value = bearer(issuer, "repository:a/b:pull");
    registry.set_handler([&](const seen_request&) { return challenge(value); });
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST((mmerge::exit_code_for(e.code()) == mmerge::exit_code::auth_refused));
    BOOST_TEST(std::string(e.what()) ==
               "the registry refused the credentials (UNAUTHORIZED: authentication required)");
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(e.reference() == registry.authority() + "/a/b:v1");
    BOOST_TEST(registry.requests().size() == 2u); // anonymous, then once with the token
    BOOST_TEST(issuer.requests().size() == 1u);
}

// A registry whose challenge changes on every answer is still given up on after a few rounds.
BOOST_AUTO_TEST_CASE(ever_changing_challenges_are_bounded) {
    scripted_server issuer;
    issuer.set_handler([](const seen_request&) { return token("tok"); });
    scripted_server registry;
    int n = 0;
    registry.set_handler([&](const seen_request&) {
        return challenge(
            bearer(issuer, "repository:a/b:pull", ",error=\"e" + std::to_string(++n) + "\""));
    });
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(registry.requests().size() <= 4u);
    BOOST_TEST(issuer.requests().size() <= 3u);
}

BOOST_AUTO_TEST_CASE(token_service_refusing_the_credentials_is_unauthorized) {
    scripted_server issuer({reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad"}]})")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull"))});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(e.operation() == "get token");
    BOOST_TEST(std::string(e.what()) ==
               "the token service refused the credentials (UNAUTHORIZED: bad)");
    BOOST_TEST(std::string(e.what()).find(password) == std::string::npos);
    BOOST_TEST(registry.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(basic_challenge_is_answered_with_the_credentials) {
    scripted_server registry(
        {challenge("Basic realm=\"registry\""), manifest_reply(), manifest_reply()});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v1")).bytes == manifest);
    BOOST_TEST(f.go(f.s.get_manifest(repo, "v2")).bytes == manifest);
    const auto seen = registry.requests();
    BOOST_TEST_REQUIRE(seen.size() == 3u); // the second request sends Basic at once
    BOOST_TEST(!seen[0].header("Authorization").has_value());
    BOOST_TEST(seen[1].header("Authorization").value() == alice_basic);
    BOOST_TEST(seen[2].header("Authorization").value() == alice_basic);
    BOOST_TEST(f.s.stats().token_requests == 0u);
}

BOOST_AUTO_TEST_CASE(basic_challenge_without_credentials_is_unauthorized) {
    scripted_server registry({challenge("Basic realm=\"registry\"")});
    session_fixture f;
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(std::string(e.what()).find("no credentials") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find(registry.authority()) != std::string::npos);
    BOOST_TEST(registry.requests().size() == 1u);
}

// Wrong password: exit 4, and the password appears nowhere in the message (nor in -v traces).
BOOST_AUTO_TEST_CASE(wrong_basic_credentials_are_unauthorized_without_the_password) {
    scripted_server registry;
    registry.set_handler([](const seen_request&) { return challenge("Basic realm=\"registry\""); });
    auto options = login("alice", password);
    std::vector<std::string> traces;
    options.trace = [&](const std::string& line) { traces.push_back(line); };
    session_fixture f(std::move(options));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(std::string(e.what()).find("refused the credentials") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find(password) == std::string::npos);
    BOOST_TEST(e.reference().find(password) == std::string::npos);
    BOOST_TEST(!traces.empty());
    for (const auto& line : traces)
        BOOST_TEST(line.find(password) == std::string::npos);
    BOOST_TEST(registry.requests().size() == 2u);
}

// -v traces name each request but never a password or a token.
BOOST_AUTO_TEST_CASE(traces_of_a_bearer_flow_carry_no_secret) {
    scripted_server issuer({token("tok-secret-value")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")), manifest_reply()});
    auto options = login("alice", password);
    std::vector<std::string> traces;
    options.trace = [&](const std::string& line) { traces.push_back(line); };
    session_fixture f(std::move(options));
    const repository_name repo{registry.authority(), "a/b"};
    f.go(f.s.get_manifest(repo, "v1"));
    BOOST_TEST(traces.size() == 3u); // 401, token, 200
    for (const auto& line : traces) {
        BOOST_TEST(line.find(password) == std::string::npos);
        BOOST_TEST(line.find("tok-secret-value") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(unauthorized_without_a_challenge_is_reported) {
    scripted_server registry({reply(401, unauthorized_body)});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(std::string(e.what()) == "401 Unauthorized without a WWW-Authenticate challenge");
}

// Realm validation: credentials go to the realm, so userinfo in it is refused before any send.
BOOST_AUTO_TEST_CASE(realm_with_userinfo_is_refused_before_any_request) {
    scripted_server issuer({token("never")});
    const std::string realm = "http://user:pw@" + issuer.authority() + "/token";
    scripted_server registry({challenge("Bearer realm=\"" + realm + "\",service=\"svc\"")});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::invalid_response));
    BOOST_TEST(std::string(e.what()) == "the registry's token realm carries userinfo; refusing it");
    BOOST_TEST(issuer.requests().empty());
    BOOST_TEST(f.s.stats().token_requests == 0u);
}

// An https registry (not --plain-http) must not send credentials to an http realm on another
// host. The realm does not resolve: the error proves the check ran before any connection.
BOOST_AUTO_TEST_CASE(http_realm_on_a_remote_host_is_refused_for_an_https_registry) {
    const auto& pki = test_certificates();
    scripted_server registry(
        {challenge("Bearer realm=\"http://example.invalid/token\",service=\"svc\"")},
        server_tls{pki.server_cert, pki.server_key, {}});
    auto transport = fast_transport(true);
    transport.plain_http = false;
    transport.ca_file = pki.ca_cert;
    session_fixture f(login("alice", password), transport);
    const repository_name repo{registry.authority(), "a/b"};
    const auto e = error_of([&] { f.go(f.s.get_manifest(repo, "v1")); });
    BOOST_TEST((e.code() == errc::invalid_response));
    BOOST_TEST(std::string(e.what()) ==
               "the registry's token realm \"http://example.invalid/token\""
               " is not https; refusing to send credentials there");
    BOOST_TEST(registry.requests().size() == 1u);
    BOOST_TEST(f.s.stats().token_requests == 0u);
}

// _catalog needs `registry:catalog:*` (DESIGN.md), asked for in the token request.
BOOST_AUTO_TEST_CASE(catalog_token_asks_for_the_catalog_scope) {
    scripted_server issuer({token("tok-cat")});
    scripted_server registry({challenge(bearer(issuer, "registry:catalog:*")),
                              reply(200, R"({"repositories":["a/b","c"]})")});
    session_fixture f(login("alice", password));
    const auto repos = f.go(f.s.catalog(registry.authority()));
    BOOST_TEST(repos == (std::vector<std::string>{"a/b", "c"}));
    BOOST_TEST_REQUIRE(issuer.requests().size() == 1u);
    BOOST_TEST(params(issuer.requests()[0].target, "scope") ==
               std::vector<std::string>{"registry:catalog:*"});
    BOOST_TEST(registry.requests().at(1).header("Authorization").value() == "Bearer tok-cat");
}

// A blob GET redirected (307) to storage on another port: the token goes to the registry only.
BOOST_AUTO_TEST_CASE(blob_redirect_to_another_host_carries_no_authorization) {
    const std::string blob(100000, 'b');
    const auto d = mmerge::digest::of(blob);
    scripted_server storage({reply(200, blob)});
    scripted_server issuer({token("tok-blob")});
    scripted_server registry({challenge(bearer(issuer, "repository:a/b:pull")),
                              reply(307, "", {{"Location", storage.url("/bucket/blob?sig=abc")}})});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    std::string received;
    f.go(f.s.get_blob_stream(repo, d, static_cast<std::int64_t>(blob.size()),
                             [&](std::string_view chunk) { received += chunk; }));
    BOOST_TEST((received == blob));
    BOOST_TEST(registry.requests().at(1).header("Authorization").value() == "Bearer tok-blob");
    const auto seen = storage.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].target == "/bucket/blob?sig=abc");
    BOOST_TEST(!seen[0].header("Authorization").has_value());
}

// STYLE.md rule 7: requests that start together (the sources of a merge) share one token request
// instead of each fetching its own.
BOOST_AUTO_TEST_CASE(concurrent_requests_to_one_repository_share_one_token_request) {
    scripted_server issuer;
    issuer.set_handler([](const seen_request&) {
        auto s = token("tok-shared");
        s.delay = 20ms; // keeps the fetch in flight while the other requests want a token
        return s;
    });
    scripted_server registry;
    const std::string value = bearer(issuer, "repository:a/b:pull");
    registry.set_handler([&](const seen_request& r) {
        return r.header("Authorization") == std::optional<std::string>("Bearer tok-shared")
                   ? manifest_reply()
                   : challenge(value);
    });
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "a/b"};
    // The tags outlive the coroutines, which hold string_views to them until run_all ends.
    const std::vector<std::string> tags{"v0", "v1", "v2", "v3"};
    std::vector<asio::awaitable<mmerge::registry::fetched_manifest>> works;
    for (const auto& tag : tags)
        works.push_back(f.s.get_manifest(repo, tag));
    for (const auto& got : run_all(f.io, std::move(works)))
        BOOST_TEST(got.bytes == manifest);
    BOOST_TEST(issuer.requests().size() == 1u);
    BOOST_TEST(f.s.stats().token_requests == 1u);
    // The first request alone meets the 401 (first contact is single-flight); the others wait
    // for it and go straight in with the shared token: 1 + 4 requests, not 2 x 4.
    BOOST_TEST(registry.requests().size() == 5u);
}

// Regression (found by these tests): an upload Location on another origin received the
// registry's bearer token. Credentials stay on the registry's origin, as for redirects.
BOOST_AUTO_TEST_CASE(upload_location_on_another_origin_gets_no_authorization) {
    scripted_server storage({reply(201)});
    scripted_server issuer({token("tok-up")});
    scripted_server registry({challenge(bearer(issuer, "repository:x:pull,push")),
                              reply(202, "", {{"Location", storage.url("/upload/u1?sig=1")}})});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "x"};
    const auto d = mmerge::digest::of("data");
    f.go(f.s.upload_blob(repo, d, "data"));
    BOOST_TEST(registry.requests().at(1).header("Authorization").value() == "Bearer tok-up");
    const auto seen = storage.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "PUT");
    BOOST_TEST(seen[0].target == "/upload/u1?sig=1&digest=" + d.str());
    BOOST_TEST(!seen[0].header("Authorization").has_value());
}

// The same rule for a Link to another origin; its 401 is reported, not answered with our
// credentials.
BOOST_AUTO_TEST_CASE(link_to_another_origin_gets_no_authorization_and_its_401_is_an_error) {
    scripted_server elsewhere({challenge("Basic realm=\"elsewhere\"")});
    scripted_server registry(
        {challenge("Basic realm=\"registry\""),
         reply(200, R"({"name":"x","tags":["a"]})",
               {{"Link", "<" + elsewhere.url("/v2/x/tags/list?last=a") + ">; rel=\"next\""}})});
    session_fixture f(login("alice", password));
    const repository_name repo{registry.authority(), "x"};
    const auto e = error_of([&] { f.go(f.s.list_tags(repo)); });
    BOOST_TEST((e.code() == errc::unauthorized));
    BOOST_TEST(e.operation() == "list tags");
    const auto seen = elsewhere.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(!seen[0].header("Authorization").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
