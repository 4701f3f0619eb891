// Gradient-boosted regression trees on the residual of a class's quadratic model (log latency). The
// quadratic gives the smooth trend and extrapolates; the trees bend it where measured operators of one
// class do not follow one smooth surface (a dense 3x3 conv whose weights no longer fit in L2, depthwise
// kernels with and without a tuned microkernel). Trees predict a constant outside the training data, so
// they never extrapolate. Stored as plain arrays in the predictor JSON.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "predictor/features.hpp"

namespace cpx::predictor {

struct Tree {
  // Node i: a split (feature >= 0: go left when x[feature] < threshold) or a leaf (feature == -1, value).
  // Children always have larger indices than their parent, so reading a file cannot create a cycle.
  std::vector<int> feature;
  std::vector<double> threshold;  // split value, or the leaf's value
  std::vector<int> left, right;
  double eval(const std::array<double, base_feature_count>& x) const {
    int i = 0;
    while (feature[static_cast<size_t>(i)] >= 0)
      i = x[static_cast<size_t>(feature[static_cast<size_t>(i)])] < threshold[static_cast<size_t>(i)]
              ? left[static_cast<size_t>(i)]
              : right[static_cast<size_t>(i)];
    return threshold[static_cast<size_t>(i)];
  }
};

inline constexpr int max_tree_depth = 10;

struct Boost {
  std::vector<Tree> trees;  // learning rate already folded into the leaf values
  // The trees padded to complete binary trees of one depth in flat arrays, so that evaluation is a fixed
  // number of branch-free steps per tree (the node form took 0.5 us per op; this one a fifth of that).
  int depth = 0;
  std::vector<uint8_t> flat_feature;
  std::vector<double> flat_threshold, flat_leaf;
  void compile();  // after changing `trees`; a tree deeper than max_tree_depth is an InputError
  double eval(const std::array<double, base_feature_count>& x) const {
    const size_t internal = (size_t{1} << depth) - 1, leaves = internal + 1, n = trees.size();
    double s = 0;
    // Eight trees at a time: their descents are independent, so the CPU overlaps the load-compare chains.
    constexpr size_t lanes = 8;
    for (size_t t0 = 0; t0 < n; t0 += lanes) {
      const size_t m = std::min(lanes, n - t0);
      size_t i[lanes] = {};
      for (int d = 0; d < depth; ++d)
        for (size_t j = 0; j < m; ++j) {
          const size_t k = (t0 + j) * internal + i[j];
          i[j] = 2 * i[j] + 1 + static_cast<size_t>(x[flat_feature[k]] >= flat_threshold[k]);
        }
      for (size_t j = 0; j < m; ++j) s += flat_leaf[(t0 + j) * leaves + (i[j] - internal)];
    }
    return s;
  }
};

// Defaults chosen on this machine's profile: 30 trees of depth 3 fitted the zoo's per-op times as well as
// 60 of depth 4 (median |log error| 0.111 vs 0.114) at a quarter of the evaluation cost.
struct BoostOptions {
  int trees = 30;
  int depth = 3;
  int min_leaf = 20;  // samples: a leaf must average out per-op measurement noise
  double learning_rate = 0.2;
};

Boost fit_boost(const std::vector<std::array<double, base_feature_count>>& x, const std::vector<double>& residual,
                const BoostOptions& options = {});

Json to_json(const Boost& b);
Boost boost_from_json(const Json& j, const Where& where);

}  // namespace cpx::predictor
