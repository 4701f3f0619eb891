// The importer's pattern fusion: multi-node subgraphs that exporters write for one op of ours (GELU as
// Div/Erf/Add/Mul/Mul, a conv's BatchNormalization and activation, GroupNorm below opset 18, PyTorch's
// channel_shuffle). Each matcher only reads the graph; the caller marks the matched nodes done.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "profiler/interop/onnx/import_graph.hpp"
#include "space/activation.hpp"

namespace cpx::profiler::onnx_import {

struct Match {
  std::vector<int> nodes;  // every node of the pattern, the first included
  std::string output;      // the ONNX tensor the pattern finally produces
};

struct ActivationMatch : Match {
  Activation activation = Activation::none;
  double alpha = 0;  // leaky_relu's and elu's (takes_alpha)
};

// The activation pattern that starts at node `first`, which reads x.
std::optional<ActivationMatch> activation_at(const Graph& g, int first, const std::string& x);

// An activation that every reader of x belongs to, so it can be fused into the op producing x (never one
// that takes alpha: an op's own activation has none).
std::optional<ActivationMatch> fusable_activation(const Graph& g, const std::string& x);

// What a conv or linear absorbs after its output `out`: a BatchNormalization, then an activation.
struct Following : Match {
  bool batch_norm = false;
  Activation activation = Activation::none;
};
Following following(const Graph& g, const std::string& out);

// Reshape(N, G, -1) at node `reshape` -> InstanceNormalization(scale 1, bias 0) -> Reshape(N, C, H, W)
// [-> Mul γ [-> Add β]]: PyTorch's GroupNorm below opset 18. A reshape to N x G x rest that does not
// continue so is an error (nothing else in a vision graph reshapes that way).
struct GroupNormMatch : Match {
  double eps = 1e-5;
  bool affine = true;  // a Mul (and Add) after it; none: our own export of an affine=False GroupNorm
};
GroupNormMatch group_norm_at(const Graph& g, int reshape);

// ReduceMean(x) at node `mean` -> Sub(x, ·) = d -> Pow(d, 2) or Mul(d, d) -> ReduceMean -> Add ε -> Sqrt
// -> Div(d, ·) [-> Mul γ [-> Add β]] over the axes `mean` reduces: LayerNorm as PyTorch exports it below
// opset 17. γ and β must hold `channels` values.
struct LayerNormMatch : Match {
  double eps = 1e-5;
};
std::optional<LayerNormMatch> layer_norm_at(const Graph& g, int mean, const std::string& x, int64_t channels);

// Reshape(N, g, C/g, H, W) at node `reshape` -> Transpose(0, 2, 1, 3, 4) -> Reshape(N, C, H, W):
// PyTorch's channel_shuffle with g groups, given the reshape's resolved target dims.
std::optional<Match> channel_shuffle_at(const Graph& g, int reshape, const Dims& target);

// Whether the Pad at node i is folded into the op that reads it: a Conv or AveragePool, through a Pad of
// nothing (F.pad then F.avg_pool2d, as PyTorch 1.13 exports it).
bool folds_into_reader(const Graph& g, int i);

}  // namespace cpx::profiler::onnx_import
