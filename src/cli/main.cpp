// mmerge's entry point: the only catch-all. It parses the command line, runs the command and maps
// every failure to DESIGN.md's exit codes with a one-line message (and a hint when one helps).
#include "cli/options.hpp"

#include <mmerge/audit.hpp>
#include <mmerge/error.hpp>
#include <mmerge/exit_code.hpp>
#include <mmerge/inspect.hpp>
#include <mmerge/merge.hpp>
#include <mmerge/reference.hpp>
#include <mmerge/version.hpp>

#include <algorithm>
#include <iostream>
#include <string_view>

#include <unistd.h>

namespace {

constexpr std::string_view usage_text =
    R"(mmerge - assemble and verify multi-architecture images inside an OCI registry

Usage:
  mmerge [merge] --target REF --add SRC[=PLATFORM] [--add ...]
         [--expect P1,P2,...] [--mode update|replace] [--remove PLATFORM]...
         [--format auto|oci|docker] [--annotation KEY=VALUE]... [--attestations keep|drop]
         [--dry-run] [--json] [--jobs N]
  mmerge inspect REF [--json]
  mmerge audit REF|REPO|REGISTRY... [--require P1,P2] [--all-tags] [--deep] [--json] [--shard I/N]
         [--include GLOB]... [--exclude GLOB]... [--jobs N]

Common options:
  --plain-http          use plain HTTP (automatic for 127.0.0.0/8, localhost, [::1] when
                        the registry does not speak TLS)
  --insecure            do not verify TLS certificates (a warning is printed)
  --ca-file FILE        trust the CAs in FILE for every TLS connection of the run
  --cert-dir DIR        certs.d-style folder (*.crt CAs, *.cert + *.key client certificate)
  --auth-file FILE      credentials file (containers auth.json or docker config.json)
  --username U --password-stdin
                        log in as U with the password read from standard input
  --timeout SECONDS     limit for each network step (default 30)
  --retries N           retries for connection errors, 408, 429 and 5xx (default 3)
  -v, --verbose         print each registry request on stderr (never a secret)
  --json                machine-readable output on stdout
  --version             print the version and exit
  --help                print this help and exit

Credentials, first hit wins: --username/--password-stdin, MMERGE_USERNAME/MMERGE_PASSWORD,
--auth-file, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
$DOCKER_CONFIG/config.json or ~/.docker/config.json (credHelpers and credsStore included).

Exit codes:
  0 success (changed or unchanged)
  1 a check failed (platform mismatch, duplicate, missing expected platform, audit gap)
  2 bad usage or bad input
  3 registry, network or TLS error
  4 authentication or authorization refused
)";

int code(mmerge::exit_code c) {
    return static_cast<int>(c);
}

int usage_failure(const std::string& message) {
    std::cerr << "mmerge: " << message << "\n(see mmerge --help)\n";
    return code(mmerge::exit_code::usage);
}

// A hint for the errors users most often meet, saying what to do next.
std::string hint_for(const mmerge::error& e) {
    const std::string what = e.what();
    if (e.code() == mmerge::errc::unauthorized || e.code() == mmerge::errc::forbidden)
        return "log in with `podman login` or `docker login`, or pass --username with "
               "--password-stdin";
    if (e.code() == mmerge::errc::tls && what.find("certificate") != std::string::npos)
        return "trust the registry's CA with --ca-file FILE or a certs.d folder "
               "(/etc/containers/certs.d/HOST:PORT/ca.crt), or skip verification with "
               "--insecure";
    if (e.code() == mmerge::errc::not_found)
        return "check the repository and tag (mmerge inspect REF)";
    return {};
}

int run_inspect(const mmerge::cli::command_line& cl) {
    if (cl.positionals.size() != 1)
        return usage_failure("inspect takes exactly one reference");
    auto ref = mmerge::parse_reference(cl.positionals[0]);
    if (!ref)
        return usage_failure(ref.error().message);
    const auto options = mmerge::cli::make_registry_options(cl.common);
    const auto result = mmerge::inspect(*ref, options);
    std::cout << (cl.common.json ? mmerge::to_json(result) + "\n" : mmerge::to_text(result));
    return code(mmerge::exit_code::success);
}

const std::vector<std::string>& values(const mmerge::cli::command_line& cl, const char* name) {
    static const std::vector<std::string> none;
    const auto it = cl.values.find(name);
    return it == cl.values.end() ? none : it->second;
}

bool flag(const mmerge::cli::command_line& cl, std::string_view name) {
    return std::find(cl.flags.begin(), cl.flags.end(), name) != cl.flags.end();
}

// One value at most; `fallback` when absent.
std::string single(const mmerge::cli::command_line& cl, const char* name, std::string fallback) {
    const auto& v = values(cl, name);
    if (v.size() > 1)
        throw mmerge::cli::usage_error{std::string("--") + name + " is given more than once"};
    return v.empty() ? fallback : v.front();
}

std::vector<mmerge::platform> platform_lists(const mmerge::cli::command_line& cl,
                                             const char* name) {
    std::vector<mmerge::platform> out;
    for (const auto& v : values(cl, name)) {
        auto list = mmerge::parse_platform_list(v);
        if (!list)
            throw mmerge::cli::usage_error{std::string("--") + name + " " + v + ": " +
                                           list.error().message};
        out.insert(out.end(), list->begin(), list->end());
    }
    return out;
}

std::size_t jobs_from(const mmerge::cli::command_line& cl, const char* fallback);

mmerge::merge_options merge_options_from(const mmerge::cli::command_line& cl) {
    using mmerge::cli::usage_error;
    mmerge::merge_options o;
    if (!cl.positionals.empty())
        throw usage_error{"unexpected argument \"" + cl.positionals.front() +
                          "\" (sources are given with --add)"};
    const auto target_text = single(cl, "target", "");
    if (target_text.empty())
        throw usage_error{"--target is required"};
    auto target = mmerge::parse_reference(target_text);
    if (!target)
        throw usage_error{"--target: " + target.error().message};
    o.target = std::move(*target);
    for (const auto& add : values(cl, "add")) {
        auto source = mmerge::parse_merge_source(add);
        if (!source)
            throw usage_error{source.error().message};
        o.sources.push_back(std::move(*source));
    }
    o.expect = platform_lists(cl, "expect");
    o.remove = platform_lists(cl, "remove");
    if (o.sources.empty() && o.remove.empty())
        throw usage_error{"nothing to do: give at least one --add (or --remove)"};
    const auto mode = single(cl, "mode", "update");
    if (mode != "update" && mode != "replace")
        throw usage_error{"--mode must be update or replace, not \"" + mode + "\""};
    o.mode = mode == "update" ? mmerge::merge_mode::update : mmerge::merge_mode::replace;
    const auto format = single(cl, "format", "auto");
    if (format == "auto")
        o.format = mmerge::index_format::automatic;
    else if (format == "oci")
        o.format = mmerge::index_format::oci;
    else if (format == "docker")
        o.format = mmerge::index_format::docker;
    else
        throw usage_error{"--format must be auto, oci or docker, not \"" + format + "\""};
    const auto attestations = single(cl, "attestations", "keep");
    if (attestations != "keep" && attestations != "drop")
        throw usage_error{"--attestations must be keep or drop, not \"" + attestations + "\""};
    o.attestations = attestations == "keep" ? mmerge::attestation_policy::keep
                                            : mmerge::attestation_policy::drop;
    for (const auto& a : values(cl, "annotation")) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0)
            throw usage_error{"--annotation needs KEY=VALUE, not \"" + a + "\""};
        o.annotations[a.substr(0, eq)] = a.substr(eq + 1);
    }
    o.jobs = jobs_from(cl, "8");
    o.dry_run = flag(cl, "dry-run");
    return o;
}

int run_merge(const mmerge::cli::command_line& cl) {
    auto options = merge_options_from(cl);
    const auto registry = mmerge::cli::make_registry_options(cl.common);
    // Progress goes to stderr when a person watches it, or at -v.
    if (cl.common.verbose > 0 || ::isatty(STDERR_FILENO))
        options.progress = [](const std::string& line) { std::cerr << "mmerge: " << line << '\n'; };
    const auto report = mmerge::merge(options, registry);
    if (cl.common.json) {
        std::cout << mmerge::to_json(report) << '\n';
    } else if (report.dry_run) {
        std::cout << "dry run: nothing was written\n";
        std::cout << "target " << report.target
                  << (report.changed ? " would change" : " is unchanged") << '\n';
        for (const auto& c : report.changes)
            std::cout << "  " << c << '\n';
        for (const auto& b : report.mounted)
            std::cout << "  mount  " << b << '\n';
        for (const auto& b : report.uploaded)
            std::cout << "  upload " << b << '\n';
        for (const auto& m : report.manifests_pushed)
            std::cout << "  push manifest " << m << '\n';
        std::cout << "index " << report.digest.str() << ":\n" << report.index_json << '\n';
    } else {
        std::cout << report.target << '@' << report.digest.str() << '\n';
    }
    return code(mmerge::exit_code::success);
}

std::size_t jobs_from(const mmerge::cli::command_line& cl, const char* fallback) {
    const auto jobs = single(cl, "jobs", fallback);
    try {
        std::size_t used = 0;
        const long n = std::stol(jobs, &used);
        if (used != jobs.size() || n < 1 || n > 256)
            throw std::invalid_argument(jobs);
        return static_cast<std::size_t>(n);
    } catch (const std::logic_error&) {
        throw mmerge::cli::usage_error{"--jobs must be a number from 1 to 256, not \"" + jobs +
                                       "\""};
    }
}

std::string audit_status(const mmerge::tag_audit& t) {
    if (!t.error.empty())
        return "error: " + t.error;
    std::string out;
    auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
    for (const auto& m : t.missing)
        add("missing " + m);
    for (const auto& d : t.duplicates)
        add("duplicate " + d);
    for (const auto& l : t.lies)
        add("lie: " + l.digest.substr(0, 19) + " claims " + l.declared + ", is " + l.actual);
    for (const auto& d : t.dangling)
        add("dangling " + d.substr(0, 19));
    return out.empty() ? "ok" : out;
}

int run_audit(const mmerge::cli::command_line& cl) {
    using mmerge::cli::usage_error;
    mmerge::audit_options o;
    if (cl.positionals.empty())
        throw usage_error{"audit needs at least one REF, REPO or REGISTRY"};
    for (const auto& p : cl.positionals) {
        auto target = mmerge::parse_audit_target(p);
        if (!target)
            throw usage_error{target.error().message};
        o.targets.push_back(std::move(*target));
    }
    o.require = platform_lists(cl, "require");
    o.all_tags = flag(cl, "all-tags");
    o.deep = flag(cl, "deep");
    o.include = values(cl, "include");
    o.exclude = values(cl, "exclude");
    o.jobs = jobs_from(cl, "16");
    if (const auto shard = single(cl, "shard", ""); !shard.empty()) {
        const auto slash = shard.find('/');
        try {
            if (slash == std::string::npos)
                throw std::invalid_argument(shard);
            o.shard_index = static_cast<unsigned>(std::stoul(shard.substr(0, slash)));
            o.shard_count = static_cast<unsigned>(std::stoul(shard.substr(slash + 1)));
        } catch (const std::logic_error&) {
            throw usage_error{"--shard needs I/N, not \"" + shard + "\""};
        }
        if (o.shard_count == 0 || o.shard_index >= o.shard_count)
            throw usage_error{"--shard I/N needs 0 <= I < N, not \"" + shard + "\""};
    }
    const auto registry = mmerge::cli::make_registry_options(cl.common);
    const bool json = cl.common.json;
    const bool terminal = ::isatty(STDERR_FILENO);
    std::size_t done = 0;
    if (!json)
        std::cout << "TAG\tKIND\tPLATFORMS\tSTATUS\n";
    o.on_result = [&](const mmerge::tag_audit& t) {
        if (json) {
            std::cout << mmerge::to_json(t) << '\n';
        } else {
            std::string platforms;
            for (const auto& p : t.platforms)
                platforms += (platforms.empty() ? "" : ",") + p;
            std::cout << t.repository << (t.tag.empty() ? "" : ":" + t.tag) << '\t'
                      << (t.kind.empty() ? "-" : t.kind) << '\t'
                      << (platforms.empty() ? "-" : platforms) << '\t' << audit_status(t) << '\n';
        }
        if (terminal && ++done % 100 == 0)
            std::cerr << "mmerge: " << done << " tags audited\r" << std::flush;
    };
    if (cl.common.verbose > 0 || terminal)
        o.progress = [](const std::string& line) { std::cerr << "mmerge: " << line << '\n'; };
    const auto summary = mmerge::audit(o, registry);
    if (json) {
        std::cout << mmerge::to_json(summary) << '\n';
    } else {
        std::cout << "\n"
                  << summary.tags << " tags in " << summary.repositories
                  << " repositories: " << summary.complete << " complete";
        for (const auto& [p, n] : summary.missing)
            std::cout << ", " << n << " missing " << p;
        std::cout << ", " << summary.lies << " lies, " << summary.dangling << " dangling, "
                  << summary.duplicates << " duplicates, " << summary.errors << " errors\n";
    }
    std::cout.flush();
    return code(summary.outcome());
}

int run(const std::vector<std::string>& args) {
    const auto cl = mmerge::cli::parse_command_line(args);
    if (cl.command == "help") {
        std::cout << usage_text;
        return code(mmerge::exit_code::success);
    }
    if (cl.command == "version") {
        std::cout << "mmerge " << mmerge::version << '\n';
        return code(mmerge::exit_code::success);
    }
    if (args.empty()) {
        std::cerr << usage_text;
        return code(mmerge::exit_code::usage);
    }
    if (cl.common.insecure)
        std::cerr << "mmerge: warning: --insecure: TLS certificates are not verified; anyone on "
                     "the network path can impersonate the registry\n";
    if (cl.command == "inspect")
        return run_inspect(cl);
    if (cl.command == "merge")
        return run_merge(cl);
    if (cl.command == "audit")
        return run_audit(cl);
    return usage_failure("\"" + cl.command + "\" is not available in this version yet");
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return run(args);
    } catch (const mmerge::cli::usage_error& e) {
        return usage_failure(e.message);
    } catch (const mmerge::error& e) {
        std::cerr << "mmerge: " << e.operation();
        if (!e.reference().empty())
            std::cerr << ' ' << e.reference();
        std::cerr << ": " << e.what() << '\n';
        if (const auto hint = hint_for(e); !hint.empty())
            std::cerr << "hint: " << hint << '\n';
        return code(mmerge::exit_code_for(e.code()));
    } catch (const std::exception& e) {
        std::cerr << "mmerge: internal error: " << e.what() << '\n';
        return code(mmerge::exit_code::registry_error);
    }
}
