#include "registry/error_body.hpp"
#include "support/fixture.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace {

struct error_body_case {
    std::string body;
    std::string expected;
};

std::ostream& operator<<(std::ostream& os, const error_body_case& c) {
    return os << c.body;
}

// Rows hold `\n` as two characters so a table line can carry a multi-line body.
std::string unescape(std::string s) {
    for (std::size_t at; (at = s.find("\\n")) != std::string::npos;)
        s.replace(at, 2, "\n");
    return s;
}

std::vector<error_body_case> cases() {
    std::vector<error_body_case> out;
    for (auto& row : mmerge::test::read_table("registry/error_bodies.tsv"))
        out.push_back({unescape(row.at(0)), row.at(1)});
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(registry_error_body)

BOOST_DATA_TEST_CASE(describes_what_the_registry_said, boost::unit_test::data::make(cases()), c) {
    const auto diagnostics = mmerge::registry::parse_error_body(c.body);
    // HTML keeps its text with whitespace collapsed; the table writes the newline as `\n`.
    std::string expected = c.expected;
    if (auto at = expected.find("\\n"); at != std::string::npos)
        expected.replace(at, 2, " ");
    BOOST_TEST(mmerge::registry::describe(diagnostics, 404, "Not Found") == expected);
}

BOOST_AUTO_TEST_CASE(long_html_error_pages_are_cut_to_the_cap) {
    const std::string page = "<html>" + std::string(10000, 'x') + "</html>";
    const auto diagnostics = mmerge::registry::parse_error_body(page);
    BOOST_TEST_REQUIRE(diagnostics.size() == 1u);
    BOOST_TEST(diagnostics[0].message.size() == mmerge::registry::max_diagnostic_text);
}

BOOST_AUTO_TEST_CASE(control_characters_never_reach_the_terminal) {
    const auto diagnostics = mmerge::registry::parse_error_body("bad\x1b[31m gateway\x07");
    BOOST_TEST_REQUIRE(diagnostics.size() == 1u);
    BOOST_TEST(diagnostics[0].message == "bad[31m gateway");
}

BOOST_AUTO_TEST_SUITE_END()
