#include "adapters/libvirt/destination_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace ferry::adapters {
namespace {

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

bool Named(const xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, X(name));
}

xmlNode* Child(xmlNode* parent, const char* name) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (Named(c, name)) return c;
  }
  return nullptr;
}

std::string Attr(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, X(name));
  if (value == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

// The <disk> whose <target dev=...> is `dev`, or nullptr.
xmlNode* DiskOf(xmlNode* devices, const std::string& dev) {
  for (xmlNode* disk = devices->children; disk != nullptr; disk = disk->next) {
    if (!Named(disk, "disk")) continue;
    xmlNode* target = Child(disk, "target");
    if (target != nullptr && Attr(target, "dev") == dev) return disk;
  }
  return nullptr;
}

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

}  // namespace

absl::StatusOr<std::string> DestinationXml(absl::string_view migratable_xml,
                                           const std::vector<ports::DiskCopy>& disks,
                                           const std::map<std::string, int64_t>& source_capacity) {
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(migratable_xml.data(), static_cast<int>(migratable_xml.size()), "domain.xml",
                    nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  xmlNode* root = doc == nullptr ? nullptr : xmlDocGetRootElement(doc.get());
  if (root == nullptr || !Named(root, "domain")) {
    return absl::InvalidArgumentError("the source's domain XML does not parse as a <domain>");
  }
  xmlNode* devices = Child(root, "devices");
  for (const ports::DiskCopy& copy : disks) {
    const ports::VolumeSource& to = copy.destination;
    xmlNode* disk = devices == nullptr ? nullptr : DiskOf(devices, copy.target_dev);
    if (disk == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the domain has no disk \"", copy.target_dev, "\" to copy"));
    }
    if (to.path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "disk ", copy.target_dev, ": PersistentVolume ", to.volume, " (claim ", to.claim,
          ") names no node-local path; libvirt can copy only onto a local or hostPath volume"));
    }
    auto capacity = source_capacity.find(copy.target_dev);
    const int64_t source_bytes = capacity == source_capacity.end() ? 0 : capacity->second;
    if (to.capacity_bytes > 0 && to.capacity_bytes < source_bytes) {
      return absl::FailedPreconditionError(absl::StrCat(
          "disk ", copy.target_dev, ": PersistentVolume ", to.volume, " holds ", to.capacity_bytes,
          " bytes, less than the ", source_bytes, " bytes of the source"));
    }
    xmlSetProp(disk, X("type"), X(to.block ? "block" : "file"));
    xmlNode* source = xmlNewNode(nullptr, X("source"));
    xmlNewProp(source, X(to.block ? "dev" : "file"), X(to.path.c_str()));
    if (to.capacity_bytes > source_bytes && source_bytes > 0) {
      xmlNode* slice = xmlNewChild(xmlNewChild(source, nullptr, X("slices"), nullptr), nullptr,
                                   X("slice"), nullptr);
      xmlNewProp(slice, X("type"), X("storage"));
      xmlNewProp(slice, X("offset"), X("0"));
      xmlNewProp(slice, X("size"), X(absl::StrCat(source_bytes).c_str()));
    }
    if (xmlNode* old = Child(disk, "source"); old != nullptr) {
      xmlReplaceNode(old, source);
      xmlFreeNode(old);
    } else {
      xmlAddChild(disk, source);
    }
    // A destination volume is raw: a source image chain (a container
    // disk's qcow2 overlay over its image) lands flattened on it.
    if (xmlNode* driver = Child(disk, "driver"); driver != nullptr) {
      xmlSetProp(driver, X("type"), X("raw"));
    }
    while (xmlNode* backing = Child(disk, "backingStore")) {
      xmlUnlinkNode(backing);
      xmlFreeNode(backing);
    }
  }
  xmlBuffer* buffer = xmlBufferCreate();
  xmlNodeDump(buffer, doc.get(), root, 0, 0);
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                  static_cast<size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return out;
}

}  // namespace ferry::adapters
