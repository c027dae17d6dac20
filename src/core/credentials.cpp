#include "core/detail/auth_json.hpp"

#include <mmerge/credentials.hpp>

#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <ostream>
#include <sstream>

namespace mmerge {
namespace {

using detail::auth_member;
using detail::auth_string;

// Docker Hub answers to several names; `docker login` stores it under its v1 index URL.
constexpr std::array<std::string_view, 3> docker_hub_aliases = {
    "index.docker.io", "registry-1.docker.io", "docker.io"};
constexpr std::string_view docker_hub = "docker.io";
constexpr std::string_view docker_hub_server_url = "https://index.docker.io/v1/";

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

// A string buffer wiped when it goes away, for base64 text and decoded `user:password`.
struct scrubbed {
    std::string value;
    ~scrubbed() { OPENSSL_cleanse(value.data(), value.size()); }
};

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// Standard base64 (RFC 4648 §4) through OpenSSL. EVP_DecodeBlock wants whole 4-character groups
// and counts padding as output bytes, so validate and pad first, then drop the pad bytes.
std::optional<std::string> decode_base64(std::string_view in) {
    std::size_t data = in.size();
    while (data > 0 && in[data - 1] == '=')
        --data;
    std::size_t pad = in.size() - data;
    if (pad > 2 || (pad > 0 && in.size() % 4 != 0) || data % 4 == 1)
        return std::nullopt;
    if (!std::all_of(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(data), is_base64_char))
        return std::nullopt;
    // Go's encoding/base64 (docker) requires the padding; hand-written files sometimes omit it.
    pad = (4 - data % 4) % 4;
    scrubbed padded{std::string(in.substr(0, data)) + std::string(pad, '=')};
    if (padded.value.empty())
        return std::string();
    std::string out(padded.value.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(padded.value.data()),
                            static_cast<int>(padded.value.size()));
    if (n < 0 || static_cast<std::size_t>(n) < pad) {
        OPENSSL_cleanse(out.data(), out.size());
        return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::string encode_base64(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The helper name becomes part of a program name looked up in PATH: keep it a plain suffix.
bool valid_helper_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

bool all_space(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Reads one `auths` entry: `auth` (base64 user:password), `username`, `password`, `identitytoken`.
result<credential> read_auth_entry(const rapidjson::Value& v, const std::string& where) {
    credential c;
    if (v.IsNull())
        return c;
    if (!v.IsObject())
        return fail(where + " must be a JSON object");
    auto text = [&](const char* name) -> result<std::string_view> {
        auto* m = auth_member(v, name);
        if (!m || m->IsNull())
            return std::string_view();
        if (!m->IsString())
            return fail(where + "." + name + " must be a string");
        return auth_string(*m);
    };
    auto auth = text("auth");
    if (!auth)
        return auth.error();
    for (const char* name : {"username", "password", "identitytoken"})
        if (auto r = text(name); !r)
            return r.error();
    c.username = std::string(*text("username"));
    c.password = secret(std::string(*text("password")));
    c.identity_token = secret(std::string(*text("identitytoken")));
    // docker's configfile: a non-empty `auth` replaces username and password.
    if (!auth->empty()) {
        auto decoded = decode_base64(*auth);
        if (!decoded)
            return fail(where + ".auth is not valid base64");
        scrubbed plain{std::move(*decoded)};
        auto colon = plain.value.find(':');
        if (colon == std::string::npos)
            return fail(where + ".auth does not decode to \"user:password\" (no ':')");
        if (colon == 0)
            return fail(where + ".auth has an empty user name");
        c.username = plain.value.substr(0, colon);
        std::string_view password(plain.value);
        password.remove_prefix(colon + 1);
        // Old docker versions padded the password with NULs; docker still trims them.
        while (!password.empty() && password.front() == '\0')
            password.remove_prefix(1);
        while (!password.empty() && password.back() == '\0')
            password.remove_suffix(1);
        c.password = secret(std::string(password));
    }
    return c;
}

} // namespace

secret::~secret() {
    OPENSSL_cleanse(value_.data(), value_.size());
}

std::ostream& operator<<(std::ostream& out, const secret& s) {
    return out << (s.empty() ? "<empty>" : "<redacted>");
}

std::ostream& operator<<(std::ostream& out, const credential& c) {
    return out << "credential{username=" << quoted(c.username) << ", password=" << c.password
               << ", identity_token=" << c.identity_token << "}";
}

std::string to_string(const credential& c) {
    std::ostringstream s;
    s << c;
    return s.str();
}

secret basic_authorization(const credential& c) {
    scrubbed plain{c.username + ":" + c.password.reveal()};
    return secret("Basic " + encode_base64(plain.value));
}

std::string normalize_registry_key(std::string_view key) {
    std::string host;
    std::string path;
    if (auto scheme_end = key.find("://"); scheme_end != std::string_view::npos) {
        // An API URL (`https://index.docker.io/v1/`, `http://host:5000/v2/`): only the
        // authority names the registry, as docker's ConvertToHostname has it.
        auto url = boost::urls::parse_uri(key);
        if (url && url->has_authority() && !url->encoded_host().empty()) {
            host = std::string(url->encoded_host_and_port());
        } else {
            auto rest = key.substr(scheme_end + 3);
            host = std::string(rest.substr(0, rest.find('/')));
        }
    } else {
        auto slash = key.find('/');
        host = std::string(key.substr(0, slash));
        if (slash != std::string_view::npos) {
            auto rest = key.substr(slash);
            while (!rest.empty() && rest.back() == '/')
                rest.remove_suffix(1);
            path = std::string(rest);
        }
    }
    host = lowercase(host);
    if (std::find(docker_hub_aliases.begin(), docker_hub_aliases.end(), host) !=
        docker_hub_aliases.end())
        host = docker_hub;
    return host + path;
}

result<credential_config> parse_credential_config(std::string_view json) {
    credential_config config;
    // docker reads an empty config.json as an empty configuration.
    if (json.size() <= max_credential_file_size && all_space(json))
        return config;
    rapidjson::Document doc;
    if (auto r = detail::auth_parse_json(doc, json, max_credential_file_size, "credential file");
        !r)
        return r.error();
    if (!doc.IsObject())
        return fail("credential file is not a JSON object");

    if (auto* auths = auth_member(doc, "auths"); auths && !auths->IsNull()) {
        if (!auths->IsObject())
            return fail("credential file: \"auths\" must be a JSON object");
        for (const auto& m : auths->GetObject()) {
            std::string key(auth_string(m.name));
            auto value = read_auth_entry(m.value, "auths[" + quoted(key) + "]");
            if (!value)
                return value.error();
            auto normalized = normalize_registry_key(key);
            // Two spellings of one registry (`docker.io` and `https://index.docker.io/v1/`):
            // keep the one with credentials, then the one already in normalized form, then the
            // first. Deterministic whatever order the tools wrote them in.
            auto rank = [&](const auth_entry& e) {
                return std::pair(!e.value.empty(), e.key == normalized);
            };
            auth_entry entry{key, std::move(*value)};
            auto [it, inserted] = config.auths.try_emplace(normalized, entry);
            if (!inserted && rank(entry) > rank(it->second))
                it->second = std::move(entry);
        }
    }

    if (auto* helpers = auth_member(doc, "credHelpers"); helpers && !helpers->IsNull()) {
        if (!helpers->IsObject())
            return fail("credential file: \"credHelpers\" must be a JSON object");
        for (const auto& m : helpers->GetObject()) {
            std::string key(auth_string(m.name));
            if (!m.value.IsString() || !valid_helper_name(auth_string(m.value)))
                return fail("credHelpers[" + quoted(key) +
                            "] must name a helper, a non-empty [A-Za-z0-9._-] suffix of "
                            "docker-credential-");
            auto normalized = normalize_registry_key(key);
            credential_helper helper{std::string(auth_string(m.value)), key};
            // As for auths: a key already in normalized form beats another spelling of it.
            auto [it, inserted] = config.cred_helpers.try_emplace(normalized, helper);
            if (!inserted && key == normalized)
                it->second = std::move(helper);
        }
    }

    if (auto* store = auth_member(doc, "credsStore"); store && !store->IsNull()) {
        if (!store->IsString() ||
            (store->GetStringLength() > 0 && !valid_helper_name(auth_string(*store))))
            return fail("credsStore must name a helper, a [A-Za-z0-9._-] suffix of "
                        "docker-credential-");
        config.creds_store = std::string(auth_string(*store));
    }
    return config;
}

std::optional<credential_source> lookup(const credential_config& config, std::string_view registry,
                                        std::string_view repository) {
    auto reg = normalize_registry_key(registry);
    auto server_url = reg == docker_hub ? std::string(docker_hub_server_url) : reg;

    if (auto it = config.cred_helpers.find(reg); it != config.cred_helpers.end())
        return credential_source{"credHelpers[" + it->second.server_url + "]", it->second};
    if (!config.creds_store.empty())
        return credential_source{"credsStore", credential_helper{config.creds_store, server_url}};

    while (!repository.empty() && repository.front() == '/')
        repository.remove_prefix(1);
    while (!repository.empty() && repository.back() == '/')
        repository.remove_suffix(1);
    std::string key = repository.empty() ? reg : reg + "/" + std::string(repository);
    for (;;) {
        if (auto it = config.auths.find(key); it != config.auths.end() && !it->second.value.empty())
            return credential_source{"auths[" + it->second.key + "]", it->second.value};
        if (key.size() <= reg.size())
            return std::nullopt;
        key.resize(key.rfind('/'));
    }
}

result<credential> parse_helper_output(std::string_view json) {
    rapidjson::Document doc;
    if (auto r =
            detail::auth_parse_json(doc, json, max_helper_output_size, "credential helper output");
        !r)
        return r.error();
    if (!doc.IsObject())
        return fail("credential helper output is not a JSON object");
    auto text = [&](const char* name) -> result<std::string_view> {
        auto* m = auth_member(doc, name);
        if (!m || m->IsNull())
            return std::string_view();
        if (!m->IsString())
            return fail(std::string("credential helper output: \"") + name + "\" must be a string");
        return auth_string(*m);
    };
    auto username = text("Username");
    if (!username)
        return username.error();
    auto secret_text = text("Secret");
    if (!secret_text)
        return secret_text.error();
    if (secret_text->empty())
        return fail("credential helper output has no \"Secret\"");
    credential c;
    // docker-credential-helpers: the user name `<token>` marks an identity token.
    if (*username == "<token>") {
        c.identity_token = secret(std::string(*secret_text));
    } else {
        c.username = std::string(*username);
        c.password = secret(std::string(*secret_text));
    }
    return c;
}

} // namespace mmerge
