#include "registry/link_header.hpp"
#include "support/fixture.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace {

struct link_case {
    std::vector<std::string> headers;
    std::string expected; // "-" for none
};

std::ostream& operator<<(std::ostream& os, const link_case& c) {
    for (const auto& h : c.headers)
        os << '[' << h << ']';
    return os;
}

std::vector<link_case> cases() {
    std::vector<link_case> out;
    for (auto& row : mmerge::test::read_table("registry/link_headers.tsv")) {
        link_case c{{}, row.at(1)};
        std::string all = row.at(0);
        for (std::size_t at; (at = all.find(" || ")) != std::string::npos; all.erase(0, at + 4))
            c.headers.push_back(all.substr(0, at));
        c.headers.push_back(all);
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(registry_link_header)

BOOST_DATA_TEST_CASE(finds_the_next_page_verbatim, boost::unit_test::data::make(cases()), c) {
    std::vector<std::string_view> views(c.headers.begin(), c.headers.end());
    const auto next = mmerge::registry::next_link(views);
    if (c.expected == "-")
        BOOST_TEST(!next.has_value());
    else
        BOOST_TEST(next.value_or("<none>") == c.expected);
}

BOOST_AUTO_TEST_SUITE_END()
