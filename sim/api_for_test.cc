// Writes a manifest's objects to a fake API server (sim/api_for_test.h).
#include "sim/api_for_test.h"

#include "absl/status/statusor.h"
#include "api/manifest/reader.h"
#include "core/ports/kube_api.h"
#include "gtest/gtest.h"

namespace ferry::sim {

void ApplyForTest(fakes::FakeKubeApi& api, const std::string& yaml) {
  absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests("test", yaml);
  ASSERT_TRUE(set.ok()) << set.status();
  for (const manifest::Object& o : set->objects) {
    absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(*o.message);
    ASSERT_TRUE(key.ok());
    if (key->namespace_.empty() && o.kind->namespaced) key->namespace_ = "default";
    absl::StatusOr<ports::ObjectPtr> old = api.Get(*key);
    absl::StatusOr<ports::ObjectPtr> written;
    if (old.ok()) {
      ports::MutableMetadataOf(o.message.get())
          ->set_resource_version(ports::MetadataOf(**old).resource_version());
      written = api.Update(*o.message);
    } else {
      written = api.Create(*o.message);
    }
    ASSERT_TRUE(written.ok()) << written.status();
    const auto* status = o.message->GetDescriptor()->FindFieldByName("status");
    if (status != nullptr && o.message->GetReflection()->HasField(*o.message, status)) {
      ports::MutableMetadataOf(o.message.get())
          ->set_resource_version(ports::MetadataOf(**written).resource_version());
      ASSERT_TRUE(api.UpdateStatus(*o.message).ok());
    }
  }
}

}  // namespace ferry::sim
