#pragma once
/** @file Where a run's registry credentials come from, decided once by the CLI. */

#include <filesystem>
#include <mmerge/credentials.hpp>
#include <optional>
#include <vector>

namespace mmerge {

/**
 * The credential sources of one run in DESIGN.md's order, first hit wins:
 * `--username` + `--password-stdin` (or `MMERGE_USERNAME`/`MMERGE_PASSWORD`) as `explicit_login`,
 * then `files`: `--auth-file`, `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. The CLI fills it (only the CLI reads the
 * environment); missing files are skipped, unreadable or invalid ones are errors.
 */
struct credential_options {
    /** Applies to every registry of the run, like `podman login` for the one command. */
    std::optional<credential> explicit_login;
    /** Config files to consult in order; the first one with an entry for a registry wins. */
    std::vector<std::filesystem::path> files;
    /** Seconds a `docker-credential-NAME get` may take before it is stopped. */
    unsigned helper_timeout_seconds = 30;
};

} // namespace mmerge
