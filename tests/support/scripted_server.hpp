#pragma once
// Test helpers for the net layer: a scripted HTTP/1.1 server (plain TCP or TLS) that answers
// with canned steps and records every request it saw, test certificates made at run time, and
// a way to run coroutines to completion. Beast stays in tests/unit/scripted_server.cpp.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmerge::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

/** A request the scripted server received. */
struct seen_request {
    std::string method;
    std::string target;
    header_list headers;
    std::string body;
    /** Which connection it came on: 1 for the first the server accepted. */
    std::size_t connection = 0;

    /** The first value of a header (name compared ignoring case). */
    std::optional<std::string> header(std::string_view name) const;
};

/** What the server does with the next request. */
struct step {
    enum class kind {
        reply,   ///< status, headers, body (Content-Length added unless a header sets framing)
        raw,     ///< `bytes` written verbatim, then the connection is closed
        hang_up, ///< the connection is reset without an answer
        stall,   ///< no answer at all, until the client gives up
    };
    kind what = kind::reply;
    unsigned status = 200;
    header_list headers;
    std::string body;
    std::string bytes;
    /** Waits this long before answering (to make requests overlap). */
    std::chrono::milliseconds delay{0};
    /** After the answer, closes the connection without announcing it (a stale keep-alive). */
    bool close_after = false;
};

step reply(unsigned status, std::string body = {}, header_list headers = {});
step raw(std::string bytes);
step hang_up();
step stall();

/** Files of a throw-away PKI made once per test run with the `openssl` command. */
struct test_pki {
    std::filesystem::path dir;
    std::filesystem::path ca_cert;     ///< the test CA
    std::filesystem::path server_cert; ///< for 127.0.0.1 and localhost, signed by the CA
    std::filesystem::path server_key;
    std::filesystem::path wrong_host_cert; ///< for wrong.example only, signed by the CA
    std::filesystem::path wrong_host_key;
    std::filesystem::path client_cert; ///< a client certificate signed by the CA
    std::filesystem::path client_key;
};

/** The run's test PKI, created on first use in a temporary folder removed at exit. */
const test_pki& test_certificates();

/** A fresh, empty temporary folder, removed when the returned object dies. */
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/** TLS settings of a scripted server. */
struct server_tls {
    std::filesystem::path cert;
    std::filesystem::path key;
    /** When set, clients must present a certificate signed by this CA. */
    std::filesystem::path client_ca;
};

/**
 * An HTTP/1.1 server on 127.0.0.1 (port chosen by the system) running on its own thread. Each
 * request takes the next step of the script, across connections; once the script is used up,
 * the handler (when set) decides, else the answer is 500 "script exhausted".
 */
class scripted_server {
public:
    explicit scripted_server(std::vector<step> script = {},
                             std::optional<server_tls> tls = std::nullopt);
    ~scripted_server();
    scripted_server(const scripted_server&) = delete;
    scripted_server& operator=(const scripted_server&) = delete;

    /** Answers requests the script does not cover. */
    void set_handler(std::function<step(const seen_request&)> handler);

    std::uint16_t port() const;
    /** "http://127.0.0.1:PORT" + path (https for a TLS server). */
    std::string url(std::string_view path = "/") const;
    /** "127.0.0.1:PORT". */
    std::string authority() const;
    /** Every request received so far, in order. */
    std::vector<seen_request> requests() const;
    /** Connections accepted so far. */
    std::size_t connections() const;
    /** Connections open at the same time, at most, so far. */
    std::size_t peak_connections() const;

private:
    struct state;
    std::shared_ptr<state> state_;
};

/** Runs `work` on `io` until it completes and returns its result (or throws its exception). */
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
    io.restart();
    auto result = boost::asio::co_spawn(io, std::move(work), boost::asio::use_future);
    io.run();
    return result.get();
}

/** Runs all `works` concurrently on `io`; returns their results in order. */
template <class T>
std::vector<T> run_all(boost::asio::io_context& io, std::vector<boost::asio::awaitable<T>> works) {
    io.restart();
    std::vector<std::future<T>> results;
    for (auto& work : works)
        results.push_back(boost::asio::co_spawn(io, std::move(work), boost::asio::use_future));
    io.run();
    std::vector<T> values;
    for (auto& r : results)
        values.push_back(r.get());
    return values;
}

} // namespace mmerge::test
