#include "support/fixture.hpp"

#include <mmerge/descriptor.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;

namespace {

/** One row of fixtures/descriptor/valid.tsv. */
struct valid_row {
    std::string json, media_type;
    std::int64_t size = 0;
    std::string platform;
    std::size_t annotations = 0, urls = 0;
    std::string extra, canonical, guards;

    friend std::ostream& operator<<(std::ostream& out, const valid_row& r) {
        return out << '[' << r.guards << ']';
    }
};

std::vector<valid_row> valid_rows() {
    std::vector<valid_row> rows;
    for (auto& f : mmerge::test::read_table("descriptor/valid.tsv"))
        rows.push_back({f.at(0), f.at(1), std::stoll(f.at(2)), f.at(3), std::stoul(f.at(4)),
                        std::stoul(f.at(5)), f.at(6), f.at(7) == "-" ? f.at(0) : f.at(7), f.at(8)});
    return rows;
}

/** One row of fixtures/descriptor/invalid.tsv. */
struct invalid_row {
    std::string json, fragment, guards;

    friend std::ostream& operator<<(std::ostream& out, const invalid_row& r) {
        return out << '[' << r.guards << ']';
    }
};

std::vector<invalid_row> invalid_rows() {
    std::vector<invalid_row> rows;
    for (auto& f : mmerge::test::read_table("descriptor/invalid.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2)});
    return rows;
}

std::string extra_names(const mmerge::descriptor& d) {
    std::string out;
    for (const auto& [name, json] : d.extra)
        out += (out.empty() ? "" : ",") + name;
    return out.empty() ? "-" : out;
}

mmerge::digest digest_of(std::string_view content) {
    return mmerge::digest::of(content);
}

mmerge::descriptor image_entry(std::map<std::string, std::string> annotations) {
    return {.media_type = "application/vnd.oci.image.manifest.v1+json",
            .digest = digest_of("attestation"),
            .size = 566,
            .platform = mmerge::platform{"unknown", "unknown"},
            .annotations = std::move(annotations)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(descriptor)

BOOST_DATA_TEST_CASE(parse, data::make(valid_rows()), row) {
    auto d = mmerge::parse_descriptor(row.json);
    BOOST_TEST_REQUIRE(d.has_value(), d.error().message);
    BOOST_TEST(d->media_type == row.media_type);
    BOOST_TEST(d->size == row.size);
    BOOST_TEST((d->platform ? mmerge::to_string(*d->platform) : "-") == row.platform);
    BOOST_TEST(d->annotations.size() == row.annotations);
    BOOST_TEST(d->urls.size() == row.urls);
    BOOST_TEST(extra_names(*d) == row.extra);

    // Canonical output, byte for byte; it parses back to the same descriptor and is a fixed point.
    auto written = mmerge::serialize(*d);
    BOOST_TEST(written == row.canonical);
    auto again = mmerge::parse_descriptor(written);
    BOOST_TEST_REQUIRE(again.has_value(), again.error().message);
    BOOST_TEST((*again == *d));
    BOOST_TEST(mmerge::serialize(*again) == written);
}

BOOST_DATA_TEST_CASE(refused, data::make(invalid_rows()), row) {
    auto d = mmerge::parse_descriptor(row.json);
    // The message operand is evaluated even when the check passes: guard the dereference.
    BOOST_TEST_REQUIRE(!d.has_value(), "accepted: " << (d ? mmerge::serialize(*d) : ""));
    BOOST_TEST(d.error().message.find(row.fragment) != std::string::npos,
               "message \"" << d.error().message << "\" lacks \"" << row.fragment << '"');
}

BOOST_AUTO_TEST_CASE(attestation_entry_is_recognized_and_names_its_image) {
    auto image = digest_of("image manifest");
    auto d = image_entry({{"vnd.docker.reference.type", "attestation-manifest"},
                          {"vnd.docker.reference.digest", image.str()}});
    BOOST_TEST(mmerge::is_attestation(d));
    auto subject = mmerge::attests(d);
    BOOST_TEST_REQUIRE(subject.has_value());
    BOOST_TEST(subject->str() == image.str());
}

BOOST_AUTO_TEST_CASE(unknown_platform_without_the_annotation_is_not_an_attestation) {
    BOOST_TEST(!mmerge::is_attestation(image_entry({})));
    BOOST_TEST(!mmerge::attests(image_entry({})).has_value());
}

BOOST_AUTO_TEST_CASE(other_reference_types_are_not_attestations) {
    BOOST_TEST(!mmerge::is_attestation(image_entry({{"vnd.docker.reference.type", "sbom"}})));
}

BOOST_AUTO_TEST_CASE(attests_ignores_an_invalid_reference_digest) {
    auto d = image_entry({{"vnd.docker.reference.type", "attestation-manifest"},
                          {"vnd.docker.reference.digest", "sha256:nothex"}});
    BOOST_TEST(mmerge::is_attestation(d));
    BOOST_TEST(!mmerge::attests(d).has_value());
}

BOOST_AUTO_TEST_CASE(built_descriptor_serializes_canonically) {
    mmerge::descriptor d{.media_type = "application/vnd.oci.image.manifest.v1+json",
                         .digest = digest_of("m"),
                         .size = 42,
                         .platform = mmerge::platform{"linux", "arm", "v7", "", {}},
                         .annotations = {{"b", "2"}, {"a", "1"}},
                         .extra = {{"zz", "{ \"k\" : [ 1 ] }"}}};
    BOOST_TEST(mmerge::serialize(d) ==
               R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                   digest_of("m").str() +
                   R"(","size":42,"platform":{"architecture":"arm","os":"linux","variant":"v7"},)"
                   R"("annotations":{"a":"1","b":"2"},"zz":{"k":[1]}})");
}

BOOST_AUTO_TEST_CASE(extra_member_that_is_not_json_is_a_programming_error) {
    mmerge::descriptor d{.media_type = "text/plain",
                         .digest = digest_of("x"),
                         .size = 1,
                         .extra = {{"broken", "{not json"}}};
    BOOST_CHECK_THROW(mmerge::serialize(d), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(extra_member_reusing_a_known_name_is_a_programming_error) {
    mmerge::descriptor d{
        .media_type = "text/plain", .digest = digest_of("x"), .size = 1, .extra = {{"size", "2"}}};
    BOOST_CHECK_THROW(mmerge::serialize(d), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
