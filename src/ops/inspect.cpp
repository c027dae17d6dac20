#include "ops/config_platforms.hpp"
#include "ops/run.hpp"
#include "registry/session.hpp"

#include <mmerge/error.hpp>
#include <mmerge/image_config.hpp>
#include <mmerge/inspect.hpp>
#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>

namespace mmerge {
namespace asio = boost::asio;

namespace {

asio::awaitable<inspect_result> inspect_flow(registry::session& session, reference ref) {
    // 1. the manifest by digest (when given) or tag, verified 2. parsed with the Content-Type the
    // registry sent 3. for an image, its config, verified, for the platform.
    const std::string tag_or_digest = ref.digest ? ref.digest->str() : ref.tag;
    const std::string shown = to_string(ref);
    const auto fetched = co_await session.get_manifest(ref.name(), tag_or_digest);
    auto parsed = parse_manifest(fetched.bytes, fetched.content_type);
    if (!parsed)
        throw error(errc::unsupported, "read manifest", shown, parsed.error().message);

    inspect_result out;
    out.ref = ref;
    out.media_type = std::string(parsed->media_type());
    out.digest = fetched.digest;
    out.size = static_cast<std::int64_t>(fetched.bytes.size());
    if (const auto* idx = parsed->as_index()) {
        out.shape = idx->format == manifest_format::docker ? manifest_shape::docker_list
                                                           : manifest_shape::index;
        for (const auto& d : idx->manifests)
            out.entries.push_back({d, is_attestation(d)});
        out.annotations = idx->annotations;
        co_return out;
    }
    const auto* image = parsed->as_image();
    out.shape = manifest_shape::image;
    out.config = image->config;
    out.layers = image->layers.size();
    if (media_type::is_image_config(image->config.media_type)) {
        ops::config_platforms configs(session);
        out.platform = co_await configs.of(ref.name(), image->config, shown);
    }
    co_return out;
}

void write_platform(rapidjson::Writer<rapidjson::StringBuffer>& w, const platform& p) {
    w.StartObject();
    w.Key("architecture");
    w.String(p.architecture);
    w.Key("os");
    w.String(p.os);
    if (!p.os_version.empty()) {
        w.Key("os.version");
        w.String(p.os_version);
    }
    if (!p.os_features.empty()) {
        w.Key("os.features");
        w.StartArray();
        for (const auto& f : p.os_features)
            w.String(f);
        w.EndArray();
    }
    if (!p.variant.empty()) {
        w.Key("variant");
        w.String(p.variant);
    }
    w.EndObject();
}

} // namespace

const char* to_string(manifest_shape s) noexcept {
    switch (s) {
    case manifest_shape::image:
        return "image";
    case manifest_shape::index:
        return "index";
    case manifest_shape::docker_list:
        return "docker-list";
    }
    return "unknown";
}

inspect_result inspect(const reference& ref, const registry_options& options) {
    return ops::run_session(options,
                            [&](registry::session& session) { return inspect_flow(session, ref); });
}

std::string to_json(const inspect_result& r) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("reference");
    w.String(to_string(r.ref));
    w.Key("kind");
    w.String(to_string(r.shape));
    w.Key("mediaType");
    w.String(r.media_type);
    w.Key("digest");
    w.String(r.digest.str());
    w.Key("size");
    w.Int64(r.size);
    if (r.shape != manifest_shape::image) {
        w.Key("manifests");
        w.StartArray();
        for (const auto& e : r.entries) {
            w.StartObject();
            w.Key("mediaType");
            w.String(e.entry.media_type);
            w.Key("digest");
            w.String(e.entry.digest.str());
            w.Key("size");
            w.Int64(e.entry.size);
            if (e.entry.platform) {
                w.Key("platform");
                write_platform(w, *e.entry.platform);
            }
            w.Key("attestation");
            w.Bool(e.attestation);
            if (const auto subject = attests(e.entry)) {
                w.Key("attests");
                w.String(subject->str());
            }
            w.EndObject();
        }
        w.EndArray();
        if (!r.annotations.empty()) {
            w.Key("annotations");
            w.StartObject();
            for (const auto& [k, v] : r.annotations) {
                w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
                w.String(v);
            }
            w.EndObject();
        }
    } else {
        if (r.platform) {
            w.Key("platform");
            write_platform(w, *r.platform);
        }
        if (r.config) {
            w.Key("config");
            w.StartObject();
            w.Key("mediaType");
            w.String(r.config->media_type);
            w.Key("digest");
            w.String(r.config->digest.str());
            w.Key("size");
            w.Int64(r.config->size);
            w.EndObject();
        }
        w.Key("layers");
        w.Uint64(r.layers);
    }
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string to_text(const inspect_result& r) {
    std::ostringstream out;
    out << to_string(r.ref) << '\n';
    out << "  kind        "
        << (r.shape == manifest_shape::index         ? "index (OCI)"
            : r.shape == manifest_shape::docker_list ? "Docker manifest list"
                                                     : "image")
        << '\n';
    out << "  media type  " << r.media_type << '\n';
    out << "  digest      " << r.digest.str() << '\n';
    out << "  size        " << r.size << '\n';
    if (r.shape == manifest_shape::image) {
        out << "  platform    " << (r.platform ? to_string(*r.platform) : "(no image config)")
            << '\n';
        out << "  layers      " << r.layers << '\n';
        return out.str();
    }
    out << "  manifests   " << r.entries.size() << '\n';
    for (const auto& e : r.entries) {
        std::string label = e.attestation      ? "attestation"
                            : e.entry.platform ? to_string(*e.entry.platform)
                                               : "(no platform)";
        out << "    " << label << std::string(label.size() < 32 ? 32 - label.size() : 1, ' ')
            << e.entry.digest.str() << "  " << e.entry.size;
        if (const auto subject = attests(e.entry); subject && e.attestation)
            out << "  for " << subject->str();
        out << '\n';
    }
    return out.str();
}

} // namespace mmerge
