#pragma once
// Descriptors inside a larger document (manifest config/layers/subject, index entries).

#include "core/detail/json.hpp"

#include <mmerge/descriptor.hpp>

namespace mmerge::detail {

/** Read and validate the descriptor `v` found at `path` (e.g. `manifests[2]`). */
result<descriptor> read_descriptor(const rapidjson::Value& v, const std::string& path);

/** Which members a descriptor may carry when written. */
enum class descriptor_form {
    oci,   ///< every member
    docker ///< no `annotations` and `artifactType`: Docker's descriptors have neither
};

/** Write `d` as canonical JSON (member order in descriptor.hpp, `serialize`). */
void write_descriptor(json_writer& w, const descriptor& d, descriptor_form form);

} // namespace mmerge::detail
