// The importer's weights: the initializers of the nodes an op came from, read into the executor's layouts
// (profiler/executor/weights.hpp) with every BatchNormalization folded the way make_weights folds it.
// Each reader takes the nodes the translation matched; sizes against the op are checked once the network
// is built (import.cpp), so that a mismatch is one error naming the op.
#pragma once

#include <optional>
#include <string>

#include "profiler/executor/weights.hpp"
#include "profiler/interop/onnx/import_graph.hpp"
#include "profiler/interop/onnx/import_patterns.hpp"

namespace cpx::profiler::onnx_import {

// PyTorch's Flatten of N x C x H x W before a Linear: the Linear's input columns are in C-major (NCHW)
// order, ours in NHWC order; the Linear's weight is reordered to ours.
struct FlattenedMap {
  int64_t c = 0, h = 0, w = 0;
};

// Conv: weight O x I/g x kh x kw (input 1) and optional bias (input 2), then the BatchNormalization at
// node `batch_norm` (if any) folded in.
OpWeights conv_weights(const Graph& g, int conv, std::optional<int> batch_norm);
// ConvTranspose: weight I x O/g x kh x kw, bias, BatchNormalization folded.
OpWeights conv_transpose_weights(const Graph& g, int conv, int64_t in_channels, int64_t groups,
                                 std::optional<int> batch_norm);
// A 1x1 conv over heads (HeadMix): weight heads x heads x 1 x 1 and bias.
OpWeights head_mix_weights(const Graph& g, int conv);
// Gemm (B as stored, transposed when transB is 0) or MatMul by a constant (B is in x out), with the bias
// tensor `bias` ("" for none) and the BatchNormalization folded; `flattened` reorders the input columns.
OpWeights linear_weights(const Graph& g, int node, bool b_is_out_by_in, const std::string& bias,
                         std::optional<int> batch_norm, const std::optional<FlattenedMap>& flattened);
// A BatchNormalization alone: scale γ/√(σ² + ε) and shift β − μ·scale.
OpWeights batch_norm_weights(const Graph& g, int batch_norm);
// γ and β of a norm from tensors ("" for an absent one: ones, zeros), `channels` values each.
OpWeights norm_weights(const Graph& g, const std::string& gamma, const std::string& beta, int64_t channels);
// The γ and β of a norm pattern: the constants its Mul and Add (m.nodes[at], m.nodes[at + 1], when matched)
// apply; ones and zeros for those it lacks.
OpWeights norm_weights_after(const Graph& g, const Match& m, size_t at, int64_t channels);
// The constant input k of node i as it is (a layer scale's γ, PReLU's slopes).
OpWeights constant_weight(const Graph& g, int i, int k);
// An attention bias: the constant input k (C x H x W, NCHW) read as ours, [pixel][channel].
OpWeights attention_bias_weights(const Graph& g, int i, int k, int64_t channels, int64_t pixels);

}  // namespace cpx::profiler::onnx_import
