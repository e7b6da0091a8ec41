#include "api/manifest/encoder.h"

#include <map>
#include <vector>

#include "absl/strings/escaping.h"
#include "api/manifest/yaml_writer.h"

namespace ferry::manifest {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

nlohmann::ordered_json EncodeScalar(const Message& message,
                                    const FieldDescriptor* field, int index) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value = rep ? r->GetRepeatedString(message, field, index)
                              : r->GetString(message, field);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        return absl::Base64Escape(value);
      }
      return value;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(message, field, index)
                 : r->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(message, field, index)
                 : r->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(message, field, index)
                 : r->GetUInt32(message, field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(message, field, index)
                 : r->GetUInt64(message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(message, field, index)
                 : r->GetDouble(message, field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(message, field, index)
                 : r->GetFloat(message, field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return rep ? r->GetRepeatedEnum(message, field, index)->name()
                 : r->GetEnum(message, field)->name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return nullptr;
}

nlohmann::ordered_json EncodeValue(const Message& message,
                                   const FieldDescriptor* field, int index,
                                   FieldNames names) {
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Reflection* r = message.GetReflection();
    return Encode(index >= 0 ? r->GetRepeatedMessage(message, field, index)
                             : r->GetMessage(message, field),
                  names);
  }
  return EncodeScalar(message, field, index);
}

}  // namespace

nlohmann::ordered_json Encode(const Message& message, FieldNames names) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  const auto* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string& name =
        names == FieldNames::kJson ? field->json_name() : field->name();
    if (field->is_map()) {
      const int size = r->FieldSize(message, field);
      if (size == 0) continue;
      // Sorted by key: a protobuf map iterates in no fixed order.
      std::map<std::string, nlohmann::ordered_json> sorted;
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* value = field->message_type()->map_value();
      for (int k = 0; k < size; ++k) {
        const Message& entry = r->GetRepeatedMessage(message, field, k);
        sorted[entry.GetReflection()->GetString(entry, key)] =
            EncodeValue(entry, value, -1, names);
      }
      nlohmann::ordered_json map = nlohmann::ordered_json::object();
      for (auto& [k, v] : sorted) map[k] = std::move(v);
      out[name] = std::move(map);
    } else if (field->is_repeated()) {
      const int size = r->FieldSize(message, field);
      if (size == 0) continue;
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (int k = 0; k < size; ++k) list.push_back(EncodeValue(message, field, k, names));
      out[name] = std::move(list);
    } else if (r->HasField(message, field)) {
      // For a field without presence, HasField is false exactly when it holds
      // the default value, which Kubernetes' omitempty leaves out too.
      out[name] = EncodeValue(message, field, -1, names);
    }
  }
  return out;
}

std::string ToJson(const Message& message, FieldNames names) {
  // Invalid UTF-8 (possible only in a message built in code: the reader
  // refuses it) is replaced, never thrown.
  return Encode(message, names).dump(2, ' ', false,
                                     nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

std::string JsonToYaml(const nlohmann::ordered_json& tree) { return WriteYaml(tree); }

std::string ToYaml(const Message& message) { return JsonToYaml(Encode(message)); }

}  // namespace ferry::manifest
