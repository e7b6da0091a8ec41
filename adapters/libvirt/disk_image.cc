#include "adapters/libvirt/disk_image.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "base/fnv.h"
#include "base/status_macros.h"

namespace ferry::adapters {
namespace {

absl::Status Failed(absl::string_view what) {
  const virError* error = virGetLastError();
  std::string message = absl::StrCat(
      what, ": ", error != nullptr && error->message != nullptr ? error->message : "unknown error");
  virResetLastError();
  return absl::FailedPreconditionError(message);
}

std::string XmlText(absl::string_view s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"'", "&apos;"}, {"\"", "&quot;"}});
}

// The target path of a pool's XML (libvirt writes <target><path>DIR</path>).
std::string TargetPath(virStoragePoolPtr pool) {
  char* xml = virStoragePoolGetXMLDesc(pool, 0);
  if (xml == nullptr) return "";
  const std::string text(xml);
  free(xml);
  const size_t target = text.find("<target>");
  const size_t open = text.find("<path>", target == std::string::npos ? text.size() : target);
  const size_t close = text.find("</path>", open == std::string::npos ? text.size() : open);
  if (close == std::string::npos) return "";
  return absl::StrReplaceAll(text.substr(open + 6, close - open - 6),
                             {{"&lt;", "<"}, {"&gt;", ">"}, {"&apos;", "'"}, {"&quot;", "\""},
                              {"&amp;", "&"}});
}

// The pool, running or not, whose directory is `dir`; nullptr when none is.
// (By listing: not every driver has virStoragePoolLookupByTargetPath.)
absl::StatusOr<virStoragePoolPtr> PoolOver(virConnectPtr connection, const std::string& dir) {
  virStoragePoolPtr* pools = nullptr;
  const int count = virConnectListAllStoragePools(connection, &pools, 0);
  if (count < 0) return Failed("list the storage pools");
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
      if (virStoragePoolCreate(pool_, 0) != 0) return Failed(absl::StrCat("start the pool of ", dir));
      stop_ = true;
      return absl::OkStatus();
    }
    const std::string xml = absl::StrCat(
        "<pool type='dir'><name>ferry-", absl::StrFormat("%016x", Fnv1a64(dir)),
        "</name><target><path>", XmlText(dir), "</path></target></pool>");
    pool_ = virStoragePoolCreateXML(connection, xml.c_str(), 0);
    if (pool_ == nullptr) return Failed(absl::StrCat("open the directory ", dir));
    stop_ = true;
    return absl::OkStatus();
  }

  virStoragePoolPtr get() const { return pool_; }

 private:
  virStoragePoolPtr pool_ = nullptr;
  bool stop_ = false;
};

}  // namespace

absl::StatusOr<bool> EnsureDiskImage(virConnectPtr connection, absl::string_view path,
                                     int64_t capacity_bytes) {
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
  const std::string name(path.substr(slash + 1));
  DirPool pool;
  if (absl::Status open = pool.Open(connection, dir); !open.ok()) {
    return absl::Status(open.code(), absl::StrCat("disk image ", path, ": ", open.message()));
  }
  // A pool started earlier may not list a file made since.
  if (virStoragePoolRefresh(pool.get(), 0) != 0) {
    return Failed(absl::StrCat("disk image ", path, ": list ", dir));
  }
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
  if (vol == nullptr) return Failed(absl::StrCat("disk image ", path, ": create"));
  virStorageVolFree(vol);
  return true;
}

}  // namespace ferry::adapters
