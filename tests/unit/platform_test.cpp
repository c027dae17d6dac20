#include "support/fixture.hpp"

#include <mmerge/platform.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;

namespace {

/** `-` in a fixture means "none". */
std::string or_empty(const std::string& field) {
    return field == "-" ? std::string() : field;
}

/** One row of fixtures/platform/parse.tsv. */
struct parse_row {
    std::string input, os, architecture, variant, os_version, formatted, guards;

    friend std::ostream& operator<<(std::ostream& out, const parse_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<parse_row> parse_rows() {
    std::vector<parse_row> rows;
    for (auto& f : mmerge::test::read_table("platform/parse.tsv"))
        rows.push_back(
            {f.at(0), f.at(1), f.at(2), or_empty(f.at(3)), or_empty(f.at(4)), f.at(5), f.at(6)});
    return rows;
}

/** One row of fixtures/platform/parse_errors.tsv. */
struct error_row {
    std::string input;
    std::size_t offset = 0;
    std::string fragment, guards;

    friend std::ostream& operator<<(std::ostream& out, const error_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<error_row> error_rows() {
    std::vector<error_row> rows;
    for (auto& f : mmerge::test::read_table("platform/parse_errors.tsv"))
        rows.push_back({f.at(0), std::stoul(f.at(1)), f.at(2), f.at(3)});
    return rows;
}

/** A row of normalize.tsv (input, expected) or match.tsv (asserted, actual, yes|no). */
struct pair_row {
    std::string first, second, outcome, guards;

    friend std::ostream& operator<<(std::ostream& out, const pair_row& r) {
        return out << '"' << r.first << "\" \"" << r.second << "\" [" << r.guards << ']';
    }
};

std::vector<pair_row> normalize_rows() {
    std::vector<pair_row> rows;
    for (auto& f : mmerge::test::read_table("platform/normalize.tsv"))
        rows.push_back({f.at(0), f.at(1), "", f.at(2)});
    return rows;
}

std::vector<pair_row> match_rows() {
    std::vector<pair_row> rows;
    for (auto& f : mmerge::test::read_table("platform/match.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2), f.at(3)});
    return rows;
}

mmerge::platform parsed(const std::string& text) {
    auto p = mmerge::parse_platform(text);
    BOOST_TEST_REQUIRE(p.has_value(), text << ": " << p.error().message);
    return *p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(platform)

BOOST_DATA_TEST_CASE(parse, data::make(parse_rows()), row) {
    auto p = parsed(row.input);
    BOOST_TEST(p.os == row.os);
    BOOST_TEST(p.architecture == row.architecture);
    BOOST_TEST(p.variant == row.variant);
    BOOST_TEST(p.os_version == row.os_version);
    BOOST_TEST(p.os_features.empty());
    BOOST_TEST(mmerge::to_string(p) == row.formatted);
    // What to_string writes reads back as the same platform.
    BOOST_TEST((parsed(mmerge::to_string(p)) == p));
}

BOOST_DATA_TEST_CASE(parse_error, data::make(error_rows()), row) {
    auto p = mmerge::parse_platform(row.input);
    BOOST_TEST_REQUIRE(!p.has_value(), "accepted as " << (p ? mmerge::to_string(*p) : ""));
    BOOST_TEST(p.error().position == row.offset);
    BOOST_TEST(p.error().message.find(row.fragment) != std::string::npos,
               "message \"" << p.error().message << "\" lacks \"" << row.fragment << '"');
    if (!row.input.empty())
        BOOST_TEST(p.error().message.rfind("invalid platform \"" + row.input + "\": ", 0) == 0,
                   "message \"" << p.error().message << "\" does not name the input");
}

BOOST_DATA_TEST_CASE(normalize, data::make(normalize_rows()), row) {
    auto n = mmerge::normalize(parsed(row.first));
    BOOST_TEST(mmerge::to_string(n) == row.second);
    // Normalizing twice changes nothing.
    BOOST_TEST((mmerge::normalize(n) == n));
}

BOOST_DATA_TEST_CASE(match, data::make(match_rows()), row) {
    BOOST_TEST(mmerge::matches(parsed(row.first), parsed(row.second)) == (row.outcome == "yes"));
}

BOOST_AUTO_TEST_CASE(normalize_keeps_os_features) {
    mmerge::platform p{"Windows", "X86_64", "", "10.0.17763.5329", {"win32k"}};
    auto n = mmerge::normalize(p);
    BOOST_TEST(n.os == "windows");
    BOOST_TEST(n.architecture == "amd64");
    BOOST_TEST(n.os_version == "10.0.17763.5329");
    BOOST_TEST((n.os_features == std::vector<std::string>{"win32k"}));
}

BOOST_AUTO_TEST_CASE(asserted_os_features_must_be_present) {
    mmerge::platform nano{"windows", "amd64", "", "10.0.17763.5329", {}};
    mmerge::platform server{"windows", "amd64", "", "10.0.17763.5329", {"win32k"}};
    mmerge::platform wants_win32k{"windows", "amd64", "", "", {"win32k"}};
    BOOST_TEST(mmerge::matches(wants_win32k, server));
    BOOST_TEST(!mmerge::matches(wants_win32k, nano));
    // An assertion without features accepts an image that has some.
    BOOST_TEST(mmerge::matches(nano, server));
}

BOOST_AUTO_TEST_CASE(equivalent_compares_normalized_platforms_including_os_version) {
    BOOST_TEST(mmerge::equivalent(parsed("linux/arm64/v8"), parsed("linux/aarch64")));
    BOOST_TEST(mmerge::equivalent(parsed("linux/arm"), parsed("linux/arm/v7")));
    BOOST_TEST(!mmerge::equivalent(parsed("linux/arm/v6"), parsed("linux/arm/v7")));
    // Two Windows entries differing only in os.version are distinct entries of one index.
    BOOST_TEST(!mmerge::equivalent(parsed("windows/amd64:10.0.17763.5329"),
                                   parsed("windows/amd64:10.0.20348.2227")));
    // Unlike matches(), equivalent() is symmetric: a missing os.version is not a wildcard.
    BOOST_TEST(
        !mmerge::equivalent(parsed("windows/amd64"), parsed("windows/amd64:10.0.17763.5329")));
}

BOOST_AUTO_TEST_CASE(equivalent_compares_os_features_as_sets) {
    mmerge::platform a{"windows", "amd64", "", "10.0.17763.5329", {"win32k", "x"}};
    mmerge::platform b{"windows", "amd64", "", "10.0.17763.5329", {"x", "win32k", "x"}};
    mmerge::platform c{"windows", "amd64", "", "10.0.17763.5329", {"win32k"}};
    BOOST_TEST(mmerge::equivalent(a, b));
    BOOST_TEST(!mmerge::equivalent(a, c));
}

BOOST_AUTO_TEST_CASE(to_string_leaves_out_os_features) {
    mmerge::platform p{"windows", "amd64", "", "10.0.17763.5329", {"win32k"}};
    BOOST_TEST(mmerge::to_string(p) == "windows/amd64:10.0.17763.5329");
}

BOOST_AUTO_TEST_CASE(non_ascii_byte_is_shown_in_hex_in_the_message) {
    auto p = mmerge::parse_platform("linux/amd\xc3\xa9");
    BOOST_TEST_REQUIRE(!p.has_value());
    BOOST_TEST(p.error().position == 9u);
    BOOST_TEST(p.error().message.find("byte 0xc3 in architecture at offset 9") != std::string::npos,
               p.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
