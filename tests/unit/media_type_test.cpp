#include "support/fixture.hpp"

#include <mmerge/media_type.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;
namespace mt = mmerge::media_type;

namespace {

/** One row of fixtures/media_type/classify.tsv: the type and eight y/n answers. */
struct classify_row {
    std::string type;
    std::vector<bool> answers;
    std::string guards;

    friend std::ostream& operator<<(std::ostream& out, const classify_row& r) {
        return out << '"' << r.type << "\" [" << r.guards << ']';
    }
};

std::vector<classify_row> classify_rows() {
    std::vector<classify_row> rows;
    for (auto& f : mmerge::test::read_table("media_type/classify.tsv")) {
        classify_row row{f.at(0), {}, f.at(9)};
        for (std::size_t i = 1; i <= 8; ++i)
            row.answers.push_back(f.at(i) == "y");
        rows.push_back(std::move(row));
    }
    return rows;
}

/** A two-column row plus what it guards (valid.tsv, essence.tsv). */
struct text_row {
    std::string input, expected, guards;

    friend std::ostream& operator<<(std::ostream& out, const text_row& r) {
        return out << '"' << r.input << "\" [" << r.guards << ']';
    }
};

std::vector<text_row> text_rows(const std::string& table) {
    std::vector<text_row> rows;
    for (auto& f : mmerge::test::read_table(table))
        rows.push_back({f.at(0), f.at(1), f.at(2)});
    return rows;
}

} // namespace

BOOST_AUTO_TEST_SUITE(media_type)

BOOST_DATA_TEST_CASE(classify, data::make(classify_rows()), row) {
    BOOST_TEST(mt::is_index(row.type) == row.answers[0]);
    BOOST_TEST(mt::is_image_manifest(row.type) == row.answers[1]);
    BOOST_TEST(mt::is_manifest(row.type) == row.answers[2]);
    BOOST_TEST(mt::is_schema1(row.type) == row.answers[3]);
    BOOST_TEST(mt::is_docker(row.type) == row.answers[4]);
    BOOST_TEST(mt::is_oci(row.type) == row.answers[5]);
    BOOST_TEST(mt::is_layer(row.type) == row.answers[6]);
    BOOST_TEST(mt::is_image_config(row.type) == row.answers[7]);
}

BOOST_DATA_TEST_CASE(is_valid, data::make(text_rows("media_type/valid.tsv")), row) {
    BOOST_TEST(mt::is_valid(row.input) == (row.expected == "y"));
}

BOOST_DATA_TEST_CASE(essence, data::make(text_rows("media_type/essence.tsv")), row) {
    BOOST_TEST(mt::essence(row.input) == row.expected);
}

BOOST_AUTO_TEST_CASE(accept_header_lists_the_four_manifest_types_in_order) {
    // DESIGN.md: without the full list distribution answers 404 for OCI content or downgrades.
    std::string joined;
    for (auto type : mt::manifest_accept_types) {
        BOOST_TEST(mt::is_manifest(type));
        joined += (joined.empty() ? "" : ", ") + std::string(type);
    }
    BOOST_TEST(mt::manifest_accept == joined);
    BOOST_TEST(mt::manifest_accept_types[0] == mt::oci_manifest);
    BOOST_TEST(mt::manifest_accept_types[1] == mt::oci_index);
    BOOST_TEST(mt::manifest_accept_types[2] == mt::docker_manifest);
    BOOST_TEST(mt::manifest_accept_types[3] == mt::docker_manifest_list);
}

BOOST_AUTO_TEST_CASE(accept_header_never_asks_for_schema1) {
    BOOST_TEST(std::string(mt::manifest_accept).find("distribution.manifest.v1") ==
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_constant_is_a_valid_media_type) {
    for (auto type :
         {mt::oci_manifest, mt::oci_index, mt::oci_config, mt::oci_empty, mt::oci_layer_tar,
          mt::oci_layer_gzip, mt::oci_layer_zstd, mt::oci_layer_nondistributable_tar,
          mt::oci_layer_nondistributable_gzip, mt::oci_layer_nondistributable_zstd,
          mt::docker_manifest, mt::docker_manifest_list, mt::docker_config, mt::docker_layer_gzip,
          mt::docker_layer_foreign, mt::docker_plugin_config, mt::docker_schema1_manifest,
          mt::docker_schema1_signed_manifest, mt::in_toto})
        BOOST_TEST(mt::is_valid(type), type);
}

BOOST_AUTO_TEST_SUITE_END()
