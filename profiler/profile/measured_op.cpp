#include "profiler/profile/measured_op.hpp"

namespace cpx::profiler {

Json to_json(const MeasuredOp& o, MeasuredOpDocument document) {
  Json j = Json::object();
  if (document == MeasuredOpDocument::measurement) {
    write_op_fields(j, o.row, {OpField::name, OpField::op});
    j["implementation"] = o.implementation;
    j["emulated"] = o.emulated;
    write_op_fields(j, o.row, {OpField::fused_into, OpField::macs});
    j["timing"] = to_json(o.timing);
    j["macps"] = o.macps;
    j["fraction_of_peak"] = o.fraction_of_peak;
    j["share"] = o.share;
    return j;
  }
  write_op_fields(j, o.row, {OpField::name, OpField::op, OpField::conv_class});
  j["attrs"] = o.attrs;
  write_op_fields(j, o.row, {OpField::in_nhwc});
  write_op_fields(j, o.row, {OpField::inputs});
  write_op_fields(j, o.row, {OpField::out_nhwc, OpField::macs, OpField::params_inference, OpField::bytes});
  j["implementation"] = o.implementation;
  j["emulated"] = o.emulated;
  write_op_fields(j, o.row, {OpField::fused_into});
  j["timing"] = to_json(o.timing, false);
  return j;
}

}  // namespace cpx::profiler
