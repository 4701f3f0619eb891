// See import_tokens.hpp.
#include "profiler/interop/onnx/import_tokens.hpp"

#include <algorithm>

#include "profiler/interop/onnx/import_weights.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

bool is_tokens(const Value& x) { return x.kind == Kind::nhwc && x.rank == 3 && !x.seq_first; }

Value tokens(const std::string& tensor, bool seq_first, size_t rank) {
  Value v = Value::of(Kind::nhwc, tensor);
  v.seq_first = seq_first;
  v.rank = rank;
  return v;
}

// `t`'s dims: the class token's [1 or N, tokens, C].
bool token_constant(const Constant& k, const ShapeNhwc& x) {
  return k.dims.size() == 3 && (k.dims[0] == 1 || k.dims[0] == x.n) && k.dims[1] >= 1 && k.dims[2] == x.c;
}

}  // namespace

bool class_token(Context& c, int i) {
  const Graph& g = c.g;
  const int64_t axis = g.int_attr(i, "axis", 0);
  if (g.at(i).input_size() != 2 || (axis != 1 && axis != -2)) return false;
  const Constant* k = g.constant(g.input(i, 0));
  if (!k || g.constant(g.input(i, 1))) return false;
  const Value& x = c.input_value(i, 1);
  if (!is_tokens(x)) return false;
  const ShapeNhwc s = c.shape(x);
  if (!token_constant(*k, s))
    g.fail(i, "learned tokens of dims other than [1, tokens, " + std::to_string(s.c) + "] before the tokens");
  std::vector<float> values = floats(*k);
  values.resize(static_cast<size_t>(k->dims[1] * s.c));  // the first sample's (an expanded constant repeats it)
  const std::string t = c.add(i, {x.tensor}, ClassToken{k->dims[1]});
  c.weigh({std::move(values), {}});
  c.set(g.output(i), tokens(t, false, 3));
  return true;
}

void token_gather(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.input_value(i, 0);
  const Constant* index = g.constant(g.input(i, 1));
  const int64_t axis = g.int_attr(i, "axis", 0);
  if (!is_tokens(x) || (axis != 1 && axis != -2) || !index || index->values.size() != 1 || index->dims.size() > 1)
    g.fail(i, "only x[:, k] of tokens N x L x C (a constant k, as ViT takes its class token) is supported");
  const ShapeNhwc s = c.shape(x);
  int64_t k = g.integer(i, index->values[0]);
  if (k < 0) k += s.pixels();
  if (k < 0 || k >= s.pixels())
    g.fail(i, "index " + std::to_string(k) + " is outside the " + std::to_string(s.pixels()) + " tokens");
  if ((k + 1) * s.c > limits::max_channels)
    g.fail(i, "token " + std::to_string(k) + " of " + std::to_string(s.c) + " channels lies past the " +
                  std::to_string(limits::max_channels) + " channels a slice reaches");
  const std::string flat = c.add(i, {x.tensor}, Reshape{{s.n, 1, 1, s.pixels() * s.c}}, "/tokens");
  Value v = Value::of(Kind::nchw, c.add(i, {flat}, Slice{k * s.c, (k + 1) * s.c}));
  v.rank = index->dims.empty() ? 2 : 3;  // N x C, or N x 1 x C for an index of one element
  if (v.rank == 3) v.kind = Kind::nhwc;
  c.set(g.output(i), v);
}

bool position_embedding(Context& c, int i, const Value& x, const Constant& k, int constant_input) {
  if (!is_tokens(x)) return false;
  const ShapeNhwc s = c.shape(x);
  if (k.count() != static_cast<size_t>(s.pixels() * s.c) || k.dims.size() != 3 || k.dims[1] != s.pixels()) return false;
  c.set(c.g.output(i), tokens(c.add(i, {x.tensor}, AttentionBias{1, s.pixels() * s.c}), false, 3));
  c.weigh(constant_weight(c.g, i, constant_input));  // [token][channel]: ours already
  return true;
}

bool sequence_transpose(Context& c, int i, const Value& x, const Dims& p) {
  const Graph& g = c.g;
  if (p != Dims{1, 0, 2}) return false;
  if (x.kind == Kind::nhwc && x.rank == 3) {
    if (c.shape(x).n != 1)
      g.fail(i, "nn.MultiheadAttention's sequence-first layout (batch_first=False) is supported at batch 1 only");
    Value v = x;
    v.seq_first = !x.seq_first;
    c.set(g.output(i), v);
    return true;
  }
  // heads x L x d -> L x heads x d -> Reshape L x C: the heads merged back (ours: the same data).
  const ShapeNhwc s = c.shape(x);
  int r = 0;
  if (x.kind != Kind::heads || !x.transposed || x.view.offset != 0 || x.view.size * x.heads != s.c || s.n != 1 ||
      !g.sole_is(g.output(i), "Reshape", r))
    return false;
  const Dims d = resolve(g, r, s.elements(), Dims{s.pixels(), x.heads, x.view.size});
  if (d != Dims{s.pixels(), s.c}) return false;
  c.consume({r});
  c.set(g.output(r), tokens(x.tensor, true, 2));
  return true;
}

bool sequence_reshape(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  if (x.kind != Kind::nhwc || !x.seq_first) return false;
  const ShapeNhwc s = c.shape(x);
  if (x.rank == 2 && d == Dims{s.pixels(), 1, s.c}) {
    c.set(g.output(i), tokens(x.tensor, true, 3));
    return true;
  }
  int t = 0;
  if (x.rank != 3 || d.size() != 3 || d[0] != s.pixels() || d[1] * d[2] != s.c ||
      !g.sole_is(g.output(i), "Transpose", t))
    return false;
  const Dims p = g.ints_attr(t, "perm", {});
  if (p != Dims{1, 0, 2} && p != Dims{1, 2, 0}) return false;
  c.consume({t});
  // heads x L x d (q, v) is the per-head view transposed; heads x d x L (k, for q·kᵀ) is it untransposed.
  c.set(g.output(t), Value::head_view(x.tensor, d[1], {0, d[2]}, p == Dims{1, 0, 2}));
  return true;
}

bool token_slice(Context& c, int i, const Value& x, int64_t axis, const std::array<int64_t, 2>& range) {
  if (x.kind != Kind::nhwc || x.rank < 2 || (axis != -1 && axis != static_cast<int64_t>(x.rank) - 1)) return false;
  const int64_t channels = c.shape(x).c;
  const int64_t end = std::min(range[1], channels);
  if (range[0] < 0 || end <= range[0])
    c.g.fail(i, "slice [" + std::to_string(range[0]) + ", " + std::to_string(range[1]) + ") of " +
                    std::to_string(channels) + " channels is empty or negative");
  c.set_like(c.g.output(i), x, c.add(i, {x.tensor}, Slice{range[0], end}));
  return true;
}

bool sequence_gemm(Context& c, int i, void (*linear)(Context&, int, int64_t, std::string, bool)) {
  const Graph& g = c.g;
  const Value& x = c.input_value(i);
  if (x.kind != Kind::nhwc || !x.seq_first || x.rank != 2) return false;
  const Constant& w = g.need_constant(i, 1);
  const bool trans_b = g.int_attr(i, "transB", 0) != 0;
  const int64_t in = trans_b ? w.dims[1] : w.dims[0];
  if (in != c.shape(x).c)
    g.fail(i, "B has " + std::to_string(in) + " input features but A has " + std::to_string(c.shape(x).c));
  linear(c, i, trans_b ? w.dims[0] : w.dims[1], g.input(i, 2), trans_b);
  return true;
}

bool scaled_heads(Context& c, int i, const Value& x, double scale, double shift) {
  if (x.kind != Kind::heads) return false;
  Value v = x;
  v.tensor = c.add(i, {x.tensor}, Affine{scale, shift});
  c.set(c.g.output(i), v);
  return true;
}

}  // namespace cpx::profiler::onnx_import
