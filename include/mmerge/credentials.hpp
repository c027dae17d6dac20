#pragma once
/** @file Registry credentials as docker `config.json` and containers `auth.json`
 * (containers-auth.json(5)) store them, the registry-key normalization those files use, and the
 * output of a `docker-credential-<helper> get`. Pure: the caller reads the files and runs the
 * helpers. */

#include <mmerge/result.hpp>

#include <cstddef>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mmerge {

/**
 * A string that must never reach a log, a message or a terminal: a password, an identity token, a
 * bearer token. Streaming it prints `<redacted>`; reading it takes an explicit `reveal()`, so a
 * grep finds every place a secret leaves the program. The buffer is wiped on destruction.
 */
class secret {
public:
    secret() = default;
    explicit secret(std::string value)
        : value_(std::move(value)) {}
    secret(const secret&) = default;
    secret(secret&&) noexcept = default;
    secret& operator=(const secret&) = default;
    secret& operator=(secret&&) noexcept = default;
    ~secret();

    /** The value itself: only to put in a request header or a helper's stdin. */
    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

    friend bool operator==(const secret&, const secret&) = default;
    /** Prints `<redacted>` (or `<empty>`), never the value. */
    friend std::ostream& operator<<(std::ostream& out, const secret& s);

private:
    std::string value_;
};

/** Credentials for one registry: a username and password, or an identity token. */
struct credential {
    /// The user name; not a secret. Empty with an identity token from a helper (`<token>`).
    std::string username;
    /// The password (or a registry-specific access key) for Basic auth and the token endpoint.
    secret password;
    /// An OAuth2 refresh token (`identitytoken`; oauth.md): exchanged at the token endpoint with
    /// `grant_type=refresh_token` instead of sending the password.
    secret identity_token;

    /** True when there is nothing to authenticate with. */
    bool empty() const noexcept { return password.empty() && identity_token.empty(); }

    friend bool operator==(const credential&, const credential&) = default;
    /** `credential{username="alice", password=<redacted>}`: never a secret. */
    friend std::ostream& operator<<(std::ostream& out, const credential& c);
};

/** A human-readable, redacted description of `c` (what operator<< prints). */
std::string to_string(const credential& c);

/** `Basic base64(username:password)` for an `Authorization` header (RFC 7617). */
secret basic_authorization(const credential& c);

/** A `docker-credential-<name>` program to ask for the credentials of one server. */
struct credential_helper {
    /// The helper's suffix as the file names it: `pass`, `desktop`, `ecr-login`, `gcloud`.
    std::string name;
    /// What to write to the helper's stdin for `get`: the server the credentials were stored
    /// under. For a `credHelpers` entry its key as written (docker only selects a helper when
    /// that key equals what it passes); for `credsStore` the registry, Docker Hub as
    /// `https://index.docker.io/v1/` (where `docker login` stores it).
    std::string server_url;

    /** The program to run: `docker-credential-<name>`. */
    std::string program() const { return "docker-credential-" + name; }

    friend bool operator==(const credential_helper&, const credential_helper&) = default;
};

/** One entry of `auths`, under its normalized key. */
struct auth_entry {
    /// The key as the file spells it (`https://index.docker.io/v1/`), for messages.
    std::string key;
    /// What it holds; empty for the `{}` entries `docker login` leaves when a helper stores the
    /// secret.
    credential value;
};

/** The credential-related parts of a docker `config.json` or a containers `auth.json`. */
struct credential_config {
    /// `auths`, by normalized key (`docker.io`, `host:port`, `quay.io/org/repo`).
    std::map<std::string, auth_entry> auths;
    /// `credHelpers`: normalized registry → the helper, with the key as written for server_url.
    std::map<std::string, credential_helper> cred_helpers;
    /// `credsStore`: the helper for every registry without its own; empty when unset.
    std::string creds_store;
};

/** Larger config files are refused: a real one is a few KiB. */
inline constexpr std::size_t max_credential_file_size = 4 * 1024 * 1024;
/** Larger helper outputs are refused: a real one is well under 64 KiB. */
inline constexpr std::size_t max_helper_output_size = 1024 * 1024;

/**
 * Normalize a key of `auths` or `credHelpers`, or a registry name, to the form lookups compare:
 * - a URL (`https://host:port/v2/`, `http://host/v1`) becomes its `host[:port]`, lowercased;
 * - Docker Hub's names (`https://index.docker.io/v1/`, `index.docker.io`,
 *   `registry-1.docker.io`, `docker.io`) all become `docker.io`;
 * - a bare `host`, `host:port` or containers' `host/namespace/repo` keeps its path, with the host
 *   lowercased and a trailing `/` dropped.
 */
std::string normalize_registry_key(std::string_view key);

/**
 * Parse a docker `config.json` or a containers `auth.json` (they share the `auths` shape).
 *
 * For each `auths` entry: `auth` is base64 of `user:password` (split at the first `:`, so the
 * password may hold `:`; padding optional; docker's trailing NULs trimmed) and wins over
 * `username`/`password` fields, as in docker's `configfile`; `identitytoken` is kept. Also reads
 * `credHelpers` and `credsStore`. Other fields are ignored. An empty document is an empty config.
 *
 * @return an error naming the key on invalid JSON, a non-object where an object belongs, invalid
 *         base64, a decoded `auth` without `:` or with an empty user, a helper name that is not a
 *         plain file-name suffix, or a document over max_credential_file_size. Never throws;
 *         never puts a secret in a message.
 */
result<credential_config> parse_credential_config(std::string_view json);

/** Where the credentials for one repository come from, and which key of the file said so. */
struct credential_source {
    /// What matched, for messages: `credHelpers[KEY]`, `credsStore` or `auths[KEY]`, with the
    /// key as the file spells it.
    std::string matched_key;
    /// Inline credentials from `auths`, or a helper to run.
    std::variant<credential, credential_helper> source;
};

/**
 * Find the credentials for `repository` (e.g. `library/nginx`) on `registry` (e.g. `docker.io`,
 * `localhost:5000`; any spelling normalize_registry_key accepts).
 *
 * Precedence, as docker/cli's `configfile.GetCredentialsStore` decides it:
 *  1. `credHelpers[registry]`;
 *  2. `credsStore`: docker then ignores inline `auths` entirely (they only keep emails);
 *  3. `auths`: the most specific key wins — `registry/ns/repo`, then `registry/ns`, then
 *     `registry` (containers-auth.json(5)); entries with no credential are skipped.
 * @return nullopt when nothing applies (go anonymous).
 */
std::optional<credential_source> lookup(const credential_config& config, std::string_view registry,
                                        std::string_view repository);

/**
 * Parse what `docker-credential-<helper> get` prints: `{"ServerURL","Username","Secret"}`. A
 * `Username` of `<token>` means `Secret` is an identity token (docker-credential-helpers).
 * @return an error on invalid JSON, a non-string field, an empty `Secret`, or an output over
 *         max_helper_output_size; never with the secret in the message.
 */
result<credential> parse_helper_output(std::string_view json);

} // namespace mmerge
