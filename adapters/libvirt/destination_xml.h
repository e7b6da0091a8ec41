// DestinationXml: the domain XML a live migration with non-shared disks gives
// the destination host (libvirt's VIR_MIGRATE_PARAM_DEST_XML), built as
// KubeVirt's launcher builds it: the source's migratable XML
// (VIR_DOMAIN_XML_MIGRATABLE, so the expanded machine type and every device
// address stay as the guest sees them) with only each migrated disk's source
// changed. Everything else, the guest ABI included, is left as it was.
//
//   ASSIGN_OR_RETURN(std::string xml,
//                    DestinationXml(migratable_xml, request.disks, {{"vda", 2 * kGiB}}));
//
// A destination is a file (`<disk type='file'><source file=...>`, a
// Filesystem volume's disk.img) or a device (`<disk type='block'><source
// dev=...>`), whatever the source was. A destination larger than its source
// gets a storage slice of the source's size (libvirt refuses a copy between
// images of different sizes); a smaller one is refused. A destination is
// raw: a source that is an image chain (a container disk's qcow2 overlay
// over its image) loses its backingStore and its driver type becomes raw,
// the copy (NON_SHARED_DISK) flattening the chain onto it.
#ifndef FERRY_ADAPTERS_LIBVIRT_DESTINATION_XML_H_
#define FERRY_ADAPTERS_LIBVIRT_DESTINATION_XML_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/ports/hypervisor.h"

namespace ferry::adapters {

// `source_capacity` holds each migrated disk's size in bytes on the source, by
// target device (virDomainGetBlockInfo's capacity). InvalidArgument when the
// XML does not parse, a disk is not in it, or a destination has no node-local
// path; FailedPrecondition when a destination is smaller than its source.
absl::StatusOr<std::string> DestinationXml(absl::string_view migratable_xml,
                                           const std::vector<ports::DiskCopy>& disks,
                                           const std::map<std::string, int64_t>& source_capacity);

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_LIBVIRT_DESTINATION_XML_H_
