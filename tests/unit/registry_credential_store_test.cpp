#include "registry/credential_store.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mmerge/error.hpp>
#include <sstream>

namespace fs = std::filesystem;
using mmerge::credential;
using mmerge::credential_options;
using mmerge::secret;
using mmerge::registry::credential_store;

namespace {

// A temp folder with config files and a fake `docker-credential-test` on PATH that answers for
// one server, says "not found" for others, fails for `broken.example`, and counts its calls.
struct helper_rig {
    fs::path dir;
    std::string old_path;

    helper_rig() {
        dir = fs::temp_directory_path() / ("mmerge-credstore-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(dir / "bin");
        write("bin/docker-credential-test", R"(#!/bin/sh
read server
echo "$server" >> "$(dirname "$0")/../calls"
case "$server" in
  helped.example) printf '{"ServerURL":"helped.example","Username":"robot","Secret":"helper-s3cret"}' ;;
  token.example) printf '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-s3cret"}' ;;
  broken.example) echo "something went wrong with helper-s3cret" ; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
)");
        fs::permissions(dir / "bin/docker-credential-test", fs::perms::owner_all);
        old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
        ::setenv("PATH", ((dir / "bin").string() + ":" + old_path).c_str(), 1);
    }
    ~helper_rig() {
        ::setenv("PATH", old_path.c_str(), 1);
        fs::remove_all(dir);
    }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return dir / name;
    }
    std::size_t calls() const {
        std::ifstream in(dir / "calls");
        std::size_t n = 0;
        for (std::string line; std::getline(in, line);)
            ++n;
        return n;
    }
};

// "alice:first-pass" and "bob:second-pass" in base64.
constexpr const char* first_file =
    R"({"auths":{"reg.example":{"auth":"YWxpY2U6Zmlyc3QtcGFzcw=="}},"credHelpers":{"helped.example":"test","token.example":"test","broken.example":"test","absent.example":"test"}})";
constexpr const char* second_file =
    R"({"auths":{"reg.example":{"auth":"Ym9iOnNlY29uZC1wYXNz"},"other.example":{"auth":"Ym9iOnNlY29uZC1wYXNz"}}})";

} // namespace

BOOST_AUTO_TEST_SUITE(registry_credential_store)

BOOST_AUTO_TEST_CASE(explicit_login_wins_over_every_file) {
    helper_rig rig;
    credential_options options;
    options.explicit_login = credential{"cli-user", secret("cli-pass"), {}};
    options.files = {rig.write("auth.json", first_file)};
    credential_store store(options);
    const auto found = store.find("reg.example", "demo/app");
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST(found->username == "cli-user");
}

BOOST_AUTO_TEST_CASE(first_file_with_an_entry_wins_and_missing_files_are_skipped) {
    helper_rig rig;
    credential_options options;
    options.files = {rig.dir / "absent.json", rig.write("auth.json", first_file),
                     rig.write("config.json", second_file)};
    credential_store store(options);
    BOOST_TEST(store.find("reg.example", "demo/app")->username == "alice");
    BOOST_TEST(store.find("reg.example", "demo/app")->password.reveal() == "first-pass");
    // Not in the first file: the second one answers.
    BOOST_TEST(store.find("other.example", "x")->username == "bob");
    BOOST_TEST(!store.find("nowhere.example", "x").has_value());
    BOOST_TEST(store.describe_source("nowhere.example", "x") == "anonymous");
}

BOOST_AUTO_TEST_CASE(credential_helper_is_asked_once_per_server) {
    helper_rig rig;
    credential_store store({{}, {rig.write("config.json", first_file)}, 30});
    for (const char* repository : {"a", "b", "c"}) {
        const auto found = store.find("helped.example", repository);
        BOOST_TEST_REQUIRE(found.has_value());
        BOOST_TEST(found->username == "robot");
        BOOST_TEST(found->password.reveal() == "helper-s3cret");
    }
    BOOST_TEST(rig.calls() == 1u);
    BOOST_TEST(store.describe_source("helped.example", "a").find("docker-credential-test") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(helper_token_username_means_identity_token) {
    helper_rig rig;
    credential_store store({{}, {rig.write("config.json", first_file)}, 30});
    const auto found = store.find("token.example", "x");
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST(found->identity_token.reveal() == "refresh-s3cret");
    BOOST_TEST(found->password.empty());
}

BOOST_AUTO_TEST_CASE(helper_that_has_nothing_means_anonymous) {
    helper_rig rig;
    credential_store store({{}, {rig.write("config.json", first_file)}, 30});
    BOOST_TEST(!store.find("absent.example", "x").has_value());
}

// The helper printed a secret before failing: the error must name the helper, not echo it.
BOOST_AUTO_TEST_CASE(failing_helper_is_an_error_that_never_echoes_its_output) {
    helper_rig rig;
    credential_store store({{}, {rig.write("config.json", first_file)}, 30});
    try {
        store.find("broken.example", "x");
        BOOST_FAIL("expected an error");
    } catch (const mmerge::error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("docker-credential-test") != std::string::npos);
        BOOST_TEST(what.find("status 3") != std::string::npos);
        BOOST_TEST(what.find("s3cret") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(missing_helper_program_says_so) {
    helper_rig rig;
    credential_store store(
        {{}, {rig.write("config.json", R"({"credsStore":"no-such-helper-xyz"})")}, 30});
    try {
        store.find("reg.example", "x");
        BOOST_FAIL("expected an error");
    } catch (const mmerge::error& e) {
        BOOST_TEST(std::string(e.what()).find("docker-credential-no-such-helper-xyz") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(invalid_config_file_is_a_usage_error_naming_the_file) {
    helper_rig rig;
    credential_store store({{}, {rig.write("broken.json", "{\"auths\": [")}, 30});
    try {
        store.find("reg.example", "x");
        BOOST_FAIL("expected an error");
    } catch (const mmerge::error& e) {
        BOOST_TEST(int(mmerge::exit_code_for(e.code())) == 2);
        BOOST_TEST(e.reference().find("broken.json") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
