#include "profiler/interop/onnx/import_weights.hpp"

#include <cmath>

namespace cpx::profiler::onnx_import {

namespace {

// The constant's values of the one input, or empty for an absent optional input.
std::vector<float> input_floats(const Graph& g, int i, int k) {
  if (!g.has_input(i, k)) return {};
  return floats(g.need_constant(i, k));
}

std::vector<float> tensor_floats(const Graph& g, const std::string& name) {
  if (name.empty()) return {};
  const Constant* c = g.constant(name);
  return c ? floats(*c) : std::vector<float>{};
}

void fold(const Graph& g, std::optional<int> batch_norm, OpWeights& w) {
  if (!batch_norm) return;
  const int bn = *batch_norm;
  BatchNormStats s{input_floats(g, bn, 1), input_floats(g, bn, 2), input_floats(g, bn, 3), input_floats(g, bn, 4),
                   g.float_attr(bn, "epsilon", 1e-5)};
  const size_t c = s.gamma.size();
  if (c == 0 || s.beta.size() != c || s.mean.size() != c || s.var.size() != c || w.weight.size() % c != 0 ||
      (!w.bias.empty() && w.bias.size() != c))
    g.fail(bn, "scale, B, mean and var must hold one value per output channel of the op before it");
  fold_batch_norm(w.weight, w.bias, s);
}

// The weight's values in place, as many as its dims say (a constant whose values and dims disagree reads past
// its end in the layout changes below: fails by name instead).
FloatView weight_view(const Graph& g, int node, const Constant& k) {
  const FloatView v(k);
  if (v.size() != k.count())
    g.fail(node, "weight holds " + std::to_string(v.size()) + " values for dims of " + std::to_string(k.count()));
  return v;
}

}  // namespace

OpWeights conv_weights(const Graph& g, int conv, std::optional<int> batch_norm) {
  const Constant& k = g.need_constant(conv, 1);
  const FloatView oihw = weight_view(g, conv, k);
  const int64_t out = k.dims[0], in = k.dims[1], kh = k.dims[2], kw = k.dims[3];
  OpWeights w;
  w.weight.resize(oihw.size());
  for (int64_t o = 0; o < out; ++o)
    for (int64_t ci = 0; ci < in; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          w.weight[static_cast<size_t>(((o * kh + y) * kw + x) * in + ci)] =
              oihw[static_cast<size_t>(((o * in + ci) * kh + y) * kw + x)];
  w.bias = input_floats(g, conv, 2);
  fold(g, batch_norm, w);
  return w;
}

OpWeights conv_transpose_weights(const Graph& g, int conv, int64_t in_channels, int64_t groups,
                                 std::optional<int> batch_norm) {
  const Constant& k = g.need_constant(conv, 1);
  const FloatView iohw = weight_view(g, conv, k);
  const int64_t out_pg = k.dims[1], kh = k.dims[2], kw = k.dims[3], in_pg = in_channels / groups;
  OpWeights w;
  w.weight.resize(iohw.size());
  for (int64_t ci = 0; ci < in_channels; ++ci)
    for (int64_t oo = 0; oo < out_pg; ++oo)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          const int64_t group = ci / in_pg, o = group * out_pg + oo;
          w.weight[static_cast<size_t>(((o * kh + y) * kw + x) * in_pg + ci % in_pg)] =
              iohw[static_cast<size_t>(((ci * out_pg + oo) * kh + y) * kw + x)];
        }
  w.bias = input_floats(g, conv, 2);
  fold(g, batch_norm, w);
  return w;
}

OpWeights head_mix_weights(const Graph& g, int conv) { return {input_floats(g, conv, 1), input_floats(g, conv, 2)}; }

OpWeights linear_weights(const Graph& g, int node, bool b_is_out_by_in, const std::string& bias,
                         std::optional<int> batch_norm, const std::optional<FlattenedMap>& flattened) {
  const Constant& b = g.need_constant(node, 1);
  const FloatView stored = weight_view(g, node, b);
  const int64_t out = b_is_out_by_in ? b.dims[0] : b.dims[1], in = b_is_out_by_in ? b.dims[1] : b.dims[0];
  // Column j of ours reads the input value that PyTorch's flatten put at column column(j).
  const auto column = [&](int64_t j) {
    if (!flattened) return j;
    const FlattenedMap& f = *flattened;
    const int64_t c = j % f.c, pixel = j / f.c;
    return c * f.h * f.w + pixel;
  };
  OpWeights w;
  w.weight.resize(stored.size());
  for (int64_t o = 0; o < out; ++o)
    for (int64_t j = 0; j < in; ++j) {
      const int64_t from = column(j);
      w.weight[static_cast<size_t>(o * in + j)] =
          stored[static_cast<size_t>(b_is_out_by_in ? o * in + from : from * out + o)];
    }
  w.bias = tensor_floats(g, bias);
  fold(g, batch_norm, w);
  return w;
}

OpWeights batch_norm_weights(const Graph& g, int batch_norm) {
  OpWeights w;
  const std::vector<float> gamma = input_floats(g, batch_norm, 1), beta = input_floats(g, batch_norm, 2),
                           mean = input_floats(g, batch_norm, 3), var = input_floats(g, batch_norm, 4);
  const double eps = g.float_attr(batch_norm, "epsilon", 1e-5);
  if (beta.size() != gamma.size() || mean.size() != gamma.size() || var.size() != gamma.size())
    g.fail(batch_norm, "scale, B, mean and var differ in length");
  for (size_t ch = 0; ch < gamma.size(); ++ch) {
    const double scale = gamma[ch] / std::sqrt(static_cast<double>(var[ch]) + eps);
    w.weight.push_back(static_cast<float>(scale));
    w.bias.push_back(static_cast<float>(beta[ch] - mean[ch] * scale));
  }
  return w;
}

OpWeights norm_weights(const Graph& g, const std::string& gamma, const std::string& beta, int64_t channels) {
  OpWeights w{tensor_floats(g, gamma), tensor_floats(g, beta)};
  if (gamma.empty()) w.weight.assign(static_cast<size_t>(channels), 1.0f);
  if (beta.empty()) w.bias.assign(static_cast<size_t>(channels), 0.0f);
  return w;
}

OpWeights norm_weights_after(const Graph& g, const Match& m, size_t at, int64_t channels) {
  const auto other = [&](size_t k) -> std::string {
    if (m.nodes.size() <= k) return "";
    const int n = m.nodes[k];
    return g.constant(g.input(n, 0)) ? g.input(n, 0) : g.input(n, 1);
  };
  return norm_weights(g, other(at), other(at + 1), channels);
}

OpWeights constant_weight(const Graph& g, int i, int k) { return {input_floats(g, i, k), {}}; }

OpWeights attention_bias_weights(const Graph& g, int i, int k, int64_t channels, int64_t pixels) {
  const std::vector<float> chw = input_floats(g, i, k);
  OpWeights w;
  w.weight.resize(chw.size());
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < pixels; ++p)
      w.weight[static_cast<size_t>(p * channels + c)] = chw[static_cast<size_t>(c * pixels + p)];
  return w;
}

}  // namespace cpx::profiler::onnx_import
