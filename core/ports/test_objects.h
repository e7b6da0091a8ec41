#ifndef FERRY_CORE_PORTS_TEST_OBJECTS_H_
#define FERRY_CORE_PORTS_TEST_OBJECTS_H_

// Small API objects for the tests of KubeApi implementations and of what
// reads through them (testonly).

#include <string>

#include "api/core.pb.h"

namespace ferry::ports {

// A 1Gi ReadWriteOnce claim `ns/name`, with no status.
k8s::PersistentVolumeClaim TestPvc(const std::string& name, const std::string& ns = "ns");

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_TEST_OBJECTS_H_
