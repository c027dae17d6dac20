#pragma once
// Test helpers: read the table-driven cases that live in fixtures/.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmerge::test {

/** Absolute path of a file under fixtures/. */
inline std::filesystem::path fixture_path(const std::string& relative) {
    return std::filesystem::path(MMERGE_FIXTURES_DIR) / relative;
}

/** The whole content of a fixture file; throws if it is missing (a broken checkout). */
inline std::string read_fixture(const std::string& relative) {
    std::ifstream in(fixture_path(relative), std::ios::binary);
    if (!in)
        throw std::runtime_error("missing fixture " + relative);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/** Rows of a tab-separated table: '#' lines and blank lines skipped, fields split on tabs. */
inline std::vector<std::vector<std::string>> read_table(const std::string& relative) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(read_fixture(relative));
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#')
            continue;
        std::vector<std::string> fields;
        std::size_t start = 0;
        for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
            fields.push_back(line.substr(start, tab - start));
        fields.push_back(line.substr(start));
        rows.push_back(std::move(fields));
    }
    return rows;
}

} // namespace mmerge::test
