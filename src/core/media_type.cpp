// Media type constants and classification (OCI image spec media-types.md, RFC 6838).
#include <mmerge/media_type.hpp>

#include <algorithm>
#include <initializer_list>

namespace mmerge::media_type {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 6838 section 4.2: restricted-name = restricted-name-first *126restricted-name-chars.
bool is_restricted_name(std::string_view name) {
    if (name.empty() || name.size() > 127 || !is_alnum(name[0]))
        return false;
    return std::all_of(name.begin() + 1, name.end(), [](char c) {
        return is_alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
    });
}

bool is_one_of(std::string_view type, std::initializer_list<std::string_view> known) {
    std::string e = essence(type);
    return std::find(known.begin(), known.end(), e) != known.end();
}

bool has_prefix(std::string_view type, std::string_view prefix) {
    return essence(type).starts_with(prefix);
}

} // namespace

std::string essence(std::string_view content_type) {
    auto end = content_type.find(';');
    auto type = content_type.substr(0, end);
    while (!type.empty() && is_blank(type.front()))
        type.remove_prefix(1);
    while (!type.empty() && is_blank(type.back()))
        type.remove_suffix(1);
    std::string out(type);
    std::transform(out.begin(), out.end(), out.begin(), to_lower);
    return out;
}

bool is_valid(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos)
        return false;
    return is_restricted_name(text.substr(0, slash)) && is_restricted_name(text.substr(slash + 1));
}

bool is_index(std::string_view type) {
    return is_one_of(type, {oci_index, docker_manifest_list});
}

bool is_image_manifest(std::string_view type) {
    return is_one_of(type, {oci_manifest, docker_manifest});
}

bool is_manifest(std::string_view type) {
    return is_index(type) || is_image_manifest(type);
}

bool is_schema1(std::string_view type) {
    return is_one_of(type, {docker_schema1_manifest, docker_schema1_signed_manifest});
}

bool is_docker(std::string_view type) {
    return has_prefix(type, "application/vnd.docker.");
}

bool is_oci(std::string_view type) {
    return has_prefix(type, "application/vnd.oci.");
}

bool is_layer(std::string_view type) {
    return is_one_of(type,
                     {oci_layer_tar, oci_layer_gzip, oci_layer_zstd, oci_layer_nondistributable_tar,
                      oci_layer_nondistributable_gzip, oci_layer_nondistributable_zstd,
                      docker_layer_gzip, docker_layer_foreign});
}

bool is_image_config(std::string_view type) {
    return is_one_of(type, {oci_config, docker_config});
}

} // namespace mmerge::media_type
