#include "net/tls.hpp"

#include <mmerge/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace mmerge::net {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

[[noreturn]] void fail_tls(std::string message) {
    throw mmerge::error(errc::tls, "", "", std::move(message));
}

void check(const boost::system::error_code& ec, const std::string& what, const fs::path& file) {
    if (ec)
        fail_tls("cannot load " + what + " " + file.string() + ": " + ec.message());
}

void load_folder(asio::ssl::context& ctx, const fs::path& folder) {
    const tls_folder material = read_tls_folder(folder);
    boost::system::error_code ec;
    for (const auto& ca : material.ca_files) {
        ctx.load_verify_file(ca.string(), ec);
        check(ec, "CA certificates from", ca);
    }
    if (!material.client_cert.empty()) {
        ctx.use_certificate_chain_file(material.client_cert.string(), ec);
        check(ec, "client certificate", material.client_cert);
        ctx.use_private_key_file(material.client_key.string(), asio::ssl::context::pem, ec);
        check(ec, "client key", material.client_key);
    }
}

} // namespace

std::optional<fs::path> find_certs_d_folder(const std::vector<fs::path>& roots, const origin& o) {
    std::error_code ec;
    for (const auto& root : roots)
        for (const auto& name : {o.authority(), o.url_host()})
            if (fs::is_directory(root / name, ec))
                return root / name;
    return std::nullopt;
}

tls_folder read_tls_folder(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        files.push_back(it->path());
    if (ec)
        fail_tls("cannot read TLS folder " + folder.string() + ": " + ec.message());
    std::ranges::sort(files);
    tls_folder material;
    for (const auto& file : files) {
        const auto ext = file.extension();
        if (ext == ".crt") {
            material.ca_files.push_back(file);
        } else if (ext == ".cert") {
            auto key = fs::path(file).replace_extension(".key");
            if (!fs::exists(key))
                fail_tls("missing key " + key.string() + " for client certificate " +
                         file.string() + " (CA certificates must end in .crt)");
            if (material.client_cert.empty()) {
                material.client_cert = file;
                material.client_key = std::move(key);
            }
        } else if (ext == ".key") {
            const auto cert = fs::path(file).replace_extension(".cert");
            if (!fs::exists(cert))
                fail_tls("missing client certificate " + cert.string() + " for key " +
                         file.string());
        }
    }
    return material;
}

tls_contexts::tls_contexts(const transport_options& options)
    : options_(options) {}

tls_contexts::~tls_contexts() = default;

asio::ssl::context& tls_contexts::context_for(const origin& o) {
    const auto folder = find_certs_d_folder(options_.certs_d_roots, o);
    const std::string key = folder ? folder->string() : std::string();
    if (const auto it = contexts_.find(key); it != contexts_.end())
        return *it->second;

    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    // The system store. Its hashed folder (/etc/ssl/certs) is searched lazily, certificate by
    // certificate, where the bundle file would be parsed whole on every run (~60 ms, most of a
    // short run's CPU). The bundle is the fallback when there is no such folder, or when the
    // user points SSL_CERT_FILE at one, as OpenSSL tools allow.
    const char* cert_dir = X509_get_default_cert_dir();
    std::error_code dir_error;
    const bool lazy_folder = std::getenv(X509_get_default_cert_file_env()) == nullptr &&
                             cert_dir && std::filesystem::is_directory(cert_dir, dir_error) &&
                             SSL_CTX_load_verify_dir(ctx->native_handle(), cert_dir) == 1;
    if (!lazy_folder)
        ctx->set_default_verify_paths(ec);
    if (ec)
        fail_tls("cannot load the system's trusted certificates: " + ec.message());
    if (!options_.ca_file.empty()) {
        ctx->load_verify_file(options_.ca_file.string(), ec);
        check(ec, "CA file", options_.ca_file);
    }
    if (!options_.cert_dir.empty())
        load_folder(*ctx, options_.cert_dir);
    if (folder)
        load_folder(*ctx, *folder);
    ctx->set_verify_mode(options_.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
    return *contexts_.emplace(key, std::move(ctx)).first->second;
}

} // namespace mmerge::net
