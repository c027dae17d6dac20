#pragma once
/**
 * @file Image references: the docker reference grammar (distribution/reference, regexp.go) with
 * docker's normalization (normalize.go), and the registry host rules the network layer needs.
 */

#include <cstddef>
#include <iosfwd>
#include <mmerge/digest.hpp>
#include <mmerge/result.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mmerge {

/** Docker Hub's canonical registry name; `index.docker.io` and `registry-1.docker.io` map to it. */
inline constexpr std::string_view docker_hub_registry = "docker.io";
/** The host that actually serves Docker Hub's registry API. */
inline constexpr std::string_view docker_hub_endpoint = "registry-1.docker.io";
/** The tag used when a reference names neither a tag nor a digest. */
inline constexpr std::string_view default_tag = "latest";
/** Longest normalized `registry/repository` (distribution's NameTotalLengthMax). */
inline constexpr std::size_t max_name_length = 255;
/** Longest tag (distribution's tag grammar `[\w][\w.-]{0,127}`). */
inline constexpr std::size_t max_tag_length = 128;

/** A repository in a registry, normalized: `docker.io` + `library/nginx`. */
struct repository_name {
    /// Canonical registry host with optional port: `docker.io`, `localhost:5000`, `[::1]:5000`.
    std::string registry;
    /// The path inside the registry, lowercase: `library/nginx`, `user/app`.
    std::string repository;

    friend bool operator==(const repository_name&, const repository_name&) = default;
};

/**
 * A normalized image reference: `docker.io/library/nginx:latest`,
 * `ghcr.io/org/app:v1@sha256:...`. Built by parse_reference.
 */
struct reference {
    /// Canonical registry host with optional port (see canonical_registry).
    std::string registry;
    /// The path inside the registry, lowercase; `library/` added for official Docker Hub images.
    std::string repository;
    /// The tag; `latest` when neither tag nor digest was given, empty when only a digest was.
    std::string tag;
    /// The digest after `@`, when given. `name:tag@digest` keeps both; the digest is what counts.
    std::optional<mmerge::digest> digest;
    /// True when the text named the tag itself, false when `tag` is the default or empty.
    bool explicit_tag = false;

    /** The registry and repository without tag or digest. */
    repository_name name() const { return {registry, repository}; }
};

/**
 * Parse and normalize an image reference as docker does (distribution/reference):
 * `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`.
 *
 * - The first path component is a registry host when it contains `.` or `:`, is `localhost`,
 *   or is a bracketed IPv6 address; otherwise the registry is `docker.io`.
 * - Host: DNS labels (`[A-Za-z0-9]`, inner `-`) joined by `.`, or `[IPv6]` (hex and `:` only),
 *   then an optional `:PORT` (1-65535). Lowercased, Docker Hub aliases become `docker.io`.
 * - Path components: `[a-z0-9]+` joined by `.`, `_`, `__` or a run of `-`; uppercase is refused.
 *   A single-component Docker Hub path gets `library/`.
 * - Tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; digest: as digest::parse.
 * - The normalized `registry/repository` is at most 255 characters.
 *
 * Errors read `invalid reference "TEXT" at offset N: what is wrong`. Never throws.
 */
result<reference> parse_reference(std::string_view text);

/**
 * Parse and normalize a repository without tag or digest, `[HOST[:PORT]/]PATH` (e.g. an audit
 * argument): the same grammar and normalization as parse_reference; a tag or digest is an error.
 */
result<repository_name> parse_repository(std::string_view text);

/**
 * Validate a bare registry host, `HOST[:PORT]` or `[IPv6][:PORT]`, and return its canonical form
 * (canonical_registry). Errors read `invalid registry "TEXT" at offset N: ...`.
 */
result<std::string> parse_registry(std::string_view text);

/** `registry/repository[:tag][@digest]`, e.g. `docker.io/library/nginx:latest`. */
std::string to_string(const reference& ref);

/** `registry/repository`. */
std::string to_string(const repository_name& name);

/**
 * The short form docker prints: `docker.io/` dropped, and `library/` dropped from a
 * single-component official image: `nginx:latest`, `user/app:v1`, `ghcr.io/org/app:v1`.
 */
std::string familiar_string(const reference& ref);

/** Writes to_string(ref), so references read well in test logs. */
std::ostream& operator<<(std::ostream& out, const reference& ref);

/**
 * The registry name credentials and certificates are keyed by: the host lowercased, and Docker
 * Hub's aliases (`index.docker.io`, `registry-1.docker.io`) mapped to `docker.io`.
 */
std::string canonical_registry(std::string_view host);

/** The host to connect to for `registry`: `registry-1.docker.io` for Docker Hub, else itself. */
std::string registry_endpoint(std::string_view registry);

/**
 * True for a loopback registry, where plain HTTP may be tried after HTTPS (DESIGN.md
 * "Transport", as docker does): `localhost`, `127.0.0.0/8`, `::1` (also `[::1]` and
 * IPv4-mapped loopback), with or without `:PORT`.
 */
bool is_loopback_host(std::string_view host_or_hostport);

} // namespace mmerge
