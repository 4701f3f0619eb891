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

}  // namespace cpx
