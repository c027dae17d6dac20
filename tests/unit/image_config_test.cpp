#include "support/fixture.hpp"

#include <mmerge/image_config.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;

namespace {

constexpr std::size_t no_offset = mmerge::parse_error::npos;

/** `-` in a fixture means "none". */
std::string or_empty(const std::string& field) {
    return field == "-" ? std::string() : field;
}

/** One row of fixtures/image_config/configs.tsv. */
struct config_row {
    std::string file, formatted, normalized, features, created;
    std::size_t diff_ids = 0;
    std::string guards;

    friend std::ostream& operator<<(std::ostream& out, const config_row& r) {
        return out << r.file << " [" << r.guards << ']';
    }
};

std::vector<config_row> config_rows() {
    std::vector<config_row> rows;
    for (auto& f : mmerge::test::read_table("image_config/configs.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2), or_empty(f.at(3)), or_empty(f.at(4)),
                        std::stoul(f.at(5)), f.at(6)});
    return rows;
}

/** One row of fixtures/image_config/errors.tsv. */
struct error_row {
    std::string json;
    std::size_t offset = no_offset;
    std::string fragment, guards;

    friend std::ostream& operator<<(std::ostream& out, const error_row& r) {
        return out << r.json.substr(0, 60) << " [" << r.guards << ']';
    }
};

std::vector<error_row> error_rows() {
    std::vector<error_row> rows;
    for (auto& f : mmerge::test::read_table("image_config/errors.tsv"))
        rows.push_back(
            {f.at(0), f.at(1) == "-" ? no_offset : std::stoul(f.at(1)), f.at(2), f.at(3)});
    return rows;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(image_config)

BOOST_DATA_TEST_CASE(parse, data::make(config_rows()), row) {
    auto json = mmerge::test::read_fixture("image_config/" + row.file);
    auto config = mmerge::parse_image_config(json);
    BOOST_TEST_REQUIRE(config.has_value(), config.error().message);
    BOOST_TEST(mmerge::to_string(config->platform) == row.formatted);
    BOOST_TEST(mmerge::to_string(mmerge::normalize(config->platform)) == row.normalized);
    BOOST_TEST(joined(config->platform.os_features) == row.features);
    BOOST_TEST(config->created == row.created);
    BOOST_TEST(config->diff_ids.size() == row.diff_ids);

    auto platform = mmerge::platform_from_config(json);
    BOOST_TEST_REQUIRE(platform.has_value());
    BOOST_TEST((*platform == config->platform));
}

BOOST_DATA_TEST_CASE(refused, data::make(error_rows()), row) {
    auto config = mmerge::parse_image_config(row.json);
    BOOST_TEST_REQUIRE(!config.has_value(), "accepted");
    BOOST_TEST(config.error().position == row.offset);
    BOOST_TEST(config.error().message.find(row.fragment) != std::string::npos,
               "message \"" << config.error().message << "\" lacks \"" << row.fragment << '"');
    // platform_from_config refuses the same documents with the same message.
    auto platform = mmerge::platform_from_config(row.json);
    BOOST_TEST_REQUIRE(!platform.has_value());
    BOOST_TEST(platform.error().message == config.error().message);
}

BOOST_AUTO_TEST_CASE(diff_ids_keep_layer_order) {
    auto config = mmerge::parse_image_config(
        mmerge::test::read_fixture("image_config/buildah-linux-ppc64le.json"));
    BOOST_TEST_REQUIRE(config.has_value());
    BOOST_TEST_REQUIRE(config->diff_ids.size() == 2u);
    BOOST_TEST(config->diff_ids[0].str() ==
               mmerge::digest::of("ppc-1").str()); // the fixture's first layer
    BOOST_TEST(config->diff_ids[1].str() == mmerge::digest::of("ppc-2").str());
}

BOOST_AUTO_TEST_CASE(mislabeled_image_is_caught_by_matching_its_config) {
    // fixtures/images/mislabeled-arm64: pushed as arm64, its config says amd64.
    auto actual = mmerge::platform_from_config(
        mmerge::test::read_fixture("image_config/mislabeled-arm64.json"));
    BOOST_TEST_REQUIRE(actual.has_value());
    auto asserted = mmerge::parse_platform("linux/arm64").value();
    BOOST_TEST(!mmerge::matches(asserted, *actual));
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_without_exhausting_the_stack) {
    std::string json = R"({"os":"linux","architecture":"amd64","config":)" +
                       std::string(100000, '[') + std::string(100000, ']') + "}";
    auto config = mmerge::parse_image_config(json);
    BOOST_TEST_REQUIRE(!config.has_value());
    BOOST_TEST(config.error().message.find("nested more than 64 levels deep") != std::string::npos,
               config.error().message);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
    auto config = mmerge::parse_image_config("{\"os\":\"linux\",\"architecture\":\"amd\xff\"}");
    BOOST_TEST_REQUIRE(!config.has_value());
    BOOST_TEST(config.error().message.find("Invalid encoding") != std::string::npos,
               config.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
