#include "support/fixture.hpp"

#include <mmerge/auth_challenge.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace {

using mmerge::challenge;
using mmerge::scope;

// One row of a fixture table: the case name first, then its fields.
struct row {
    std::vector<std::string> fields;
    const std::string& name() const { return fields.at(0); }
    const std::string& operator[](std::size_t i) const { return fields.at(i); }
    friend std::ostream& operator<<(std::ostream& out, const row& r) { return out << r.name(); }
};

std::vector<row> table(const std::string& file) {
    std::vector<row> rows;
    for (auto& fields : mmerge::test::read_table(file))
        rows.push_back(row{std::move(fields)});
    return rows;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
        s.replace(at, from.size(), to);
    return s;
}

// The fixture notation for header values: <HDR> between headers, <TAB>, <CTL>, <EMPTY>.
std::vector<std::string> headers_of(const std::string& cell) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        auto end = cell.find("<HDR>", start);
        auto one = cell.substr(start, end == std::string::npos ? end : end - start);
        one = replace_all(one, "<TAB>", "\t");
        one = replace_all(one, "<CTL>", "\x01");
        one = replace_all(one, "<EMPTY>", "");
        out.push_back(one);
        if (end == std::string::npos)
            return out;
        start = end + 5;
    }
}

std::string escaped(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

// The fixture's expected form: `scheme name="value" ... | scheme token68=...`.
std::string dump(const std::vector<challenge>& challenges) {
    std::string out;
    for (const auto& c : challenges) {
        if (!out.empty())
            out += " | ";
        out += c.scheme;
        for (const auto& [name, value] : c.params)
            out += " " + name + "=\"" + escaped(value) + "\"";
        if (!c.token68.empty())
            out += " token68=" + c.token68;
    }
    return out;
}

// `error @12: text` → (12 or npos, text).
std::pair<std::size_t, std::string> expected_error(const std::string& cell) {
    auto colon = cell.find(": ");
    auto at = cell.substr(7, colon - 7);
    std::size_t pos = at == "-" ? mmerge::parse_error::npos : std::stoul(at);
    return {pos, cell.substr(colon + 2)};
}

bool is_error(const std::string& cell) {
    return cell.rfind("error @", 0) == 0;
}

std::vector<challenge> parse_ok(std::string_view header) {
    auto r = mmerge::parse_challenges(header);
    BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
    return *r;
}

std::vector<scope> scopes_of(std::initializer_list<const char*> texts) {
    std::vector<scope> out;
    for (const char* t : texts)
        out.push_back(mmerge::parse_scope(t).value());
    return out;
}

} // namespace

namespace mmerge {
// How Boost.Test shows a scope in a failed comparison.
std::ostream& boost_test_print_type(std::ostream& out, const scope& s) {
    return out << format_scope(s);
}
} // namespace mmerge

BOOST_AUTO_TEST_SUITE(auth_challenge)

BOOST_DATA_TEST_CASE(challenge_table,
                     boost::unit_test::data::make(table("auth_challenge/challenges.tsv")), r) {
    auto headers = headers_of(r[1]);
    std::vector<std::string_view> views(headers.begin(), headers.end());
    auto parsed = mmerge::parse_challenges(views);
    if (is_error(r[2])) {
        auto [pos, text] = expected_error(r[2]);
        BOOST_TEST_REQUIRE(!parsed.has_value(), "parsed as " << (parsed ? dump(*parsed) : ""));
        BOOST_TEST(parsed.error().message.find(text) != std::string::npos,
                   "message \"" << parsed.error().message << "\" lacks \"" << text << "\"");
        BOOST_TEST(parsed.error().position == pos);
    } else {
        BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? "" : parsed.error().message));
        BOOST_TEST(dump(*parsed) == r[2]);
    }
}

BOOST_AUTO_TEST_CASE(accessors_read_the_docker_hub_challenge) {
    auto c = parse_ok(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
                      R"(scope="repository:library/nginx:pull")");
    BOOST_TEST_REQUIRE(c.size() == 1u);
    BOOST_TEST(c[0].is("Bearer"));
    BOOST_TEST(c[0].is("BEARER"));
    BOOST_TEST(!c[0].is("basic"));
    BOOST_TEST(c[0].realm().value() == "https://auth.docker.io/token");
    BOOST_TEST(c[0].service().value() == "registry.docker.io");
    BOOST_TEST(c[0].scope().value() == "repository:library/nginx:pull");
    BOOST_TEST(!c[0].error().has_value());
    BOOST_TEST(!c[0].insufficient_scope());
    BOOST_TEST(c[0].param("SERVICE").value() == "registry.docker.io");
    BOOST_TEST(!c[0].param("nonce").has_value());
}

BOOST_AUTO_TEST_CASE(insufficient_scope_is_recognized_with_its_scopes) {
    auto c = parse_ok(R"(Bearer realm="https://a/token",service="s",)"
                      R"(scope="repository:dst/app:pull,push repository:src/app:pull",)"
                      R"(error="insufficient_scope")");
    BOOST_TEST(c.at(0).insufficient_scope());
    auto scopes = mmerge::parse_scopes(c.at(0).scope().value());
    BOOST_TEST_REQUIRE(scopes.has_value());
    BOOST_TEST(*scopes == scopes_of({"repository:dst/app:pull,push", "repository:src/app:pull"}));
}

BOOST_AUTO_TEST_CASE(preferred_challenge_takes_bearer_even_when_basic_comes_first) {
    auto c = parse_ok(R"(Basic realm="r", Negotiate, Bearer realm="https://a/token")");
    const auto* p = mmerge::preferred_challenge(c);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(p->scheme == "bearer");
}

BOOST_AUTO_TEST_CASE(preferred_challenge_falls_back_to_basic_then_to_none) {
    auto basic = parse_ok(R"(Negotiate abc==, Basic realm="r")");
    BOOST_TEST(mmerge::preferred_challenge(basic)->scheme == "basic");
    auto none = parse_ok("Negotiate, NTLM");
    BOOST_TEST(mmerge::preferred_challenge(none) == nullptr);
}

BOOST_AUTO_TEST_CASE(no_header_at_all_is_an_error) {
    auto r = mmerge::parse_challenges(std::span<const std::string_view>());
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.find("no challenge") != std::string::npos);
}

// Registry headers are untrusted input: whatever the bytes, the parser returns, never throws, and
// an error always says something.
BOOST_AUTO_TEST_CASE(mutated_headers_never_throw) {
    const std::string seeds[] = {
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="a:b:c")",
        R"(Basic realm="a\"b", Negotiate abc==, Bearer realm=x,error="insufficient_scope")",
    };
    // The characters the grammar cares about, plus a control character and a UTF-8 lead byte.
    const std::string alphabet = {'"',    '\\',   '=', ',', ' ', '\t', '\x01',
                                  '\x7f', '\xc3', 'a', 'Z', '0', '/',  ':'};
    std::mt19937 rng(20240229);
    int errors = 0;
    for (const auto& seed : seeds) {
        for (int i = 0; i < 2000; ++i) {
            std::string s = seed;
            for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
                auto at = rng() % (s.size() + 1);
                switch (rng() % 3) {
                case 0:
                    s.insert(at, 1, alphabet[rng() % alphabet.size()]);
                    break;
                case 1:
                    if (at < s.size())
                        s.erase(at, 1);
                    break;
                default:
                    s = s.substr(0, at);
                    break;
                }
            }
            mmerge::result<std::vector<challenge>> r = std::vector<challenge>();
            BOOST_REQUIRE_NO_THROW(r = mmerge::parse_challenges(s));
            if (!r) {
                ++errors;
                BOOST_TEST_REQUIRE(!r.error().message.empty());
            }
        }
    }
    BOOST_TEST(errors > 0);
}

BOOST_DATA_TEST_CASE(scope_table, boost::unit_test::data::make(table("auth_challenge/scopes.tsv")),
                     r) {
    auto parsed = mmerge::parse_scope(r[1]);
    if (is_error(r[2])) {
        auto [pos, text] = expected_error(r[2]);
        BOOST_TEST_REQUIRE(!parsed.has_value());
        BOOST_TEST(parsed.error().message.find(text) != std::string::npos,
                   "message \"" << parsed.error().message << "\" lacks \"" << text << "\"");
        BOOST_TEST(parsed.error().position == pos);
    } else {
        BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? "" : parsed.error().message));
        std::string actions;
        for (const auto& a : parsed->actions)
            actions += (actions.empty() ? "" : ",") + a;
        BOOST_TEST(parsed->type + "|" + parsed->name + "|" + actions == r[2]);
        // What a token request sends must be what the challenge asked for.
        BOOST_TEST(mmerge::format_scope(*parsed) == r[1]);
    }
}

BOOST_AUTO_TEST_CASE(scope_list_tolerates_repeated_spaces_and_reports_offsets_in_the_list) {
    auto ok = mmerge::parse_scopes("  repository:a:pull   registry:catalog:* ");
    BOOST_TEST_REQUIRE(ok.has_value());
    BOOST_TEST(*ok == scopes_of({"repository:a:pull", "registry:catalog:*"}));
    BOOST_TEST(mmerge::parse_scopes("").value().empty());
    BOOST_TEST(mmerge::parse_scopes("   ").value().empty());
    auto bad = mmerge::parse_scopes("repository:a:pull repository::push");
    BOOST_TEST_REQUIRE(!bad.has_value());
    BOOST_TEST(bad.error().position == 29u);
}

BOOST_AUTO_TEST_CASE(merge_unions_actions_of_the_same_resource_in_first_seen_order) {
    auto merged =
        mmerge::merge_scopes(scopes_of({"repository:dst/app:push", "repository:src/app:pull",
                                        "repository:dst/app:pull,push", "registry:catalog:*"}));
    BOOST_TEST(merged == scopes_of({"repository:dst/app:pull,push", "repository:src/app:pull",
                                    "registry:catalog:*"}));
}

BOOST_AUTO_TEST_CASE(merge_keeps_types_apart_and_drops_scopes_without_actions) {
    std::vector<scope> in = scopes_of({"repository:foo:pull", "repository(plugin):foo:pull"});
    in.push_back(scope{"repository", "empty", {}});
    auto merged = mmerge::merge_scopes(in);
    BOOST_TEST(merged == scopes_of({"repository:foo:pull", "repository(plugin):foo:pull"}));
}

BOOST_AUTO_TEST_CASE(scope_set_key_ignores_order_and_repetition) {
    auto a = scopes_of(
        {"repository:src/app:pull", "repository:dst/app:push", "repository:dst/app:pull"});
    auto b = scopes_of(
        {"repository:dst/app:pull,push", "repository:src/app:pull", "repository:src/app:pull"});
    BOOST_TEST(mmerge::scope_set_key(a) == mmerge::scope_set_key(b));
    BOOST_TEST(mmerge::scope_set_key(a) == "repository:dst/app:pull,push repository:src/app:pull");
    auto c = scopes_of({"repository:dst/app:pull", "repository:src/app:pull"});
    BOOST_TEST(mmerge::scope_set_key(a) != mmerge::scope_set_key(c));
}

BOOST_AUTO_TEST_CASE(scope_set_key_keeps_host_port_names_distinct) {
    auto a = scopes_of({"repository:localhost:5000/foo:pull"});
    auto b = scopes_of({"repository:localhost:5001/foo:pull"});
    BOOST_TEST(mmerge::scope_set_key(a) == "repository:localhost:5000/foo:pull");
    BOOST_TEST(mmerge::scope_set_key(a) != mmerge::scope_set_key(b));
}

BOOST_AUTO_TEST_CASE(cached_scopes_cover_a_request_only_for_granted_actions) {
    auto granted = scopes_of({"repository:dst/app:pull,push", "registry:catalog:*"});
    BOOST_TEST(
        mmerge::scopes_cover(granted, mmerge::parse_scope("repository:dst/app:pull").value()));
    BOOST_TEST(
        mmerge::scopes_cover(granted, mmerge::parse_scope("repository:dst/app:push,pull").value()));
    BOOST_TEST(
        !mmerge::scopes_cover(granted, mmerge::parse_scope("repository:dst/app:delete").value()));
    BOOST_TEST(
        !mmerge::scopes_cover(granted, mmerge::parse_scope("repository:src/app:pull").value()));
    BOOST_TEST(mmerge::scopes_cover(granted, mmerge::parse_scope("registry:catalog:*").value()));
    BOOST_TEST(mmerge::scopes_cover(granted, mmerge::parse_scope("registry:catalog:list").value()));
}

BOOST_AUTO_TEST_SUITE_END()
