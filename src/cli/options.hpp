#pragma once
// The command line of DESIGN.md, parsed into option aggregates. Only the CLI reads argv and the
// environment; everything below receives these structs by const&.

#include <mmerge/registry_options.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmerge::cli {

/** Thrown for bad usage: main prints it with the usage hint and exits 2. */
struct usage_error {
    std::string message;
};

/** The flags every command accepts. */
struct common_options {
    bool plain_http = false;
    bool insecure = false;
    std::string ca_file;
    std::string cert_dir;
    std::string auth_file;
    std::string username;
    bool password_stdin = false;
    std::optional<double> timeout_seconds;
    std::optional<unsigned> retries;
    int verbose = 0;
    bool json = false;
};

/** One parsed invocation. */
struct command_line {
    /** `merge`, `inspect`, `audit`, or `help` / `version`. */
    std::string command;
    /** Arguments that are not options (inspect's REF, audit's targets). */
    std::vector<std::string> positionals;
    /** Options specific to a command, by name without dashes (`target`, `add`...). */
    std::map<std::string, std::vector<std::string>> values;
    /** Flags specific to a command that were given (`dry-run`, `deep`...). */
    std::vector<std::string> flags;
    common_options common;
};

/** Parse argv (without argv[0]). @throws usage_error. */
command_line parse_command_line(const std::vector<std::string>& args);

/**
 * Build the registry options from the common flags and the environment (credential files in
 * DESIGN.md's order, certs.d roots, MMERGE_USERNAME/MMERGE_PASSWORD). Reads stdin for
 * --password-stdin. @throws usage_error.
 */
registry_options make_registry_options(const common_options& common);

} // namespace mmerge::cli
