// The profile's coverage set (issue 16, item 2): single convolutions over the ranges users build, drawn
// space-filling and then measured where the measurements so far say least, so that the predictor is
// fitted on the shapes it will be asked about rather than only on the CPUBone grid.
//
// Ranges: kernels 1x1..7x7 and 1x3, 3x1, 1x5, 5x1, 1x7, 7x1; input channels 8..4096 (log-uniform); groups
// 1 (dense, 40% of draws), 2..in/2 in powers of two (grouped, 30%) or in (depthwise, 30%); out/in ratios
// 1/6..6 (log-uniform, out channels clamped to 8..4096; depthwise keeps out = in); resolutions 7..224
// (log-uniform), and for a tenth of draws a 1x1 conv on 1x1 pixels (after a global pool); strides 1 and 2; every
// activation; every thread count the profile measures. Each op is kept only if it does
// coverage_min_macs..coverage_max_macs MACs and moves at most coverage_max_bytes (fp32 weights + input + output), so
// that no single op (4096 channels at 224x224) eats the budget. A conv with few channels per group runs far below the
// peak (docs/log/predictor.md), so its MACs cap shrinks in proportion to in x out channels per group below
// coverage_full_cap_per_group: depthwise convs get 1/32 of it, which still holds a 7x7 depthwise conv on 112x112x96.
// Every run then stays within some tens of milliseconds.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "space/network.hpp"

namespace cpx::profiler {

inline constexpr double coverage_min_macs = 1e5;
// Tens of milliseconds per run on one core (docs/log/predictor.md); --quick keeps ten times less.
inline constexpr double coverage_max_macs = 2e9, coverage_max_macs_quick = 2e8;
inline constexpr double coverage_max_bytes = 128.0 * 1024 * 1024;
inline constexpr double coverage_full_cap_per_group = 32;

// Where a conv lies in the space the coverage set fills, each coordinate in [0, 1]: log in and out
// channels per group, log groups, log kernel height and width, log resolution, stride, the activation's
// cost tier (0 fused clamp, 0.5 piecewise-linear, 1 transcendental) and log threads. Distances here
// decide both rounds, so every coordinate spans its range once: none dominates by its units.
inline constexpr size_t coverage_dims = 9;
using CoveragePosition = std::array<double, coverage_dims>;

// One convolution of the coverage set, on a 1 x resolution x resolution x in_channels input.
struct CoverageConv {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t groups = 1;
  int64_t in_channels = 8, out_channels = 8;
  int64_t resolution = 7;
  int64_t stride = 1;
  Activation activation = Activation::none;
  int64_t threads = 1;

  std::string id() const;
  Conv2d attrs() const;
  Network network() const;
};

struct CoverageCandidate {
  CoverageConv conv;
  CoveragePosition position{};
  int64_t macs = 0;
  double bytes = 0;
  double spread_distance = 0;  // to the candidates before it in the pool's order (round 1's score)
};

// The candidates for `threads`: seeded Latin-hypercube draws over the ranges above, those outside the
// MACs and bytes caps dropped, duplicates dropped, in farthest-point order (each next candidate the one
// farthest from all before it), so that any prefix, however much of it a time slice measures, is spread
// over the whole space. Deterministic for (quick, threads, seed) on every platform.
std::vector<CoverageCandidate> coverage_pool(bool quick, const std::vector<int64_t>& threads, uint64_t seed);

// Model-free uncertainty of each candidate given the measured ones (positions and log MACpS), for the
// adaptive round: d/h + s/S, where d is the distance to the nearest measured point, h the median of the
// measured points' own nearest-neighbour distances, s the spread (standard deviation) of log MACpS among
// the `k` nearest measured points and S its spread over all of them. A candidate scores high where no
// measurement is near (extrapolation) or where nearby measurements disagree (MACpS changes fast there),
// which is where any model fitted to these points errs most. With no measurement every score is 0.
std::vector<double> uncertainty_scores(const std::vector<CoveragePosition>& candidates,
                                       const std::vector<CoveragePosition>& measured,
                                       const std::vector<double>& measured_log_macps, size_t k = 5);

}  // namespace cpx::profiler
