#include "space/op_row.hpp"

namespace cpx {

namespace {

Json window_field(const std::optional<Window>& w, auto field) { return w ? Json(field(*w)) : Json(nullptr); }
Json time_or_null(const std::optional<double>& us) { return us ? Json(*us) : Json(nullptr); }

Json shapes_json(const std::vector<ShapeNhwc>& shapes) {
  Json out = Json::array();
  for (const ShapeNhwc& s : shapes) out.push_back(s.to_json());
  return out;
}

Json field_json(const OpRow& r, OpField f) {
  switch (f) {
    case OpField::name: return r.name;
    case OpField::op: return r.op;
    case OpField::conv_class: return r.conv_class ? Json(to_string(*r.conv_class)) : Json(nullptr);
    case OpField::inputs: return r.inputs;
    case OpField::in_nhwc: return shapes_json(r.in_nhwc);
    case OpField::first_in_nhwc: return r.in_nhwc.at(0).to_json();
    case OpField::out_nhwc: return r.out_nhwc.to_json();
    case OpField::kernel: return window_field(r.window, [](const Window& x) { return x.kernel; });
    case OpField::stride: return window_field(r.window, [](const Window& x) { return x.stride; });
    case OpField::groups: return window_field(r.window, [](const Window& x) { return x.groups; });
    case OpField::padding: return window_field(r.window, [](const Window& x) { return x.padding.to_json(); });
    case OpField::dilation: return window_field(r.window, [](const Window& x) { return x.dilation; });
    case OpField::params: return r.params;
    case OpField::params_inference: return r.params_inference;
    case OpField::macs: return r.macs;
    case OpField::bytes: return r.bytes;
    case OpField::op_class: return r.op_class;
    case OpField::predicted_us:
    case OpField::latency_us: return time_or_null(r.predicted_us);
    case OpField::measured_us: return time_or_null(r.measured_us);
    case OpField::fused_into: return r.fused_into;
  }
  return nullptr;
}

// The key a field is written under: its name, but for the two documented exceptions.
std::string key_of(OpField f) {
  if (f == OpField::first_in_nhwc) return "in_nhwc";
  return std::string(op_field_names.name_of(f));
}

}  // namespace

void write_op_fields(Json& j, const OpRow& row, std::span<const OpField> fields) {
  for (OpField f : fields) {
    if (f == OpField::fused_into && row.fused_into.empty()) continue;
    j[key_of(f)] = field_json(row, f);
  }
}

}  // namespace cpx
