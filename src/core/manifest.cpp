// Manifests and indexes (OCI image spec manifest.md, image-index.md; Docker manifest-v2-2.md):
// parsing with validation, and canonical serialization of what mmerge writes.
#include "core/detail/descriptor_json.hpp"
#include "core/detail/json.hpp"

#include <mmerge/manifest.hpp>
#include <mmerge/media_type.hpp>

namespace mmerge {

namespace {

using detail::object_reader;
using detail::quoted;

constexpr std::string_view schema1_message =
    "the manifest is a Docker schema 1 manifest, which is deprecated and not supported; re-push "
    "it with a current client";

std::string size_text(std::size_t bytes) {
    return std::to_string(bytes) + " bytes";
}

// Where the media type of a manifest came from, for messages.
struct typed {
    std::string type;
    std::string source; // `mediaType "..."`, `Content-Type "..."` or `its content`
};

result<typed> determine_type(object_reader& r, const std::optional<std::string>& body_type,
                             std::string_view content_type) {
    bool has_manifests = r.has("manifests");
    bool has_image_members = r.has("config") || r.has("layers");

    typed t;
    std::string header = media_type::essence(content_type);
    if (body_type) {
        if (!media_type::is_manifest(*body_type))
            return fail("unsupported manifest media type " + quoted(*body_type) +
                        "; mmerge reads OCI image manifests and indexes, and Docker schema 2 "
                        "manifests and manifest lists");
        t = {media_type::essence(*body_type), "mediaType " + quoted(*body_type)};
        // Only a manifest media type can contradict the body: some registries and proxies answer
        // application/json or application/octet-stream, which says nothing about the content.
        if (media_type::is_manifest(header) && header != t.type)
            return fail("the response's Content-Type " + quoted(content_type) +
                        " does not match its mediaType " + quoted(*body_type));
    } else if (media_type::is_manifest(header)) {
        t = {header, "Content-Type " + quoted(content_type)};
    } else if (has_manifests && has_image_members) {
        return fail("it has no mediaType and has both \"manifests\" and \"config\"/\"layers\", "
                    "so it is ambiguous (an index or an image manifest?)");
    } else if (has_manifests) {
        t = {std::string(media_type::oci_index), "its content"};
    } else if (has_image_members) {
        t = {std::string(media_type::oci_manifest), "its content"};
    } else {
        return fail("it has neither \"manifests\" (an index) nor \"config\" and \"layers\" "
                    "(an image manifest)");
    }

    if (media_type::is_index(t.type) && has_image_members)
        return fail("it is an index by its " + t.source + " but has \"" +
                    (r.has("config") ? "config" : "layers") +
                    "\", which only an image manifest has");
    if (media_type::is_image_manifest(t.type) && has_manifests)
        return fail("it is an image manifest by its " + t.source +
                    " but has \"manifests\", which only an index has");
    return t;
}

result<std::vector<descriptor>> read_descriptor_array(object_reader& r, std::string_view name) {
    const auto* v = r.find(name);
    if (v == nullptr)
        return r.missing(name);
    if (!v->IsArray())
        return r.wrong_type(name, "an array", *v);
    std::vector<descriptor> out;
    out.reserve(v->Size());
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        auto d = detail::read_descriptor((*v)[i], r.path_of(name) + "[" + std::to_string(i) + "]");
        if (!d)
            return d.error();
        out.push_back(std::move(*d));
    }
    return out;
}

result<std::optional<descriptor>> read_optional_descriptor(object_reader& r,
                                                           std::string_view name) {
    const auto* v = r.find(name);
    if (v == nullptr)
        return std::optional<descriptor>();
    auto d = detail::read_descriptor(*v, r.path_of(name));
    if (!d)
        return d.error();
    return std::optional<descriptor>(std::move(*d));
}

// The members every kind shares: artifactType, subject, annotations.
struct common_members {
    std::string artifact_type;
    std::optional<descriptor> subject;
    std::map<std::string, std::string> annotations;
};

result<common_members> read_common(object_reader& r) {
    common_members c;
    auto artifact_type = r.optional_string("artifactType");
    if (!artifact_type)
        return artifact_type.error();
    if (*artifact_type && !media_type::is_valid(**artifact_type))
        return fail("\"artifactType\" is " + quoted(**artifact_type) +
                    ", which is not a valid media type (type/subtype, RFC 6838)");
    c.artifact_type = artifact_type->value_or("");
    auto subject = read_optional_descriptor(r, "subject");
    if (!subject)
        return subject.error();
    c.subject = std::move(*subject);
    auto annotations = r.string_map("annotations");
    if (!annotations)
        return annotations.error();
    c.annotations = std::move(*annotations);
    return c;
}

// Schema 1 is recognized before anything else is checked, so that its refusal says why.
std::optional<parse_error> refuse_schema1(const rapidjson::Value& root) {
    auto version = root.FindMember("schemaVersion");
    if (version != root.MemberEnd() && version->value.IsInt64() && version->value.GetInt64() == 1)
        return fail(std::string(schema1_message) + " (it has \"schemaVersion\": 1)");
    auto type = root.FindMember("mediaType");
    if (type != root.MemberEnd() && type->value.IsString() &&
        media_type::is_schema1(detail::view_of(type->value)))
        return fail(std::string(schema1_message) + " (mediaType " +
                    quoted(detail::view_of(type->value)) + ")");
    return std::nullopt;
}

result<manifest> read_manifest(const rapidjson::Value& root, std::string_view content_type) {
    object_reader r(root, "");
    const auto* version = r.find("schemaVersion");
    if (version == nullptr)
        return r.missing("schemaVersion");
    if (!version->IsInt64() || version->GetInt64() != 2)
        return fail("\"schemaVersion\" is " +
                    (version->IsNumber() ? detail::compact(*version)
                                         : std::string(detail::type_name(*version))) +
                    ", but must be 2");
    auto body_type = r.optional_string("mediaType");
    if (!body_type)
        return body_type.error();

    auto type = determine_type(r, *body_type, content_type);
    if (!type)
        return type.error();
    auto format =
        media_type::is_docker(type->type) ? manifest_format::docker : manifest_format::oci;

    if (media_type::is_index(type->type)) {
        auto entries = read_descriptor_array(r, "manifests");
        if (!entries)
            return entries.error();
        auto common = read_common(r);
        if (!common)
            return common.error();
        return manifest(index{format, std::move(*entries), std::move(common->artifact_type),
                              std::move(common->subject), std::move(common->annotations),
                              r.rest()});
    }

    const auto* config_value = r.find("config");
    if (config_value == nullptr)
        return r.missing("config");
    auto config = detail::read_descriptor(*config_value, "config");
    if (!config)
        return config.error();
    auto layers = read_descriptor_array(r, "layers");
    if (!layers)
        return layers.error();
    auto common = read_common(r);
    if (!common)
        return common.error();
    return manifest(image_manifest{format, std::move(*config), std::move(*layers),
                                   std::move(common->artifact_type), std::move(common->subject),
                                   std::move(common->annotations), r.rest()});
}

void write_header(detail::json_writer& w, std::string_view type, bool oci,
                  const std::string& artifact_type) {
    w.Key("schemaVersion");
    w.Int(2);
    w.Key("mediaType");
    detail::write_string(w, type);
    if (oci && !artifact_type.empty()) {
        w.Key("artifactType");
        detail::write_string(w, artifact_type);
    }
}

void write_trailer(detail::json_writer& w, bool oci, const std::optional<descriptor>& subject,
                   const std::map<std::string, std::string>& annotations, const extra_fields& extra,
                   std::initializer_list<std::string_view> known) {
    if (oci && subject) {
        w.Key("subject");
        detail::write_descriptor(w, *subject, detail::descriptor_form::oci);
    }
    if (oci && !annotations.empty()) {
        w.Key("annotations");
        detail::write_string_map(w, annotations);
    }
    detail::write_extra(w, extra, known);
}

void write_descriptors(detail::json_writer& w, std::string_view name,
                       const std::vector<descriptor>& list, detail::descriptor_form form) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartArray();
    for (const auto& d : list)
        detail::write_descriptor(w, d, form);
    w.EndArray();
}

detail::descriptor_form form_of(manifest_format f) {
    return f == manifest_format::oci ? detail::descriptor_form::oci
                                     : detail::descriptor_form::docker;
}

} // namespace

std::string_view media_type_of(const image_manifest& m) {
    return m.format == manifest_format::oci ? media_type::oci_manifest
                                            : media_type::docker_manifest;
}

std::string_view media_type_of(const index& i) {
    return i.format == manifest_format::oci ? media_type::oci_index
                                            : media_type::docker_manifest_list;
}

manifest_kind manifest::kind() const noexcept {
    return as_index() != nullptr ? manifest_kind::index : manifest_kind::image;
}

manifest_format manifest::format() const noexcept {
    return std::visit([](const auto& m) { return m.format; }, content_);
}

std::string_view manifest::media_type() const noexcept {
    return std::visit([](const auto& m) { return media_type_of(m); }, content_);
}

const std::map<std::string, std::string>& manifest::annotations() const noexcept {
    return std::visit(
        [](const auto& m) -> const auto& { return m.annotations; }, content_);
}

const std::optional<descriptor>& manifest::subject() const noexcept {
    return std::visit(
        [](const auto& m) -> const auto& { return m.subject; }, content_);
}

const std::string& manifest::artifact_type() const noexcept {
    return std::visit(
        [](const auto& m) -> const auto& { return m.artifact_type; }, content_);
}

result<manifest> parse_manifest(std::string_view bytes, std::string_view content_type) {
    if (bytes.size() > max_manifest_bytes)
        return fail("the manifest is " + size_text(bytes.size()) + ", more than the " +
                        size_text(max_manifest_bytes) + " (4 MiB) a manifest may have",
                    max_manifest_bytes);
    if (media_type::is_schema1(content_type))
        return fail(std::string(schema1_message) + " (Content-Type " + quoted(content_type) + ")");
    auto doc = detail::parse_json(bytes, "the manifest");
    if (!doc)
        return doc.error();
    if (!doc->IsObject())
        return fail("the manifest must be a JSON object, found " +
                    std::string(detail::type_name(*doc)));
    if (auto refused = refuse_schema1(*doc))
        return *refused;
    auto m = read_manifest(*doc, content_type);
    if (!m)
        return fail("invalid manifest: " + m.error().message);
    return m;
}

std::string serialize(const index& i) {
    bool oci = i.format == manifest_format::oci;
    rapidjson::StringBuffer buffer;
    detail::json_writer w(buffer);
    w.StartObject();
    write_header(w, media_type_of(i), oci, i.artifact_type);
    write_descriptors(w, "manifests", i.manifests, form_of(i.format));
    write_trailer(
        w, oci, i.subject, i.annotations, i.extra,
        {"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations"});
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string serialize(const image_manifest& m) {
    bool oci = m.format == manifest_format::oci;
    rapidjson::StringBuffer buffer;
    detail::json_writer w(buffer);
    w.StartObject();
    write_header(w, media_type_of(m), oci, m.artifact_type);
    w.Key("config");
    detail::write_descriptor(w, m.config, form_of(m.format));
    write_descriptors(w, "layers", m.layers, form_of(m.format));
    write_trailer(w, oci, m.subject, m.annotations, m.extra,
                  {"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject",
                   "annotations"});
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace mmerge
