// TLS of the net client: verification, the trust sources of DESIGN.md (--ca-file, --cert-dir,
// certs.d by host:port or host), client certificates, --insecure. Certificates are made at run
// time (tests/support/scripted_server.hpp).
#include "net/client.hpp"
#include "support/net_testing.hpp"
#include "support/scripted_server.hpp"

#include <mmerge/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using mmerge::errc;
using mmerge::net::client;
using mmerge::net::request;
using mmerge::net::response;
using namespace mmerge::test;

namespace {

server_tls valid_server() {
    const auto& pki = test_certificates();
    return {pki.server_cert, pki.server_key, {}};
}

request get(const std::string& url) {
    request req;
    req.url = boost::urls::url(url);
    return req;
}

response fetch(const mmerge::transport_options& options, const std::string& url) {
    asio::io_context io;
    client http(options);
    return run(io, http.send(get(url)));
}

/** A certs.d folder `<root>/<name>/` holding the given files (copied under new names). */
void make_folder(const fs::path& root, const std::string& name,
                 std::vector<std::pair<fs::path, std::string>> files) {
    fs::create_directories(root / name);
    for (const auto& [from, to] : files)
        fs::copy_file(from, root / name / to);
}

} // namespace

BOOST_AUTO_TEST_SUITE(net_tls)

BOOST_AUTO_TEST_CASE(unknown_ca_fails_naming_the_certificate_problem) {
    scripted_server server({reply(200)}, valid_server());
    const auto e = error_of([&] { fetch(fast_transport(), server.url("/v2/")); });
    BOOST_TEST((e.code() == errc::tls));
    BOOST_TEST(std::string(e.what()) ==
               "TLS handshake with " + server.authority() +
                   " failed: certificate verify failed (unable to get local issuer certificate)");
    BOOST_TEST(e.reference() == server.url("/v2/"));
    BOOST_TEST(server.requests().empty());
    BOOST_TEST(server.connections() == 1u); // a certificate problem is not retried
}

BOOST_AUTO_TEST_CASE(ca_file_makes_the_server_trusted_and_connections_are_reused) {
    scripted_server server({reply(200, "one"), reply(200, "two"), reply(200, "three")},
                           valid_server());
    auto options = fast_transport();
    options.ca_file = test_certificates().ca_cert;
    asio::io_context io;
    client http(options);
    for (const char* expected : {"one", "two", "three"})
        BOOST_TEST(run(io, http.send(get(server.url("/v2/")))).body == expected);
    BOOST_TEST(server.connections() == 1u);
}

BOOST_AUTO_TEST_CASE(certs_d_folder_named_host_port_is_trusted) {
    scripted_server server({reply(200, "ok")}, valid_server());
    const temp_dir root;
    make_folder(root.path(), server.authority(), {{test_certificates().ca_cert, "ca.crt"}});
    auto options = fast_transport();
    options.certs_d_roots = {root.path() / "absent", root.path()};
    BOOST_TEST(fetch(options, server.url("/v2/")).body == "ok");
}

BOOST_AUTO_TEST_CASE(certs_d_folder_named_host_only_is_trusted) {
    scripted_server server({reply(200, "ok")}, valid_server());
    const temp_dir root;
    make_folder(root.path(), "127.0.0.1", {{test_certificates().ca_cert, "registry-ca.crt"}});
    auto options = fast_transport();
    options.certs_d_roots = {root.path()};
    BOOST_TEST(fetch(options, server.url("/v2/")).body == "ok");
}

BOOST_AUTO_TEST_CASE(certs_d_folder_of_another_port_is_not_used) {
    scripted_server server({reply(200, "ok")}, valid_server());
    const temp_dir root;
    make_folder(root.path(), "127.0.0.1:1", {{test_certificates().ca_cert, "ca.crt"}});
    auto options = fast_transport();
    options.certs_d_roots = {root.path()};
    const auto e = error_of([&] { fetch(options, server.url("/v2/")); });
    BOOST_TEST((e.code() == errc::tls));
}

// podman's --cert-dir: one folder for every TLS connection of the run.
BOOST_AUTO_TEST_CASE(cert_dir_applies_to_every_host) {
    scripted_server server({reply(200, "ok")}, valid_server());
    const temp_dir dir;
    fs::copy_file(test_certificates().ca_cert, dir.path() / "ca.crt");
    auto options = fast_transport();
    options.cert_dir = dir.path();
    BOOST_TEST(fetch(options, server.url("/v2/")).body == "ok");
}

BOOST_AUTO_TEST_CASE(hostname_mismatch_fails_naming_it) {
    const auto& pki = test_certificates();
    scripted_server server({reply(200)}, server_tls{pki.wrong_host_cert, pki.wrong_host_key, {}});
    auto options = fast_transport();
    options.ca_file = pki.ca_cert;
    const auto e = error_of([&] { fetch(options, server.url("/v2/")); });
    BOOST_TEST((e.code() == errc::tls));
    BOOST_TEST(std::string(e.what()) == "TLS handshake with " + server.authority() +
                                            " failed: certificate verify failed (IP address "
                                            "mismatch)");
}

// A DNS name is checked against the certificate's DNS names (and sent as SNI).
BOOST_AUTO_TEST_CASE(host_name_is_verified_against_dns_names) {
    scripted_server server({reply(200, "ok")}, valid_server());
    auto options = fast_transport();
    options.ca_file = test_certificates().ca_cert;
    const auto res = fetch(options, "https://localhost:" + std::to_string(server.port()) + "/v2/");
    BOOST_TEST(res.body == "ok");
}

BOOST_AUTO_TEST_CASE(insecure_skips_verification) {
    const auto& pki = test_certificates();
    scripted_server server({reply(200, "ok")},
                           server_tls{pki.wrong_host_cert, pki.wrong_host_key, {}});
    auto options = fast_transport();
    options.insecure = true;
    BOOST_TEST(fetch(options, server.url("/v2/")).body == "ok");
}

BOOST_AUTO_TEST_CASE(client_certificate_from_certs_d_is_presented) {
    const auto& pki = test_certificates();
    scripted_server server({reply(200, "ok")},
                           server_tls{pki.server_cert, pki.server_key, pki.ca_cert});
    const temp_dir root;
    make_folder(root.path(), server.authority(),
                {{pki.ca_cert, "ca.crt"},
                 {pki.client_cert, "client.cert"},
                 {pki.client_key, "client.key"}});
    auto options = fast_transport();
    options.certs_d_roots = {root.path()};
    BOOST_TEST(fetch(options, server.url("/v2/")).body == "ok");
}

BOOST_AUTO_TEST_CASE(server_requiring_a_client_certificate_refuses_without_one) {
    const auto& pki = test_certificates();
    scripted_server server({reply(200, "ok")},
                           server_tls{pki.server_cert, pki.server_key, pki.ca_cert});
    auto options = fast_transport();
    options.ca_file = pki.ca_cert;
    options.retries = 0;
    const auto e = error_of([&] { fetch(options, server.url("/v2/")); });
    BOOST_TEST((e.code() == errc::tls));
    // TLS 1.3: the refusal arrives as an alert after the handshake, e.g. "tlsv13 alert
    // certificate required".
    const std::string message = e.what();
    BOOST_TEST(message.starts_with("TLS error with " + server.authority() + ": "));
    BOOST_TEST(message.find("certificate required") != std::string::npos);
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(client_certificate_without_its_key_is_refused) {
    scripted_server server({reply(200, "ok")}, valid_server());
    const temp_dir root;
    make_folder(root.path(), server.authority(),
                {{test_certificates().client_cert, "client.cert"}});
    auto options = fast_transport();
    options.certs_d_roots = {root.path()};
    const auto e = error_of([&] { fetch(options, server.url("/v2/")); });
    BOOST_TEST((e.code() == errc::tls));
    const auto folder = root.path() / server.authority();
    BOOST_TEST(std::string(e.what()) ==
               "missing key " + (folder / "client.key").string() + " for client certificate " +
                   (folder / "client.cert").string() + " (CA certificates must end in .crt)");
}

BOOST_AUTO_TEST_SUITE_END()
