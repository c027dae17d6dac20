// The docker reference grammar and normalization (distribution/reference regexp.go and
// normalize.go), written as a scanner so each error can say what is wrong and at which offset.
#include "core/detail/digest_grammar.hpp"

#include <algorithm>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <charconv>
#include <mmerge/reference.hpp>
#include <ostream>

namespace mmerge {

namespace {

using detail::quote_char;

/** Where in the input and why it is not valid. */
struct problem {
    std::size_t position = parse_error::npos;
    std::string reason;
};

using maybe_problem = std::optional<problem>;

/** A half-open range [begin, end) of the input. */
struct span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool empty() const { return begin == end; }
    std::string_view of(std::string_view text) const { return text.substr(begin, end - begin); }
};

// Long inputs are cut in messages: the offset already says where the fault is.
constexpr std::size_t max_quoted_length = 120;

parse_error to_error(std::string_view what, std::string_view text, const problem& p) {
    std::string message = "invalid ";
    message += what;
    message += " \"";
    if (text.size() > max_quoted_length) {
        message += text.substr(0, max_quoted_length);
        message += "...";
    } else {
        message += text;
    }
    message += '"';
    if (p.position != parse_error::npos)
        message += " at offset " + std::to_string(p.position);
    message += ": ";
    message += p.reason;
    return fail(std::move(message), p.position);
}

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_lower_alnum(c) || is_upper(c);
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_word(char c) {
    return is_alnum(c) || c == '_';
}
bool is_separator_char(char c) {
    return c == '.' || c == '_' || c == '-';
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

/** `:PORT` digits in [begin, end), `begin` just after the ':'. */
maybe_problem check_port(std::string_view text, span port) {
    if (port.empty())
        return problem{port.begin - 1, "missing port number after ':'"};
    for (std::size_t i = port.begin; i < port.end; ++i)
        if (!is_digit(text[i]))
            return problem{i, "invalid character " + quote_char(text[i]) + " in port"};
    auto digits = port.of(text);
    unsigned long value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value < 1 || value > 65535)
        return problem{port.begin, "port " + std::string(digits) + " is out of range 1-65535"};
    return std::nullopt;
}

/** `[IPv6]` then optional `:PORT`; `host.begin` is at the '['. */
maybe_problem check_ipv6_host(std::string_view text, span host) {
    auto close = text.substr(0, host.end).find(']', host.begin);
    if (close == std::string_view::npos)
        return problem{host.begin, "'[' opens an IPv6 address that is not closed by ']'"};
    span address{host.begin + 1, close};
    if (address.empty())
        return problem{address.begin, "empty IPv6 address between '[' and ']'"};
    // distribution accepts only hex digits and ':' here: no zone IDs, no IPv4-mapped forms.
    for (std::size_t i = address.begin; i < address.end; ++i)
        if (!is_hex(text[i]) && text[i] != ':')
            return problem{i, "invalid character " + quote_char(text[i]) +
                                  " in IPv6 address (only hex digits and ':' are allowed)"};
    if (!boost::urls::parse_ipv6_address(address.of(text)))
        return problem{address.begin,
                       "\"" + std::string(address.of(text)) + "\" is not a valid IPv6 address"};
    std::size_t after = close + 1;
    if (after == host.end)
        return std::nullopt;
    if (text[after] != ':')
        return problem{after,
                       "expected ':' and a port after ']', found " + quote_char(text[after])};
    return check_port(text, {after + 1, host.end});
}

/** DNS labels joined by '.', then optional `:PORT` (distribution's domainAndPort). */
maybe_problem check_host(std::string_view text, span host) {
    if (host.empty())
        return problem{host.begin, "registry host is empty"};
    if (text[host.begin] == '[')
        return check_ipv6_host(text, host);
    auto colon = text.substr(0, host.end).find(':', host.begin);
    std::size_t name_end = colon == std::string_view::npos ? host.end : colon;
    std::size_t label_begin = host.begin;
    for (std::size_t i = host.begin; i <= name_end; ++i) {
        if (i == name_end || text[i] == '.') {
            if (i == label_begin)
                return problem{i, "registry host has an empty label (a leading, trailing or "
                                  "doubled '.')"};
            if (text[label_begin] == '-' || text[i - 1] == '-')
                return problem{text[label_begin] == '-' ? label_begin : i - 1,
                               "registry host label cannot start or end with '-'"};
            label_begin = i + 1;
        } else if (!is_alnum(text[i]) && text[i] != '-') {
            return problem{i, "invalid character " + quote_char(text[i]) + " in registry host"};
        }
    }
    if (colon == std::string_view::npos)
        return std::nullopt;
    return check_port(text, {colon + 1, host.end});
}

/** One or more path components joined by '/' (distribution's remoteName). */
maybe_problem check_path(std::string_view text, span path) {
    // Uppercase is reported before any other fault, as docker's normalization does.
    for (std::size_t i = path.begin; i < path.end; ++i)
        if (is_upper(text[i]))
            return problem{i,
                           "repository name must be lowercase (found " + quote_char(text[i]) + ")"};
    std::size_t component_begin = path.begin;
    for (std::size_t i = path.begin; i <= path.end; ++i) {
        if (i < path.end && text[i] != '/')
            continue;
        span component{component_begin, i};
        component_begin = i + 1;
        if (component.empty())
            return problem{component.begin, "repository path has an empty component (a "
                                            "leading, trailing or doubled '/')"};
        if (is_separator_char(text[component.begin]))
            return problem{component.begin,
                           "path component must start with a lowercase letter or digit"};
        for (std::size_t j = component.begin; j < component.end;) {
            if (is_lower_alnum(text[j])) {
                ++j;
                continue;
            }
            if (!is_separator_char(text[j]))
                return problem{j,
                               "invalid character " + quote_char(text[j]) + " in repository name"};
            std::size_t run_begin = j;
            while (j < component.end && is_separator_char(text[j]))
                ++j;
            auto run = text.substr(run_begin, j - run_begin);
            bool all_dashes = run.find_first_not_of('-') == std::string_view::npos;
            if (run != "." && run != "_" && run != "__" && !all_dashes)
                return problem{run_begin, "invalid separator \"" + std::string(run) +
                                              "\" in repository name (use '.', '_', '__' or "
                                              "dashes between letters and digits)"};
            if (j == component.end)
                return problem{run_begin,
                               "path component must end with a lowercase letter or digit"};
        }
    }
    return std::nullopt;
}

/** `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; `tag.begin` is just after the ':'. */
maybe_problem check_tag(std::string_view text, span tag) {
    if (tag.empty())
        return problem{tag.begin - 1, "tag is empty after ':'"};
    if (!is_word(text[tag.begin]))
        return problem{tag.begin, "tag must start with a letter, digit or '_', not " +
                                      quote_char(text[tag.begin])};
    for (std::size_t i = tag.begin + 1; i < tag.end; ++i)
        if (!is_word(text[i]) && text[i] != '.' && text[i] != '-')
            return problem{i, "invalid character " + quote_char(text[i]) + " in tag"};
    if (tag.end - tag.begin > max_tag_length)
        return problem{tag.begin, "tag is " + std::to_string(tag.end - tag.begin) +
                                      " characters long, the limit is " +
                                      std::to_string(max_tag_length)};
    return std::nullopt;
}

/** An unambiguous image ID (64 lowercase hex) is refused as a name, as docker does. */
bool is_image_id(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return is_digit(c) || (c >= 'a' && c <= 'f');
           });
}

/** Split `[HOST/]PATH` in `name`, validate both and normalize. */
result<repository_name> parse_name(std::string_view what, std::string_view text, span name) {
    span path = name;
    std::optional<span> host;
    auto slash = text.substr(0, name.end).find('/', name.begin);
    if (slash != std::string_view::npos) {
        span first{name.begin, slash};
        auto f = first.of(text);
        // distribution's splitDockerDomain: only these make the first component a host.
        if (f.find_first_of(".:[") != std::string_view::npos || f == "localhost") {
            host = first;
            path = {slash + 1, name.end};
            if (auto p = check_host(text, first))
                return to_error(what, text, *p);
            if (path.empty())
                return to_error(what, text,
                                {path.begin, "repository name is missing after registry \"" +
                                                 std::string(f) + "/\""});
        }
    }
    if (auto p = check_path(text, path))
        return to_error(what, text, *p);

    repository_name out;
    out.registry = host ? canonical_registry(host->of(text)) : std::string(docker_hub_registry);
    out.repository = path.of(text);
    if (out.registry == docker_hub_registry && out.repository.find('/') == std::string::npos)
        out.repository = "library/" + out.repository;
    std::size_t length = out.registry.size() + 1 + out.repository.size();
    if (length > max_name_length)
        return to_error(what, text,
                        {parse_error::npos, "the name is " + std::to_string(length) +
                                                " characters long with its registry (" +
                                                out.registry + "/...), the limit is " +
                                                std::to_string(max_name_length)});
    return out;
}

/** A URL-looking input gets a hint instead of a puzzling grammar error. */
maybe_problem check_no_scheme(std::string_view text) {
    auto scheme = text.find("://");
    if (scheme == std::string_view::npos)
        return std::nullopt;
    return problem{0, "a reference has no URL scheme; remove \"" +
                          std::string(text.substr(0, scheme + 3)) + "\""};
}

/** `[::1]:5000` alone would otherwise split into a name `[::1]` and a tag `5000`. */
maybe_problem check_host_needs_path(std::string_view name) {
    if (name.starts_with('[') && name.find('/') == std::string_view::npos)
        return problem{0, "a registry host must be followed by '/' and a repository name"};
    return std::nullopt;
}

} // namespace

result<reference> parse_reference(std::string_view text) {
    constexpr std::string_view what = "reference";
    if (text.empty())
        return to_error(what, text, {0, "reference is empty"});
    if (auto p = check_no_scheme(text))
        return to_error(what, text, *p);

    reference out;
    std::size_t name_end = text.size();
    if (auto at = text.find('@'); at != std::string_view::npos) {
        name_end = at;
        auto digest_text = text.substr(at + 1);
        if (digest_text.empty())
            return to_error(what, text, {at, "digest is missing after '@'"});
        if (auto p = detail::find_digest_problem(digest_text))
            return to_error(what, text, {at + 1 + p->position, p->reason});
        out.digest = digest::parse(digest_text).value();
    }

    // The tag is after the last ':' that follows the last '/': `host:5000/repo:tag`.
    span name{0, name_end};
    auto before = text.substr(0, name_end);
    if (auto p = check_host_needs_path(before))
        return to_error(what, text, *p);
    auto colon = before.rfind(':');
    auto last_slash = before.rfind('/');
    if (colon != std::string_view::npos &&
        (last_slash == std::string_view::npos || colon > last_slash)) {
        span tag{colon + 1, name_end};
        name.end = colon;
        if (name.empty())
            return to_error(what, text, {0, "repository name is missing before ':'"});
        if (auto p = check_tag(text, tag))
            return to_error(what, text, *p);
        out.tag = tag.of(text);
        out.explicit_tag = true;
    }
    if (name.empty())
        return to_error(what, text, {0, "repository name is missing before '@'"});
    if (out.tag.empty() && !out.digest && is_image_id(text))
        return to_error(what, text,
                        {0, "a 64-character hex string is an image ID, not a repository name"});

    auto repo = parse_name(what, text, name);
    if (!repo)
        return repo.error();
    out.registry = std::move(repo->registry);
    out.repository = std::move(repo->repository);
    if (!out.explicit_tag && !out.digest)
        out.tag = default_tag;
    return out;
}

result<repository_name> parse_repository(std::string_view text) {
    constexpr std::string_view what = "repository";
    if (text.empty())
        return to_error(what, text, {0, "repository is empty"});
    if (auto p = check_no_scheme(text))
        return to_error(what, text, *p);
    if (auto at = text.find('@'); at != std::string_view::npos)
        return to_error(what, text, {at, "a repository name cannot carry a digest"});
    if (auto p = check_host_needs_path(text))
        return to_error(what, text, *p);
    auto colon = text.rfind(':');
    auto last_slash = text.rfind('/');
    if (colon != std::string_view::npos &&
        (last_slash == std::string_view::npos || colon > last_slash))
        return to_error(what, text, {colon, "a repository name cannot carry a tag"});
    if (is_image_id(text))
        return to_error(what, text,
                        {0, "a 64-character hex string is an image ID, not a repository name"});
    return parse_name(what, text, {0, text.size()});
}

result<std::string> parse_registry(std::string_view text) {
    constexpr std::string_view what = "registry";
    if (auto p = check_no_scheme(text))
        return to_error(what, text, *p);
    if (auto p = check_host(text, {0, text.size()}))
        return to_error(what, text, *p);
    // parse_error is constructible from a string too, so name the alternative explicitly.
    return result<std::string>(boost::system::in_place_value, canonical_registry(text));
}

std::string to_string(const repository_name& name) {
    return name.registry + '/' + name.repository;
}

std::string to_string(const reference& ref) {
    std::string out = to_string(ref.name());
    if (!ref.tag.empty())
        out += ':' + ref.tag;
    if (ref.digest)
        out += '@' + ref.digest->str();
    return out;
}

std::string familiar_string(const reference& ref) {
    std::string out;
    if (ref.registry != docker_hub_registry) {
        out = ref.registry + '/' + ref.repository;
    } else {
        std::string_view repo = ref.repository;
        // Only a single-component official image loses `library/`: `library/a/b` would read
        // back as `docker.io/a/b`, another repository.
        constexpr std::string_view library = "library/";
        if (repo.starts_with(library) && repo.find('/', library.size()) == std::string_view::npos)
            repo.remove_prefix(library.size());
        out = repo;
    }
    if (!ref.tag.empty())
        out += ':' + ref.tag;
    if (ref.digest)
        out += '@' + ref.digest->str();
    return out;
}

std::ostream& operator<<(std::ostream& out, const reference& ref) {
    return out << to_string(ref);
}

std::string canonical_registry(std::string_view host) {
    std::string out = lowercase(host);
    if (out == "index.docker.io" || out == "registry-1.docker.io")
        return std::string(docker_hub_registry);
    return out;
}

std::string registry_endpoint(std::string_view registry) {
    std::string canonical = canonical_registry(registry);
    if (canonical == docker_hub_registry)
        return std::string(docker_hub_endpoint);
    return std::string(registry);
}

bool is_loopback_host(std::string_view host_or_hostport) {
    std::string_view host = host_or_hostport;
    if (host.starts_with('[')) {
        auto close = host.find(']');
        if (close == std::string_view::npos)
            return false;
        host = host.substr(1, close - 1);
    } else if (auto colon = host.find(':');
               colon != std::string_view::npos && host.find(':', colon + 1) == host.npos) {
        // Exactly one ':' is a port; more than one is an unbracketed IPv6 address.
        host = host.substr(0, colon);
    }
    if (lowercase(host) == "localhost")
        return true;
    if (auto v4 = boost::urls::parse_ipv4_address(host))
        return v4->is_loopback();
    if (auto v6 = boost::urls::parse_ipv6_address(host)) {
        if (v6->is_loopback())
            return true;
        // ::ffff:127.0.0.1 is IPv4 loopback reached over an IPv6 socket.
        return v6->is_v4_mapped() && v6->to_bytes()[12] == 127;
    }
    return false;
}

} // namespace mmerge
