// Exact MACs, params and bytes moved, per op and per network.
#pragma once

#include <initializer_list>
#include <string_view>

#include "space/network.hpp"

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

// Op i's row of `count --layers --json`: name, op, conv_class (dense/grouped/depthwise/pointwise, null
// for other ops), inputs, in_nhwc (of the first input), out_nhwc, kernel, stride, groups, padding (null
// without a window), params, params_inference, macs, bytes. Every per-layer row of another command
// (measured, predicted, profiled) is built from it, taking the keys it prints with row_subset, so that
// a concept has one name and one computation.
Json layer_row(const Network& net, size_t i, const LayerCount& c);
// `row` restricted to `keys`, in that order; a key the row lacks is a logic error.
Json row_subset(const Json& row, std::initializer_list<std::string_view> keys);

// What `count --json` prints: model, family, resolution, input_nhwc, params, params_inference, macs, bytes,
// definitions and, with `layers`, one layer_row per op.
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

// With a folding of at least one conv, also params_batch_norm_separate (the inferred PyTorch-style count)
// and batch_norm_folding (what was inferred and how).
Json count_json(const Network& net, const NetworkCount& c, bool layers, const BatchNormFolding* folding = nullptr);

}  // namespace cpx
