// Exact MACs, params and bytes moved, per op and per network.
#pragma once

#include <initializer_list>
#include <string_view>

#include "space/network.hpp"
#include "space/op_row.hpp"

namespace cpx {

struct LayerCount {
  Cost cost;
  // Bytes an op moves at least once: its inference weights plus input and output activations (fp32).
  int64_t bytes = 0;
};

struct NetworkCount {
  std::vector<LayerCount> layers;  // parallel to Network::ops
  Cost total;
  int64_t bytes = 0;
};

NetworkCount count(const Network& net);

// The conventions behind every count, printed with it.
std::string_view count_definitions();

// Op i's row (OpRow): everything count knows of it; the time and class fields stay empty.
OpRow op_row(const Network& net, size_t i, const LayerCount& c);
// The fields of a row of `count --layers --json`, in its order: name, op, conv_class (dense/grouped/
// depthwise/pointwise, null for other ops), inputs, in_nhwc (of the first input), out_nhwc, kernel, stride,
// groups, padding, dilation (null without a window), params, params_inference, macs, bytes.
inline constexpr OpField count_row_fields[] = {
    OpField::name,     OpField::op,     OpField::conv_class,       OpField::inputs, OpField::first_in_nhwc,
    OpField::out_nhwc, OpField::kernel, OpField::stride,           OpField::groups, OpField::padding,
    OpField::dilation, OpField::params, OpField::params_inference, OpField::macs,   OpField::bytes};

// What `count --json` prints: model, family, resolution, input_nhwc, params, params_inference, macs, bytes,
// definitions and, with `layers`, one row per op (to_json(op_row, count_row_fields)).
// BatchNorms an exporter folded into the convs before them (torch.onnx.export in eval mode does): where the
// PyTorch module had a conv without bias and a BatchNorm (weight and bias: 2*C), the file holds the conv
// with a bias (C). Inferred by the ONNX import from how the exporter names what it computed
// (profiler/interop/onnx.hpp), not read from the file: nothing in ONNX says a bias was a BatchNorm.
struct BatchNormFolding {
  std::vector<std::string> convs;  // our op names
  int64_t channels = 0;            // their output channels, summed: the BatchNorm-separate count has that many more
};

// How params_batch_norm_separate was inferred, said in the JSON and the text.
extern const std::string_view batch_norm_folding_inference;

// count_definitions(), and with a folding of at least one conv, which count is PyTorch-style there.
std::string count_definitions_of(const BatchNormFolding* folding);

// With a folding of at least one conv, also params_batch_norm_separate (the inferred PyTorch-style count)
// and batch_norm_folding (what was inferred and how).
Json count_to_json(const Network& net, const NetworkCount& c, bool layers, const BatchNormFolding* folding = nullptr);

}  // namespace cpx
