// Out-of-distribution networks for `validate`: plain CNNs of the kinds people write by hand (ResNet basic
// and bottleneck blocks, ResNeXt grouped bottlenecks, MBConv with or without SE, fused MBConv, 1xk/kx1
// factorised pairs, VGG-like stacks), with kernels, groups, widths and resolutions well beyond the
// profile grid. Built op by op with NetworkBuilder and sharing nothing with space/sample.cpp or the
// search space (explorer/space*): a predictor tuned on those must not be tuned on these too.
#pragma once

#include <cstdint>
#include <string>

#include "space/network.hpp"

namespace cpx::predictor {

// The ranges the generator draws from, stated once (the README and the coverage test use them).
namespace ood {
inline constexpr int64_t min_resolution = 96, max_resolution = 288;      // input height = width, multiples of 16
inline constexpr int64_t min_width = 8, max_width = 4096;                // channels of any conv
inline constexpr int64_t min_weight_layers = 4, max_weight_layers = 30;  // conv and fully connected ops
inline constexpr double min_macs = 0.1e9, max_macs = 4e9;
inline constexpr int64_t max_params = 64'000'000;  // 256 MB of fp32 weights: validate re-plans every round
}  // namespace ood

struct OodNetwork {
  Network network;     // named "ood-<seed>", family "ood"
  std::string blocks;  // what it is made of, e.g. "stem k7s2 32 relu | bottleneck k3 g8 x2 -> 256 | ..."
};

// The same seed gives the same network. Draws until a network lies within the MACs, parameter and
// weight-layer budgets above (each draw continues the seed's random stream); throws if none does.
OodNetwork ood_network(uint64_t seed);

}  // namespace cpx::predictor
