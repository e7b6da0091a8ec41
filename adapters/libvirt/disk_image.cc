#include "adapters/libvirt/disk_image.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "adapters/libvirt/libvirt_error.h"
#include "base/fnv.h"
#include "base/status_macros.h"

namespace ferry::adapters {
namespace {

// `s` as XML text (element content).
std::string XmlText(const std::string& s) {
  xmlChar* encoded = xmlEncodeSpecialChars(nullptr, reinterpret_cast<const xmlChar*>(s.c_str()));
  std::string out(reinterpret_cast<const char*>(encoded));
  xmlFree(encoded);
  return out;
}

// The directory of a pool: its XML's <pool><target><path>; "" when none.
std::string TargetPath(virStoragePoolPtr pool) {
  char* xml = virStoragePoolGetXMLDesc(pool, 0);
  if (xml == nullptr) return "";
  xmlDoc* doc = xmlReadMemory(xml, static_cast<int>(strlen(xml)), "pool.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  free(xml);
  std::string path;
  xmlNode* root = doc == nullptr ? nullptr : xmlDocGetRootElement(doc);
  for (xmlNode* t = root == nullptr ? nullptr : root->children; t != nullptr; t = t->next) {
    if (t->type != XML_ELEMENT_NODE || !xmlStrEqual(t->name, BAD_CAST "target")) continue;
    for (xmlNode* p = t->children; p != nullptr; p = p->next) {
      if (p->type != XML_ELEMENT_NODE || !xmlStrEqual(p->name, BAD_CAST "path")) continue;
      xmlChar* text = xmlNodeGetContent(p);
      path = reinterpret_cast<const char*>(text);
      xmlFree(text);
    }
  }
  xmlFreeDoc(doc);
  return path;
}

// The pool, running or not, whose directory is `dir`; nullptr when none is.
// (By listing: not every driver has virStoragePoolLookupByTargetPath.)
absl::StatusOr<virStoragePoolPtr> PoolOver(virConnectPtr connection, const std::string& dir) {
  virStoragePoolPtr* pools = nullptr;
  const int count = virConnectListAllStoragePools(connection, &pools, 0);
  if (count < 0) return LastError("list the storage pools");
  virStoragePoolPtr found = nullptr;
  for (int i = 0; i < count; ++i) {
    if (found == nullptr && absl::StripSuffix(TargetPath(pools[i]), "/") == dir) {
      found = pools[i];
    } else {
      virStoragePoolFree(pools[i]);
    }
  }
  free(pools);
  return found;
}

// A storage pool over the image's directory for the length of one call: the
// pool found there (started if it was not running, and stopped again), or a
// transient one of its own.
class DirPool {
 public:
  ~DirPool() {
    if (pool_ == nullptr) return;
    if (stop_) virStoragePoolDestroy(pool_);  // a transient pool is gone then
    virStoragePoolFree(pool_);
  }

  absl::Status Open(virConnectPtr connection, const std::string& dir) {
    ASSIGN_OR_RETURN(pool_, PoolOver(connection, dir));
    if (pool_ != nullptr) {
      if (virStoragePoolIsActive(pool_) == 1) return absl::OkStatus();
      if (virStoragePoolCreate(pool_, 0) != 0) return LastError(absl::StrCat("start the pool of ", dir));
      stop_ = true;
      return absl::OkStatus();
    }
    const std::string xml = absl::StrCat(
        "<pool type='dir'><name>ferry-", absl::StrFormat("%016x", Fnv1a64(dir)),
        "</name><target><path>", XmlText(dir), "</path></target></pool>");
    pool_ = virStoragePoolCreateXML(connection, xml.c_str(), 0);
    if (pool_ == nullptr) return LastError(absl::StrCat("open the directory ", dir));
    stop_ = true;
    return absl::OkStatus();
  }

  virStoragePoolPtr get() const { return pool_; }

 private:
  virStoragePoolPtr pool_ = nullptr;
  bool stop_ = false;
};

// The pool over `path`'s directory, refreshed (a pool started earlier may
// not list a file made since), and the file's name in it.
absl::Status OpenPoolOf(virConnectPtr connection, absl::string_view path, int64_t capacity_bytes,
                        DirPool& pool, std::string* name) {
  const size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == path.size() - 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("disk image \"", path, "\": not an absolute path to a file"));
  }
  if (capacity_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("disk image ", path, ": capacity ", capacity_bytes, " is not positive"));
  }
  const std::string dir(slash == 0 ? "/" : path.substr(0, slash));
  *name = std::string(path.substr(slash + 1));
  if (absl::Status open = pool.Open(connection, dir); !open.ok()) {
    return absl::Status(open.code(), absl::StrCat("disk image ", path, ": ", open.message()));
  }
  if (virStoragePoolRefresh(pool.get(), 0) != 0) {
    return LastError(absl::StrCat("disk image ", path, ": list ", dir));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> EnsureDiskImage(virConnectPtr connection, absl::string_view path,
                                     int64_t capacity_bytes) {
  DirPool pool;
  std::string name;
  RETURN_IF_ERROR(OpenPoolOf(connection, path, capacity_bytes, pool, &name));
  if (virStorageVolPtr vol = virStorageVolLookupByName(pool.get(), name.c_str()); vol != nullptr) {
    virStorageVolFree(vol);
    return false;
  }
  virResetLastError();
  const std::string xml = absl::StrCat(
      "<volume><name>", XmlText(name), "</name><capacity unit='bytes'>", capacity_bytes,
      "</capacity><allocation unit='bytes'>0</allocation><target><format type='raw'/>"
      "</target></volume>");
  virStorageVolPtr vol = virStorageVolCreateXML(pool.get(), xml.c_str(), 0);
  if (vol == nullptr) return LastError(absl::StrCat("disk image ", path, ": create"));
  virStorageVolFree(vol);
  return true;
}

absl::Status CreateOverlay(virConnectPtr connection, absl::string_view overlay_path,
                           absl::string_view image_path, int64_t capacity_bytes) {
  DirPool pool;
  std::string name;
  RETURN_IF_ERROR(OpenPoolOf(connection, overlay_path, capacity_bytes, pool, &name));
  if (virStorageVolPtr old = virStorageVolLookupByName(pool.get(), name.c_str()); old != nullptr) {
    const int deleted = virStorageVolDelete(old, 0);
    virStorageVolFree(old);
    if (deleted != 0) return LastError(absl::StrCat("overlay ", overlay_path, ": delete the last one"));
  }
  virResetLastError();
  const std::string xml = absl::StrCat(
      "<volume><name>", XmlText(name), "</name><capacity unit='bytes'>", capacity_bytes,
      "</capacity><target><format type='qcow2'/></target><backingStore><path>",
      XmlText(std::string(image_path)), "</path><format type='raw'/></backingStore></volume>");
  virStorageVolPtr vol = virStorageVolCreateXML(pool.get(), xml.c_str(), 0);
  if (vol == nullptr) {
    return LastError(absl::StrCat("overlay ", overlay_path, " over ", image_path, ": create"));
  }
  virStorageVolFree(vol);
  return absl::OkStatus();
}

}  // namespace ferry::adapters
