// YamlNode: one node of a parsed YAML (or JSON) document, with its position
// and what it stands for once aliases are expanded. YamlStream builds them;
// the decoder and the reader only read them.
//
// An alias (*a) is the node its anchor (&a) names, shared, as in yaml-cpp:
// walking a tree visits a shared node once per place it is named. That is why
// every node knows its expanded size and depth up front: a caller can charge
// a whole subtree, or refuse it, without walking it.
//
//   const YamlNode* kind = doc.root().Find("kind");
//   if (kind != nullptr && kind->IsScalar()) ... kind->Scalar() ...
//   for (const YamlNode::Entry& e : doc.root().entries()) ... *e.key, *e.value
#ifndef FERRY_API_MANIFEST_YAML_NODE_H_
#define FERRY_API_MANIFEST_YAML_NODE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "yaml-cpp/mark.h"

namespace ferry::manifest {

class YamlNode {
 public:
  enum class Type { kNull, kScalar, kSequence, kMap };
  struct Entry {
    const YamlNode* key;
    const YamlNode* value;
  };

  Type type() const { return type_; }
  bool IsNull() const { return type_ == Type::kNull; }
  bool IsScalar() const { return type_ == Type::kScalar; }
  bool IsSequence() const { return type_ == Type::kSequence; }
  bool IsMap() const { return type_ == Type::kMap; }

  // Where the node starts (yaml-cpp's: line and column from 0).
  const YAML::Mark& Mark() const { return mark_; }
  // As yaml-cpp reports it: "?" for a plain scalar, "!" for a quoted one, the
  // full tag ("tag:yaml.org,2002:str") for an explicit one; "" for null.
  const std::string& Tag() const { return tag_; }
  // The text of a scalar, escapes read; "" for anything else.
  const std::string& Scalar() const { return scalar_; }

  // Items of a sequence, entries of a map; 0 for anything else.
  size_t size() const { return IsMap() ? entries_.size() : items_.size(); }
  // Item `i` of a sequence (i < size()).
  const YamlNode& operator[](size_t i) const { return *items_[i]; }
  // A map's entries in document order, duplicate keys kept.
  const std::vector<Entry>& entries() const { return entries_; }
  // The value of the first entry whose key is the scalar `key`; null if none
  // (or if this is not a map).
  const YamlNode* Find(absl::string_view key) const;

  // Nodes this one stands for once aliases are expanded: itself and every
  // node below it, a shared node counted at each place it is named.
  int64_t expanded_values() const { return expanded_values_; }
  // Bytes of scalar text (keys included) it stands for, counted the same way.
  int64_t expanded_bytes() const { return expanded_bytes_; }
  // Mappings and lists nested in each other from this node down, through
  // aliases, itself included: 0 for a scalar or null.
  int expanded_depth() const { return expanded_depth_; }

 private:
  friend class YamlTreeBuilder;  // YamlStream's, in yaml_stream.cc
  friend class JsonTreeBuilder;  // ReadJsonDocument's, in json_document.cc
  friend class OpenNodes;

  Type type_ = Type::kNull;
  YAML::Mark mark_;
  std::string tag_;
  std::string scalar_;
  std::vector<const YamlNode*> items_;
  std::vector<Entry> entries_;
  int64_t expanded_values_ = 1;
  int64_t expanded_bytes_ = 0;
  int expanded_depth_ = 0;
  bool complete_ = false;  // false while its children are still being read
};

// One document: its nodes (which point at each other) and its root.
// Movable, not copyable; nodes keep their addresses when it moves.
class YamlDocument {
 public:
  YamlDocument() = default;
  YamlDocument(YamlDocument&&) = default;
  YamlDocument& operator=(YamlDocument&&) = default;

  // A null node for a document that was never read or has nothing in it.
  const YamlNode& root() const { return root_ != nullptr ? *root_ : empty_; }

 private:
  friend class YamlTreeBuilder;
  friend class JsonTreeBuilder;
  friend class OpenNodes;

  std::deque<YamlNode> nodes_;
  const YamlNode* root_ = nullptr;
  YamlNode empty_;
};

// The containers of a document being built that are still open, as the
// tree builders (YamlStream's, ReadJsonDocument's) share them: a finished
// node goes into the innermost one (its next item; in a map a key, then
// that key's value), or becomes the document's root. The builders charge
// their own limits and pass their running counts of values and bytes.
class OpenNodes {
 public:
  struct Open {
    YamlNode* node;
    int64_t values_before;  // the builder's count before this node
    int64_t bytes_before;
    const YamlNode* key = nullptr;  // a map's key still waiting for its value
  };

  explicit OpenNodes(YamlDocument* doc) : doc_(doc) {}

  const std::vector<Open>& all() const { return open_; }
  size_t size() const { return open_.size(); }
  // Whether the next node is the key of an entry of the innermost map.
  bool NextIsKey() const {
    return !open_.empty() && open_.back().node->IsMap() && open_.back().key == nullptr;
  }
  // `node` (a map or a sequence) is open; the builder had counted `values`
  // and `bytes` before it.
  void Push(YamlNode* node, int64_t values_before, int64_t bytes_before) {
    open_.push_back(Open{node, values_before, bytes_before});
  }
  // The innermost container is finished, the builder's counts now at
  // `values` and `bytes`: its expanded size and depth are set, and it is
  // attached. A key left without a value gets a null one.
  void Close(int64_t values, int64_t bytes);
  // A finished node, into the innermost container or as the root.
  void Attach(const YamlNode* node);

 private:
  YamlDocument* doc_;
  std::vector<Open> open_;
};

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_YAML_NODE_H_
