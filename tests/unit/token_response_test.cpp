#include "support/fixture.hpp"

#include <mmerge/token_response.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct row {
    std::vector<std::string> fields;
    const std::string& operator[](std::size_t i) const { return fields.at(i); }
    friend std::ostream& operator<<(std::ostream& out, const row& r) { return out << r[0]; }
};

std::vector<row> table(const std::string& file) {
    std::vector<row> rows;
    for (auto& fields : mmerge::test::read_table(file))
        rows.push_back(row{std::move(fields)});
    return rows;
}

// The fixture's expected form: `token=T expires_in=N issued_at=UNIX|- refresh=R|-`.
std::string dump(const mmerge::token_response& t) {
    std::ostringstream s;
    s << "token=" << t.token.reveal() << " expires_in=" << t.expires_in.count() << " issued_at=";
    if (t.issued_at)
        s << t.issued_at->time_since_epoch().count();
    else
        s << "-";
    s << " refresh=" << (t.refresh_token.empty() ? "-" : t.refresh_token.reveal());
    return s.str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(token_response)

BOOST_DATA_TEST_CASE(response_table,
                     boost::unit_test::data::make(table("token_response/responses.tsv")), r) {
    auto parsed = mmerge::parse_token_response(r[1]);
    if (r[2].rfind("error @", 0) == 0) {
        auto colon = r[2].find(": ");
        auto at = r[2].substr(7, colon - 7);
        auto text = r[2].substr(colon + 2);
        BOOST_TEST_REQUIRE(!parsed.has_value(), "parsed as " << (parsed ? dump(*parsed) : ""));
        BOOST_TEST(parsed.error().message.find(text) != std::string::npos,
                   "message \"" << parsed.error().message << "\" lacks \"" << text << "\"");
        BOOST_TEST(parsed.error().position ==
                   (at == "-" ? mmerge::parse_error::npos : std::stoul(at)));
    } else {
        BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? "" : parsed.error().message));
        BOOST_TEST(dump(*parsed) == r[2]);
    }
}

BOOST_AUTO_TEST_CASE(body_at_the_cap_is_read_and_one_byte_more_is_refused) {
    std::string body = R"({"token":"t"})";
    body.resize(mmerge::max_token_response_size, ' ');
    BOOST_TEST(mmerge::parse_token_response(body).has_value());
    body.push_back(' ');
    auto r = mmerge::parse_token_response(body);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.find("cap") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deeply_nested_body_is_an_error_not_a_crash) {
    std::string body(200000, '[');
    auto r = mmerge::parse_token_response(body);
    BOOST_TEST(!r.has_value());
}

// Error messages reach the terminal and CI logs: the token must never be in one.
BOOST_AUTO_TEST_CASE(error_messages_never_hold_the_token) {
    const std::string bodies[] = {
        R"({"token":"s3cr3t-value x"})",
        R"({"token":"s3cr3t-value\n"})",
        R"({"token":"ok","refresh_token":"s3cr3t-value\u0000"})",
        R"({"token":"s3cr3t-value","expires_in":"soon"})",
        R"({"token":"s3cr3t-value")",
    };
    for (const auto& body : bodies) {
        auto r = mmerge::parse_token_response(body);
        BOOST_TEST_REQUIRE(!r.has_value(), body);
        BOOST_TEST(r.error().message.find("s3cr3t") == std::string::npos, r.error().message);
    }
}

BOOST_AUTO_TEST_CASE(streaming_a_token_response_field_prints_no_token) {
    auto r = mmerge::parse_token_response(R"({"token":"s3cr3t-value","refresh_token":"r3fr3sh"})");
    BOOST_TEST_REQUIRE(r.has_value());
    std::ostringstream s;
    s << r->token << " " << r->refresh_token;
    BOOST_TEST(s.str() == "<redacted> <redacted>");
}

BOOST_AUTO_TEST_SUITE_END()
