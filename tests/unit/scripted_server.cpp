// The scripted HTTP server of tests/support/scripted_server.hpp (Beast, plain TCP or TLS).
#include "support/scripted_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace mmerge::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;
using boost::system::error_code;

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string render(const step& s, bool head) {
    std::string out = "HTTP/1.1 " + std::to_string(s.status) + " " +
                      std::string(http::obsolete_reason(http::int_to_status(s.status))) + "\r\n";
    bool framed = false;
    for (const auto& [name, value] : s.headers) {
        out += name + ": " + value + "\r\n";
        framed =
            framed || same_name(name, "Content-Length") || same_name(name, "Transfer-Encoding");
    }
    if (!framed)
        out += "Content-Length: " + std::to_string(s.body.size()) + "\r\n";
    out += "\r\n";
    if (!head)
        out += s.body;
    return out;
}

void shell(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("test PKI: command failed: " + command);
}

tcp::socket& lowest(tcp::socket& s) {
    return s;
}
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) {
    return s.next_layer();
}

} // namespace

std::optional<std::string> seen_request::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (same_name(n, name))
            return v;
    return std::nullopt;
}

step reply(unsigned status, std::string body, header_list headers) {
    step s;
    s.status = status;
    s.body = std::move(body);
    s.headers = std::move(headers);
    return s;
}

step raw(std::string bytes) {
    step s;
    s.what = step::kind::raw;
    s.bytes = std::move(bytes);
    s.close_after = true;
    return s;
}

step hang_up() {
    step s;
    s.what = step::kind::hang_up;
    return s;
}

step stall() {
    step s;
    s.what = step::kind::stall;
    return s;
}

temp_dir::temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "mmerge-test-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a temporary folder");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

const test_pki& test_certificates() {
    static const temp_dir dir;
    static const test_pki pki = [] {
        const fs::path d = dir.path();
        const auto q = [](const fs::path& p) { return "'" + p.string() + "'"; };
        const std::string newkey =
            "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
        shell(newkey + "-x509 -days 2 -subj /CN=mmerge-test-ca -keyout " + q(d / "ca.key") +
              " -out " + q(d / "ca.crt") +
              " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign");
        const auto leaf = [&](const std::string& name, const std::string& extensions) {
            std::ofstream(d / (name + ".ext")) << extensions << "\n";
            shell(newkey + "-subj /CN=" + name + " -keyout " + q(d / (name + ".key")) + " -out " +
                  q(d / (name + ".csr")));
            shell("openssl x509 -req -days 2 -in " + q(d / (name + ".csr")) + " -CA " +
                  q(d / "ca.crt") + " -CAkey " + q(d / "ca.key") + " -CAcreateserial -out " +
                  q(d / (name + ".crt")) + " -extfile " + q(d / (name + ".ext")));
        };
        leaf("server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        leaf("wrong-host", "subjectAltName=DNS:wrong.example");
        leaf("client", "extendedKeyUsage=clientAuth");
        return test_pki{d,
                        d / "ca.crt",
                        d / "server.crt",
                        d / "server.key",
                        d / "wrong-host.crt",
                        d / "wrong-host.key",
                        d / "client.crt",
                        d / "client.key"};
    }();
    return pki;
}

struct scripted_server::state {
    // Declared first, destroyed last: the coroutines it still holds own sockets of its services.
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::optional<asio::ssl::context> tls;
    std::thread thread;
    std::uint16_t port = 0;

    mutable std::mutex mutex;
    std::deque<step> script;
    std::function<step(const seen_request&)> handler;
    std::vector<seen_request> seen;
    std::size_t accepted = 0;
    std::size_t open = 0;
    std::size_t peak = 0;

    step next_step(const seen_request& request) {
        std::function<step(const seen_request&)> decide;
        {
            std::lock_guard lock(mutex);
            seen.push_back(request);
            if (!script.empty()) {
                step s = std::move(script.front());
                script.pop_front();
                return s;
            }
            decide = handler;
        }
        return decide ? decide(request) : reply(500, "script exhausted");
    }

    template <class Stream>
    asio::awaitable<void> session(Stream& stream, std::size_t id) {
        beast::flat_buffer buffer;
        error_code ec;
        for (;;) {
            http::request<http::string_body> message;
            co_await http::async_read(stream, buffer, message,
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (ec)
                co_return;
            seen_request request{std::string(message.method_string()),
                                 std::string(message.target()),
                                 {},
                                 message.body(),
                                 id};
            for (const auto& field : message)
                request.headers.emplace_back(field.name_string(), field.value());
            const step s = next_step(request);
            if (s.delay.count() > 0) {
                asio::steady_timer timer(io, s.delay);
                co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            if (s.what == step::kind::hang_up) {
                // SO_LINGER 0: the close sends a reset, as a crashed or overloaded server does.
                lowest(stream).set_option(asio::socket_base::linger(true, 0), ec);
                lowest(stream).close(ec);
                co_return;
            }
            if (s.what == step::kind::reply || s.what == step::kind::raw) {
                const std::string out = s.what == step::kind::raw
                                            ? s.bytes
                                            : render(s, message.method() == http::verb::head);
                co_await asio::async_write(stream, asio::buffer(out),
                                           asio::redirect_error(asio::use_awaitable, ec));
                if (ec)
                    co_return;
                if (s.close_after || (s.what == step::kind::reply && !message.keep_alive())) {
                    lowest(stream).close(ec);
                    co_return;
                }
                if (s.what == step::kind::reply)
                    continue;
            }
            // stall (or raw without close): wait for the client to give up and close.
            char byte;
            while (!ec)
                co_await stream.async_read_some(asio::buffer(&byte, 1),
                                                asio::redirect_error(asio::use_awaitable, ec));
            co_return;
        }
    }

    asio::awaitable<void> serve(tcp::socket socket, std::size_t id) {
        if (tls) {
            asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
            error_code ec;
            co_await stream.async_handshake(asio::ssl::stream_base::server,
                                            asio::redirect_error(asio::use_awaitable, ec));
            if (!ec)
                co_await session(stream, id);
        } else {
            co_await session(socket, id);
        }
        std::lock_guard lock(mutex);
        --open;
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return;
            std::size_t id;
            {
                std::lock_guard lock(mutex);
                id = ++accepted;
                peak = std::max(peak, ++open);
            }
            asio::co_spawn(io, serve(std::move(socket), id), asio::detached);
        }
    }
};

scripted_server::scripted_server(std::vector<step> script, std::optional<server_tls> tls)
    : state_(std::make_shared<state>()) {
    auto& s = *state_;
    s.script.assign(std::make_move_iterator(script.begin()), std::make_move_iterator(script.end()));
    if (tls) {
        s.tls.emplace(asio::ssl::context::tls_server);
        s.tls->use_certificate_chain_file(tls->cert.string());
        s.tls->use_private_key_file(tls->key.string(), asio::ssl::context::pem);
        if (!tls->client_ca.empty()) {
            s.tls->load_verify_file(tls->client_ca.string());
            s.tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        }
    }
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    s.acceptor.open(endpoint.protocol());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind(endpoint);
    s.acceptor.listen();
    s.port = s.acceptor.local_endpoint().port();
    asio::co_spawn(s.io, s.accept_loop(), asio::detached);
    s.thread = std::thread([&s] { s.io.run(); });
}

scripted_server::~scripted_server() {
    state_->io.stop();
    state_->thread.join();
}

void scripted_server::set_handler(std::function<step(const seen_request&)> handler) {
    std::lock_guard lock(state_->mutex);
    state_->handler = std::move(handler);
}

std::uint16_t scripted_server::port() const {
    return state_->port;
}

std::string scripted_server::authority() const {
    return "127.0.0.1:" + std::to_string(port());
}

std::string scripted_server::url(std::string_view path) const {
    return std::string(state_->tls ? "https://" : "http://") + authority() + std::string(path);
}

std::vector<seen_request> scripted_server::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->seen;
}

std::size_t scripted_server::connections() const {
    std::lock_guard lock(state_->mutex);
    return state_->accepted;
}

std::size_t scripted_server::peak_connections() const {
    std::lock_guard lock(state_->mutex);
    return state_->peak;
}

} // namespace mmerge::test
