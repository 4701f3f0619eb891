// One op of a network as every per-op document writes it: count --layers, predict --layers, measure --layers,
// the profile's records, the main job's per-layer breakdown, advise's layers and validate's op times. One
// struct, filled by whoever knows a field; the JSON keys are written only by write_op_fields, at the edge.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "space/names.hpp"
#include "space/network.hpp"

namespace cpx {

// Built by op_row (space/count.hpp) from what count knows; the other fields by those who know them.
struct OpRow {
  std::string name, op;
  std::optional<ConvClass> conv_class;  // a conv's; nullopt for other ops
  std::vector<std::string> inputs;      // the tensors it reads
  std::vector<ShapeNhwc> in_nhwc;       // each input's shape, in the order of `inputs`
  ShapeNhwc out_nhwc;
  std::optional<Window> window;  // conv and pooling ops
  int64_t params = 0, params_inference = 0, macs = 0, bytes = 0;
  // The predictor's class of it (predictor/features.hpp's OpClass), by name: space/ sits below the predictor.
  // Empty where nothing predicted it.
  std::string op_class;
  std::optional<double> predicted_us, measured_us;
  std::string fused_into;  // the op whose kernel computes it (its time is in that op's row); "" in its own
};

// The fields a document writes, each under one key (its name here, except where said). Written only where
// a document lists them, in the document's order:
// - in_nhwc: every input's shape (a profile's rows); first_in_nhwc: the first input's, under "in_nhwc"
//   (count's rows).
// - conv_class, kernel, stride, groups, padding, dilation: null where the op has none.
// - predicted_us, measured_us: null where not known; latency_us: predicted_us under "latency_us", the key of
//   the time in predict's and advise's rows (the main job's rows say predicted_us beside measured_us).
// - fused_into: absent for an op in its own kernel.
enum class OpField {
  name,
  op,
  conv_class,
  inputs,
  in_nhwc,
  first_in_nhwc,
  out_nhwc,
  kernel,
  stride,
  groups,
  padding,
  dilation,
  params,
  params_inference,
  macs,
  bytes,
  op_class,
  predicted_us,
  latency_us,
  measured_us,
  fused_into
};
inline constexpr Names<OpField, 21> op_field_names{{
    {OpField::name, "name"},
    {OpField::op, "op"},
    {OpField::conv_class, "conv_class"},
    {OpField::inputs, "inputs"},
    {OpField::in_nhwc, "in_nhwc"},
    {OpField::first_in_nhwc, "first_in_nhwc"},
    {OpField::out_nhwc, "out_nhwc"},
    {OpField::kernel, "kernel"},
    {OpField::stride, "stride"},
    {OpField::groups, "groups"},
    {OpField::padding, "padding"},
    {OpField::dilation, "dilation"},
    {OpField::params, "params"},
    {OpField::params_inference, "params_inference"},
    {OpField::macs, "macs"},
    {OpField::bytes, "bytes"},
    {OpField::op_class, "op_class"},
    {OpField::predicted_us, "predicted_us"},
    {OpField::latency_us, "latency_us"},
    {OpField::measured_us, "measured_us"},
    {OpField::fused_into, "fused_into"},
}};

// Appends `fields` of `row` to the object `j`, in that order. A document with keys of its own between them
// (a profile's attrs, measure's timing) calls it once per run of row fields.
void write_op_fields(Json& j, const OpRow& row, std::span<const OpField> fields);
inline void write_op_fields(Json& j, const OpRow& row, std::initializer_list<OpField> fields) {
  write_op_fields(j, row, std::span(fields.begin(), fields.size()));
}
// The same into a new object.
inline Json to_json(const OpRow& row, std::span<const OpField> fields) {
  Json j = Json::object();
  write_op_fields(j, row, fields);
  return j;
}
inline Json to_json(const OpRow& row, std::initializer_list<OpField> fields) {
  return to_json(row, std::span(fields.begin(), fields.size()));
}

}  // namespace cpx
