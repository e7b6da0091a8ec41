#include "sim/cluster.h"

#include "absl/status/statusor.h"
#include "api/core.pb.h"

namespace ferry::sim {

Cluster::Cluster(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock)
    : api_(api),
      reader_(api),
      cdi_(api, fabric, reader_),
      virt_controller_(api, reader_, clock),
      scheduler_(api, reader_),
      binder_(api, fabric, clock, reader_,
              [this](const std::string& pv, const std::string& path) { RecordVolume(pv, path); }),
      kubelet_(api, clock, reader_) {}

absl::Status Cluster::AddNode(const std::string& name) {
  k8s::Node node;
  node.set_api_version("v1");
  node.set_kind("Node");
  node.mutable_metadata()->set_name(name);
  (*node.mutable_metadata()->mutable_labels())["kubernetes.io/hostname"] = name;
  absl::StatusOr<ports::ObjectPtr> created = api_.Create(node);
  if (!created.ok()) return created.status();
  return SetNodeReady(name, true);
}

absl::Status Cluster::SetNodeReady(const std::string& name, bool ready) {
  absl::StatusOr<ports::ObjectPtr> got = api_.Get({"Node", "", name});
  if (!got.ok()) return got.status();
  k8s::Node node = *ports::As<k8s::Node>(*got);
  node.mutable_status()->clear_conditions();
  auto* c = node.mutable_status()->add_conditions();
  c->set_type("Ready");
  c->set_status(ready ? "True" : "False");
  c->set_reason(ready ? "KubeletReady" : "NodeStatusUnknown");
  c->set_message(ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.");
  return api_.UpdateStatus(node).status();
}

std::vector<std::string> Cluster::Step() {
  std::vector<std::string> did;
  cdi_.Import(&did);
  if (run_vms_) virt_controller_.RunVms(&did);
  scheduler_.Schedule(&did);
  binder_.Bind(&did);
  kubelet_.RunPods(&did);
  binder_.Release(&did);
  return did;
}

}  // namespace ferry::sim
