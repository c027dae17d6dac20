#include <mmerge/result.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(result)

BOOST_AUTO_TEST_CASE(value_of_an_error_throws_parse_exception_with_the_message) {
    mmerge::result<int> r = mmerge::fail("bad input", 3);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(r.error().position == 3u);
    BOOST_CHECK_EXCEPTION(r.value(), mmerge::parse_exception,
                          [](const mmerge::parse_exception& e) {
                              return std::string(e.what()) == "bad input";
                          });
}

BOOST_AUTO_TEST_SUITE_END()
