#include "space/count.hpp"

#include <stdexcept>

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

namespace {

// count_definitions(), and with a folding of at least one conv, which count is PyTorch-style there.
std::string count_definitions_of(const BatchNormFolding* folding) {
  std::string d(count_definitions());
  if (folding && !folding->convs.empty())
    d += " Here the exporter folded the BatchNorms: params is what the file holds (each BatchNorm as its conv's bias), "
         "params_batch_norm_separate the PyTorch-style count, inferred.";
  return d;
}

}  // namespace

const std::string_view batch_norm_folding_inference =
    "params counts what the file holds, each folded BatchNorm as the conv's bias (C); params_batch_norm_separate "
    "counts it as the PyTorch module did, a conv without bias and a BatchNorm's weight and bias (2*C), inferred: a "
    "conv with a bias whose weight the exporter computed (named onnx::..., not after a module parameter) is taken "
    "for a folded conv + BatchNorm";

namespace {
Json shape_or_null(const std::optional<Window>& w, auto field) { return w ? Json(field(*w)) : Json(nullptr); }
}  // namespace

Json layer_row(const Network& net, size_t i, const LayerCount& c) {
  const Op& op = net.ops[i];
  const auto w = window_of(op.attrs);
  const ShapeNhwc& in = net.shape_of(op.inputs[0]);
  Json r;
  r["name"] = op.name;
  r["op"] = op.kind();
  r["conv_class"] = op.as<Conv2d>() ? Json(to_string(conv_class(*op.as<Conv2d>(), in.c))) : Json(nullptr);
  r["inputs"] = op.inputs;
  r["in_nhwc"] = in.to_json();
  r["out_nhwc"] = net.shapes[i].to_json();
  r["kernel"] = shape_or_null(w, [](const Window& x) { return x.kernel; });
  r["stride"] = shape_or_null(w, [](const Window& x) { return x.stride; });
  r["groups"] = shape_or_null(w, [](const Window& x) { return x.groups; });
  r["padding"] = shape_or_null(w, [](const Window& x) { return x.padding.to_json(); });
  r["dilation"] = shape_or_null(w, [](const Window& x) { return x.dilation; });
  r["params"] = c.cost.params;
  r["params_inference"] = c.cost.params_inference;
  r["macs"] = c.cost.macs;
  r["bytes"] = c.bytes;
  return r;
}

Json row_subset(const Json& row, std::initializer_list<std::string_view> keys) {
  Json r = Json::object();
  for (std::string_view k : keys) {
    const auto it = row.find(std::string(k));
    if (it == row.end()) throw std::logic_error("row_subset: the row has no key \"" + std::string(k) + "\"");
    r[std::string(k)] = *it;
  }
  return r;
}

Json count_json(const Network& net, const NetworkCount& c, bool layers, const BatchNormFolding* folding) {
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
  for (size_t i = 0; i < net.ops.size(); ++i) rows.push_back(layer_row(net, i, c.layers[i]));
  j["layers"] = std::move(rows);
  return j;
}

}  // namespace cpx
