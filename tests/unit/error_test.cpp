#include <mmerge/error.hpp>

#include <boost/test/unit_test.hpp>

using mmerge::errc;
using mmerge::exit_code;

BOOST_AUTO_TEST_SUITE(error)

// DESIGN.md's exit codes: scripts depend on these numbers.
BOOST_AUTO_TEST_CASE(errors_map_to_the_documented_exit_codes) {
    BOOST_TEST(int(mmerge::exit_code_for(errc::unauthorized)) == 4);
    BOOST_TEST(int(mmerge::exit_code_for(errc::forbidden)) == 4);
    BOOST_TEST(int(mmerge::exit_code_for(errc::check_failed)) == 1);
    BOOST_TEST(int(mmerge::exit_code_for(errc::usage)) == 2);
    BOOST_TEST(int(mmerge::exit_code_for(errc::unsupported)) == 2);
    BOOST_TEST(int(mmerge::exit_code_for(errc::network)) == 3);
    BOOST_TEST(int(mmerge::exit_code_for(errc::tls)) == 3);
    BOOST_TEST(int(mmerge::exit_code_for(std::make_error_code(std::errc::connection_refused))) ==
               3);
}

BOOST_AUTO_TEST_CASE(error_carries_operation_reference_and_server_diagnostics) {
    const mmerge::error e(errc::not_found, "get manifest", "127.0.0.1:5000/demo/app:v1",
                          "MANIFEST_UNKNOWN: manifest unknown");
    BOOST_TEST(e.operation() == "get manifest");
    BOOST_TEST(e.reference() == "127.0.0.1:5000/demo/app:v1");
    BOOST_TEST(std::string(e.what()) == "MANIFEST_UNKNOWN: manifest unknown");
    BOOST_TEST((e.code() == errc::not_found));
}

BOOST_AUTO_TEST_SUITE_END()
