#pragma once
/** @file The HTTP messages the net layer exchanges: requests, responses, header fields, sinks. */

#include <boost/url/url.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmerge::net {

/** Cap for a manifest body (DESIGN.md: manifests 4 MiB). */
inline constexpr std::size_t max_manifest_body = 4 * 1024 * 1024;
/** Cap for token and registry error bodies (DESIGN.md: 64 KiB to 1 MiB). */
inline constexpr std::size_t max_small_body = 1024 * 1024;
/** Size of the buffer a streamed body passes through: a blob never needs more memory than this. */
inline constexpr std::size_t stream_chunk_size = 64 * 1024;

/** Header fields in arrival order; names compare case-insensitively (RFC 9110 section 5.1). */
class header_fields {
public:
    struct field {
        std::string name;
        std::string value;
    };

    /** Appends a field, keeping any other field of that name (e.g. several WWW-Authenticate). */
    void add(std::string_view name, std::string_view value);
    /** Replaces every field of that name with one field. */
    void set(std::string_view name, std::string_view value);
    /** Removes every field of that name; returns how many were removed. */
    std::size_t erase(std::string_view name);
    /** The value of the first field of that name, if any. */
    std::optional<std::string_view> find(std::string_view name) const;
    /** Every value of that name in arrival order (WWW-Authenticate, Link). */
    std::vector<std::string_view> find_all(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name).has_value(); }

    auto begin() const { return fields_.begin(); }
    auto end() const { return fields_.end(); }
    std::size_t size() const { return fields_.size(); }
    bool empty() const { return fields_.empty(); }

private:
    std::vector<field> fields_;
};

/** True when two header names are equal ignoring ASCII case. */
bool iequals(std::string_view a, std::string_view b) noexcept;

/** The request methods the Distribution API uses. */
enum class verb { get, head, post, put, patch, delete_ };

/** "GET", "HEAD", ... */
std::string_view to_string(verb v) noexcept;

/**
 * One request as the caller means it. `body` is a string so the request can be sent again on a
 * retry or a 307/308 redirect. `url` must be absolute http or https; its userinfo is never sent.
 */
struct request {
    verb method = verb::get;
    boost::urls::url url;
    header_fields headers;
    std::string body;
    /** Largest body accepted in the response (for `client::send` without a sink). */
    std::size_t body_limit = max_manifest_body;
    /**
     * Headers that, like `Authorization` (always treated so), are dropped for good once a redirect
     * leads to another scheme, host or port.
     */
    std::vector<std::string> sensitive_headers;
    /** Follow 301/302/303/307/308 (up to 5); false returns the 3xx response as is. */
    bool follow_redirects = true;
};

/** The final answer to a request, after redirects and retries. */
struct response {
    unsigned status = 0;
    /** The reason phrase the server sent, or the standard one when it sent none. */
    std::string reason;
    header_fields headers;
    /** The body, unless it was streamed into a sink (a 2xx answer to `send(req, sink)`). */
    std::string body;
    /** The URL that answered: the request's URL, or where redirects led. */
    boost::urls::url url;
    /** How many times the request was sent (1 when it was not retried). */
    unsigned attempts = 1;
};

/**
 * Where a streamed body goes, chunk by chunk (at most `stream_chunk_size` bytes each): e.g. a
 * blob into a hasher and a file. `restart`, when set, is called before the body is sent again
 * from its start (a retry after the connection broke mid-body); without it such a failure is
 * not retried.
 */
struct body_sink {
    std::function<void(std::string_view chunk)> write;
    std::function<void()> restart;
};

} // namespace mmerge::net
