#include "support/fixture.hpp"

#include <mmerge/credentials.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mmerge::credential;

struct row {
    std::vector<std::string> fields;
    const std::string& operator[](std::size_t i) const { return fields.at(i); }
    friend std::ostream& operator<<(std::ostream& out, const row& r) { return out << r[0]; }
};

std::vector<row> table(const std::string& file) {
    std::vector<row> rows;
    for (auto& fields : mmerge::test::read_table(file))
        rows.push_back(row{std::move(fields)});
    return rows;
}

std::string error_text(const std::string& cell) {
    return cell.rfind("error: ", 0) == 0 ? cell.substr(7) : std::string();
}

// The fixtures' form of a credential: `user=U password=P identity=T|-`.
std::string dump(const credential& c) {
    return "user=" + c.username + " password=" + c.password.reveal() +
           " identity=" + (c.identity_token.empty() ? "-" : c.identity_token.reveal());
}

// The fixtures' form of a lookup: a dumped credential, `helper=NAME server=URL`, or `none`.
std::string dump(const std::optional<mmerge::credential_source>& s) {
    if (!s)
        return "none";
    if (const auto* h = std::get_if<mmerge::credential_helper>(&s->source))
        return "helper=" + h->name + " server=" + h->server_url;
    return dump(std::get<credential>(s->source));
}

mmerge::credential_config config_from(const std::string& fixture) {
    auto r = mmerge::parse_credential_config(mmerge::test::read_fixture("credentials/" + fixture));
    BOOST_TEST_REQUIRE(r.has_value(), fixture << ": " << (r ? "" : r.error().message));
    return *r;
}

credential alice() {
    credential c;
    c.username = "alice";
    c.password = mmerge::secret("pa55-w0rd:with-colon");
    c.identity_token = mmerge::secret("1d3nt1ty-t0k3n");
    return c;
}

} // namespace

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_DATA_TEST_CASE(normalize_table,
                     boost::unit_test::data::make(table("credentials/normalize.tsv")), r) {
    BOOST_TEST(mmerge::normalize_registry_key(r[1]) == r[2]);
    // Normalizing twice changes nothing: lookups normalize what was already normalized.
    BOOST_TEST(mmerge::normalize_registry_key(mmerge::normalize_registry_key(r[1])) == r[2]);
}

BOOST_DATA_TEST_CASE(auth_field_table,
                     boost::unit_test::data::make(table("credentials/auth_field.tsv")), r) {
    auto parsed =
        mmerge::parse_credential_config(R"({"auths":{"reg.example":{"auth":")" + r[1] + R"("}}})");
    if (auto text = error_text(r[2]); !text.empty()) {
        BOOST_TEST_REQUIRE(!parsed.has_value());
        BOOST_TEST(parsed.error().message.find(text) != std::string::npos, parsed.error().message);
        BOOST_TEST(parsed.error().message.find("reg.example") != std::string::npos);
        return;
    }
    BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    const auto& c = parsed->auths.at("reg.example").value;
    BOOST_TEST(c.username + "|" + c.password.reveal() == r[2]);
}

BOOST_DATA_TEST_CASE(invalid_file_table,
                     boost::unit_test::data::make(table("credentials/invalid.tsv")), r) {
    auto parsed = mmerge::parse_credential_config(r[1]);
    BOOST_TEST_REQUIRE(!parsed.has_value());
    BOOST_TEST(parsed.error().message.find(r[2]) != std::string::npos, parsed.error().message);
}

BOOST_DATA_TEST_CASE(lookup_table, boost::unit_test::data::make(table("credentials/lookup.tsv")),
                     r) {
    auto config = config_from(r[1]);
    auto found = mmerge::lookup(config, r[2], r[3]);
    BOOST_TEST(dump(found) == r[4]);
    BOOST_TEST((found ? found->matched_key : "-") == r[5]);
}

BOOST_DATA_TEST_CASE(helper_output_table,
                     boost::unit_test::data::make(table("credentials/helper_output.tsv")), r) {
    auto parsed = mmerge::parse_helper_output(r[1]);
    if (auto text = error_text(r[2]); !text.empty()) {
        BOOST_TEST_REQUIRE(!parsed.has_value());
        BOOST_TEST(parsed.error().message.find(text) != std::string::npos, parsed.error().message);
        return;
    }
    BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    BOOST_TEST(dump(*parsed) == r[2]);
}

// Helpers print their JSON followed by a newline.
BOOST_AUTO_TEST_CASE(helper_output_ending_in_a_newline_is_read) {
    auto r = mmerge::parse_helper_output("{\"Username\":\"bob\",\"Secret\":\"x\"}\n");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(dump(*r) == "user=bob password=x identity=-");
}

BOOST_AUTO_TEST_CASE(docker_config_keeps_every_entry_under_its_normalized_key) {
    auto config = config_from("docker-config.json");
    std::vector<std::string> keys;
    for (const auto& [key, entry] : config.auths)
        keys.push_back(key);
    std::vector<std::string> expected = {
        "[::1]:5000",          "both.example.com", "docker.io", "ghcr.io",
        "localhost:5000",      "null.example.com", "quay.io",   "registry.example.com:8443",
        "registry.example.org"};
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
    BOOST_TEST(config.auths.at("docker.io").key == "https://index.docker.io/v1/");
    BOOST_TEST(config.auths.at("null.example.com").value.empty());
    BOOST_TEST(config.creds_store.empty());
    BOOST_TEST(config.cred_helpers.empty());
}

BOOST_AUTO_TEST_CASE(helper_settings_are_read) {
    auto config = config_from("docker-helpers.json");
    BOOST_TEST(config.creds_store == "desktop");
    BOOST_TEST(config.cred_helpers.size() == 4u);
    BOOST_TEST(config.cred_helpers.at("us-docker.pkg.dev").name == "gcloud");
    BOOST_TEST(config.cred_helpers.at("localhost:5443").name == "pass");
    BOOST_TEST(config.cred_helpers.at("localhost:5443").server_url == "https://localhost:5443/v2/");
    mmerge::credential_helper h{"ecr-login", "x"};
    BOOST_TEST(h.program() == "docker-credential-ecr-login");
}

BOOST_AUTO_TEST_CASE(empty_object_and_null_sections_are_an_empty_config) {
    for (const char* json : {"{}", " \n", R"({"auths":null,"credHelpers":null,"credsStore":null})",
                             R"({"credsStore":""})"}) {
        auto r = mmerge::parse_credential_config(json);
        BOOST_TEST_REQUIRE(r.has_value(), json);
        BOOST_TEST(r->auths.empty());
        BOOST_TEST(r->cred_helpers.empty());
        BOOST_TEST(r->creds_store.empty());
        BOOST_TEST(!mmerge::lookup(*r, "docker.io", "library/nginx").has_value());
    }
}

BOOST_AUTO_TEST_CASE(file_over_the_cap_is_refused) {
    std::string json = "{}";
    json.resize(mmerge::max_credential_file_size + 1, ' ');
    auto r = mmerge::parse_credential_config(json);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.find("cap") != std::string::npos);
}

// A credential reaches logs only through formatting; none of its secrets may show.
BOOST_AUTO_TEST_CASE(formatting_a_credential_never_shows_a_secret) {
    auto c = alice();
    std::ostringstream streamed;
    streamed << c;
    std::ostringstream secrets;
    secrets << c.password << " " << c.identity_token;
    for (const auto& text : {streamed.str(), mmerge::to_string(c), secrets.str()}) {
        BOOST_TEST(text.find("pa55") == std::string::npos, text);
        BOOST_TEST(text.find("1d3nt1ty") == std::string::npos, text);
    }
    BOOST_TEST(mmerge::to_string(c) ==
               R"(credential{username="alice", password=<redacted>, identity_token=<redacted>})");
    BOOST_TEST(mmerge::to_string(credential{}) ==
               R"(credential{username="", password=<empty>, identity_token=<empty>})");
}

BOOST_AUTO_TEST_CASE(parse_errors_never_show_a_secret) {
    const std::string bad[] = {
        R"({"auths":{"quay.io":{"auth":"cGE1NS13MHJkCg"}}})", // base64 of a password, no colon
        R"({"auths":{"quay.io":{"auth":"pa55-w0rd!"}}})",
        R"({"auths":{"quay.io":{"username":"u","password":"pa55","identitytoken":7}}})",
    };
    for (const auto& json : bad) {
        auto r = mmerge::parse_credential_config(json);
        BOOST_TEST_REQUIRE(!r.has_value(), json);
        BOOST_TEST(r.error().message.find("pa55") == std::string::npos, r.error().message);
    }
    auto helper = mmerge::parse_helper_output(R"({"Username":"u","Secret":"pa55-w0rd" )");
    BOOST_TEST_REQUIRE(!helper.has_value());
    BOOST_TEST(helper.error().message.find("pa55") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(basic_authorization_encodes_user_and_password) {
    credential c;
    c.username = "Aladdin";
    c.password = mmerge::secret("open sesame");
    // RFC 7617 §2's example.
    BOOST_TEST(mmerge::basic_authorization(c).reveal() == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    std::ostringstream s;
    s << mmerge::basic_authorization(c);
    BOOST_TEST(s.str() == "<redacted>");
}

BOOST_AUTO_TEST_CASE(basic_authorization_round_trips_through_an_auth_field) {
    auto c = alice();
    auto header = mmerge::basic_authorization(c).reveal();
    auto parsed = mmerge::parse_credential_config(R"({"auths":{"r":{"auth":")" + header.substr(6) +
                                                  R"("}}})");
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->auths.at("r").value.username == "alice");
    BOOST_TEST(parsed->auths.at("r").value.password.reveal() == "pa55-w0rd:with-colon");
}

BOOST_AUTO_TEST_CASE(lookup_trims_slashes_around_the_repository) {
    auto config = config_from("containers-auth.json");
    auto found = mmerge::lookup(config, "quay.io", "/org/special/");
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST(found->matched_key == "auths[quay.io/org/special]");
    auto registry_only = mmerge::lookup(config, "quay.io", "");
    BOOST_TEST_REQUIRE(registry_only.has_value());
    BOOST_TEST(registry_only->matched_key == "auths[quay.io]");
}

BOOST_AUTO_TEST_SUITE_END()
