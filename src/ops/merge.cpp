#include "ops/concurrency.hpp"
#include "ops/config_platforms.hpp"
#include "ops/json_list.hpp"
#include "ops/merge_plan.hpp"
#include "ops/run.hpp"
#include "registry/session.hpp"

#include <mmerge/error.hpp>
#include <mmerge/image_config.hpp>
#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>
#include <mmerge/merge.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace mmerge {
namespace asio = boost::asio;

namespace {

// After pushing in update mode, mmerge checks that no concurrent writer overwrote the tag with an
// index lacking our entries, and merges again if one did: registries offer no compare-and-swap on
// tags, so this check-after-settle is what makes concurrent jobs converge. A writer that read the
// tag just before our PUT lands its own PUT up to one of ITS round trips later, which we cannot
// measure, so the check waits for a floor that covers a slow or briefly stalled peer
// (`min_settle`, or four of our own PUT latencies if more). A lost update then needs a peer
// stalled between its read and its write for longer than that: unlikely, not impossible.
constexpr auto min_settle = std::chrono::milliseconds(100);

// A child manifest to place in the index, with what copying it needs.
struct source_child {
    ops::resolved_child child;
    repository_name repo;          // where it lives now
    std::string bytes;             // the manifest, byte for byte
    std::vector<descriptor> blobs; // config and layers
};

std::string describe_platform(const platform& p) {
    return to_string(p);
}

// The state of the target tag: nothing yet, or an index (an image is seen as a one-entry index).
struct target_state {
    std::optional<mmerge::digest> digest;
    std::optional<mmerge::index> index;
};

class merger {
public:
    merger(const merge_options& o, registry::session& s)
        : options_(o)
        , session_(s)
        , configs_(s) {}

    asio::awaitable<merge_report> run() {
        // 1. resolve every source concurrently and verify digests and platforms 2. check
        // duplicates 3. read the target, plan the index, check --expect 4. copy what the target
        // lacks, push child manifests 5. HEAD the target again, push the index unless unchanged
        // 6. confirm; if another writer changed the target meanwhile, merge again (bounded).
        const auto& target = options_.target;
        if (target.digest)
            throw error(errc::usage, "merge", to_string(target),
                        "--target must name a tag, not a digest");
        declare_scopes();

        std::vector<std::vector<source_child>> per_source(options_.sources.size());
        co_await ops::for_each_bounded(options_.sources.size(), options_.jobs,
                                       [&](std::size_t i) -> asio::awaitable<void> {
                                           per_source[i] = co_await resolve(options_.sources[i]);
                                       });
        for (auto& list : per_source)
            for (auto& c : list)
                children_.push_back(std::move(c));
        std::vector<ops::resolved_child> resolved;
        for (const auto& c : children_)
            resolved.push_back(c.child);
        if (const auto dup = ops::find_duplicate(resolved))
            throw error(errc::check_failed, "merge", to_string(target), *dup);

        merge_report report;
        report.target = to_string(target);
        report.dry_run = options_.dry_run;
        for (unsigned attempt = 1; attempt <= options_.max_attempts; ++attempt) {
            report.attempts = attempt;
            const target_state state = co_await read_target();
            if (attempt == 1 && state.digest)
                report.previous = state.digest;
            auto plan = ops::plan_index(state.index, resolved, options_);
            if (!plan)
                throw error(errc::usage, "merge", to_string(target), plan.error().message);
            if (const auto missing = ops::missing_platforms(plan->index, options_.expect);
                !missing.empty()) {
                std::string list;
                for (const auto& p : missing)
                    list += (list.empty() ? "" : ", ") + describe_platform(p);
                throw error(errc::check_failed, "merge", to_string(target),
                            "--expect: the index would not cover " + list +
                                " (it has: " + platforms_of(plan->index) + ")");
            }
            const std::string bytes = serialize(plan->index);
            const digest index_digest = digest::of(bytes);
            report.digest = index_digest;
            report.media_type = std::string(media_type_of(plan->index));
            report.index_json = bytes;
            report.children = describe_children(plan->index);
            report.changes = plan->changes;
            report.changed = state.digest != index_digest;

            if (options_.dry_run) {
                co_await plan_copies(report);
                break;
            }
            if (!report.changed) {
                progress("unchanged: " + to_string(target) + " is already " + index_digest.str());
                break;
            }
            co_await copy_children(report);

            // Right before the PUT: has another writer changed the target since we read it?
            const auto now = co_await session_.head_manifest(target.name(), target.tag);
            if ((now ? std::optional(now->digest) : std::nullopt) != state.digest) {
                progress("the target changed while merging; merging again onto the new state");
                continue;
            }
            const auto put_started = std::chrono::steady_clock::now();
            co_await session_.put_manifest(target.name(), target.tag, report.media_type, bytes);
            const auto put_latency = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - put_started);
            progress("pushed " + to_string(target) + "@" + index_digest.str());
            if (co_await confirmed(index_digest, put_latency))
                break;
            if (attempt == options_.max_attempts)
                throw error(errc::http_status, "merge", to_string(target),
                            "other writers kept changing the target; gave up after " +
                                std::to_string(attempt) + " attempts");
            progress("another writer replaced the index without our entries; merging again");
        }
        report.requests = session_.stats().requests;
        co_return report;
    }

private:
    void progress(const std::string& line) const {
        if (options_.progress)
            options_.progress(line);
    }

    // One token for the whole run per registry: push on the target, pull on every source.
    void declare_scopes() {
        std::map<std::string, std::vector<scope>> by_registry;
        const auto& target = options_.target;
        by_registry[target.registry].push_back({"repository", target.repository, {"pull", "push"}});
        for (const auto& s : options_.sources)
            by_registry[s.ref.registry].push_back({"repository", s.ref.repository, {"pull"}});
        for (const auto& [registry, scopes] : by_registry)
            session_.declare_scopes(registry, scopes);
    }

    static std::string platforms_of(const mmerge::index& i) {
        std::string out;
        for (const auto& d : i.manifests)
            if (!is_attestation(d) && d.platform)
                out += (out.empty() ? "" : ", ") + to_string(*d.platform);
        return out.empty() ? "no platforms" : out;
    }

    std::vector<merged_child> describe_children(const mmerge::index& i) const {
        std::vector<merged_child> out;
        for (const auto& d : i.manifests) {
            const auto from = std::ranges::find_if(
                children_, [&](const source_child& c) { return c.child.entry.digest == d.digest; });
            out.push_back({from == children_.end() ? std::string("(kept)") : from->child.source,
                           d.digest, d.media_type,
                           is_attestation(d) ? "attestation"
                           : d.platform      ? to_string(*d.platform)
                                             : "",
                           is_attestation(d)});
        }
        return out;
    }

    // A child image of a source: fetched by digest, parsed, its config read and its platform
    // checked against what the index entry declares and what the user asserted.
    asio::awaitable<source_child> resolve_child(const merge_source& src,
                                                const repository_name& repo, descriptor entry,
                                                bool attestation) {
        const std::string what = src.text + " (" + entry.digest.str() + ")";
        auto fetched = co_await session_.get_manifest(repo, entry.digest.str());
        auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
        if (!parsed)
            throw error(errc::unsupported, "read manifest", what, parsed.error().message);
        const auto* image = parsed->as_image();
        if (!image)
            throw error(errc::unsupported, "read manifest", what,
                        "an index inside an index is not supported");
        source_child out{{src.text, entry, attestation}, repo, std::move(fetched.bytes), {}};
        out.blobs.push_back(image->config);
        out.blobs.insert(out.blobs.end(), image->layers.begin(), image->layers.end());
        if (attestation)
            co_return out;

        const platform actual = co_await configs_.of(repo, image->config, what);
        if (entry.platform && !matches(*entry.platform, actual))
            throw error(errc::check_failed, "verify", what,
                        "the index entry says " + to_string(*entry.platform) +
                            " but the image's config says " + to_string(actual));
        if (src.asserted && !matches(*src.asserted, actual))
            throw error(errc::check_failed, "verify", what,
                        "expected " + to_string(*src.asserted) + ", but the image's config says " +
                            to_string(actual));
        platform written = normalize(actual);
        out.child.entry.platform = written;
        co_return out;
    }

    asio::awaitable<std::vector<source_child>> resolve(const merge_source& src) {
        const repository_name repo = src.ref.name();
        const std::string tag_or_digest = src.ref.digest ? src.ref.digest->str() : src.ref.tag;
        auto fetched = co_await session_.get_manifest(repo, tag_or_digest);
        auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
        if (!parsed)
            throw error(errc::unsupported, "read manifest", src.text, parsed.error().message);

        std::vector<descriptor> entries;
        std::vector<bool> is_attest;
        if (const auto* idx = parsed->as_index()) {
            std::vector<descriptor> images;
            for (const auto& d : idx->manifests)
                if (!is_attestation(d) &&
                    (!src.asserted || (d.platform && matches(*src.asserted, *d.platform))))
                    images.push_back(d);
            if (src.asserted && images.empty())
                throw error(errc::check_failed, "verify", src.text,
                            "the index has no entry for " + to_string(*src.asserted) +
                                " (it has: " + platforms_of(*idx) + ")");
            if (src.asserted && images.size() > 1) {
                std::string list;
                for (const auto& d : images)
                    list += (list.empty() ? "" : ", ") + to_string(*d.platform);
                throw error(errc::check_failed, "verify", src.text,
                            to_string(*src.asserted) + " matches several entries (" + list +
                                "); name the platform exactly, with :os.version for Windows");
            }
            for (const auto& d : images) {
                entries.push_back(d);
                is_attest.push_back(false);
            }
            // Attestations travel with the images they attest.
            for (const auto& d : idx->manifests) {
                const auto subject = attests(d);
                if (is_attestation(d) && subject &&
                    std::ranges::any_of(
                        images, [&](const descriptor& i) { return i.digest == *subject; })) {
                    entries.push_back(d);
                    is_attest.push_back(true);
                }
            }
        } else {
            descriptor self;
            self.media_type = std::string(parsed->media_type());
            self.digest = fetched.digest;
            self.size = static_cast<std::int64_t>(fetched.bytes.size());
            const auto* image = parsed->as_image();
            const platform actual = co_await configs_.of(repo, image->config, src.text);
            if (src.asserted && !matches(*src.asserted, actual))
                throw error(errc::check_failed, "verify", src.text,
                            "expected " + to_string(*src.asserted) +
                                ", but the image's config says " + to_string(actual) + " (" +
                                fetched.digest.str() + ")");
            self.platform = normalize(actual);
            source_child only{{src.text, self, false}, repo, std::move(fetched.bytes), {}};
            only.blobs.push_back(image->config);
            only.blobs.insert(only.blobs.end(), image->layers.begin(), image->layers.end());
            std::vector<source_child> out;
            out.push_back(std::move(only));
            co_return out;
        }

        std::vector<source_child> out(entries.size());
        co_await ops::for_each_bounded(
            entries.size(), options_.jobs, [&](std::size_t i) -> asio::awaitable<void> {
                out[i] = co_await resolve_child(src, repo, entries[i], is_attest[i]);
            });
        co_return out;
    }

    asio::awaitable<target_state> read_target() {
        const auto& target = options_.target;
        const auto head = co_await session_.head_manifest(target.name(), target.tag);
        if (!head)
            co_return target_state{};
        auto fetched = co_await session_.get_manifest(target.name(), head->digest.str());
        auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
        if (!parsed)
            throw error(errc::unsupported, "read target", to_string(target),
                        parsed.error().message);
        if (const auto* idx = parsed->as_index())
            co_return target_state{fetched.digest, *idx};
        // A single image at the target tag: it becomes the first entry of the new index.
        const auto* image = parsed->as_image();
        descriptor self;
        self.media_type = std::string(parsed->media_type());
        self.digest = fetched.digest;
        self.size = static_cast<std::int64_t>(fetched.bytes.size());
        self.platform =
            normalize(co_await configs_.of(target.name(), image->config, to_string(target)));
        mmerge::index as_index;
        as_index.format = parsed->format();
        as_index.manifests.push_back(self);
        co_return target_state{fetched.digest, as_index};
    }

    // What --dry-run reports: which blobs would be mounted or uploaded, which manifests pushed.
    asio::awaitable<void> plan_copies(merge_report& report) {
        const auto& target = options_.target;
        for (const auto& c : children_) {
            if (co_await session_.head_manifest(target.name(), c.child.entry.digest.str()))
                continue;
            for (const auto& b : c.blobs) {
                if (co_await session_.blob_exists(target.name(), b.digest))
                    report.existing.push_back(b.digest.str());
                else if (c.repo.registry == target.registry)
                    report.mounted.push_back(b.digest.str());
                else
                    report.uploaded.push_back(b.digest.str());
            }
            report.manifests_pushed.push_back(c.child.entry.digest.str());
        }
    }

    // Blobs first, then child manifests by digest: a registry refuses a manifest whose blobs it
    // lacks, and an index whose children it lacks (DESIGN.md "Protocol facts").
    asio::awaitable<void> copy_children(merge_report& report) {
        const auto& target = options_.target;
        std::vector<const source_child*> needed;
        std::vector<char> present(children_.size(), 0);
        co_await ops::for_each_bounded(
            children_.size(), options_.jobs, [&](std::size_t i) -> asio::awaitable<void> {
                if (copied_.contains(children_[i].child.entry.digest))
                    present[i] = 1;
                else if (co_await session_.head_manifest(target.name(),
                                                         children_[i].child.entry.digest.str()))
                    present[i] = 1;
            });
        std::map<digest, std::pair<descriptor, repository_name>> blobs;
        for (std::size_t i = 0; i < children_.size(); ++i) {
            if (present[i])
                continue;
            needed.push_back(&children_[i]);
            for (const auto& b : children_[i].blobs)
                blobs.try_emplace(b.digest, b, children_[i].repo);
        }
        std::vector<std::pair<descriptor, repository_name>> list;
        for (auto& [d, v] : blobs)
            list.push_back(v);
        co_await ops::for_each_bounded(
            list.size(), options_.jobs, [&](std::size_t i) -> asio::awaitable<void> {
                co_await copy_blob(list[i].first, list[i].second, report);
            });
        co_await ops::for_each_bounded(
            needed.size(), options_.jobs, [&](std::size_t i) -> asio::awaitable<void> {
                const auto& c = *needed[i];
                co_await session_.put_manifest(target.name(), c.child.entry.digest.str(),
                                               c.child.entry.media_type, c.bytes);
                report.manifests_pushed.push_back(c.child.entry.digest.str());
                copied_.insert(c.child.entry.digest);
            });
    }

    asio::awaitable<void> copy_blob(const descriptor& blob, const repository_name& from,
                                    merge_report& report) {
        const auto& target = options_.target;
        const repository_name to = target.name();
        std::string location;
        // Same registry: mount straight away. A mount of a blob the target already has answers
        // 201 too, so a HEAD first would only add a round trip.
        const bool mountable = from.registry == to.registry && from.repository != to.repository;
        if (!mountable && co_await session_.blob_exists(to, blob.digest)) {
            report.existing.push_back(blob.digest.str());
            co_return;
        }
        if (mountable) {
            const auto mount = co_await session_.mount_blob(to, blob.digest, from);
            if (mount.mounted) {
                report.mounted.push_back(blob.digest.str());
                progress("mounted " + blob.digest.str() + " from " + from.repository);
                co_return;
            }
            location = mount.upload_location; // 202: the registry wants an upload instead
        }
        co_await session_.copy_blob(from, to, blob.digest, blob.size, location);
        report.uploaded.push_back(blob.digest.str());
        progress("uploaded " + blob.digest.str() + " (" + std::to_string(blob.size) + " bytes)");
    }

    // After a push: the tag must resolve to our index, or to one that still holds our entries
    // (another writer merged on top of ours). Checked again after a short settle in update mode.
    asio::awaitable<bool> confirmed(const digest& pushed, std::chrono::milliseconds put_latency) {
        const auto& target = options_.target;
        if (options_.mode == merge_mode::replace) {
            const auto head = co_await session_.head_manifest(target.name(), target.tag);
            co_return head && head->digest == pushed;
        }
        std::mt19937 rng(std::random_device{}());
        const auto settle = std::max<std::chrono::milliseconds>(min_settle, 4 * put_latency);
        // Jitter, so two writers that collided once do not check in lockstep again.
        const auto jitter = std::chrono::milliseconds(rng() % (settle.count() / 4 + 1));
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(settle + jitter);
        co_await timer.async_wait(asio::use_awaitable);
        const auto head = co_await session_.head_manifest(target.name(), target.tag);
        if (!head)
            co_return false;
        if (head->digest != pushed) {
            // Another writer pushed after us: fine if it merged on top of our entries.
            std::vector<ops::resolved_child> ours;
            for (const auto& c : children_)
                ours.push_back(c.child);
            const auto now = co_await read_target();
            co_return now.index&& ops::contains_merge(*now.index, ours, options_);
        }
        co_return true;
    }

    const merge_options& options_;
    registry::session& session_;
    std::vector<source_child> children_;
    ops::config_platforms configs_;
    std::set<digest> copied_;
};

} // namespace

merge_report merge(const merge_options& options, const registry_options& registry) {
    return ops::run_session(registry,
                            [&](registry::session& session) -> asio::awaitable<merge_report> {
                                merger m(options, session);
                                co_return co_await m.run();
                            });
}

std::string to_json(const merge_report& r) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("target");
    w.String(r.target);
    w.Key("digest");
    w.String(r.digest.str());
    w.Key("mediaType");
    w.String(r.media_type);
    w.Key("changed");
    w.Bool(r.changed);
    w.Key("dryRun");
    w.Bool(r.dry_run);
    w.Key("previous");
    if (r.previous)
        w.String(r.previous->str());
    else
        w.Null();
    w.Key("manifests");
    w.StartArray();
    for (const auto& c : r.children) {
        w.StartObject();
        w.Key("source");
        w.String(c.source);
        w.Key("digest");
        w.String(c.digest.str());
        w.Key("mediaType");
        w.String(c.media_type);
        w.Key("platform");
        w.String(c.platform);
        w.Key("attestation");
        w.Bool(c.attestation);
        w.EndObject();
    }
    w.EndArray();
    ops::write_string_list(w, "changes", r.changes);
    ops::write_string_list(w, "mounted", r.mounted);
    ops::write_string_list(w, "uploaded", r.uploaded);
    ops::write_string_list(w, "existing", r.existing);
    ops::write_string_list(w, "manifestsPushed", r.manifests_pushed);
    w.Key("index");
    w.RawValue(r.index_json.data(), r.index_json.size(), rapidjson::kObjectType);
    w.Key("attempts");
    w.Uint(r.attempts);
    w.Key("requests");
    w.Uint64(r.requests);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace mmerge
