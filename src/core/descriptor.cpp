// Descriptors (OCI image spec descriptor.md): reading, validation, canonical writing.
#include "core/detail/descriptor_json.hpp"
#include "core/detail/platform_json.hpp"

#include <mmerge/descriptor.hpp>
#include <mmerge/media_type.hpp>

namespace mmerge {

namespace detail {

namespace {

result<std::int64_t> read_size(object_reader& r) {
    const auto* v = r.find("size");
    if (v == nullptr)
        return r.missing("size");
    if (v->IsInt64() && v->GetInt64() >= 0)
        return v->GetInt64();
    return fail(quoted(r.path_of("size")) + " must be an integer of 0 or more, found " +
                (v->IsNumber() ? compact(*v) : std::string(type_name(*v))));
}

result<std::string> read_media_type(object_reader& r, std::string_view name, bool required) {
    auto type = r.optional_string(name);
    if (!type)
        return type.error();
    if (!*type) {
        if (required)
            return r.missing(name);
        return std::string();
    }
    if (!media_type::is_valid(**type))
        return fail(quoted(r.path_of(name)) + " is " + quoted(**type) +
                    ", which is not a valid media type (type/subtype, RFC 6838)");
    return std::move(**type);
}

} // namespace

result<descriptor> read_descriptor(const rapidjson::Value& v, const std::string& path) {
    if (!v.IsObject())
        return fail((path.empty() ? std::string("the document") : quoted(path)) +
                    " must be an object, found " + std::string(type_name(v)));
    object_reader r(v, path);

    auto type = read_media_type(r, "mediaType", true);
    if (!type)
        return type.error();
    auto digest_text = r.required_string("digest");
    if (!digest_text)
        return digest_text.error();
    auto parsed_digest = digest::parse(*digest_text);
    if (!parsed_digest)
        return fail(quoted(r.path_of("digest")) + ": " + parsed_digest.error().message);
    auto size = read_size(r);
    if (!size)
        return size.error();

    descriptor d{.media_type = std::move(*type), .digest = *parsed_digest, .size = *size};

    auto urls = r.string_array("urls");
    if (!urls)
        return urls.error();
    d.urls = std::move(*urls);
    auto annotations = r.string_map("annotations");
    if (!annotations)
        return annotations.error();
    d.annotations = std::move(*annotations);
    auto artifact_type = read_media_type(r, "artifactType", false);
    if (!artifact_type)
        return artifact_type.error();
    d.artifact_type = std::move(*artifact_type);

    if (const auto* p = r.find("platform")) {
        if (!p->IsObject())
            return r.wrong_type("platform", "an object", *p);
        object_reader pr(*p, r.path_of("platform"));
        auto platform = read_platform(pr);
        if (!platform)
            return platform.error();
        d.platform = std::move(*platform);
        d.platform_extra = pr.rest();
    }
    d.extra = r.rest();
    return d;
}

void write_descriptor(json_writer& w, const descriptor& d, descriptor_form form) {
    bool oci = form == descriptor_form::oci;
    w.StartObject();
    w.Key("mediaType");
    write_string(w, d.media_type);
    if (oci && !d.artifact_type.empty()) {
        w.Key("artifactType");
        write_string(w, d.artifact_type);
    }
    w.Key("digest");
    write_string(w, d.digest.str());
    w.Key("size");
    w.Int64(d.size);
    if (!d.urls.empty()) {
        w.Key("urls");
        w.StartArray();
        for (const auto& u : d.urls)
            write_string(w, u);
        w.EndArray();
    }
    if (d.platform) {
        w.Key("platform");
        w.StartObject();
        write_platform_members(w, *d.platform);
        write_extra(w, d.platform_extra,
                    {"architecture", "os", "os.version", "os.features", "variant"});
        w.EndObject();
    }
    if (oci && !d.annotations.empty()) {
        w.Key("annotations");
        write_string_map(w, d.annotations);
    }
    write_extra(w, d.extra,
                {"mediaType", "artifactType", "digest", "size", "urls", "platform", "annotations"});
    w.EndObject();
}

} // namespace detail

bool is_attestation(const descriptor& d) {
    auto it = d.annotations.find(std::string(reference_type_annotation));
    return it != d.annotations.end() && it->second == attestation_manifest_type;
}

std::optional<digest> attests(const descriptor& d) {
    auto it = d.annotations.find(std::string(reference_digest_annotation));
    if (it == d.annotations.end())
        return std::nullopt;
    auto parsed = digest::parse(it->second);
    if (!parsed)
        return std::nullopt;
    return *parsed;
}

result<descriptor> parse_descriptor(std::string_view json) {
    auto doc = detail::parse_json(json, "the descriptor");
    if (!doc)
        return doc.error();
    auto d = detail::read_descriptor(*doc, "");
    if (!d)
        return fail("invalid descriptor: " + d.error().message);
    return d;
}

std::string serialize(const descriptor& d) {
    rapidjson::StringBuffer buffer;
    detail::json_writer w(buffer);
    detail::write_descriptor(w, d, detail::descriptor_form::oci);
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace mmerge
