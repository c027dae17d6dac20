// mmerge's entry point: the only place that reads argv and maps failures to exit codes.
#include <mmerge/exit_code.hpp>
#include <mmerge/version.hpp>

#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view usage_text = R"(mmerge - assemble and verify multi-architecture images inside an OCI registry

Usage:
  mmerge [merge] --target REF --add SRC[=PLATFORM] [--add ...]
         [--expect P1,P2,...] [--mode update|replace] [--remove PLATFORM]...
         [--format auto|oci|docker] [--annotation KEY=VALUE]... [--attestations keep|drop]
         [--dry-run] [--json] [--jobs N]
  mmerge inspect REF [--json]
  mmerge audit REF|REPO|REGISTRY... [--require P1,P2] [--all-tags] [--deep] [--json] [--shard I/N]

Common options:
  --plain-http  --insecure  --ca-file FILE  --cert-dir DIR  --auth-file FILE
  --username U --password-stdin  --timeout SECONDS  --retries N  -v/--verbose
  --version     print the version and exit
  --help        print this help and exit

Exit codes:
  0 success (changed or unchanged)
  1 a check failed (platform mismatch, duplicate, missing expected platform, audit gap)
  2 bad usage or bad input
  3 registry, network or TLS error
  4 authentication or authorization refused
)";

int code(mmerge::exit_code c) { return static_cast<int>(c); }

} // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--version") {
            std::cout << "mmerge " << mmerge::version << '\n';
            return code(mmerge::exit_code::success);
        }
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            return code(mmerge::exit_code::success);
        }
    }
    if (argc < 2) {
        std::cerr << usage_text;
        return code(mmerge::exit_code::usage);
    }
    std::cerr << "mmerge: '" << argv[1]
              << "': this command is not available in this version yet (see --help)\n";
    return code(mmerge::exit_code::usage);
}
