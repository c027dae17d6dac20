#include "support/fixture.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <mmerge/reference.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;

namespace {

constexpr std::size_t no_offset = mmerge::parse_error::npos;

/** `-` in a fixture means "none". */
std::string or_empty(const std::string& field) {
    return field == "-" ? std::string() : field;
}

std::size_t offset_field(const std::string& field) {
    return field == "-" ? no_offset : std::stoul(field);
}

/** One row of fixtures/reference/valid.tsv. */
struct valid_row {
    std::string input, registry, repository, tag, tag_source, digest, familiar, guards;

    friend std::ostream& operator<<(std::ostream& out, const valid_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<valid_row> valid_rows() {
    std::vector<valid_row> rows;
    for (auto& f : mmerge::test::read_table("reference/valid.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2), or_empty(f.at(3)), f.at(4), or_empty(f.at(5)),
                        f.at(6), f.at(7)});
    return rows;
}

/** One row of fixtures/reference/invalid.tsv. */
struct invalid_row {
    std::string input;
    std::size_t offset = no_offset;
    std::string fragment, guards;

    friend std::ostream& operator<<(std::ostream& out, const invalid_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<invalid_row> invalid_rows() {
    std::vector<invalid_row> rows;
    for (auto& f : mmerge::test::read_table("reference/invalid.tsv"))
        rows.push_back({f.at(0), offset_field(f.at(1)), f.at(2), f.at(3)});
    return rows;
}

/** A row of an ok|error table (registry.tsv, repository.tsv): two payload fields. */
struct outcome_row {
    std::string input;
    bool ok = false;
    std::string first, second, guards;

    friend std::ostream& operator<<(std::ostream& out, const outcome_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<outcome_row> outcome_rows(const std::string& table) {
    std::vector<outcome_row> rows;
    for (auto& f : mmerge::test::read_table(table))
        rows.push_back({f.at(0), f.at(1) == "ok", f.at(2), f.at(3), f.at(4)});
    return rows;
}

/** One row of fixtures/reference/hosts.tsv. */
struct host_row {
    std::string input, canonical, endpoint;
    bool loopback = false;
    std::string guards;

    friend std::ostream& operator<<(std::ostream& out, const host_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<host_row> host_rows() {
    std::vector<host_row> rows;
    for (auto& f : mmerge::test::read_table("reference/hosts.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2), f.at(3) == "yes", f.at(4)});
    return rows;
}

/** The error message must name the input, the offset (when there is one) and the fragment. */
void check_error(const mmerge::parse_error& e, std::string_view what, const std::string& input,
                 std::size_t offset, const std::string& fragment) {
    BOOST_TEST(e.position == offset);
    BOOST_TEST(e.message.find(fragment) != std::string::npos,
               "message \"" << e.message << "\" lacks \"" << fragment << '"');
    std::string prefix = "invalid " + std::string(what) + " \"" + input.substr(0, 120);
    BOOST_TEST(e.message.rfind(prefix, 0) == 0,
               "message \"" << e.message << "\" does not start with " << prefix);
    if (offset != no_offset)
        BOOST_TEST(e.message.find("at offset " + std::to_string(offset) + ": ") !=
                   std::string::npos);
}

} // namespace

BOOST_AUTO_TEST_SUITE(reference)

BOOST_DATA_TEST_CASE(valid, data::make(valid_rows()), row) {
    auto r = mmerge::parse_reference(row.input);
    BOOST_TEST_REQUIRE(r.has_value(), "unexpected error: " << r.error().message);
    BOOST_TEST(r->registry == row.registry);
    BOOST_TEST(r->repository == row.repository);
    BOOST_TEST(r->tag == row.tag);
    BOOST_TEST(r->explicit_tag == (row.tag_source == "explicit"));
    BOOST_TEST((row.tag_source == "none") == r->tag.empty());
    BOOST_TEST(r->digest.has_value() == !row.digest.empty());
    if (r->digest)
        BOOST_TEST(r->digest->str() == row.digest);
    BOOST_TEST(mmerge::familiar_string(*r) == row.familiar);

    std::string full = row.registry + '/' + row.repository;
    if (!row.tag.empty())
        full += ':' + row.tag;
    if (!row.digest.empty())
        full += '@' + row.digest;
    BOOST_TEST(mmerge::to_string(*r) == full);
    BOOST_TEST(mmerge::to_string(r->name()) == row.registry + '/' + row.repository);

    // The full and familiar forms are references too, and name the same image.
    for (const auto& form : {full, row.familiar}) {
        auto again = mmerge::parse_reference(form);
        BOOST_TEST_REQUIRE(again.has_value(), form << ": " << again.error().message);
        BOOST_TEST(mmerge::to_string(*again) == full);
    }
}

BOOST_DATA_TEST_CASE(invalid, data::make(invalid_rows()), row) {
    auto r = mmerge::parse_reference(row.input);
    BOOST_TEST_REQUIRE(!r.has_value(), "accepted as " << (r ? mmerge::to_string(*r) : ""));
    check_error(r.error(), "reference", row.input, row.offset, row.fragment);
}

BOOST_DATA_TEST_CASE(parse_repository, data::make(outcome_rows("reference/repository.tsv")), row) {
    auto r = mmerge::parse_repository(row.input);
    BOOST_TEST_REQUIRE(r.has_value() == row.ok, (r ? "accepted" : "refused: " + r.error().message));
    if (row.ok) {
        BOOST_TEST(r->registry == row.first);
        BOOST_TEST(r->repository == row.second);
    } else {
        check_error(r.error(), "repository", row.input, std::stoul(row.second), row.first);
    }
}

BOOST_DATA_TEST_CASE(parse_registry, data::make(outcome_rows("reference/registry.tsv")), row) {
    auto r = mmerge::parse_registry(row.input);
    BOOST_TEST_REQUIRE(r.has_value() == row.ok,
                       (r ? "accepted as " + *r : "refused: " + r.error().message));
    if (row.ok)
        BOOST_TEST(*r == row.first);
    else
        check_error(r.error(), "registry", row.input, std::stoul(row.second), row.first);
}

BOOST_DATA_TEST_CASE(host_helpers, data::make(host_rows()), row) {
    BOOST_TEST(mmerge::canonical_registry(row.input) == row.canonical);
    BOOST_TEST(mmerge::registry_endpoint(row.input) == row.endpoint);
    BOOST_TEST(mmerge::is_loopback_host(row.input) == row.loopback);
}

BOOST_AUTO_TEST_CASE(default_tag_only_when_neither_tag_nor_digest_is_given) {
    auto plain = mmerge::parse_reference("nginx").value();
    auto tagged = mmerge::parse_reference("nginx:latest").value();
    BOOST_TEST(plain.tag == tagged.tag);
    BOOST_TEST(!plain.explicit_tag);
    BOOST_TEST(tagged.explicit_tag);
    auto by_digest = mmerge::parse_reference("nginx@sha256:" + std::string(64, 'a')).value();
    BOOST_TEST(by_digest.tag.empty());
    BOOST_TEST(!by_digest.explicit_tag);
}

BOOST_AUTO_TEST_CASE(long_input_is_cut_in_the_message_but_the_offset_is_exact) {
    std::string input = "example.com/" + std::string(300, 'a') + "!";
    auto r = mmerge::parse_reference(input);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().position == 312u);
    BOOST_TEST(r.error().message.find("...\" at offset 312: invalid character '!'") !=
               std::string::npos);
    BOOST_TEST(r.error().message.size() < 220u);
}

BOOST_AUTO_TEST_CASE(value_of_a_bad_reference_throws_with_the_message) {
    BOOST_CHECK_EXCEPTION(mmerge::parse_reference("Foo/bar").value(), mmerge::parse_exception,
                          [](const mmerge::parse_exception& e) {
                              return std::string(e.what()) ==
                                     "invalid reference \"Foo/bar\" at offset 0: repository name "
                                     "must be lowercase (found 'F')";
                          });
}

BOOST_AUTO_TEST_CASE(prints_the_full_form) {
    std::ostringstream out;
    out << mmerge::parse_reference("user/app:v1").value();
    BOOST_TEST(out.str() == "docker.io/user/app:v1");
}

BOOST_AUTO_TEST_SUITE_END()
