#include "registry/session.hpp"

#include "net/url.hpp"
#include "registry/error_body.hpp"
#include "registry/link_header.hpp"

#include <mmerge/error.hpp>
#include <mmerge/media_type.hpp>
#include <mmerge/token_response.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <span>

namespace mmerge::registry {
namespace asio = boost::asio;
namespace urls = boost::urls;
using clock = std::chrono::steady_clock;

namespace {

// A token is renewed this long before the end of its stated lifetime, so a request never
// carries one that expires in flight.
constexpr auto token_expiry_margin = std::chrono::seconds(10);

// Each request answers at most this many 401s (no auth → credentials → wider scope) before it
// gives up; a repeated identical challenge stops it earlier.
constexpr int max_auth_rounds = 3;

// The client_id mmerge announces in OAuth2 token requests (oauth.md: required, any string).
constexpr std::string_view oauth_client_id = "mmerge";

struct cached_token {
    std::vector<scope> scopes;
    secret token;
    clock::time_point expires;
};

enum class auth_kind { unknown, basic, bearer };

// Wakes the requests waiting on a gate (a timer that never fires) when the gate's owner is done,
// however it ends: a response, an error, or the coroutine's destruction.
struct gate_release {
    std::shared_ptr<boost::asio::steady_timer>& slot;
    std::shared_ptr<boost::asio::steady_timer> gate;
    gate_release(std::shared_ptr<boost::asio::steady_timer>& s,
                 std::shared_ptr<boost::asio::steady_timer> g)
        : slot(s)
        , gate(std::move(g)) {}
    gate_release(const gate_release&) = delete;
    gate_release& operator=(const gate_release&) = delete;
    ~gate_release() {
        if (slot == gate)
            slot.reset();
        gate->cancel();
    }
};

// What a session learned about one registry.
struct registry_state {
    std::string host;   // endpoint host[:port]
    std::string scheme; // "https" or "http"; decided on the first answer
    bool scheme_confirmed = false;
    auth_kind auth = auth_kind::unknown;
    std::string realm;
    std::string service;
    std::vector<scope> declared;
    std::vector<cached_token> tokens;
    std::shared_ptr<boost::asio::steady_timer> token_fetch; // set while a fetch is in flight
    bool contacted = false; // a response came back: scheme and auth scheme are known
    std::shared_ptr<boost::asio::steady_timer> first_contact; // set while the first request runs
};

std::string repository_ref(const repository_name& repo, std::string_view tag_or_digest) {
    std::string out = to_string(repo);
    if (!tag_or_digest.empty())
        out.append(tag_or_digest.starts_with("sha") &&
                           tag_or_digest.find(':') != std::string_view::npos
                       ? "@"
                       : ":")
            .append(tag_or_digest);
    return out;
}

scope repository_scope(const repository_name& repo, std::vector<std::string> actions) {
    return scope{"repository", repo.repository, std::move(actions)};
}

// GCC 12 cannot keep a braced list alive across a co_await in a call's
// arguments ("array used as initializer"): operations build their arguments first.
std::vector<scope> pull(const repository_name& repo) {
    return {repository_scope(repo, {"pull"})};
}
std::vector<scope> push(const repository_name& repo) {
    return {repository_scope(repo, {"pull", "push"})};
}

[[noreturn]] void fail_status(const net::response& res, const std::string& operation,
                              const std::string& ref) {
    errc code = errc::http_status;
    switch (res.status) {
    case 401:
        code = errc::unauthorized;
        break;
    case 403:
        code = errc::forbidden;
        break;
    case 404:
        code = errc::not_found;
        break;
    default:
        break;
    }
    throw error(code, operation, ref, describe(parse_error_body(res.body), res.status, res.reason));
}

urls::url parse_url(const std::string& text, const std::string& operation, const std::string& ref) {
    auto parsed = urls::parse_uri_reference(text);
    if (!parsed)
        throw error(errc::invalid_response, operation, ref, "invalid URL \"" + text + "\"");
    return urls::url(*parsed);
}

// Realm URLs come from the registry, which is untrusted: credentials are sent to the realm, so a
// malicious registry could point it at an internal service or downgrade it to plain HTTP. Accept
// https, or http only where the registry itself may be plain (loopback, --plain-http), and never
// a realm with userinfo.
urls::url validated_realm(std::string_view realm, const transport_options& transport,
                          const std::string& registry) {
    const auto parsed = urls::parse_absolute_uri(realm);
    if (!parsed)
        throw error(errc::invalid_response, "authenticate", registry,
                    "the registry's token realm \"" + std::string(realm) + "\" is not a URL");
    urls::url url(*parsed);
    if (url.has_userinfo())
        throw error(errc::invalid_response, "authenticate", registry,
                    "the registry's token realm carries userinfo; refusing it");
    const auto scheme = url.scheme();
    const bool loopback = is_loopback_host(std::string(url.encoded_host_and_port()));
    if (scheme != "https" && !(scheme == "http" && (loopback || transport.plain_http)))
        throw error(errc::invalid_response, "authenticate", registry,
                    "the registry's token realm \"" + net::redacted(url) +
                        "\" is not https; refusing to send credentials there");
    return url;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    urls::url carrier;
    for (const auto& [k, v] : fields)
        carrier.params().append({k, v});
    return std::string(carrier.encoded_query());
}

bool same_origin(const urls::url& url, const registry_state& st) {
    const std::string base = st.scheme + "://" + st.host;
    const auto own = urls::parse_absolute_uri(base);
    if (!own)
        return false;
    const auto a = net::origin_of(url);
    const auto b = net::origin_of(*own);
    return a && b && *a == *b;
}

bool covers(const cached_token& t, std::span<const scope> needed) {
    return std::ranges::all_of(needed, [&](const scope& s) { return scopes_cover(t.scopes, s); });
}

} // namespace

struct session::impl {
    transport_options transport;
    session_options options;
    net::client http;
    credential_store credentials;
    std::map<std::string, registry_state> registries;
    session_stats stats;

    impl(const transport_options& t, session_options o)
        : transport(t)
        , options(std::move(o))
        , http(t)
        , credentials(options.credentials) {}

    void trace(const std::string& line) const {
        if (options.trace)
            options.trace(line);
    }

    registry_state& state(const std::string& registry) {
        auto [it, inserted] = registries.try_emplace(registry);
        if (inserted) {
            it->second.host = registry_endpoint(registry);
            // https unless --plain-http; a loopback registry may fall back to http, as docker
            // treats localhost as an insecure registry.
            it->second.scheme = transport.plain_http ? "http" : "https";
            it->second.scheme_confirmed = transport.plain_http || !is_loopback_host(registry);
        }
        return it->second;
    }

    urls::url url_for(const registry_state& st, const std::string& target, const std::string& op,
                      const std::string& ref) {
        if (target.starts_with("http://") || target.starts_with("https://"))
            return parse_url(target, op, ref);
        return parse_url(st.scheme + "://" + st.host + target, op, ref);
    }

    // 1. GET (anonymous or Basic) the realm with service and every scope, or 2. POST an OAuth2
    // refresh_token grant for an identity token, falling back to GET when the server answers
    // 404/405 (older token servers have no OAuth2 endpoint). 3. Cache it by its scopes.
    // The cached token covering `needed`, or a new one. Fetches are single-flight per registry:
    // requests that start together (all sources of a merge) wait for the first fetch, which asks
    // for every declared scope, instead of each asking for its own token.
    asio::awaitable<secret> token_for(const std::string& registry, registry_state& st,
                                      std::string_view repository, std::vector<scope> needed) {
        needed = merge_scopes(needed);
        while (true) {
            for (auto it = st.tokens.begin(); it != st.tokens.end();) {
                if (it->expires <= clock::now()) {
                    it = st.tokens.erase(it);
                    continue;
                }
                if (covers(*it, needed))
                    co_return it->token;
                ++it;
            }
            if (!st.token_fetch)
                break;
            const auto in_flight = st.token_fetch;
            boost::system::error_code ignored;
            co_await in_flight->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        auto gate = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                         asio::steady_timer::time_point::max());
        st.token_fetch = gate;
        try {
            auto token = co_await fetch_token(registry, st, repository, std::move(needed));
            st.token_fetch.reset();
            gate->cancel();
            co_return token;
        } catch (...) {
            st.token_fetch.reset();
            gate->cancel();
            throw;
        }
    }

    asio::awaitable<secret> fetch_token(const std::string& registry, registry_state& st,
                                        std::string_view repository, std::vector<scope> needed) {
        std::vector<scope> wanted = st.declared;
        wanted.insert(wanted.end(), needed.begin(), needed.end());
        wanted = merge_scopes(wanted);

        const auto login = credentials.find(registry, repository);
        const urls::url realm = validated_realm(st.realm, transport, registry);
        net::response res;
        bool posted = false;
        if (login && !login->identity_token.empty()) {
            std::string scopes;
            for (const auto& s : wanted)
                scopes += (scopes.empty() ? "" : " ") + format_scope(s);
            net::request post{net::verb::post, realm, {}, {}, max_token_response_size, {}, true};
            post.headers.set("Content-Type", "application/x-www-form-urlencoded");
            post.body = form_encode({{"grant_type", "refresh_token"},
                                     {"refresh_token", login->identity_token.reveal()},
                                     {"service", st.service},
                                     {"scope", scopes},
                                     {"client_id", std::string(oauth_client_id)}});
            ++stats.token_requests;
            res = co_await http.send(std::move(post));
            trace("POST " + net::redacted(realm) + " -> " + std::to_string(res.status));
            posted = res.status != 404 && res.status != 405;
        }
        if (!posted) {
            urls::url url = realm;
            if (!st.service.empty())
                url.params().append({"service", st.service});
            for (const auto& s : wanted)
                url.params().append({"scope", format_scope(s)});
            net::request get{net::verb::get, url, {}, {}, max_token_response_size, {}, true};
            if (login) {
                const credential basic =
                    login->identity_token.empty()
                        ? *login
                        : credential{login->username, login->identity_token, {}};
                get.headers.set("Authorization", basic_authorization(basic).reveal());
            }
            ++stats.token_requests;
            res = co_await http.send(std::move(get));
            trace("GET " + net::redacted(url) + " -> " + std::to_string(res.status));
        }
        if (res.status == 401 || res.status == 403)
            throw error(res.status == 401 ? errc::unauthorized : errc::forbidden, "get token",
                        registry,
                        (login ? "the token service refused the credentials"
                               : "the token service requires credentials") +
                            std::string(" (") +
                            describe(parse_error_body(res.body), res.status, res.reason) + ")");
        if (res.status / 100 != 2)
            fail_status(res, "get token", registry);
        auto parsed = parse_token_response(res.body);
        if (!parsed)
            throw error(errc::invalid_response, "get token", registry, parsed.error().message);
        // The lifetime counts from issued_at when the server says (token.md), else from now; an
        // issued_at in the future or older than the lifetime means skewed clocks: ignore it.
        auto lifetime = std::chrono::duration_cast<clock::duration>(parsed->expires_in);
        if (parsed->issued_at) {
            const auto age = std::chrono::duration_cast<clock::duration>(
                std::chrono::system_clock::now() - *parsed->issued_at);
            if (age > clock::duration::zero() && age < lifetime)
                lifetime -= age;
        }
        st.tokens.push_back({wanted, parsed->token, clock::now() + lifetime - token_expiry_margin});
        co_return parsed->token;
    }

    asio::awaitable<void> authorize(const std::string& registry, registry_state& st,
                                    std::string_view repository, const std::vector<scope>& needed,
                                    net::request& req) {
        req.headers.erase("Authorization");
        if (st.auth == auth_kind::basic) {
            if (const auto login = credentials.find(registry, repository))
                req.headers.set("Authorization", basic_authorization(*login).reveal());
        } else if (st.auth == auth_kind::bearer) {
            const secret token = co_await token_for(registry, st, repository, needed);
            req.headers.set("Authorization", "Bearer " + token.reveal());
        }
    }

    // Sends a registry request: picks the scheme, adds credentials, and answers 401 challenges
    // (learning Basic or Bearer, widening the scope on insufficient_scope) until the registry
    // accepts or repeats itself. Returns any other answer as is.
    asio::awaitable<net::response> send(const std::string& registry, std::vector<scope> needed,
                                        net::request req, std::string target, const std::string& op,
                                        const std::string& ref,
                                        const net::body_sink* sink = nullptr) {
        registry_state& st = state(registry);
        const std::string repository = needed.empty() ? std::string() : needed.front().name;
        // First contact: one request learns the registry's scheme and challenge while the others
        // started with it wait, instead of each collecting the same 401.
        while (!st.contacted && st.first_contact) {
            const auto gate = st.first_contact;
            boost::system::error_code ignored;
            co_await gate->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        std::optional<gate_release> probing;
        if (!st.contacted) {
            st.first_contact = std::make_shared<asio::steady_timer>(
                co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
            probing.emplace(st.first_contact, st.first_contact);
        }
        std::string last_challenge;
        for (int round = 0;; ++round) {
            req.url = url_for(st, target, op, ref);
            // Credentials belong to the registry's origin: an absolute Location or Link on
            // another scheme, host or port gets none (the net layer's rule for redirects), and
            // a 401 from there is no challenge of this registry's.
            const bool own_origin = same_origin(req.url, st);
            if (own_origin)
                co_await authorize(registry, st, repository, needed, req);
            else
                req.headers.erase("Authorization");
            net::response res;
            ++stats.requests;
            const std::string used_scheme = st.scheme;
            try {
                // (if/else, not ?:, which GCC 12 miscompiles around co_await)
                if (sink)
                    res = co_await http.send(req, *sink);
                else
                    res = co_await http.send(req);
            } catch (const error& e) {
                // A concurrent request learned the scheme meanwhile: use what it learned.
                if (st.scheme != used_scheme) {
                    --round;
                    continue;
                }
                // A loopback registry that does not speak TLS: try plain HTTP once, as docker
                // does for localhost. A certificate that fails verification proves the server
                // does speak TLS: falling back then would only hide the real problem.
                const bool speaks_tls =
                    std::string_view(e.what()).find("certificate") != std::string_view::npos;
                if (st.scheme_confirmed || speaks_tls ||
                    (e.code() != errc::tls && e.code() != errc::network))
                    throw error(e.code(), op, ref, e.what());
                trace(std::string(net::to_string(req.method)) + " " + net::redacted(req.url) +
                      " failed over https (" + e.what() + "); retrying over http");
                st.scheme = "http";
                st.scheme_confirmed = true;
                --round;
                continue;
            }
            st.scheme_confirmed = true;
            st.contacted = true;
            trace(std::string(net::to_string(req.method)) + " " + net::redacted(req.url) + " -> " +
                  std::to_string(res.status));
            if (res.status != 401 || !own_origin)
                co_return res;

            const auto values = res.headers.find_all("WWW-Authenticate");
            auto challenges = parse_challenges(values);
            const challenge* ch = challenges ? preferred_challenge(*challenges) : nullptr;
            if (!ch)
                throw error(errc::unauthorized, op, ref,
                            values.empty()
                                ? "401 Unauthorized without a WWW-Authenticate challenge"
                                : "the registry asks for an authentication scheme mmerge does "
                                  "not speak: " +
                                      std::string(values.front()));
            std::string fingerprint = ch->scheme + "|" + std::string(ch->realm().value_or("")) +
                                      "|" + std::string(ch->service().value_or("")) + "|" +
                                      std::string(ch->scope().value_or("")) + "|" +
                                      std::string(ch->error().value_or(""));
            const bool answered = st.auth != auth_kind::unknown;
            if ((answered && fingerprint == last_challenge) || round >= max_auth_rounds) {
                const auto login = credentials.find(registry, repository);
                // Accepted credentials whose token still lacks the scope: a permission problem.
                if (ch->insufficient_scope() && login)
                    throw error(errc::forbidden, op, ref,
                                "access denied: the token service did not grant " +
                                    std::string(ch->scope().value_or("the requested scope")) +
                                    " to these credentials (insufficient_scope)");
                throw error(
                    errc::unauthorized, op, ref,
                    login ? "the registry refused the credentials (" +
                                describe(parse_error_body(res.body), res.status, res.reason) + ")"
                          : "authentication required and no credentials were found "
                            "for " +
                                registry);
            }
            last_challenge = std::move(fingerprint);

            if (ch->is("bearer")) {
                // Tokens are only good for the realm and service that issued them.
                if (st.realm != ch->realm().value_or("") ||
                    st.service != ch->service().value_or(""))
                    st.tokens.clear();
                st.auth = auth_kind::bearer;
                st.realm = std::string(ch->realm().value_or(""));
                st.service = std::string(ch->service().value_or(""));
                if (st.realm.empty())
                    throw error(errc::invalid_response, op, ref,
                                "Bearer challenge without a realm");
                if (const auto wider = ch->scope()) {
                    if (auto extra = parse_scopes(*wider))
                        needed.insert(needed.end(), extra->begin(), extra->end());
                }
                // The token we sent was not enough: forget tokens for these scopes.
                std::erase_if(st.tokens, [&](const cached_token& t) { return covers(t, needed); });
            } else {
                if (st.auth == auth_kind::basic || !credentials.find(registry, repository))
                    throw error(errc::unauthorized, op, ref,
                                st.auth == auth_kind::basic
                                    ? "the registry refused the credentials"
                                    : "authentication required and no credentials were found "
                                      "for " +
                                          registry);
                st.auth = auth_kind::basic;
            }
        }
    }

    // The digest of a manifest GET: the one asked for, else the body's own hash, which must agree
    // with Docker-Content-Digest when the registry sent one (it may be missing or wrong).
    static digest verified_manifest_digest(const net::response& res, std::string_view tag_or_digest,
                                           const std::string& ref) {
        if (auto asked = digest::parse(tag_or_digest)) {
            if (!asked->matches(res.body))
                throw error(errc::digest_mismatch, "get manifest", ref,
                            "the registry served content whose digest is " +
                                digest::of(res.body, asked->algorithm()).str() + ", not " +
                                asked->str());
            return *asked;
        }
        if (const auto header = res.headers.find("Docker-Content-Digest")) {
            if (auto stated = digest::parse(*header)) {
                if (!stated->matches(res.body))
                    throw error(errc::digest_mismatch, "get manifest", ref,
                                "Docker-Content-Digest says " + stated->str() +
                                    " but the content hashes to " +
                                    digest::of(res.body, stated->algorithm()).str());
                return *stated;
            }
        }
        return digest::of(res.body);
    }
};

session::session(const transport_options& transport, session_options options)
    : impl_(std::make_unique<impl>(transport, std::move(options))) {}

session::~session() = default;

void session::declare_scopes(const std::string& registry, std::span<const scope> scopes) {
    auto& st = impl_->state(registry);
    st.declared.insert(st.declared.end(), scopes.begin(), scopes.end());
    st.declared = merge_scopes(st.declared);
}

asio::awaitable<fetched_manifest> session::get_manifest(const repository_name& repo,
                                                        std::string_view tag_or_digest) {
    const std::string ref = repository_ref(repo, tag_or_digest);
    net::request req;
    req.headers.set("Accept", media_type::manifest_accept);
    req.body_limit = net::max_manifest_body;
    const auto res = co_await impl_->send(
        repo.registry, pull(repo), std::move(req),
        "/v2/" + repo.repository + "/manifests/" + std::string(tag_or_digest), "get manifest", ref);
    if (res.status != 200)
        fail_status(res, "get manifest", ref);
    fetched_manifest out{res.body, impl::verified_manifest_digest(res, tag_or_digest, ref),
                         media_type::essence(res.headers.find("Content-Type").value_or(""))};
    co_return out;
}

asio::awaitable<std::optional<manifest_head>>
session::head_manifest(const repository_name& repo, std::string_view tag_or_digest) {
    const std::string ref = repository_ref(repo, tag_or_digest);
    net::request req;
    req.method = net::verb::head;
    req.headers.set("Accept", media_type::manifest_accept);
    const auto res =
        co_await impl_->send(repo.registry, pull(repo), std::move(req),
                             "/v2/" + repo.repository + "/manifests/" + std::string(tag_or_digest),
                             "head manifest", ref);
    if (res.status == 404)
        co_return std::nullopt;
    std::optional<digest> stated;
    if (const auto header = res.headers.find("Docker-Content-Digest"))
        if (auto d = digest::parse(*header))
            stated = *d;
    // A HEAD by digest names its answer already; a registry that states another one is wrong.
    if (const auto asked = digest::parse(tag_or_digest); asked && res.status == 200) {
        if (stated && *stated != *asked)
            throw error(errc::digest_mismatch, "head manifest", ref,
                        "Docker-Content-Digest says " + stated->str());
        stated = *asked;
    }
    // Some registries answer HEAD with 405, or without the digest: GET tells it all.
    if (res.status == 405 || (res.status == 200 && !stated)) {
        const auto full = co_await get_manifest(repo, tag_or_digest);
        co_return manifest_head{full.digest, full.content_type,
                                static_cast<std::int64_t>(full.bytes.size())};
    }
    if (res.status != 200)
        fail_status(res, "head manifest", ref);
    std::int64_t size = 0;
    if (const auto length = res.headers.find("Content-Length"))
        size = std::strtoll(std::string(*length).c_str(), nullptr, 10);
    co_return manifest_head{
        *stated, media_type::essence(res.headers.find("Content-Type").value_or("")), size};
}

asio::awaitable<digest> session::put_manifest(const repository_name& repo,
                                              std::string_view tag_or_digest,
                                              std::string_view media_type, std::string bytes) {
    const std::string ref = repository_ref(repo, tag_or_digest);
    const digest own = digest::of(bytes);
    net::request req;
    req.method = net::verb::put;
    req.headers.set("Content-Type", media_type);
    req.body = std::move(bytes);
    req.body_limit = net::max_small_body;
    const auto res = co_await impl_->send(
        repo.registry, push(repo), std::move(req),
        "/v2/" + repo.repository + "/manifests/" + std::string(tag_or_digest), "put manifest", ref);
    if (res.status != 201 && res.status != 200)
        fail_status(res, "put manifest", ref);
    if (const auto header = res.headers.find("Docker-Content-Digest")) {
        if (auto stored = digest::parse(*header); stored && *stored != own)
            throw error(errc::digest_mismatch, "put manifest", ref,
                        "the registry stored " + stored->str() + " for content whose digest is " +
                            own.str());
    }
    co_return own;
}

asio::awaitable<bool> session::blob_exists(const repository_name& repo, const digest& d) {
    const std::string ref = to_string(repo) + "@" + d.str();
    net::request req;
    req.method = net::verb::head;
    const auto res =
        co_await impl_->send(repo.registry, pull(repo), std::move(req),
                             "/v2/" + repo.repository + "/blobs/" + d.str(), "head blob", ref);
    if (res.status == 200)
        co_return true;
    if (res.status == 404)
        co_return false;
    fail_status(res, "head blob", ref);
}

asio::awaitable<std::string> session::get_blob(const repository_name& repo, const digest& d,
                                               std::size_t limit) {
    const std::string ref = to_string(repo) + "@" + d.str();
    net::request req;
    req.body_limit = limit;
    const auto res =
        co_await impl_->send(repo.registry, pull(repo), std::move(req),
                             "/v2/" + repo.repository + "/blobs/" + d.str(), "get blob", ref);
    if (res.status != 200)
        fail_status(res, "get blob", ref);
    if (!d.matches(res.body))
        throw error(errc::digest_mismatch, "get blob", ref,
                    "the registry served content whose digest is " +
                        digest::of(res.body, d.algorithm()).str());
    co_return res.body;
}

asio::awaitable<void> session::get_blob_stream(const repository_name& repo, const digest& d,
                                               std::int64_t expected_size,
                                               std::function<void(std::string_view)> sink) {
    const std::string ref = to_string(repo) + "@" + d.str();
    hasher hash(d.algorithm());
    net::body_sink body{[&](std::string_view chunk) {
                            hash.update(chunk);
                            sink(chunk);
                        },
                        {}};
    net::request req; // named: GCC 12 destroys a braced temporary in a co_await call twice
    const auto res = co_await impl_->send(repo.registry, pull(repo), std::move(req),
                                          "/v2/" + repo.repository + "/blobs/" + d.str(),
                                          "get blob", ref, &body);
    if (res.status != 200)
        fail_status(res, "get blob", ref);
    const auto size = hash.size();
    const digest got = hash.finish();
    if (got != d || (expected_size >= 0 && size != static_cast<std::size_t>(expected_size)))
        throw error(errc::digest_mismatch, "get blob", ref,
                    "the registry served " + std::to_string(size) + " bytes with digest " +
                        got.str());
}

asio::awaitable<mount_result> session::mount_blob(const repository_name& repo, const digest& d,
                                                  const repository_name& from) {
    const std::string ref = to_string(repo) + "@" + d.str();
    net::request req;
    req.method = net::verb::post;
    req.body_limit = net::max_small_body;
    std::vector<scope> needed = push(repo);
    needed.push_back(repository_scope(from, {"pull"}));
    const auto res = co_await impl_->send(
        repo.registry, std::move(needed), std::move(req),
        "/v2/" + repo.repository + "/blobs/uploads/?mount=" + d.str() + "&from=" + from.repository,
        "mount blob", ref);
    if (res.status == 201)
        co_return mount_result{true, {}};
    if (res.status != 202)
        fail_status(res, "mount blob", ref);
    const auto location = res.headers.find("Location");
    if (!location)
        throw error(errc::invalid_response, "mount blob", ref, "202 without a Location header");
    auto resolved = net::resolve_reference(res.url, *location);
    if (!resolved)
        throw error(errc::invalid_response, "mount blob", ref, resolved.error().message);
    co_return mount_result{false, std::string(resolved->buffer())};
}

asio::awaitable<void> session::upload_blob(const repository_name& repo, const digest& d,
                                           std::string data, std::string location) {
    const std::string ref = to_string(repo) + "@" + d.str();
    const std::vector<scope> needed = push(repo);
    // 1. open an upload session unless a 202 mount already did 2. PUT everything to the newest
    // Location with `digest=` added to its query (it may be relative and carry a query already).
    if (location.empty()) {
        net::request post;
        post.method = net::verb::post;
        post.body_limit = net::max_small_body;
        const auto res =
            co_await impl_->send(repo.registry, needed, std::move(post),
                                 "/v2/" + repo.repository + "/blobs/uploads/", "start upload", ref);
        if (res.status != 202)
            fail_status(res, "start upload", ref);
        const auto header = res.headers.find("Location");
        if (!header)
            throw error(errc::invalid_response, "start upload", ref,
                        "202 without a Location header");
        auto resolved = net::resolve_reference(res.url, *header);
        if (!resolved)
            throw error(errc::invalid_response, "start upload", ref, resolved.error().message);
        location = std::string(resolved->buffer());
    }
    urls::url put_url = parse_url(location, "upload blob", ref);
    put_url.params().append({"digest", d.str()});
    net::request put;
    put.method = net::verb::put;
    put.headers.set("Content-Type", "application/octet-stream");
    put.body = std::move(data);
    put.body_limit = net::max_small_body;
    const auto res = co_await impl_->send(repo.registry, needed, std::move(put),
                                          std::string(put_url.buffer()), "upload blob", ref);
    if (res.status != 201)
        fail_status(res, "upload blob", ref);
}

asio::awaitable<void> session::copy_blob(const repository_name& from, const repository_name& to,
                                         const digest& d, std::int64_t size, std::string location) {
    const std::string ref = to_string(to) + "@" + d.str();
    const std::vector<scope> needed = push(to);
    // 1. stream the source blob into an anonymous temporary file (verified on the fly)
    // 2. open an upload session unless a 202 mount did 3. PATCH it piece by piece, each time to
    // the newest Location 4. PUT with `digest=` to close it.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
    if (!file)
        throw error(errc::network, "copy blob", ref, "cannot create a temporary file");
    co_await get_blob_stream(from, d, size, [&](std::string_view chunk) {
        if (std::fwrite(chunk.data(), 1, chunk.size(), file.get()) != chunk.size())
            throw error(errc::network, "copy blob", ref, "cannot write the temporary file");
    });
    std::rewind(file.get());

    auto next_location = [&](const net::response& res, const char* op) {
        const auto header = res.headers.find("Location");
        if (!header)
            throw error(errc::invalid_response, op, ref, "no Location header");
        auto resolved = net::resolve_reference(res.url, *header);
        if (!resolved)
            throw error(errc::invalid_response, op, ref, resolved.error().message);
        return std::string(resolved->buffer());
    };
    if (location.empty()) {
        net::request post;
        post.method = net::verb::post;
        post.body_limit = net::max_small_body;
        const auto res =
            co_await impl_->send(to.registry, needed, std::move(post),
                                 "/v2/" + to.repository + "/blobs/uploads/", "start upload", ref);
        if (res.status != 202)
            fail_status(res, "start upload", ref);
        location = next_location(res, "start upload");
    }
    std::string chunk(upload_chunk_size, '\0');
    std::int64_t offset = 0;
    while (true) {
        const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        if (n == 0)
            break;
        net::request patch;
        patch.method = net::verb::patch;
        patch.headers.set("Content-Type", "application/octet-stream");
        patch.headers.set("Content-Range", std::to_string(offset) + "-" +
                                               std::to_string(offset + std::int64_t(n) - 1));
        patch.body.assign(chunk.data(), n);
        patch.body_limit = net::max_small_body;
        const auto res = co_await impl_->send(to.registry, needed, std::move(patch), location,
                                              "upload blob", ref);
        if (res.status != 202)
            fail_status(res, "upload blob", ref);
        location = next_location(res, "upload blob");
        offset += static_cast<std::int64_t>(n);
    }
    urls::url put_url = parse_url(location, "upload blob", ref);
    put_url.params().append({"digest", d.str()});
    net::request put;
    put.method = net::verb::put;
    put.headers.set("Content-Type", "application/octet-stream");
    put.body_limit = net::max_small_body;
    const auto res = co_await impl_->send(to.registry, needed, std::move(put),
                                          std::string(put_url.buffer()), "upload blob", ref);
    if (res.status != 201)
        fail_status(res, "upload blob", ref);
}

namespace {

// Reads `{"name": ..., "tags": [...]}` or `{"repositories": [...]}`; `null` is an empty list.
std::vector<std::string> string_array(const std::string& body, const char* member,
                                      const std::string& op, const std::string& ref) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw error(errc::invalid_response, op, ref, "the registry answered with invalid JSON");
    std::vector<std::string> out;
    const auto it = doc.FindMember(member);
    if (it == doc.MemberEnd() || it->value.IsNull())
        return out;
    if (!it->value.IsArray())
        throw error(errc::invalid_response, op, ref,
                    std::string("\"") + member + "\" is not an array");
    for (const auto& v : it->value.GetArray())
        if (v.IsString())
            out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
}

} // namespace

asio::awaitable<std::vector<std::string>> session::list_tags(const repository_name& repo) {
    const std::string ref = to_string(repo);
    std::vector<std::string> tags;
    std::string target = "/v2/" + repo.repository + "/tags/list";
    while (!target.empty()) {
        net::request req;
        req.body_limit = net::max_manifest_body;
        const auto res = co_await impl_->send(repo.registry, pull(repo), std::move(req), target,
                                              "list tags", ref);
        if (res.status != 200)
            fail_status(res, "list tags", ref);
        auto page = string_array(res.body, "tags", "list tags", ref);
        tags.insert(tags.end(), page.begin(), page.end());
        target.clear();
        const auto links = res.headers.find_all("Link");
        if (const auto next = next_link(links)) {
            auto resolved = net::resolve_reference(res.url, *next);
            if (!resolved)
                throw error(errc::invalid_response, "list tags", ref, resolved.error().message);
            target = std::string(resolved->buffer());
        }
    }
    co_return tags;
}

asio::awaitable<std::vector<std::string>> session::catalog(const std::string& registry) {
    std::vector<std::string> repositories;
    std::string target = "/v2/_catalog";
    while (!target.empty()) {
        net::request req;
        req.body_limit = net::max_manifest_body;
        std::vector<scope> needed{scope{"registry", "catalog", {"*"}}};
        const auto res = co_await impl_->send(registry, std::move(needed), std::move(req), target,
                                              "list repositories", registry);
        if (res.status != 200)
            fail_status(res, "list repositories", registry);
        auto page = string_array(res.body, "repositories", "list repositories", registry);
        repositories.insert(repositories.end(), page.begin(), page.end());
        target.clear();
        const auto links = res.headers.find_all("Link");
        if (const auto next = next_link(links)) {
            auto resolved = net::resolve_reference(res.url, *next);
            if (!resolved)
                throw error(errc::invalid_response, "list repositories", registry,
                            resolved.error().message);
            target = std::string(resolved->buffer());
        }
    }
    co_return repositories;
}

session_stats session::stats() const noexcept {
    return impl_->stats;
}

net::client& session::http() noexcept {
    return impl_->http;
}

} // namespace mmerge::registry
