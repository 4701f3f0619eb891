#include "space/count.hpp"

namespace cpx {

NetworkCount count(const Network& net) {
  NetworkCount out;
  const Where where(net.name);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    std::vector<ShapeNhwc> in;
    int64_t activation_elements = net.shapes[i].elements();
    for (const auto& t : op.inputs) {
      in.push_back(net.shape_of(t));
      activation_elements += in.back().elements();
    }
    const Where w = where / op.name;
    LayerCount layer;
    layer.cost = std::visit([&](const auto& a) { return a.cost(in, net.shapes[i], w); }, op.attrs);
    layer.bytes = checked_mul(layer.cost.params_inference + activation_elements, bytes_per_element, w);
    out.total.macs = checked_add(out.total.macs, layer.cost.macs, w);
    out.total.params = checked_add(out.total.params, layer.cost.params, w);
    out.total.params_inference = checked_add(out.total.params_inference, layer.cost.params_inference, w);
    out.bytes = checked_add(out.bytes, layer.bytes, w);
    out.layers.push_back(layer);
  }
  return out;
}

std::string_view count_definitions() {
  return "macs: multiply-accumulates of conv, fully connected and attention matmuls (QK^T and AV); bias, norms, "
         "activations, pooling and elementwise ops count 0. params: PyTorch-style, each BatchNorm counted "
         "separately as 2*C. params_inference: BatchNorm folded into the preceding conv/linear. bytes: fp32 "
         "inference weights + input + output activations of each op.";
}

std::string count_definitions_of(const BatchNormFolding* folding) {
  std::string d(count_definitions());
  if (folding && !folding->convs.empty())
    d += " Here the exporter folded the BatchNorms: params is what the file holds (each BatchNorm as its conv's bias), "
         "params_batch_norm_separate the PyTorch-style count, inferred.";
  return d;
}

const std::string_view batch_norm_folding_inference =
    "params counts what the file holds, each folded BatchNorm as the conv's bias (C); params_batch_norm_separate "
    "counts it as the PyTorch module did, a conv without bias and a BatchNorm's weight and bias (2*C), inferred: a "
    "conv with a bias whose weight the exporter computed (named onnx::..., not after a module parameter) is taken "
    "for a folded conv + BatchNorm";

OpRow op_row(const Network& net, size_t i, const LayerCount& c) {
  const Op& op = net.ops[i];
  OpRow r;
  r.name = op.name;
  r.op = std::string(op.kind());
  r.inputs = op.inputs;
  for (const auto& x : op.inputs) r.in_nhwc.push_back(net.shape_of(x));
  if (const Conv2d* conv = op.as<Conv2d>()) r.conv_class = conv_class(*conv, r.in_nhwc[0].c);
  r.out_nhwc = net.shapes[i];
  r.window = window_of(op.attrs);
  r.params = c.cost.params;
  r.params_inference = c.cost.params_inference;
  r.macs = c.cost.macs;
  r.bytes = c.bytes;
  return r;
}

Json count_to_json(const Network& net, const NetworkCount& c, bool layers, const BatchNormFolding* folding) {
  Json j;
  j["model"] = net.name;
  j["family"] = net.family;
  j["resolution"] = net.input.h;
  j["input_nhwc"] = net.input.to_json();
  j["params"] = c.total.params;
  j["params_inference"] = c.total.params_inference;
  if (folding && !folding->convs.empty()) {
    j["params_batch_norm_separate"] = c.total.params + folding->channels;
    j["batch_norm_folding"] = {{"folded_by", "the exporter"},
                               {"convs", folding->convs.size()},
                               {"channels", folding->channels},
                               {"inferred", batch_norm_folding_inference}};
  }
  j["macs"] = c.total.macs;
  j["bytes"] = c.bytes;
  j["definitions"] = count_definitions_of(folding);
  if (!layers) return j;
  Json rows = Json::array();
  for (size_t i = 0; i < net.ops.size(); ++i) rows.push_back(to_json(op_row(net, i, c.layers[i]), count_row_fields));
  j["layers"] = std::move(rows);
  return j;
}

}  // namespace cpx
