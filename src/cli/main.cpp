// mmerge's entry point: the only catch-all. It parses the command line, runs the command and maps
// every failure to DESIGN.md's exit codes with a one-line message (and a hint when one helps).
#include "cli/options.hpp"

#include <mmerge/error.hpp>
#include <mmerge/exit_code.hpp>
#include <mmerge/inspect.hpp>
#include <mmerge/reference.hpp>
#include <mmerge/version.hpp>

#include <iostream>
#include <string_view>

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
