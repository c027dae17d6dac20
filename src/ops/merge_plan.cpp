#include "ops/merge_plan.hpp"

#include <mmerge/media_type.hpp>

#include <algorithm>
#include <set>

namespace mmerge {

result<merge_source> parse_merge_source(std::string_view arg) {
    // A reference never contains '=', so the first one starts the platform.
    const auto eq = arg.find('=');
    const std::string_view ref_text = arg.substr(0, eq);
    auto ref = parse_reference(ref_text);
    if (!ref)
        return fail("--add " + std::string(arg) + ": " + ref.error().message);
    merge_source out{std::string(arg), std::move(*ref), std::nullopt};
    if (eq != std::string_view::npos) {
        auto p = parse_platform(arg.substr(eq + 1));
        if (!p)
            return fail("--add " + std::string(arg) + ": " + p.error().message);
        out.asserted = std::move(*p);
    }
    return out;
}

result<std::vector<platform>> parse_platform_list(std::string_view csv) {
    std::vector<platform> out;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        auto item = csv.substr(0, comma);
        // `linux/amd64, linux/arm64` is how people write lists: blanks around items are fine.
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (!item.empty()) {
            auto p = parse_platform(item);
            if (!p)
                return fail(p.error().message);
            out.push_back(std::move(*p));
        }
        csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
    }
    if (out.empty())
        return fail("empty platform list");
    return out;
}

namespace ops {
namespace {

std::string label(const descriptor& d) {
    if (is_attestation(d))
        return "attestation";
    return d.platform ? to_string(*d.platform) : "(no platform)";
}

bool same_platform(const descriptor& entry, const platform& p) {
    return !is_attestation(entry) && entry.platform && equivalent(*entry.platform, p);
}

bool removed_by(const descriptor& entry, const std::vector<platform>& remove) {
    return !is_attestation(entry) && entry.platform &&
           std::ranges::any_of(remove,
                               [&](const platform& r) { return matches(r, *entry.platform); });
}

bool holds(const std::vector<descriptor>& entries, const digest& d) {
    return std::ranges::any_of(entries, [&](const descriptor& e) { return e.digest == d; });
}

// --remove drops what the target had, never a source of the same run: `--remove windows/amd64
// --add SRC=windows/amd64:10.0.20348.2227` swaps the Windows entries, it does not lose SRC.
bool removed_by(const descriptor& entry, const std::vector<resolved_child>& children,
                const std::vector<platform>& remove) {
    return removed_by(entry, remove) &&
           std::ranges::none_of(children, [&](const resolved_child& c) {
               return !c.attestation && c.entry.digest == entry.digest;
           });
}

// Replace mode builds the index from nothing; its changes still compare with what the target
// held, so that an unchanged index reports no change and dropped entries are listed.
std::vector<std::string> replace_changes(const std::vector<descriptor>& before,
                                         const std::vector<descriptor>& after) {
    std::vector<std::string> out;
    std::set<digest> replaced;
    for (const auto& d : after) {
        if (holds(before, d.digest))
            continue;
        const auto old = is_attestation(d) || !d.platform
                             ? before.end()
                             : std::ranges::find_if(before, [&](const descriptor& b) {
                                   return same_platform(b, *d.platform) && !holds(after, b.digest);
                               });
        if (old == before.end()) {
            out.push_back("+ " + label(d) + " " + d.digest.str());
            continue;
        }
        replaced.insert(old->digest);
        out.push_back("~ " + label(*old) + " " + old->digest.str() + " -> " + d.digest.str());
    }
    for (const auto& b : before)
        if (!holds(after, b.digest) && !replaced.contains(b.digest))
            out.push_back("- " + label(b) + " " + b.digest.str());
    return out;
}

} // namespace

std::optional<std::string> find_duplicate(const std::vector<resolved_child>& children) {
    for (std::size_t i = 0; i < children.size(); ++i) {
        const auto& a = children[i];
        if (a.attestation || !a.entry.platform)
            continue;
        for (std::size_t j = i + 1; j < children.size(); ++j) {
            const auto& b = children[j];
            if (b.attestation || !b.entry.platform ||
                !equivalent(*a.entry.platform, *b.entry.platform))
                continue;
            if (a.entry.digest == b.entry.digest && a.source == b.source)
                continue; // the same manifest reached twice through one source is no conflict
            return "duplicate platform " + to_string(*a.entry.platform) + ": " + a.source + " (" +
                   a.entry.digest.str() + ") and " + b.source + " (" + b.entry.digest.str() + ")";
        }
    }
    return std::nullopt;
}

result<index_plan> plan_index(const std::optional<mmerge::index>& current,
                              const std::vector<resolved_child>& children,
                              const merge_options& options) {
    index_plan plan;
    std::vector<descriptor> images;
    std::vector<descriptor> attestations;
    std::set<digest> dropped; // manifests no longer in the index: their attestations go too

    if (current && options.mode == merge_mode::update) {
        plan.index.annotations = current->annotations;
        plan.index.extra = current->extra;
        plan.index.artifact_type = current->artifact_type;
        plan.index.subject = current->subject;
        for (const auto& d : current->manifests)
            (is_attestation(d) ? attestations : images).push_back(d);
    }

    for (const auto& child : children) {
        if (child.attestation)
            continue;
        const platform& p = *child.entry.platform;
        // Replace in place: the first entry of this platform takes the new one, others go.
        bool placed = false;
        for (auto it = images.begin(); it != images.end();) {
            if (!same_platform(*it, p)) {
                ++it;
                continue;
            }
            if (it->digest != child.entry.digest) {
                dropped.insert(it->digest);
                plan.changes.push_back("~ " + label(*it) + " " + it->digest.str() + " -> " +
                                       child.entry.digest.str());
            }
            if (!placed) {
                *it = child.entry;
                placed = true;
                ++it;
            } else {
                it = images.erase(it);
            }
        }
        if (!placed) {
            images.push_back(child.entry);
            plan.changes.push_back("+ " + label(child.entry) + " " + child.entry.digest.str());
        }
    }
    for (const auto& child : children) {
        if (!child.attestation || options.attestations == attestation_policy::drop)
            continue;
        const bool present = std::ranges::any_of(
            attestations, [&](const descriptor& d) { return d.digest == child.entry.digest; });
        if (!present) {
            attestations.push_back(child.entry);
            plan.changes.push_back("+ attestation " + child.entry.digest.str());
        }
    }

    std::erase_if(images, [&](const descriptor& d) {
        if (!removed_by(d, children, options.remove))
            return false;
        dropped.insert(d.digest);
        plan.changes.push_back("- " + label(d) + " " + d.digest.str());
        return true;
    });
    std::erase_if(attestations, [&](const descriptor& d) {
        const auto subject = attests(d);
        const bool orphan = subject && dropped.contains(*subject);
        if (orphan || options.attestations == attestation_policy::drop) {
            plan.changes.push_back("- attestation " + d.digest.str());
            return true;
        }
        return false;
    });

    for (const auto& [key, value] : options.annotations)
        plan.index.annotations[key] = value;

    plan.index.manifests = std::move(images);
    plan.index.manifests.insert(plan.index.manifests.end(), attestations.begin(),
                                attestations.end());
    if (options.mode == merge_mode::replace)
        plan.changes = replace_changes(current ? current->manifests : std::vector<descriptor>{},
                                       plan.index.manifests);

    const bool all_docker = !plan.index.manifests.empty() &&
                            std::ranges::all_of(plan.index.manifests, [](const descriptor& d) {
                                return d.media_type == media_type::docker_manifest;
                            });
    switch (options.format) {
    case index_format::automatic:
        // A Docker list cannot carry annotations: keep an OCI index when there are some.
        plan.index.format = all_docker && plan.index.annotations.empty() ? manifest_format::docker
                                                                         : manifest_format::oci;
        break;
    case index_format::oci:
        plan.index.format = manifest_format::oci;
        break;
    case index_format::docker: {
        const auto oci = std::ranges::find_if(plan.index.manifests, [](const descriptor& d) {
            return d.media_type != media_type::docker_manifest;
        });
        if (oci != plan.index.manifests.end())
            return fail("--format docker: " + label(*oci) + " " + oci->digest.str() + " is " +
                        oci->media_type +
                        ", and a Docker manifest list holds only Docker schema 2 manifests; "
                        "mmerge never converts a child" +
                        (is_attestation(*oci) ? " (or drop attestations: --attestations drop)"
                                              : " (use --format oci or auto)"));
        if (!options.annotations.empty())
            return fail("--annotation needs an OCI index: a Docker manifest list has no "
                        "annotations");
        plan.index.format = manifest_format::docker;
        plan.index.annotations.clear();
        plan.index.extra.clear();
        break;
    }
    }
    return plan;
}

std::vector<platform> missing_platforms(const mmerge::index& i,
                                        const std::vector<platform>& expect) {
    std::vector<platform> missing;
    for (const auto& p : expect) {
        const bool found = std::ranges::any_of(i.manifests, [&](const descriptor& d) {
            return !is_attestation(d) && d.platform && matches(p, *d.platform);
        });
        if (!found)
            missing.push_back(p);
    }
    return missing;
}

bool contains_merge(const mmerge::index& current, const std::vector<resolved_child>& ours,
                    const merge_options& options) {
    for (const auto& child : ours) {
        const bool present = std::ranges::any_of(
            current.manifests, [&](const descriptor& d) { return d.digest == child.entry.digest; });
        if (!present && !(child.attestation && options.attestations == attestation_policy::drop))
            return false;
    }
    return std::ranges::none_of(current.manifests, [&](const descriptor& d) {
        return removed_by(d, ours, options.remove);
    });
}

} // namespace ops
} // namespace mmerge
