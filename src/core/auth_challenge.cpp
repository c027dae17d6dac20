#include <mmerge/auth_challenge.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>
#include <utility>

namespace mmerge {
namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// RFC 7230 §3.2.6 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 7235 §2.1 token68 characters, without the trailing '='.
bool is_token68_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("-._~+/").find(c) != std::string_view::npos;
}

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string quote(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

bool is_ctl(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

// How a character is shown in an error message: printable as itself, others as a hex escape.
std::string show(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f)
        return std::string("'") + c + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", u);
    return buf;
}

// Reads one header value left to right; each method leaves pos_ just after what it read.
class challenge_reader {
public:
    challenge_reader(std::string_view text, std::string where)
        : text_(text)
        , where_(std::move(where)) {}

    // challenges = 1#challenge, with empty list elements allowed (RFC 7230 §7).
    result<std::vector<challenge>> read_all() {
        std::vector<challenge> out;
        for (;;) {
            skip_list_separators();
            if (at_end())
                return out;
            auto c = read_challenge();
            if (!c)
                return c.error();
            out.push_back(std::move(*c));
        }
    }

private:
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void skip_ows() {
        while (!at_end() && is_ows(peek()))
            ++pos_;
    }

    void skip_list_separators() {
        while (!at_end() && (is_ows(peek()) || peek() == ','))
            ++pos_;
    }

    parse_error error_at(std::size_t pos, const std::string& what) const {
        return fail(where_ + ": " + what + " at offset " + std::to_string(pos), pos);
    }

    std::string_view read_token() {
        std::size_t start = pos_;
        while (!at_end() && is_tchar(peek()))
            ++pos_;
        return text_.substr(start, pos_ - start);
    }

    // After a token: true when BWS "=" follows, i.e. the token names an auth-param.
    bool equals_follows() const {
        std::size_t p = pos_;
        while (p < text_.size() && is_ows(text_[p]))
            ++p;
        return p < text_.size() && text_[p] == '=';
    }

    // A token68 is the whole rest of the list element: token68 chars, then '='s, then OWS.
    std::optional<std::string_view> try_token68() {
        std::size_t p = pos_;
        while (p < text_.size() && is_token68_char(text_[p]))
            ++p;
        if (p == pos_)
            return std::nullopt;
        while (p < text_.size() && text_[p] == '=')
            ++p;
        std::size_t end = p;
        while (p < text_.size() && is_ows(text_[p]))
            ++p;
        if (p < text_.size() && text_[p] != ',')
            return std::nullopt;
        auto t = text_.substr(pos_, end - pos_);
        pos_ = p;
        return t;
    }

    result<challenge> read_challenge() {
        std::size_t scheme_at = pos_;
        auto scheme = read_token();
        if (scheme.empty())
            return error_at(scheme_at, "expected an auth-scheme, found " + show(peek()));
        if (equals_follows())
            return error_at(scheme_at, quote(std::string(scheme) + "=") +
                                           " where an auth-scheme belongs: a parameter cannot "
                                           "follow a token68 or a parameter without a value");
        challenge c;
        c.scheme = lowercase(scheme);
        if (!at_end() && !is_ows(peek()) && peek() != ',')
            return error_at(pos_, "unexpected " + show(peek()) + " after auth-scheme \"" +
                                      std::string(scheme) + "\"");
        skip_ows();
        if (at_end() || peek() == ',')
            return c;
        if (auto t68 = try_token68()) {
            c.token68 = std::string(*t68);
            return c;
        }
        // #auth-param: read params until the list element after a comma is a bare token, which
        // starts the next challenge.
        for (;;) {
            if (auto r = read_param(c); !r)
                return r.error();
            skip_ows();
            if (at_end())
                return c;
            if (peek() != ',')
                return error_at(pos_, "expected ',' between parameters, found " + show(peek()));
            std::size_t mark = pos_;
            skip_list_separators();
            if (at_end())
                return c;
            std::size_t name_at = pos_;
            auto name = read_token();
            bool is_param = !name.empty() && equals_follows();
            pos_ = is_param ? name_at : mark;
            if (!is_param)
                return c;
        }
    }

    // auth-param = token BWS "=" BWS ( token / quoted-string )
    result<void> read_param(challenge& c) {
        std::size_t name_at = pos_;
        auto name = read_token();
        if (name.empty())
            return error_at(name_at, "expected a parameter name, found " + show(peek()));
        skip_ows();
        if (at_end() || peek() != '=')
            return error_at(pos_, "parameter \"" + std::string(name) + "\" has no '='");
        ++pos_;
        skip_ows();
        std::string value;
        if (!at_end() && peek() == '"') {
            auto q = read_quoted_string();
            if (!q)
                return q.error();
            value = std::move(*q);
        } else {
            // The grammar says token, but servers send unquoted realms such as `realm=/`, and ':'
            // and '/' are not tchars; accept any visible character but the list delimiters.
            std::size_t start = pos_;
            while (!at_end() && !is_ows(peek()) && peek() != ',' && peek() != '"' &&
                   !is_ctl(peek()))
                ++pos_;
            if (pos_ == start)
                return error_at(pos_, "parameter \"" + std::string(name) + "\" has no value");
            value = std::string(text_.substr(start, pos_ - start));
        }
        auto key = lowercase(name);
        // RFC 7235 §2.2: each parameter name MUST occur once per challenge. Two realms would let
        // whoever injects the second one choose where our credentials go, so refuse.
        if (!c.params.emplace(key, std::move(value)).second)
            return error_at(name_at,
                            "duplicate parameter \"" + key + "\" in " + c.scheme + " challenge");
        return {};
    }

    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE  (RFC 7230 §3.2.6)
    result<std::string> read_quoted_string() {
        std::size_t open_at = pos_;
        ++pos_;
        std::string out;
        while (!at_end()) {
            char ch = peek();
            if (ch == '"') {
                ++pos_;
                // parse_error is constructible from a string too, so name the alternative.
                return result<std::string>(boost::system::in_place_value, std::move(out));
            }
            if (ch == '\\') {
                ++pos_;
                if (at_end())
                    break;
                ch = peek();
            }
            if (is_ctl(ch))
                return error_at(pos_, "control character " + show(ch) + " in quoted string");
            out.push_back(ch);
            ++pos_;
        }
        return error_at(open_at, "unterminated quoted string");
    }

    std::string_view text_;
    std::string where_;
    std::size_t pos_ = 0;
};

bool is_type_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Actions are `[a-z*]*` in scope.md; registries also use `metadata_read` (ACR) and `delete`.
bool is_action_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
           c == '_' || c == '-';
}

// resourcetype := resourcetypevalue [ '(' resourcetypevalue ')' ]
bool valid_type(std::string_view t) {
    auto open = t.find('(');
    auto base = t.substr(0, open);
    if (base.empty() || !std::all_of(base.begin(), base.end(), is_type_char))
        return false;
    if (open == std::string_view::npos)
        return true;
    if (t.back() != ')' || t.size() < open + 3)
        return false;
    auto cls = t.substr(open + 1, t.size() - open - 2);
    return std::all_of(cls.begin(), cls.end(), is_type_char);
}

} // namespace

bool challenge::is(std::string_view name) const {
    return iequals(scheme, name);
}

std::optional<std::string_view> challenge::param(std::string_view name) const {
    auto it = params.find(lowercase(name));
    if (it == params.end())
        return std::nullopt;
    return std::string_view(it->second);
}

result<std::vector<challenge>> parse_challenges(std::span<const std::string_view> header_values) {
    std::vector<challenge> all;
    for (std::size_t i = 0; i < header_values.size(); ++i) {
        std::string where = "WWW-Authenticate";
        if (header_values.size() > 1)
            where += " (header " + std::to_string(i + 1) + " of " +
                     std::to_string(header_values.size()) + ")";
        auto one = challenge_reader(header_values[i], where).read_all();
        if (!one)
            return one.error();
        for (auto& c : *one)
            all.push_back(std::move(c));
    }
    if (all.empty())
        return fail("WWW-Authenticate holds no challenge: the registry asked for authentication "
                    "without saying how");
    return all;
}

result<std::vector<challenge>> parse_challenges(std::string_view header_value) {
    return parse_challenges(std::span<const std::string_view>(&header_value, 1));
}

const challenge* preferred_challenge(std::span<const challenge> challenges) {
    for (const char* scheme : {"bearer", "basic"})
        for (const auto& c : challenges)
            if (c.is(scheme))
                return &c;
    return nullptr;
}

result<scope> parse_scope(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i)
        if (is_ows(text[i]) || is_ctl(text[i]))
            return fail("scope " + quote(text) + " has whitespace or a control character (" +
                            show(text[i]) + ") at offset " + std::to_string(i),
                        i);
    auto first = text.find(':');
    auto last = text.rfind(':');
    if (first == std::string_view::npos || first == last)
        return fail("scope " + quote(text) + " is not of the form type:name:actions");
    scope s;
    s.type = std::string(text.substr(0, first));
    s.name = std::string(text.substr(first + 1, last - first - 1));
    if (!valid_type(s.type))
        return fail("scope " + quote(text) + " has an invalid resource type " + quote(s.type) +
                        " at offset 0 (expected [a-z0-9]+, optionally with a (class))",
                    0);
    if (s.name.empty())
        return fail("scope " + quote(text) + " has an empty resource name at offset " +
                        std::to_string(first + 1),
                    first + 1);
    std::size_t at = last + 1;
    for (;;) {
        auto comma = text.find(',', at);
        auto action = text.substr(at, comma == std::string_view::npos ? comma : comma - at);
        if (action.empty())
            return fail("scope " + quote(text) + " has an empty action at offset " +
                            std::to_string(at),
                        at);
        for (std::size_t i = 0; i < action.size(); ++i)
            if (!is_action_char(action[i]))
                return fail("scope " + quote(text) + " has an invalid character " +
                                show(action[i]) + " in action " + quote(action) + " at offset " +
                                std::to_string(at + i),
                            at + i);
        s.actions.emplace_back(action);
        if (comma == std::string_view::npos)
            break;
        at = comma + 1;
    }
    return s;
}

result<std::vector<scope>> parse_scopes(std::string_view text) {
    std::vector<scope> out;
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == ' ') {
            ++at;
            continue;
        }
        auto end = std::min(text.find(' ', at), text.size());
        auto one = parse_scope(text.substr(at, end - at));
        if (!one) {
            auto e = one.error();
            if (e.position != parse_error::npos)
                e.position += at;
            return e;
        }
        out.push_back(std::move(*one));
        at = end;
    }
    return out;
}

std::string format_scope(const scope& s) {
    std::string out = s.type + ":" + s.name + ":";
    for (std::size_t i = 0; i < s.actions.size(); ++i) {
        if (i)
            out += ',';
        out += s.actions[i];
    }
    return out;
}

std::vector<scope> merge_scopes(std::span<const scope> scopes) {
    std::vector<scope> out;
    std::vector<std::set<std::string>> actions;
    for (const auto& s : scopes) {
        auto it = std::find_if(out.begin(), out.end(), [&](const scope& o) {
            return o.type == s.type && o.name == s.name;
        });
        std::size_t i = static_cast<std::size_t>(it - out.begin());
        if (it == out.end()) {
            out.push_back(scope{s.type, s.name, {}});
            actions.emplace_back();
        }
        actions[i].insert(s.actions.begin(), s.actions.end());
    }
    std::vector<scope> merged;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (actions[i].empty())
            continue;
        out[i].actions.assign(actions[i].begin(), actions[i].end());
        merged.push_back(std::move(out[i]));
    }
    return merged;
}

std::string scope_set_key(std::span<const scope> scopes) {
    auto merged = merge_scopes(scopes);
    std::sort(merged.begin(), merged.end(), [](const scope& a, const scope& b) {
        return std::tie(a.type, a.name) < std::tie(b.type, b.name);
    });
    std::string key;
    for (const auto& s : merged) {
        if (!key.empty())
            key += ' ';
        key += format_scope(s);
    }
    return key;
}

bool scopes_cover(std::span<const scope> granted, const scope& needed) {
    auto allowed = [&](const std::string& action) {
        return std::any_of(granted.begin(), granted.end(), [&](const scope& g) {
            return g.type == needed.type && g.name == needed.name &&
                   std::any_of(g.actions.begin(), g.actions.end(),
                               [&](const std::string& a) { return a == action || a == "*"; });
        });
    };
    return std::all_of(needed.actions.begin(), needed.actions.end(), allowed);
}

} // namespace mmerge
