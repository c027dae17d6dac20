#pragma once
// The Distribution API (distribution spec v1.1, "API") for one run, with the auth flows that
// real registries use: Basic, bearer tokens by GET and by OAuth2 POST, anonymous tokens. Every
// manifest and blob fetched is verified against its digest.

#include "net/client.hpp"
#include "registry/credential_store.hpp"

#include <mmerge/auth_challenge.hpp>
#include <mmerge/credential_options.hpp>
#include <mmerge/digest.hpp>
#include <mmerge/reference.hpp>
#include <mmerge/transport_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmerge::registry {

/** A manifest as the registry served it: its exact bytes and their verified digest. */
struct fetched_manifest {
    std::string bytes;
    mmerge::digest digest;
    /** The Content-Type the registry sent, without parameters. */
    std::string content_type;
};

/** What a manifest HEAD tells: enough to know whether a tag changed. */
struct manifest_head {
    mmerge::digest digest;
    std::string content_type;
    std::int64_t size = 0;
};

/** The outcome of a cross-repository mount (`POST ...?mount=&from=`). */
struct mount_result {
    /** 201: the blob is now in the target repository. */
    bool mounted = false;
    /** 202: the registry opened an upload session instead; upload into it. */
    std::string upload_location;
};

/** Largest piece of a blob held in memory while copying it (one PATCH). */
inline constexpr std::size_t upload_chunk_size = 8 * 1024 * 1024;

/** Requests made so far; for -v summaries, --json reports and tests. */
struct session_stats {
    std::size_t requests = 0;       ///< registry requests (retries and redirects not counted)
    std::size_t token_requests = 0; ///< round trips to token endpoints
};

/** What a session needs besides transport settings. */
struct session_options {
    credential_options credentials;
    /** Called with one line per request at -v (method, URL, status); never with a secret. */
    std::function<void(const std::string&)> trace;
};

/**
 * One run's view of the registries it talks to. Learns each registry's scheme (https, or http
 * for loopback hosts and --plain-http) and auth challenge from its first answers, caches tokens
 * per (realm, service, scope set) until they expire, and merges the scopes an operation declares
 * so that one token covers them all.
 *
 * All coroutines of one session run on one io_context thread.
 * Every operation throws mmerge::error naming the operation and the reference; 401 and 403 after
 * credentials were tried map to errc::unauthorized / errc::forbidden (exit 4).
 */
class session {
public:
    session(const transport_options& transport, session_options options);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /**
     * Declare scopes an operation will need on `registry` (e.g. push on the target and pull on
     * every source, for a mount): the next token fetched for that registry asks for all of them
     * in one request.
     */
    void declare_scopes(const std::string& registry, std::span<const scope> scopes);

    /** GET a manifest by tag or digest, with the full Accept list; verified (see the .cpp). */
    boost::asio::awaitable<fetched_manifest> get_manifest(const repository_name& repo,
                                                          std::string_view tag_or_digest);

    /** HEAD a manifest; nullopt when it does not exist (404). Falls back to GET on 405. */
    boost::asio::awaitable<std::optional<manifest_head>>
    head_manifest(const repository_name& repo, std::string_view tag_or_digest);

    /**
     * PUT manifest bytes under a tag or digest with Content-Type = `media_type`; returns the
     * digest the registry stored (checked against the bytes' own).
     */
    boost::asio::awaitable<mmerge::digest> put_manifest(const repository_name& repo,
                                                        std::string_view tag_or_digest,
                                                        std::string_view media_type,
                                                        std::string bytes);

    /** HEAD a blob: true when the repository has it. */
    boost::asio::awaitable<bool> blob_exists(const repository_name& repo, const mmerge::digest& d);

    /** GET a small blob (an image config) of at most `limit` bytes, verified against `d`. */
    boost::asio::awaitable<std::string> get_blob(const repository_name& repo,
                                                 const mmerge::digest& d, std::size_t limit);

    /**
     * GET a blob chunk by chunk into `sink` (bounded memory); the stream is hashed on the fly
     * and a mismatch with `d` (or with `expected_size` when >= 0) throws after the last chunk.
     */
    boost::asio::awaitable<void> get_blob_stream(const repository_name& repo,
                                                 const mmerge::digest& d,
                                                 std::int64_t expected_size,
                                                 std::function<void(std::string_view)> sink);

    /** Try to mount `d` from `from` (same registry) into `repo`. */
    boost::asio::awaitable<mount_result>
    mount_blob(const repository_name& repo, const mmerge::digest& d, const repository_name& from);

    /**
     * Upload a blob in one PUT: open a session (or use `location` from a 202 mount), then
     * `PUT <Location>&digest=`. Returns when the registry confirmed it (201).
     */
    boost::asio::awaitable<void> upload_blob(const repository_name& repo, const mmerge::digest& d,
                                             std::string data, std::string location = {});

    /**
     * Copy blob `d` (of `size` bytes) from `from` to `to`, which may be on another registry, with
     * bounded memory: the blob streams into a temporary file while it is hashed and verified,
     * then goes up in chunks of `upload_chunk_size` (PATCH with Content-Range, always to the
     * newest Location), closed by `PUT ...&digest=`. `location` is an upload session a 202
     * mount already opened, or empty.
     */
    boost::asio::awaitable<void> copy_blob(const repository_name& from, const repository_name& to,
                                           const mmerge::digest& d, std::int64_t size,
                                           std::string location = {});

    /** Every tag of a repository, following `Link` pagination verbatim. */
    boost::asio::awaitable<std::vector<std::string>> list_tags(const repository_name& repo);

    /** Every repository of a registry from `_catalog` (needs `registry:catalog:*`). */
    boost::asio::awaitable<std::vector<std::string>> catalog(const std::string& registry);

    /** Requests and token round trips so far. */
    session_stats stats() const noexcept;

    /** The underlying HTTP client (connection counts for tests and reports). */
    net::client& http() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mmerge::registry
