#include "api/manifest/yaml_node.h"

#include <algorithm>

namespace ferry::manifest {

const YamlNode* YamlNode::Find(absl::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key->IsScalar() && entry.key->Scalar() == key) return entry.value;
  }
  return nullptr;
}

void OpenNodes::Close(int64_t values, int64_t bytes) {
  Open top = open_.back();
  open_.pop_back();
  YamlNode* node = top.node;
  if (top.key != nullptr) {  // a key without a value: yaml-cpp sends a null, but be sure
    YamlNode& null = doc_->nodes_.emplace_back();
    null.complete_ = true;
    node->entries_.push_back({top.key, &null});
  }
  node->expanded_values_ = values - top.values_before;
  node->expanded_bytes_ = bytes - top.bytes_before;
  int deepest = 0;
  for (const YamlNode* item : node->items_) deepest = std::max(deepest, item->expanded_depth_);
  for (const YamlNode::Entry& e : node->entries_) {
    deepest = std::max({deepest, e.key->expanded_depth_, e.value->expanded_depth_});
  }
  node->expanded_depth_ = deepest + 1;
  node->complete_ = true;
  Attach(node);
}

void OpenNodes::Attach(const YamlNode* node) {
  if (open_.empty()) {
    doc_->root_ = node;
    return;
  }
  Open& parent = open_.back();
  if (parent.node->IsSequence()) {
    parent.node->items_.push_back(node);
  } else if (parent.key == nullptr) {
    parent.key = node;
  } else {
    parent.node->entries_.push_back({parent.key, node});
    parent.key = nullptr;
  }
}

}  // namespace ferry::manifest
