// The unit test runner: one executable, one file per core module (tests/unit/<module>_test.cpp).
#define BOOST_TEST_MODULE mmerge unit tests
#include <boost/test/unit_test.hpp>
