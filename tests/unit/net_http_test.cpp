#include "net/http.hpp"

#include <boost/test/unit_test.hpp>

using mmerge::net::header_fields;

BOOST_AUTO_TEST_SUITE(net_http)

// RFC 9110 section 5.1: a registry may send "www-authenticate" or "WWW-Authenticate".
BOOST_AUTO_TEST_CASE(header_names_compare_ignoring_case_and_keep_every_value) {
    header_fields fields;
    fields.add("WWW-Authenticate", "Basic realm=\"a\"");
    fields.add("content-type", "application/json");
    fields.add("www-authenticate", "Bearer realm=\"b\"");
    BOOST_TEST(fields.find("Content-Type").value() == "application/json");
    BOOST_TEST(!fields.find("Link").has_value());
    const auto challenges = fields.find_all("Www-Authenticate");
    BOOST_TEST_REQUIRE(challenges.size() == 2u);
    BOOST_TEST(challenges[0] == "Basic realm=\"a\"");
    BOOST_TEST(challenges[1] == "Bearer realm=\"b\"");
}

BOOST_AUTO_TEST_CASE(set_replaces_every_field_of_the_name_and_erase_counts) {
    header_fields fields;
    fields.add("Accept", "a");
    fields.add("accept", "b");
    fields.set("ACCEPT", "c");
    BOOST_TEST(fields.find_all("Accept").size() == 1u);
    BOOST_TEST(fields.find("accept").value() == "c");
    BOOST_TEST(fields.erase("Accept") == 1u);
    BOOST_TEST(fields.empty());
}

BOOST_AUTO_TEST_SUITE_END()
