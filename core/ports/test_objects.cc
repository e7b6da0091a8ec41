#include "core/ports/test_objects.h"

namespace ferry::ports {

k8s::PersistentVolumeClaim TestPvc(const std::string& name, const std::string& ns) {
  k8s::PersistentVolumeClaim pvc;
  pvc.mutable_metadata()->set_name(name);
  pvc.mutable_metadata()->set_namespace_(ns);
  pvc.mutable_spec()->add_access_modes("ReadWriteOnce");
  (*pvc.mutable_spec()->mutable_resources()->mutable_requests())["storage"] = "1Gi";
  return pvc;
}

}  // namespace ferry::ports
