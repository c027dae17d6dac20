#pragma once
// Resolves the credentials for a registry from the sources of credential_options, loading each
// config file once and asking a credential helper at most once per server per run.

#include <map>
#include <mmerge/credential_options.hpp>
#include <mmerge/credentials.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmerge::registry {

/**
 * Run `docker-credential-<helper.name> get` with `helper.server_url` on stdin and parse its
 * answer. A helper that reports "credentials not found" gives nullopt (go anonymous).
 * @throws mmerge::error (errc::invalid_response) when the helper is missing, fails, times out or
 *         prints something unparseable; the message names the helper, never a secret.
 */
std::optional<credential> run_credential_helper(const credential_helper& helper,
                                                unsigned timeout_seconds);

/** The credentials of a run, resolved lazily and cached per (registry, repository). */
class credential_store {
public:
    explicit credential_store(credential_options options);

    /**
     * The credential for `repository` on `registry` (any spelling normalize_registry_key
     * accepts), or nullopt for anonymous access.
     * @throws mmerge::error (errc::usage) for a config file that cannot be read or parsed, and as
     *         run_credential_helper does.
     */
    std::optional<credential> find(std::string_view registry, std::string_view repository);

    /** Where the last answer for (registry, repository) came from, for -v messages. */
    std::string describe_source(std::string_view registry, std::string_view repository) const;

private:
    const std::vector<std::pair<std::filesystem::path, credential_config>>& configs();

    credential_options options_;
    std::optional<std::vector<std::pair<std::filesystem::path, credential_config>>> configs_;
    std::map<std::string, std::optional<credential>> helper_answers_; // by helper + server
    std::map<std::string, std::pair<std::optional<credential>, std::string>> cache_;
};

} // namespace mmerge::registry
