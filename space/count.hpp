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
Json count_json(const Network& net, const NetworkCount& c, bool layers);

}  // namespace cpx
