// Exact MACs, params and bytes moved, per op and per network.
#pragma once

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

// What `count --json` prints: model, family, resolution, input_nhwc, params, params_inference, macs, bytes,
// definitions and, with `layers`, one object per op (name, op, class, inputs, in_nhwc, out_nhwc, kernel,
// stride, groups, padding, params, params_inference, macs, bytes).
Json count_json(const Network& net, const NetworkCount& c, bool layers);

}  // namespace cpx
