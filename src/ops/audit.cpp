#include "ops/concurrency.hpp"
#include "ops/config_platforms.hpp"
#include "ops/json_list.hpp"
#include "ops/once_cache.hpp"
#include "ops/run.hpp"
#include "registry/session.hpp"

#include <mmerge/audit.hpp>
#include <mmerge/image_config.hpp>
#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>
#include <mmerge/reference.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>

#include <fnmatch.h>

namespace mmerge {
namespace asio = boost::asio;

result<audit_target> parse_audit_target(std::string_view text) {
    if (text.empty())
        return fail("empty audit target");
    audit_target out;
    // A lone host (`reg.example`, `localhost:5000`, `[::1]:5000`) is a whole registry.
    if (text.find('/') == std::string_view::npos &&
        (text.find('.') != std::string_view::npos || text.find(':') != std::string_view::npos ||
         text == "localhost" || text.starts_with("["))) {
        auto registry = parse_registry(text);
        if (!registry)
            return fail(registry.error().message);
        out.what = audit_target::kind::registry;
        out.registry = *registry;
        return out;
    }
    // A tag (a ':' after the last '/') or a digest makes it one reference.
    const auto slash = text.rfind('/');
    const auto last = slash == std::string_view::npos ? text : text.substr(slash);
    if (text.find('@') != std::string_view::npos || last.find(':') != std::string_view::npos) {
        auto ref = parse_reference(text);
        if (!ref)
            return fail(ref.error().message);
        out.what = audit_target::kind::reference;
        out.registry = ref->registry;
        out.repository = ref->repository;
        out.tag_or_digest = ref->digest ? ref->digest->str() : ref->tag;
        return out;
    }
    auto repo = parse_repository(text);
    if (!repo)
        return fail(repo.error().message);
    out.what = audit_target::kind::repository;
    out.registry = repo->registry;
    out.repository = repo->repository;
    return out;
}

bool in_shard(std::string_view name, unsigned index, unsigned count) noexcept {
    if (count <= 1)
        return true;
    std::uint64_t hash = 14695981039346656037ull; // FNV-1a 64: stable across runs and machines
    for (const unsigned char c : name) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash % count == index;
}

exit_code audit_summary::outcome() const {
    if (auth_errors > 0)
        return exit_code::auth_refused;
    if (errors > 0)
        return exit_code::registry_error;
    if (complete < tags)
        return exit_code::check_failed;
    return exit_code::success;
}

namespace {

bool matches_any(const std::vector<std::string>& globs, const std::string& name) {
    return std::ranges::any_of(
        globs, [&](const std::string& g) { return ::fnmatch(g.c_str(), name.c_str(), 0) == 0; });
}

class auditor {
public:
    auditor(const audit_options& o, registry::session& s, audit_summary& summary)
        : options_(o)
        , session_(s)
        , summary_(summary)
        , configs_(s) {}

    asio::awaitable<void> run() {
        // 1. expand the targets into repositories (the catalog for a registry), filtered by
        // --include, --exclude and --shard 2. list each repository's tags 3. audit each tag:
        // one manifest GET; configs and children read once per digest for the whole run.
        for (const auto& target : options_.targets) {
            if (target.what == audit_target::kind::registry) {
                std::vector<std::string> repositories;
                try {
                    repositories = co_await session_.catalog(target.registry);
                } catch (const error& e) {
                    std::string message = e.what();
                    if (e.code() == errc::unauthorized || e.code() == errc::forbidden)
                        message += " (listing repositories needs the registry:catalog:* "
                                   "permission; name the repositories instead)";
                    report_failure(target.registry, "", message, e.code());
                    continue;
                }
                progress("auditing " + std::to_string(repositories.size()) + " repositories of " +
                         target.registry);
                std::vector<repository_name> selected;
                for (const auto& r : repositories)
                    if (wanted(r))
                        selected.push_back({target.registry, r});
                co_await ops::for_each_bounded(
                    selected.size(), options_.jobs, [&](std::size_t i) -> asio::awaitable<void> {
                        const std::string every_tag;
                        co_await audit_repository(selected[i], every_tag);
                    });
            } else if (wanted(target.repository)) {
                const repository_name repo{target.registry, target.repository};
                const bool one_tag =
                    target.what == audit_target::kind::reference && !options_.all_tags;
                // Named, not a ?: temporary: GCC 12 destroys such a temporary twice when it
                // initializes a coroutine parameter.
                const std::string only = one_tag ? target.tag_or_digest : std::string();
                co_await audit_repository(repo, only);
            }
        }
        summary_.requests = session_.stats().requests;
    }

private:
    // Children by digest, for the repository being audited: dropped when it is done, so memory
    // does not grow with the registry. (Configs are kept for the run: repositories share them.)
    struct repository_caches {
        ops::once_cache<std::string, std::optional<platform>> children;
        ops::once_cache<std::string, bool> exists;
    };

    bool wanted(const std::string& repository) const {
        if (!options_.include.empty() && !matches_any(options_.include, repository))
            return false;
        if (matches_any(options_.exclude, repository))
            return false;
        return in_shard(repository, options_.shard_index, options_.shard_count);
    }

    void progress(const std::string& line) const {
        if (options_.progress)
            options_.progress(line);
    }

    void emit(const tag_audit& t) {
        // A repository or registry that could not be listed is an error, not a tag.
        if (!t.tag.empty()) {
            ++summary_.tags;
            if (t.complete())
                ++summary_.complete;
        }
        for (const auto& m : t.missing)
            ++summary_.missing[m];
        summary_.lies += t.lies.size();
        summary_.dangling += t.dangling.size();
        summary_.duplicates += t.duplicates.size();
        if (!t.error.empty()) {
            ++summary_.errors;
            if (t.error_code == errc::unauthorized || t.error_code == errc::forbidden)
                ++summary_.auth_errors;
        }
        if (options_.on_result)
            options_.on_result(t);
    }

    void report_failure(const std::string& where, const std::string& tag, const std::string& why,
                        std::error_code code) {
        tag_audit t;
        t.repository = where;
        t.tag = tag;
        t.error = why;
        if (code.category() == error_category())
            t.error_code = static_cast<errc>(code.value());
        else
            t.error_code = errc::network;
        emit(t);
    }

    asio::awaitable<void> audit_repository(repository_name repo, std::string only) {
        ++summary_.repositories;
        std::vector<std::string> tags;
        if (!only.empty()) {
            tags.push_back(only);
        } else {
            try {
                tags = co_await session_.list_tags(repo);
            } catch (const error& e) {
                report_failure(to_string(repo), "", e.what(), e.code());
                co_return;
            }
            std::ranges::sort(tags);
        }
        repository_caches caches;
        co_await ops::for_each_bounded(tags.size(), options_.jobs,
                                       [&](std::size_t i) -> asio::awaitable<void> {
                                           co_await audit_tag(caches, repo, tags[i]);
                                       });
    }

    // A child's actual platform (with --deep), or nullopt when its manifest is missing.
    asio::awaitable<std::optional<platform>>
    child_platform(repository_caches& caches, const repository_name& repo, const digest& d) {
        const std::string key = to_string(repo) + "@" + d.str();
        co_return co_await caches.children.get(
            key, [&]() -> asio::awaitable<std::optional<platform>> {
                try {
                    const auto fetched = co_await session_.get_manifest(repo, d.str());
                    auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
                    if (parsed && parsed->as_image() &&
                        media_type::is_image_config(parsed->as_image()->config.media_type))
                        co_return co_await configs_.of(repo, parsed->as_image()->config, key);
                    co_return platform{};
                } catch (const error& e) {
                    if (e.code() != errc::not_found)
                        throw;
                }
                co_return std::nullopt;
            });
    }

    asio::awaitable<bool> child_exists(repository_caches& caches, const repository_name& repo,
                                       const digest& d) {
        const std::string key = to_string(repo) + "@" + d.str();
        co_return co_await caches.exists.get(key, [&]() -> asio::awaitable<bool> {
            co_return (co_await session_.head_manifest(repo, d.str())).has_value();
        });
    }

    asio::awaitable<void> audit_tag(repository_caches& caches, const repository_name& repo,
                                    std::string tag) {
        tag_audit t;
        t.repository = to_string(repo);
        t.tag = tag;
        try {
            const auto fetched = co_await session_.get_manifest(repo, tag);
            auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
            if (!parsed)
                throw error(errc::unsupported, "read manifest", t.repository + ":" + tag,
                            parsed.error().message);
            t.digest = fetched.digest.str();
            std::vector<platform> served;
            if (const auto* idx = parsed->as_index()) {
                t.kind = idx->format == manifest_format::docker ? "docker-list" : "index";
                for (const auto& d : idx->manifests) {
                    if (is_attestation(d)) {
                        ++t.attestations;
                        continue;
                    }
                    const platform declared = d.platform ? normalize(*d.platform) : platform{};
                    if (options_.deep) {
                        const auto actual = co_await child_platform(caches, repo, d.digest);
                        if (!actual) {
                            t.dangling.push_back(d.digest.str());
                            continue;
                        }
                        if (!actual->os.empty() && !matches(declared, *actual))
                            t.lies.push_back({d.digest.str(), to_string(declared),
                                              to_string(normalize(*actual))});
                    } else if (!co_await child_exists(caches, repo, d.digest)) {
                        t.dangling.push_back(d.digest.str());
                        continue;
                    }
                    served.push_back(declared);
                }
            } else {
                t.kind = "image";
                const auto* image = parsed->as_image();
                if (media_type::is_image_config(image->config.media_type))
                    served.push_back(normalize(
                        co_await configs_.of(repo, image->config, t.repository + ":" + tag)));
            }
            std::set<std::string> seen;
            for (const auto& p : served) {
                const auto text = to_string(p);
                if (!seen.insert(text).second &&
                    std::ranges::find(t.duplicates, text) == t.duplicates.end())
                    t.duplicates.push_back(text);
                if (std::ranges::find(t.platforms, text) == t.platforms.end())
                    t.platforms.push_back(text);
            }
            for (const auto& required : options_.require) {
                const bool ok = std::ranges::any_of(
                    served, [&](const platform& p) { return matches(required, p); });
                if (!ok)
                    t.missing.push_back(to_string(normalize(required)));
            }
        } catch (const error& e) {
            t.error = e.what();
            t.error_code = e.code().category() == error_category()
                               ? std::optional(static_cast<errc>(e.code().value()))
                               : std::optional(errc::network);
        }
        emit(t);
    }

    const audit_options& options_;
    registry::session& session_;
    audit_summary& summary_;
    ops::config_platforms configs_;
};

} // namespace

audit_summary audit(const audit_options& options, const registry_options& registry) {
    registry_options tuned = registry;
    // The pool is what bounds the load on the registry: one connection per job.
    tuned.transport.max_connections_per_host = std::max<std::size_t>(options.jobs, 1);
    return ops::run_session(tuned,
                            [&](registry::session& session) -> asio::awaitable<audit_summary> {
                                audit_summary summary;
                                auditor a(options, session, summary);
                                co_await a.run();
                                co_return summary;
                            });
}

std::string to_json(const tag_audit& t) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("repository");
    w.String(t.repository);
    w.Key("tag");
    w.String(t.tag);
    w.Key("digest");
    w.String(t.digest);
    w.Key("kind");
    w.String(t.kind);
    ops::write_string_list(w, "platforms", t.platforms);
    ops::write_string_list(w, "missing", t.missing);
    ops::write_string_list(w, "duplicates", t.duplicates);
    w.Key("lies");
    w.StartArray();
    for (const auto& l : t.lies) {
        w.StartObject();
        w.Key("digest");
        w.String(l.digest);
        w.Key("declared");
        w.String(l.declared);
        w.Key("actual");
        w.String(l.actual);
        w.EndObject();
    }
    w.EndArray();
    ops::write_string_list(w, "dangling", t.dangling);
    w.Key("attestations");
    w.Uint64(t.attestations);
    w.Key("complete");
    w.Bool(t.complete());
    w.Key("error");
    if (t.error.empty())
        w.Null();
    else
        w.String(t.error);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string to_json(const audit_summary& s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("summary");
    w.StartObject();
    w.Key("repositories");
    w.Uint64(s.repositories);
    w.Key("tags");
    w.Uint64(s.tags);
    w.Key("complete");
    w.Uint64(s.complete);
    w.Key("missing");
    w.StartObject();
    for (const auto& [p, n] : s.missing) {
        w.Key(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
        w.Uint64(n);
    }
    w.EndObject();
    w.Key("lies");
    w.Uint64(s.lies);
    w.Key("dangling");
    w.Uint64(s.dangling);
    w.Key("duplicates");
    w.Uint64(s.duplicates);
    w.Key("errors");
    w.Uint64(s.errors);
    w.Key("requests");
    w.Uint64(s.requests);
    w.EndObject();
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace mmerge
