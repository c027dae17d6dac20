// The pure planning of `mmerge merge` (src/ops/merge_plan.hpp) and the --add / --expect parsers
// (include/mmerge/merge.hpp), driven by the tables and indexes of fixtures/merge_plan/ (its
// README.md explains the digests they use).
#include "ops/merge_plan.hpp"

#include "support/fixture.hpp"

#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>
#include <mmerge/merge.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace data = boost::unit_test::data;
namespace ops = mmerge::ops;

namespace {

using strings = std::vector<std::string>;

// ---- reading the fixtures ----

rapidjson::Document json_fixture(const std::string& relative) {
    rapidjson::Document doc;
    doc.Parse(mmerge::test::read_fixture(relative).c_str());
    if (doc.HasParseError())
        throw std::runtime_error("fixture " + relative + " is not valid JSON");
    return doc;
}

std::string text(const rapidjson::Value& v, const char* name) {
    return v.HasMember(name) ? v[name].GetString() : "";
}

strings string_list(const rapidjson::Value& v, const char* name) {
    strings out;
    if (v.HasMember(name))
        for (const auto& s : v[name].GetArray())
            out.emplace_back(s.GetString());
    return out;
}

/** `-` in a table means "none". */
std::string or_empty(const std::string& field) {
    return field == "-" ? std::string() : field;
}

/** A comma-separated list of a table ('-' for none). */
strings split(const std::string& field) {
    strings out;
    std::size_t start = 0;
    for (std::size_t comma; (comma = field.find(',', start)) != std::string::npos;
         start = comma + 1)
        out.push_back(field.substr(start, comma - start));
    out.push_back(field.substr(start));
    return field == "-" ? strings{} : out;
}

mmerge::platform platform_of(const std::string& text) {
    return mmerge::parse_platform(text).value();
}

mmerge::digest digest_of(const std::string& text) {
    return mmerge::digest::parse(text).value();
}

/** An index of fixtures/merge_plan/indexes/, read as the registry would return it. */
std::optional<mmerge::index> index_fixture(const std::string& file) {
    if (file.empty())
        return std::nullopt;
    auto m = mmerge::parse_manifest(mmerge::test::read_fixture("merge_plan/indexes/" + file));
    if (!m || !m->as_index())
        throw std::runtime_error("fixture indexes/" + file + " is not an index");
    return *m->as_index();
}

/**
 * A child in the fixtures' shorthand: `{source, type: oci|docker, digest, size, platform}` for an
 * image, `attests: DIGEST` instead of `platform` for a BuildKit attestation manifest, whose index
 * entry carries the reference annotations and the `unknown/unknown` platform.
 */
ops::resolved_child child_of(const rapidjson::Value& v) {
    ops::resolved_child c;
    c.source = text(v, "source");
    const std::string type = text(v, "type");
    c.entry.media_type = std::string(type == "docker" ? mmerge::media_type::docker_manifest
                                                      : mmerge::media_type::oci_manifest);
    c.entry.digest = digest_of(text(v, "digest"));
    c.entry.size = v["size"].GetInt64();
    if (v.HasMember("attests")) {
        c.attestation = true;
        c.entry.platform = mmerge::platform{"unknown", "unknown"};
        c.entry.annotations.emplace(mmerge::reference_type_annotation,
                                    mmerge::attestation_manifest_type);
        c.entry.annotations.emplace(mmerge::reference_digest_annotation, text(v, "attests"));
    } else {
        c.entry.platform = platform_of(text(v, "platform"));
    }
    return c;
}

std::vector<ops::resolved_child> children_of(const rapidjson::Value& v) {
    std::vector<ops::resolved_child> out;
    for (const auto& c : v["children"].GetArray())
        out.push_back(child_of(c));
    return out;
}

/** `options`: `mode`, `format`, `attestations`, `remove` and `annotations`, as on the CLI. */
mmerge::merge_options options_of(const rapidjson::Value& v) {
    const auto& o = v["options"];
    mmerge::merge_options out;
    if (text(o, "mode") == "replace")
        out.mode = mmerge::merge_mode::replace;
    const std::string format = text(o, "format");
    if (format == "oci")
        out.format = mmerge::index_format::oci;
    else if (format == "docker")
        out.format = mmerge::index_format::docker;
    if (text(o, "attestations") == "drop")
        out.attestations = mmerge::attestation_policy::drop;
    for (const auto& p : string_list(o, "remove"))
        out.remove.push_back(platform_of(p));
    if (o.HasMember("annotations"))
        for (const auto& [key, value] : o["annotations"].GetObject())
            out.annotations.emplace(key.GetString(), value.GetString());
    return out;
}

// ---- what a user sees of an index ----

/** An entry as the tables write it: `linux/arm64 sha256:... oci`, `attestation sha256:... oci`. */
std::string entry_line(const mmerge::descriptor& d) {
    const std::string label = mmerge::is_attestation(d) ? "attestation"
                              : d.platform              ? mmerge::to_string(*d.platform)
                                                        : "(no platform)";
    const std::string type = d.media_type == mmerge::media_type::docker_manifest ? "docker"
                             : d.media_type == mmerge::media_type::oci_manifest  ? "oci"
                                                                                 : d.media_type;
    return label + " " + d.digest.str() + " " + type;
}

strings entry_lines(const mmerge::index& i) {
    strings out;
    for (const auto& d : i.manifests)
        out.push_back(entry_line(d));
    return out;
}

strings annotation_lines(const std::map<std::string, std::string>& annotations) {
    strings out;
    for (const auto& [key, value] : annotations)
        out.push_back(key + "=" + value);
    return out;
}

std::string joined(const std::vector<mmerge::platform>& list) {
    std::string out;
    for (const auto& p : list)
        out += (out.empty() ? "" : ",") + mmerge::to_string(p);
    return out;
}

bool contains(const std::string& message, const std::string& fragment) {
    return message.find(fragment) != std::string::npos;
}

// ---- plan.json ----

/** One case of fixtures/merge_plan/plan.json. */
struct plan_row {
    std::string name;
    std::string current_file;
    std::optional<mmerge::index> current;
    std::vector<ops::resolved_child> children;
    mmerge::merge_options options;
    std::optional<strings> error; ///< fragments of the refusal, when the plan must fail
    std::string format;           ///< `oci` or `docker`
    strings entries, changes, annotations, extra;
    bool unchanged = false; ///< the plan must give back the target exactly
    std::string golden;     ///< file under golden/ holding the serialized index

    friend std::ostream& operator<<(std::ostream& out, const plan_row& r) {
        return out << '[' << r.name << ']';
    }
};

std::vector<plan_row> plan_rows() {
    std::vector<plan_row> rows;
    const auto doc = json_fixture("merge_plan/plan.json");
    for (const auto& v : doc.GetArray()) {
        plan_row r;
        r.name = text(v, "name");
        r.current_file = v["current"].IsNull() ? "" : v["current"].GetString();
        r.current = index_fixture(r.current_file);
        r.children = children_of(v);
        r.options = options_of(v);
        if (v.HasMember("error")) {
            r.error = string_list(v, "error");
        } else {
            r.format = text(v, "format");
            r.entries = string_list(v, "entries");
            r.changes = string_list(v, "changes");
            for (const auto& [key, value] : v["annotations"].GetObject())
                r.annotations.push_back(std::string(key.GetString()) + "=" + value.GetString());
            r.extra = string_list(v, "extra");
            r.unchanged = v.HasMember("unchanged") && v["unchanged"].GetBool();
            r.golden = text(v, "golden");
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<plan_row> successful_plan_rows() {
    auto rows = plan_rows();
    std::erase_if(rows, [](const plan_row& r) { return r.error.has_value(); });
    return rows;
}

std::vector<plan_row> golden_plan_rows() {
    auto rows = plan_rows();
    std::erase_if(rows, [](const plan_row& r) { return r.golden.empty(); });
    return rows;
}

ops::index_plan planned(const std::optional<mmerge::index>& current,
                        const std::vector<ops::resolved_child>& children,
                        const mmerge::merge_options& options) {
    auto plan = ops::plan_index(current, children, options);
    BOOST_TEST_REQUIRE(plan.has_value(), "refused: " << plan.error().message);
    return *plan;
}

// ---- duplicates.json, contains.json ----

/** One case of duplicates.json: children and the fragments of the message (none: no duplicate). */
struct duplicate_row {
    std::string name;
    std::vector<ops::resolved_child> children;
    std::optional<strings> fragments;

    friend std::ostream& operator<<(std::ostream& out, const duplicate_row& r) {
        return out << '[' << r.name << ']';
    }
};

std::vector<duplicate_row> duplicate_rows() {
    std::vector<duplicate_row> rows;
    const auto doc = json_fixture("merge_plan/duplicates.json");
    for (const auto& v : doc.GetArray())
        rows.push_back(
            {text(v, "name"), children_of(v),
             v["duplicate"].IsNull() ? std::nullopt : std::optional(string_list(v, "duplicate"))});
    return rows;
}

/** One case of contains.json: the tag's index now, what we merged, and the verdict. */
struct contains_row {
    std::string name;
    mmerge::index current;
    std::vector<ops::resolved_child> children;
    mmerge::merge_options options;
    bool contains = false;

    friend std::ostream& operator<<(std::ostream& out, const contains_row& r) {
        return out << '[' << r.name << ']';
    }
};

std::vector<contains_row> contains_rows() {
    std::vector<contains_row> rows;
    const auto doc = json_fixture("merge_plan/contains.json");
    for (const auto& v : doc.GetArray())
        rows.push_back({text(v, "name"), *index_fixture(text(v, "current")), children_of(v),
                        options_of(v), v["contains"].GetBool()});
    return rows;
}

// ---- the TSV tables ----

/** A row of a TSV table, printed by its last column (what it guards). */
struct table_row {
    strings fields;

    const std::string& at(std::size_t i) const { return fields.at(i); }
    friend std::ostream& operator<<(std::ostream& out, const table_row& r) {
        return out << '"' << r.fields.front() << "\" [" << r.fields.back() << ']';
    }
};

std::vector<table_row> table(const std::string& relative) {
    std::vector<table_row> rows;
    for (auto& f : mmerge::test::read_table(relative))
        rows.push_back({std::move(f)});
    return rows;
}

} // namespace

BOOST_AUTO_TEST_SUITE(merge_plan)

// ---- parse_merge_source: --add SRC[=PLATFORM] ----

BOOST_DATA_TEST_CASE(parse_source, data::make(table("merge_plan/sources.tsv")), row) {
    auto s = mmerge::parse_merge_source(row.at(0));
    BOOST_TEST_REQUIRE(s.has_value(), "refused: " << s.error().message);
    BOOST_TEST(s->text == row.at(0));
    BOOST_TEST(s->ref.registry == row.at(1));
    BOOST_TEST(s->ref.repository == row.at(2));
    BOOST_TEST(s->ref.tag == or_empty(row.at(3)));
    BOOST_TEST((s->ref.digest ? s->ref.digest->str() : "") == or_empty(row.at(4)));
    BOOST_TEST((s->asserted ? mmerge::to_string(*s->asserted) : "") == or_empty(row.at(5)));
}

BOOST_DATA_TEST_CASE(parse_source_refused, data::make(table("merge_plan/source_errors.tsv")), row) {
    auto s = mmerge::parse_merge_source(row.at(0));
    BOOST_TEST_REQUIRE(!s.has_value(), "accepted");
    const auto& message = s.error().message;
    // The user sees which argument is wrong, then what is wrong with it.
    BOOST_TEST(message.rfind("--add " + row.at(0) + ": ", 0) == 0,
               "message \"" << message << "\" does not name the argument");
    BOOST_TEST(contains(message, row.at(1)),
               "message \"" << message << "\" lacks \"" << row.at(1) << '"');
}

// ---- parse_platform_list: --expect P1,P2 ----

BOOST_DATA_TEST_CASE(parse_platform_list, data::make(table("merge_plan/platform_lists.tsv")), row) {
    auto list = mmerge::parse_platform_list(row.at(0));
    const std::string& expected = row.at(1);
    if (expected.starts_with('!')) {
        BOOST_TEST_REQUIRE(!list.has_value(), "accepted as " << (list ? joined(*list) : ""));
        BOOST_TEST(contains(list.error().message, expected.substr(1)),
                   "message \"" << list.error().message << "\" lacks \"" << expected.substr(1)
                                << '"');
    } else {
        BOOST_TEST_REQUIRE(list.has_value(), "refused: " << list.error().message);
        BOOST_TEST(joined(*list) == expected);
    }
}

// ---- find_duplicate ----

BOOST_DATA_TEST_CASE(find_duplicate, data::make(duplicate_rows()), row) {
    const auto found = ops::find_duplicate(row.children);
    if (!row.fragments) {
        BOOST_TEST(!found.has_value(), "reported: " << found.value_or(""));
        return;
    }
    BOOST_TEST_REQUIRE(found.has_value(), "no duplicate reported");
    for (const auto& fragment : *row.fragments)
        BOOST_TEST(contains(*found, fragment),
                   "message \"" << *found << "\" lacks \"" << fragment << '"');
}

// ---- plan_index ----

BOOST_DATA_TEST_CASE(plan, data::make(plan_rows()), row) {
    auto plan = ops::plan_index(row.current, row.children, row.options);
    if (row.error) {
        // A contradictory request is refused (exit 2) and says why.
        BOOST_TEST_REQUIRE(!plan.has_value(), "accepted");
        for (const auto& fragment : *row.error)
            BOOST_TEST(contains(plan.error().message, fragment),
                       "message \"" << plan.error().message << "\" lacks \"" << fragment << '"');
        return;
    }
    BOOST_TEST_REQUIRE(plan.has_value(), "refused: " << plan.error().message);
    const auto& index = plan->index;
    BOOST_TEST(entry_lines(index) == row.entries, boost::test_tools::per_element());
    BOOST_TEST(plan->changes == row.changes, boost::test_tools::per_element());
    BOOST_TEST(annotation_lines(index.annotations) == row.annotations,
               boost::test_tools::per_element());
    strings extra;
    for (const auto& [name, value] : index.extra)
        extra.push_back(name);
    BOOST_TEST(extra == row.extra, boost::test_tools::per_element());
    const auto expected_type = row.format == "docker" ? mmerge::media_type::docker_manifest_list
                                                      : mmerge::media_type::oci_index;
    BOOST_TEST(mmerge::media_type_of(index) == expected_type);

    // What the registry stores reads back as the same entries, in the same order.
    auto stored = mmerge::parse_manifest(mmerge::serialize(index));
    BOOST_TEST_REQUIRE(stored.has_value(), "serialized index refused: " << stored.error().message);
    BOOST_TEST_REQUIRE(stored->as_index() != nullptr);
    BOOST_TEST(stored->media_type() == expected_type);
    BOOST_TEST(entry_lines(*stored->as_index()) == row.entries, boost::test_tools::per_element());

    if (row.unchanged) {
        // Nothing to push: the same index, so the same bytes and digest as the tag's.
        BOOST_TEST_REQUIRE(row.current.has_value());
        BOOST_TEST((index == *row.current));
        BOOST_TEST(mmerge::serialize(index) == mmerge::serialize(*row.current));
    }
}

BOOST_DATA_TEST_CASE(same_inputs_give_the_same_bytes, data::make(successful_plan_rows()), row) {
    const auto bytes = mmerge::serialize(planned(row.current, row.children, row.options).index);
    BOOST_TEST(mmerge::serialize(planned(row.current, row.children, row.options).index) == bytes);
    // The target read again from its canonical form (another run, another registry's
    // whitespace) gives the same index digest.
    if (row.current) {
        auto reread = mmerge::parse_manifest(mmerge::serialize(*row.current));
        BOOST_TEST_REQUIRE(reread.has_value());
        BOOST_TEST(mmerge::serialize(
                       planned(*reread->as_index(), row.children, row.options).index) == bytes);
    }
}

BOOST_DATA_TEST_CASE(a_second_identical_run_changes_nothing, data::make(successful_plan_rows()),
                     row) {
    const auto first = planned(row.current, row.children, row.options);
    const auto second = planned(first.index, row.children, row.options);
    BOOST_TEST(second.changes == strings{}, boost::test_tools::per_element());
    BOOST_TEST(mmerge::serialize(second.index) == mmerge::serialize(first.index));
}

BOOST_DATA_TEST_CASE(serialized_index_matches_golden, data::make(golden_plan_rows()), row) {
    const auto index = planned(row.current, row.children, row.options).index;
    BOOST_TEST(mmerge::serialize(index) ==
               mmerge::test::read_fixture("merge_plan/golden/" + row.golden));
}

// ---- missing_platforms: --expect ----

BOOST_DATA_TEST_CASE(missing_platforms, data::make(table("merge_plan/missing.tsv")), row) {
    const auto index = index_fixture(row.at(0));
    std::vector<mmerge::platform> expect;
    for (const auto& p : split(row.at(1)))
        expect.push_back(platform_of(p));
    BOOST_TEST(joined(ops::missing_platforms(*index, expect)) == or_empty(row.at(2)));
}

// ---- contains_merge: did another writer undo this merge? ----

BOOST_DATA_TEST_CASE(contains_merge, data::make(contains_rows()), row) {
    BOOST_TEST(ops::contains_merge(row.current, row.children, row.options) == row.contains);
}

BOOST_AUTO_TEST_SUITE_END()
