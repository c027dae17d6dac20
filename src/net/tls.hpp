#pragma once
/** @file TLS trust for registry connections: system store, --ca-file, --cert-dir, certs.d. */

#include "net/url.hpp"

#include <mmerge/transport_options.hpp>

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace mmerge::net {

/** What a certs.d-style folder holds, as docker and podman read it. */
struct tls_folder {
    /** `*.crt`: CA certificates to trust, in name order. */
    std::vector<std::filesystem::path> ca_files;
    /** The first `*.cert` in name order and its `*.key` (mTLS); empty when there is none. */
    std::filesystem::path client_cert;
    std::filesystem::path client_key;
};

/**
 * The certs.d folder of a host: for each root in order, `<root>/<host:port>/` then
 * `<root>/<host>/`; the first that exists wins (podman's rule), nullopt when none does.
 */
std::optional<std::filesystem::path>
find_certs_d_folder(const std::vector<std::filesystem::path>& roots, const origin& o);

/**
 * Lists a folder's TLS material. Throws mmerge::error(errc::tls) when a `*.cert` has no `*.key`
 * of the same name, or a `*.key` no `*.cert` (docker refuses such a folder too).
 */
tls_folder read_tls_folder(const std::filesystem::path& folder);

/**
 * The client-side SSL contexts of a run, one per origin, built on first use: TLS 1.2 or newer,
 * the system's default trust, `--ca-file`, `--cert-dir` and the host's certs.d folder; peer
 * verification on unless `--insecure`. Use from the thread that runs the client.
 */
class tls_contexts {
public:
    explicit tls_contexts(const transport_options& options);
    ~tls_contexts();
    tls_contexts(const tls_contexts&) = delete;
    tls_contexts& operator=(const tls_contexts&) = delete;

    /**
     * The context for connections to `o`. Throws mmerge::error(errc::tls) naming the file that
     * could not be loaded.
     */
    boost::asio::ssl::context& context_for(const origin& o);

    /** True unless `--insecure`: connections must verify the peer and its host name. */
    bool verify() const noexcept { return !options_.insecure; }

private:
    const transport_options& options_;
    std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> contexts_;
};

} // namespace mmerge::net
