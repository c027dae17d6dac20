#include "support/fixture.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <mmerge/digest.hpp>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;
using mmerge::digest_algorithm;
using mmerge::hasher;

namespace {

digest_algorithm algorithm_named(const std::string& name) {
    if (name == "sha256")
        return digest_algorithm::sha256;
    if (name == "sha512")
        return digest_algorithm::sha512;
    throw std::runtime_error("fixture names unknown algorithm " + name);
}

/** One row of fixtures/digest/vectors.tsv: `input` repeated `repeat` times hashes to `expected`. */
struct vector_row {
    std::string algorithm, input;
    std::size_t repeat = 1;
    std::string expected, guards;

    std::string message() const {
        std::string m;
        m.reserve(input.size() * repeat);
        for (std::size_t i = 0; i < repeat; ++i)
            m += input;
        return m;
    }
    friend std::ostream& operator<<(std::ostream& out, const vector_row& r) {
        return out << r.algorithm << "(\"" << r.input << "\" x" << r.repeat << ") [" << r.guards
                   << "]";
    }
};

std::vector<vector_row> vector_rows() {
    std::vector<vector_row> rows;
    for (auto& f : mmerge::test::read_table("digest/vectors.tsv"))
        rows.push_back({f.at(0), f.at(1), std::stoul(f.at(2)), f.at(3), f.at(4)});
    return rows;
}

/** One row of fixtures/digest/parse.tsv. */
struct parse_row {
    std::string input;
    bool ok = false;
    std::string algorithm_or_fragment;
    std::size_t position = 0;
    std::string guards;

    friend std::ostream& operator<<(std::ostream& out, const parse_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << "]";
    }
};

std::vector<parse_row> parse_rows() {
    std::vector<parse_row> rows;
    for (auto& f : mmerge::test::read_table("digest/parse.tsv")) {
        bool ok = f.at(1) == "ok";
        rows.push_back({f.at(0), ok, f.at(2), ok ? 0 : std::stoul(f.at(3)), f.at(4)});
    }
    return rows;
}

/** A deterministic, non-repeating body large enough to span many hash blocks. */
std::string stream_body() {
    std::string body;
    std::uint32_t x = 2463534242u;
    for (int i = 0; i < 100000; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        body.push_back(static_cast<char>(x & 0xff));
    }
    return body;
}

} // namespace

BOOST_AUTO_TEST_SUITE(digest)

BOOST_DATA_TEST_CASE(known_vector_one_shot, data::make(vector_rows()), row) {
    auto d = mmerge::digest::of(row.message(), algorithm_named(row.algorithm));
    BOOST_TEST(d.str() == row.expected);
    BOOST_TEST(d.algorithm_name() == row.algorithm);
    BOOST_TEST(d.matches(row.message()));
    // The printed form must be parseable back into the same digest.
    auto parsed = mmerge::digest::parse(d.str());
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(*parsed == d);
}

BOOST_DATA_TEST_CASE(stream_in_chunks_equals_one_shot,
                     data::make({1, 3, 63, 64, 65, 127, 128, 129, 1000, 4096, 65536, 200000}) *
                         data::make({"sha256", "sha512"}),
                     chunk, algorithm_name) {
    const std::string body = stream_body();
    auto algorithm = algorithm_named(algorithm_name);
    hasher h(algorithm);
    for (std::size_t at = 0; at < body.size(); at += static_cast<std::size_t>(chunk))
        h.update(std::string_view(body).substr(at, static_cast<std::size_t>(chunk)));
    BOOST_TEST(h.size() == body.size());
    BOOST_TEST(h.finish() == mmerge::digest::of(body, algorithm));
}

BOOST_DATA_TEST_CASE(parse, data::make(parse_rows()), row) {
    auto r = mmerge::digest::parse(row.input);
    BOOST_TEST_REQUIRE(r.has_value() == row.ok);
    if (row.ok) {
        BOOST_TEST(r->str() == row.input);
        BOOST_TEST(r->algorithm_name() == row.algorithm_or_fragment);
        BOOST_TEST(r->hex() == row.input.substr(row.input.find(':') + 1));
    } else {
        const auto& message = r.error().message;
        BOOST_TEST(message.find(row.algorithm_or_fragment) != std::string::npos,
                   "message \"" << message << "\" lacks \"" << row.algorithm_or_fragment << '"');
        BOOST_TEST(message.rfind("invalid digest \"" + row.input + "\"", 0) == 0,
                   "message \"" << message << "\" does not quote the input");
        BOOST_TEST(r.error().position == row.position);
    }
}

BOOST_AUTO_TEST_CASE(matches_rejects_other_bytes_and_other_algorithms) {
    auto abc = mmerge::digest::of("abc");
    BOOST_TEST(abc.matches("abc"));
    BOOST_TEST(!abc.matches("abd"));
    BOOST_TEST(!abc.matches(""));
    BOOST_TEST(abc != mmerge::digest::of("abc", digest_algorithm::sha512));
    BOOST_TEST(mmerge::digest::of("abc", digest_algorithm::sha512).matches("abc"));
}

BOOST_AUTO_TEST_CASE(empty_stream_equals_empty_one_shot) {
    hasher h;
    BOOST_TEST(h.size() == 0u);
    BOOST_TEST(h.finish() == mmerge::digest::of(""));
}

BOOST_AUTO_TEST_CASE(empty_chunks_do_not_change_the_digest) {
    hasher h;
    h.update("");
    h.update("a");
    h.update("");
    h.update("bc");
    BOOST_TEST(h.size() == 3u);
    BOOST_TEST(h.finish() == mmerge::digest::of("abc"));
}

BOOST_AUTO_TEST_CASE(moved_hasher_keeps_its_state) {
    hasher a;
    a.update("ab");
    hasher b = std::move(a);
    b.update("c");
    BOOST_TEST(b.size() == 3u);
    BOOST_TEST(b.finish() == mmerge::digest::of("abc"));
}

BOOST_AUTO_TEST_CASE(spent_hasher_refuses_more_input) {
    hasher h;
    h.update("abc");
    (void)h.finish();
    BOOST_CHECK_THROW(h.update("more"), std::logic_error);
    BOOST_CHECK_THROW((void)h.finish(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(digests_order_and_print_by_text) {
    auto a = mmerge::digest::parse("sha256:" + std::string(64, '0')).value();
    auto b = mmerge::digest::parse("sha256:" + std::string(64, '1')).value();
    BOOST_TEST((a < b));
    std::ostringstream out;
    out << a;
    BOOST_TEST(out.str() == a.str());
}

BOOST_AUTO_TEST_SUITE_END()
