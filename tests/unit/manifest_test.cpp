#include "support/fixture.hpp"

#include <mmerge/image_config.hpp>
#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;
namespace mt = mmerge::media_type;

namespace {

constexpr std::size_t no_offset = mmerge::parse_error::npos;

/** `-` in a fixture means "none". */
std::string or_empty(const std::string& field) {
    return field == "-" ? std::string() : field;
}

/** One row of fixtures/manifest/parse.tsv. */
struct parse_row {
    std::string file, content_type, kind, media_type;
    std::size_t count = 0, annotations = 0;
    std::string extra, attestations, guards;

    friend std::ostream& operator<<(std::ostream& out, const parse_row& r) {
        return out << r.file << " [" << r.guards << ']';
    }
};

std::vector<parse_row> parse_rows() {
    std::vector<parse_row> rows;
    for (auto& f : mmerge::test::read_table("manifest/parse.tsv"))
        rows.push_back({f.at(0), or_empty(f.at(1)), f.at(2), f.at(3), std::stoul(f.at(4)),
                        std::stoul(f.at(5)), f.at(6), f.at(7), f.at(8)});
    return rows;
}

/** One row of fixtures/manifest/errors.tsv. */
struct error_row {
    std::string body, content_type;
    std::size_t offset = no_offset;
    std::string fragment, guards;

    friend std::ostream& operator<<(std::ostream& out, const error_row& r) {
        return out << '[' << r.guards << ']';
    }
};

std::vector<error_row> error_rows() {
    std::vector<error_row> rows;
    for (auto& f : mmerge::test::read_table("manifest/errors.tsv")) {
        std::string body = f.at(0);
        if (body.starts_with("@"))
            body = mmerge::test::read_fixture("manifest/" + body.substr(1));
        rows.push_back({body, or_empty(f.at(1)), f.at(2) == "-" ? no_offset : std::stoul(f.at(2)),
                        f.at(3), f.at(4)});
    }
    return rows;
}

/** One row of fixtures/images/catalog.tsv (written by scripts/make-fixtures). */
struct image_row {
    std::string name, kind, media_type, digest, platform;

    friend std::ostream& operator<<(std::ostream& out, const image_row& r) { return out << r.name; }
};

std::vector<image_row> image_rows() {
    std::vector<image_row> rows;
    for (auto& f : mmerge::test::read_table("images/catalog.tsv"))
        rows.push_back({f.at(0), f.at(1), f.at(2), f.at(3), f.at(4)});
    return rows;
}

std::string names(const mmerge::extra_fields& extra) {
    std::string out;
    for (const auto& [name, json] : extra)
        out += (out.empty() ? "" : ",") + name;
    return out.empty() ? "-" : out;
}

mmerge::manifest parsed(std::string_view bytes, std::string_view content_type = {}) {
    auto m = mmerge::parse_manifest(bytes, content_type);
    BOOST_TEST_REQUIRE(m.has_value(), m.error().message);
    return *m;
}

/** The canonical form of whichever kind `m` is. */
std::string serialized(const mmerge::manifest& m) {
    if (const auto* i = m.as_index())
        return mmerge::serialize(*i);
    return mmerge::serialize(*m.as_image());
}

mmerge::digest digest_of(std::string_view content) {
    return mmerge::digest::of(content);
}

mmerge::descriptor entry(std::string_view name, mmerge::platform p) {
    return {.media_type = std::string(mt::oci_manifest),
            .digest = digest_of(name),
            .size = 1000 + static_cast<std::int64_t>(name.size()),
            .platform = std::move(p)};
}

/** The index a merge of amd64, arm64 and arm/v7 sources builds, with one annotation. */
mmerge::index built_index() {
    mmerge::index i;
    i.manifests = {entry("amd64", {"linux", "amd64"}), entry("arm64", {"linux", "arm64"}),
                   entry("arm/v7", {"linux", "arm", "v7"})};
    i.annotations = {{"org.opencontainers.image.source", "https://example.com/app"},
                     {"org.opencontainers.image.created", "2024-04-01T00:00:00Z"}};
    return i;
}

std::string blob(const std::string& image, const mmerge::digest& d) {
    return mmerge::test::read_fixture("images/" + image + "/blobs/" +
                                      std::string(d.algorithm_name()) + "/" + std::string(d.hex()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(manifest)

BOOST_DATA_TEST_CASE(parse, data::make(parse_rows()), row) {
    auto m = parsed(mmerge::test::read_fixture("manifest/" + row.file), row.content_type);
    BOOST_TEST((m.kind() == mmerge::manifest_kind::index) == (row.kind == "index"));
    BOOST_TEST(m.media_type() == row.media_type);
    BOOST_TEST((m.format() == mmerge::manifest_format::docker) == mt::is_docker(row.media_type));
    BOOST_TEST(m.annotations().size() == row.annotations);
    if (const auto* i = m.as_index()) {
        BOOST_TEST(i->manifests.size() == row.count);
        BOOST_TEST(names(i->extra) == row.extra);
        auto attestations = std::count_if(i->manifests.begin(), i->manifests.end(),
                                          [](const auto& d) { return mmerge::is_attestation(d); });
        BOOST_TEST(std::to_string(attestations) == row.attestations);
    } else {
        BOOST_TEST_REQUIRE(m.as_image() != nullptr);
        BOOST_TEST(m.as_image()->layers.size() == row.count);
        BOOST_TEST(names(m.as_image()->extra) == row.extra);
        BOOST_TEST(row.attestations == "-");
    }
}

BOOST_DATA_TEST_CASE(round_trip_matches_golden, data::make(parse_rows()), row) {
    auto m = parsed(mmerge::test::read_fixture("manifest/" + row.file), row.content_type);
    auto written = serialized(m);
    BOOST_TEST(written == mmerge::test::read_fixture("manifest/golden/" + row.file));
    // Reparsing the canonical form gives back everything that was read, and writes the same bytes.
    auto again = parsed(written);
    BOOST_TEST((again == m));
    BOOST_TEST(serialized(again) == written);
}

BOOST_DATA_TEST_CASE(refused, data::make(error_rows()), row) {
    auto m = mmerge::parse_manifest(row.body, row.content_type);
    BOOST_TEST_REQUIRE(!m.has_value(), "accepted");
    BOOST_TEST(m.error().position == row.offset);
    BOOST_TEST(m.error().message.find(row.fragment) != std::string::npos,
               "message \"" << m.error().message << "\" lacks \"" << row.fragment << '"');
}

// The OCI layouts of fixtures/images are what the integration tests push: each manifest blob must
// hash to its catalogued digest, parse, and (for an image) have a config stating the catalogued
// platform.
BOOST_DATA_TEST_CASE(fixture_images, data::make(image_rows()), row) {
    auto d = mmerge::digest::parse(row.digest).value();
    auto bytes = blob(row.name, d);
    BOOST_TEST(d.matches(bytes));
    auto m = parsed(bytes, row.media_type);
    BOOST_TEST(m.media_type() == row.media_type);
    BOOST_TEST((m.kind() == mmerge::manifest_kind::index) == (row.kind == "index"));
    if (const auto* image = m.as_image()) {
        auto config = blob(row.name, image->config.digest);
        BOOST_TEST(image->config.digest.matches(config));
        auto platform = mmerge::platform_from_config(config);
        BOOST_TEST_REQUIRE(platform.has_value(), platform.error().message);
        BOOST_TEST(mmerge::to_string(*platform) == row.platform);
    } else {
        for (const auto& entry : m.as_index()->manifests) {
            BOOST_TEST_REQUIRE(entry.platform.has_value());
            if (mmerge::is_attestation(entry))
                BOOST_TEST(mmerge::to_string(*entry.platform) == "unknown/unknown");
        }
    }
}

BOOST_AUTO_TEST_CASE(size_cap_is_enforced_before_parsing) {
    std::string body =
        R"({"schemaVersion":2,"mediaType":")" + std::string(mt::oci_index) + R"(","manifests":[]})";
    std::string at_cap = body + std::string(mmerge::max_manifest_bytes - body.size(), ' ');
    BOOST_TEST(mmerge::parse_manifest(at_cap).has_value());

    auto over = mmerge::parse_manifest(at_cap + " ");
    BOOST_TEST_REQUIRE(!over.has_value());
    BOOST_TEST(over.error().position == mmerge::max_manifest_bytes);
    BOOST_TEST(over.error().message == "the manifest is 4194305 bytes, more than the 4194304 "
                                       "bytes (4 MiB) a manifest may have");
    // Not parsed at all: an oversized body that is not even JSON gets the same answer.
    auto garbage = mmerge::parse_manifest(std::string(mmerge::max_manifest_bytes + 1, '{'));
    BOOST_TEST_REQUIRE(!garbage.has_value());
    BOOST_TEST(garbage.error().message.find("4 MiB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(built_index_matches_golden) {
    BOOST_TEST(mmerge::serialize(built_index()) ==
               mmerge::test::read_fixture("manifest/golden/built-index.json"));
}

BOOST_AUTO_TEST_CASE(same_index_built_in_another_order_gives_the_same_bytes) {
    auto a = built_index();
    mmerge::index b;
    b.annotations.emplace("org.opencontainers.image.created", "2024-04-01T00:00:00Z");
    b.annotations.emplace("org.opencontainers.image.source", "https://example.com/app");
    b.manifests = a.manifests;
    b.extra = {{"z", "1"}, {"a", "[true]"}};
    a.extra = {{"a", "[ true ]"}, {"z", "1"}};
    BOOST_TEST(mmerge::serialize(a) == mmerge::serialize(b));
    BOOST_TEST(mmerge::digest::of(mmerge::serialize(a)) ==
               mmerge::digest::of(mmerge::serialize(b)));
}

BOOST_AUTO_TEST_CASE(entry_order_is_kept_because_it_is_meaningful) {
    // Clients pick the first matching entry, so serialize must not reorder entries.
    auto a = built_index();
    auto b = a;
    std::swap(b.manifests[0], b.manifests[1]);
    BOOST_TEST(mmerge::serialize(a) != mmerge::serialize(b));
    BOOST_TEST(parsed(mmerge::serialize(b)).as_index()->manifests[0].platform->architecture ==
               "arm64");
}

BOOST_AUTO_TEST_CASE(docker_list_leaves_out_what_only_oci_has) {
    auto i = built_index();
    i.format = mmerge::manifest_format::docker;
    i.artifact_type = "application/vnd.example.bundle.v1";
    i.subject = entry("subject", {"linux", "amd64"});
    i.manifests[0].annotations = {{"k", "v"}};
    i.manifests[0].artifact_type = "application/vnd.example.sbom.v1";
    i.manifests[0].platform->os_version = "10.0";
    i.extra = {{"x-kept", "\"yes\""}};
    std::string written = mmerge::serialize(i);
    BOOST_TEST(written.starts_with(R"({"schemaVersion":2,"mediaType":")" +
                                   std::string(mt::docker_manifest_list) + R"(","manifests":[)"));
    for (const char* member : {"annotations", "artifactType", "subject"})
        BOOST_TEST(written.find(member) == std::string::npos, member);
    BOOST_TEST(written.find(R"("os.version":"10.0")") != std::string::npos);
    BOOST_TEST(written.ends_with(R"(],"x-kept":"yes"})"));
    auto again = parsed(written, mt::docker_manifest_list);
    BOOST_TEST((again.format() == mmerge::manifest_format::docker));
    BOOST_TEST(again.as_index()->manifests.size() == 3u);
}

BOOST_AUTO_TEST_CASE(switching_a_parsed_oci_index_to_docker_changes_only_the_format) {
    auto m = parsed(mmerge::test::read_fixture("manifest/buildx-index.json"));
    auto i = *m.as_index();
    i.format = mmerge::manifest_format::docker;
    auto again = parsed(mmerge::serialize(i));
    BOOST_TEST(again.media_type() == mt::docker_manifest_list);
    // The attestation annotations cannot be expressed in a Docker list and are gone.
    const auto& entries = again.as_index()->manifests;
    BOOST_TEST(std::none_of(entries.begin(), entries.end(),
                            [](const auto& d) { return mmerge::is_attestation(d); }));
}

BOOST_AUTO_TEST_CASE(empty_index_is_valid_and_canonical) {
    std::string body =
        R"({"schemaVersion":2,"mediaType":")" + std::string(mt::oci_index) + R"(","manifests":[]})";
    auto m = parsed(body);
    BOOST_TEST(m.as_index()->manifests.empty());
    BOOST_TEST(mmerge::serialize(*m.as_index()) == body);
}

BOOST_AUTO_TEST_CASE(unknown_members_survive_a_round_trip_verbatim) {
    auto m = parsed(mmerge::test::read_fixture("manifest/oci-index-annotations.json"));
    const auto& i = *m.as_index();
    BOOST_TEST(
        i.extra.at("x-generator") ==
        R"({"name":"example-builder","version":[1,4,2],"flags":{"reproducible":true,"ratio":0.75}})");
    BOOST_TEST(i.manifests[0].extra.at("x-build-host") == R"("runner-17")");
    BOOST_TEST(i.manifests[1].platform_extra.at("features") == R"(["power9"])");
}

BOOST_AUTO_TEST_CASE(accessors_follow_the_kind) {
    auto image = parsed(mmerge::test::read_fixture("manifest/oci-artifact.json"));
    BOOST_TEST(image.as_index() == nullptr);
    BOOST_TEST_REQUIRE(image.as_image() != nullptr);
    BOOST_TEST(image.artifact_type() == "application/vnd.example.sbom.v1");
    BOOST_TEST_REQUIRE(image.subject().has_value());
    BOOST_TEST(image.subject()->size == 1054);
    BOOST_TEST(image.as_image()->config.media_type == mt::oci_empty);
    BOOST_TEST(image.as_image()->config.extra.at("data") == R"("e30=")");

    auto index = parsed(mmerge::test::read_fixture("manifest/oci-index-referrers.json"));
    BOOST_TEST(index.as_image() == nullptr);
    BOOST_TEST(index.artifact_type() == "application/vnd.example.bundle.v1");
    BOOST_TEST(index.subject().has_value());
    BOOST_TEST(index.as_index()->manifests[0].artifact_type == "application/vnd.example.sbom.v1");
}

BOOST_AUTO_TEST_CASE(windows_entries_keep_os_version_and_features) {
    auto m = parsed(mmerge::test::read_fixture("manifest/windows-list.json"));
    const auto& entries = m.as_index()->manifests;
    BOOST_TEST_REQUIRE(entries.size() == 3u);
    BOOST_TEST(mmerge::to_string(*entries[0].platform) == "windows/amd64:10.0.17763.5329");
    BOOST_TEST(mmerge::to_string(*entries[1].platform) == "windows/amd64:10.0.20348.2227");
    BOOST_TEST((entries[2].platform->os_features == std::vector<std::string>{"win32k"}));
    BOOST_TEST(!mmerge::equivalent(*entries[0].platform, *entries[1].platform));
}

BOOST_AUTO_TEST_CASE(extra_member_reusing_a_known_name_is_a_programming_error) {
    auto i = built_index();
    i.extra = {{"manifests", "[]"}};
    BOOST_CHECK_THROW(mmerge::serialize(i), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(deep_nesting_in_an_unknown_member_is_refused) {
    std::string body = R"({"schemaVersion":2,"manifests":[],"x":)" + std::string(70, '[') +
                       std::string(70, ']') + "}";
    auto m = mmerge::parse_manifest(body);
    BOOST_TEST_REQUIRE(!m.has_value());
    BOOST_TEST(m.error().message == "the manifest is nested more than 64 levels deep");
}

BOOST_AUTO_TEST_SUITE_END()
