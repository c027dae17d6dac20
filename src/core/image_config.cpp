// Image configurations (OCI image spec config.md; Docker image JSON): platform, created, rootfs.
#include "core/detail/json.hpp"
#include "core/detail/platform_json.hpp"

#include <mmerge/image_config.hpp>

namespace mmerge {

namespace {

result<std::vector<digest>> read_diff_ids(detail::object_reader& r) {
    std::vector<digest> out;
    const auto* rootfs = r.find("rootfs");
    if (rootfs == nullptr)
        return out;
    if (!rootfs->IsObject())
        return r.wrong_type("rootfs", "an object", *rootfs);
    detail::object_reader rr(*rootfs, "rootfs");
    auto texts = rr.string_array("diff_ids");
    if (!texts)
        return texts.error();
    for (std::size_t i = 0; i < texts->size(); ++i) {
        auto d = digest::parse((*texts)[i]);
        if (!d)
            return fail("\"rootfs.diff_ids[" + std::to_string(i) + "]\": " + d.error().message);
        out.push_back(*d);
    }
    return out;
}

result<image_config> read_config(const rapidjson::Value& root) {
    if (!root.IsObject())
        return fail("the document must be an object, found " +
                    std::string(detail::type_name(root)));
    // The empty config `{}` is what artifacts (and buildx attestations) point at.
    if (root.MemberCount() == 0)
        return fail("the document is the empty object {}, which is an artifact's placeholder, "
                    "not an image config; it has no \"os\" and \"architecture\"");
    detail::object_reader r(root, "");
    auto platform = detail::read_platform(r);
    if (!platform)
        return platform.error();
    auto created = r.optional_string("created");
    if (!created)
        return created.error();
    auto diff_ids = read_diff_ids(r);
    if (!diff_ids)
        return diff_ids.error();
    return image_config{std::move(*platform), created->value_or(""), std::move(*diff_ids)};
}

} // namespace

result<image_config> parse_image_config(std::string_view json) {
    auto doc = detail::parse_json(json, "the image config");
    if (!doc)
        return doc.error();
    auto config = read_config(*doc);
    if (!config)
        return fail("invalid image config: " + config.error().message);
    return config;
}

result<platform> platform_from_config(std::string_view json) {
    auto config = parse_image_config(json);
    if (!config)
        return config.error();
    return std::move(config->platform);
}

} // namespace mmerge
