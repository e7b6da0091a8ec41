#include "api/manifest/yaml_node.h"

namespace ferry::manifest {

const YamlNode* YamlNode::Find(absl::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key->IsScalar() && entry.key->Scalar() == key) return entry.value;
  }
  return nullptr;
}

}  // namespace ferry::manifest
