// Seeded random weights for every op of a network, in the layouts the executor and the reference use.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "space/network.hpp"
#include "space/reparam.hpp"
#include "space/rewrite.hpp"

namespace cpx::profiler {

// Inference weights of one op, with every BatchNorm already folded.
//   conv2d:          weight [Cout][kh][kw][Cin/groups] (per-group OHWI), bias [Cout] or empty
//   conv_transpose2d: weight [Cout][kh][kw][Cin/groups], the same layout: input channel i of group g adds
//                    weight[g·Cout/g + o][ky][kx][i]·x to output channel g·Cout/g + o at (iy·s + ky, ix·s + kx)
//                    (PyTorch stores it as [Cin][Cout/groups][kh][kw]); bias [Cout] or empty
//   fully_connected: weight [out][in], bias [out] or empty
//   batch_norm:      weight = scale [C], bias = shift [C]   (y = scale·x + shift)
//   group_norm, layer_norm: weight = gamma [C], bias = beta [C]
//   layer_scale:     weight = gamma [C], bias empty          (y = gamma·x)
//   attention_bias:  weight = the gathered bias, one value per (query pixel, head, key) in the scores'
//                    layout: [hq·wq][heads·Lk], shared by every sample; bias empty
//   head_mix:        weight W [heads][heads] (row = output head), bias [heads] or empty
//   class_token:     weight = the tokens [tokens][C], bias empty
//   everything else: empty
struct OpWeights {
  std::vector<float> weight;
  std::vector<float> bias;
};

using NetworkWeights = std::vector<OpWeights>;  // parallel to Network::ops

// Same seed, same numbers. Each op's weights depend only on (seed, op index), so a single op measured
// alone gets the weights it has inside its network.
NetworkWeights make_weights(const Network& net, uint64_t seed);
// The seeded weights of op i alone (make_weights(net, seed)[i], without the others').
OpWeights make_op_weights(const Network& net, size_t i, uint64_t seed);

// Weights for `to`, a rewrite of `from` (space/rewrite.hpp), carried from `from_weights`: an op of the same
// name and weight shape keeps its weights; a conv that only grew (more output or input channels, a larger
// centred kernel; ungrouped or depthwise) gets its old weights embedded in zeros, which keeps the function
// where the added channels carry zeros; the conv a `reparameterize` rewrite among `rewrites` keeps gets the
// sum of its branches' weights (merged_branch_weights), which keeps the function; every other op gets seeded
// weights (make_weights(to, seed)), named in `fresh_ops`. Pass the rewrites that made `to`: without them a
// merged conv would keep its own branch's weights alone.
struct CarriedWeights {
  NetworkWeights weights;
  std::vector<std::string> fresh_ops;
  std::vector<std::string> padded_ops;  // the convs that grew, their old weights embedded in zeros
  std::vector<std::string> merged_ops;  // the convs holding the sum of parallel branches (reparameterize)
};
CarriedWeights carry_weights(const Network& from, const NetworkWeights& from_weights, const Network& to, uint64_t seed,
                             std::span<const Rewrite> rewrites = {});

// The weights of the one conv parallel branches `b` of `net` merge into (space/reparam.hpp): each branch
// conv's kernel added where its padding places it in the largest, the identity as its scale (1 for a plain
// skip) at the tap reading the output channel's own input channel, biases and shifts summed.
OpWeights merged_branch_weights(const Network& net, const NetworkWeights& weights, const ParallelBranches& b);

// The raw weights file (profiler::read_weights_file reads it back): every op's weight then bias, in op
// order and in the layouts above, little-endian float32. A network JSON names it in "weights".
std::string weights_bytes(const NetworkWeights& weights);

// Uniform in [-1, 1), for network inputs.
std::vector<float> make_input(const ShapeNhwc& shape, uint64_t seed);

// The executor's weights in the layouts PyTorch and ONNX store them (the ONNX and PyTorch exporters share
// these). Conv: ours [Cout][kh][kw][Cin/g] -> [Cout][Cin/g][kh][kw].
std::vector<float> conv_weight_oihw(const std::vector<float>& ohwi, int64_t out_channels, int64_t in_per_group,
                                    int64_t kh, int64_t kw);
// Transposed conv: ours [Cout][kh][kw][Cin/g] -> [Cin][Cout/g][kh][kw].
std::vector<float> conv_transpose_weight_iohw(const std::vector<float>& w, int64_t in_channels, int64_t out_channels,
                                              int64_t groups, int64_t kh, int64_t kw);
// The table [heads][table_size] that make_weights gathers an attention_bias weight from (entry t of head h
// is the bias of query q, key s with (q·keys + s) mod table_size == t); a table with entries no (q, s)
// reaches cannot be recovered and is an InputError.
std::vector<float> attention_bias_table(const AttentionBias& a, const ShapeNhwc& scores,
                                        const std::vector<float>& gathered);
// A per-window attention_bias weight ([windows][hq·wq][heads·Lk], NHWC per window) as NCHW blocks
// [windows][heads·Lk][hq][wq]: what the ONNX and PyTorch writers add to the scores viewed per window.
std::vector<float> per_window_bias_nchw(const AttentionBias& a, const ShapeNhwc& scores,
                                        const std::vector<float>& gathered);

// BatchNorm statistics as PyTorch stores them.
struct BatchNormStats {
  std::vector<float> gamma, beta, mean, var;
  double eps = 1e-5;
};

// Folds y = γ·(conv(x) + b − μ)/√(σ² + ε) + β into the conv's weight [Cout][...] and bias (created if empty).
void fold_batch_norm(std::vector<float>& weight, std::vector<float>& bias, const BatchNormStats& bn);

// The one random-number source: a splitmix64 stream, so numbers do not depend on the standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  float uniform(float lo, float hi);  // [lo, hi)
 private:
  uint64_t state_;
};

}  // namespace cpx::profiler
