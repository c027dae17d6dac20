#pragma once
/** @file Process exit codes: the command-line contract of DESIGN.md. */

namespace mmerge {

/** What the `mmerge` process returns; scripts and CI depend on these numbers. */
enum class exit_code : int {
    success = 0,        ///< done, whether or not anything changed
    check_failed = 1,   ///< platform mismatch, duplicate, missing expected platform, audit gap
    usage = 2,          ///< bad usage or bad input
    registry_error = 3, ///< registry, network or TLS error
    auth_refused = 4,   ///< authentication or authorization refused
};

} // namespace mmerge
