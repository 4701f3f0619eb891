// The importer's per-op translation table: one function per ONNX operator type we read, each turning its
// node (and the pattern that starts there, see import_patterns.hpp) into ops of the space; the layout ops
// are in import_layout.cpp. A type not in the table is an error naming the node.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string_view>

#include "profiler/interop/onnx/import_context.hpp"
#include "profiler/interop/onnx/import_fold.hpp"
#include "profiler/interop/onnx/import_layout.hpp"
#include "profiler/interop/onnx/import_maxvit.hpp"
#include "profiler/interop/onnx/import_patterns.hpp"
#include "profiler/interop/onnx/import_pointwise.hpp"
#include "profiler/interop/onnx/import_refusals.hpp"
#include "profiler/interop/onnx/import_tokens.hpp"
#include "profiler/interop/onnx/import_windows.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

// Folds the BatchNormalization and activation after `out` into a conv or linear; its output is the ONNX
// tensor the fused op finally produces.
template <typename T>
Following absorb_following(Context& c, const std::string& out, T& op) {
  Following f = following(c.g, out);
  op.batch_norm = f.batch_norm;
  if (f.activation != Activation::none) op.activation = f.activation;
  c.consume(f.nodes);
  return f;
}

// The BatchNormalization node a conv or linear absorbed, if any (following() puts it first).
std::optional<int> batch_norm_of(const Following& f) {
  return f.batch_norm ? std::optional<int>(f.nodes.front()) : std::nullopt;
}

// torch.onnx.export names an initializer it computed (a BatchNorm folded into the conv before it, in eval
// mode) "onnx::Conv_<n>", and one that is a module's parameter after it ("features.0.0.weight"): a conv with
// a bias and a computed weight is taken for a folded conv + BatchNorm (an inference, as count says).
void note_folded_batch_norm(Context& c, int i, const Conv2d& op, const std::string& ours) {
  if (!c.folding || !op.bias || op.batch_norm || c.g.input(i, 1).rfind("onnx::", 0) != 0) return;
  c.folding->convs.push_back(ours);
  c.folding->channels += op.out_channels;
}

void constant_node(Context& c, int i) {
  const auto* a = c.g.attribute(i, "value");
  if (!a || !a->has_t()) c.g.fail(i, "only tensor-valued Constant nodes are supported");
  c.g.add_constant(c.g.output(i), read_tensor(a->t(), c.g.file()));
}

// Identity of a constant is that constant: PyTorch's export dedupes equal initializers (two zero biases,
// say) by Identity nodes that name one of them.
void identity(Context& c, int i) {
  if (const Constant* k = c.g.constant(c.g.input(i, 0))) {
    c.g.add_constant(c.g.output(i), *k);
    return;
  }
  c.set(c.g.output(i), c.input_value(i));
}

// A 1x1 conv over the head axis of a heads view: EfficientFormerV2's talking heads.
bool head_mix(Context& c, int i, const Value& x, const Constant& w, int64_t groups) {
  if (x.kind != Kind::heads || x.transposed || w.dims[0] != x.heads || w.dims[1] != x.heads || w.dims[2] != 1 ||
      w.dims[3] != 1 || groups != 1)
    return false;
  const std::string out = c.add(i, {x.tensor}, HeadMix{x.heads, c.g.at(i).input_size() > 2});
  c.weigh(head_mix_weights(c.g, i));
  c.set(c.g.output(i), Value::head_view(out, x.heads, x.view, false));
  return true;
}

void conv(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.input_value(i);
  const Constant& w = g.need_constant(i, 1);
  if (w.dims.size() != 4) g.fail(i, "weight must be 4-D (O x I/groups x kh x kw)");
  const Dims d = g.ints_attr(i, "dilations", {1, 1});
  if (d.size() != 2) g.fail(i, "dilations must have 2 values");
  const int64_t groups = read_groups(g, i);
  if (head_mix(c, i, x, w, groups)) return;
  if (x.kind != Kind::nchw) g.fail(i, "expects an N x C x H x W input");
  Conv2d op;
  op.out_channels = w.dims[0];
  op.kernel = {w.dims[2], w.dims[3]};
  const Dims s = g.ints_attr(i, "strides", {1, 1});
  if (s.size() != 2) g.fail(i, "strides must have 2 values");
  op.stride = {s[0], s[1]};
  op.dilation = {d[0], d[1]};
  op.padding = read_pads(g, i);
  op.groups = groups;
  op.bias = g.has_input(i, 2);
  if (w.dims[1] * groups != c.shape(x).c)
    g.fail(i, "weight has " + std::to_string(w.dims[1]) + " input channels per group but the input has " +
                  std::to_string(c.shape(x).c) + " channels in " + std::to_string(groups) + " groups");
  std::string in = x.tensor;
  const Padding& p = x.pending;
  if (p != Padding{}) {
    const Padding sum = op.padding + p;
    const std::array<int64_t, 2> k = op.span();
    if (sum.top < k[0] && sum.bottom < k[0] && sum.left < k[1] && sum.right < k[1]) op.padding = sum;
    else in = c.add(i, {in}, Pad{p}, "/pad");  // too wide to be a conv's own padding
  }
  const Following f = absorb_following(c, g.output(i), op);
  const std::string ours = c.add(i, {in}, op);
  note_folded_batch_norm(c, i, op, ours);
  c.set_nchw(f.output, ours);
  c.weigh(conv_weights(g, i, batch_norm_of(f)));
}

void conv_transpose(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.nchw_input(i);
  const Constant& w = g.need_constant(i, 1);
  if (w.dims.size() != 4) g.fail(i, "weight must be 4-D (I x O/groups x kh x kw)");
  require_unit(g, i, "dilations");
  if (g.attribute(i, "output_shape")) g.fail(i, "output_shape is not supported; give pads and output_padding");
  ConvTranspose2d op;
  op.groups = read_groups(g, i);
  // The weight's layout change reads one I row per input channel (a fuzzed file can say otherwise).
  if (w.dims[0] != c.shape(x).c || c.shape(x).c % op.groups != 0)
    g.fail(i, "weight has " + std::to_string(w.dims[0]) + " input channels but the input has " +
                  std::to_string(c.shape(x).c) + " in " + std::to_string(op.groups) + " groups");
  op.out_channels = w.dims[1] * op.groups;
  op.kernel = {w.dims[2], w.dims[3]};
  const Dims s = g.ints_attr(i, "strides", {1, 1});
  op.stride = {s.at(0), s.at(1)};
  op.padding = read_pads(g, i);
  const Dims output_padding = g.ints_attr(i, "output_padding", {0, 0});
  op.output_padding = {output_padding.at(0), output_padding.at(1)};
  op.bias = g.has_input(i, 2);
  const Following f = absorb_following(c, g.output(i), op);
  c.set_nchw(f.output, c.add(i, {x.tensor}, op));
  c.weigh(conv_transpose_weights(g, i, c.shape(x).c, op.groups, batch_norm_of(f)));
}

// A linear over channels: its input is N x C (ours N x 1 x 1 x C), or channels-last N x H x W x C, where
// it is a linear per pixel (ours: the same op).
// `bias`: the bias tensor ("" for none); `b_is_out_by_in`: B is stored out x in (Gemm's transB), else in x out.
void linear(Context& c, int i, int64_t out_features, std::string bias, bool b_is_out_by_in) {
  const Graph& g = c.g;
  const Value& x = c.pixel_input(i);
  FullyConnected f;
  f.out_features = out_features;
  std::string out = g.output(i);
  int add_node = 0;
  if (bias.empty() && g.sole_is(out, "Add", add_node)) {  // MatMul + Add(bias) as PyTorch exports a Linear on 3-D input
    const std::string other = g.input(add_node, 0) == out ? g.input(add_node, 1) : g.input(add_node, 0);
    if (const Constant* b = g.constant(other); b && b->count() == static_cast<size_t>(out_features)) {
      bias = other;
      c.consume({add_node});
      out = g.output(add_node);
    }
  }
  f.bias = !bias.empty();
  const Following after = absorb_following(c, out, f);
  Value y = Value::of(x.kind, c.add(i, {x.tensor}, f));
  c.weigh(linear_weights(g, i, b_is_out_by_in, bias, batch_norm_of(after), x.flattened));
  y.rank = x.rank;
  y.seq_first = x.seq_first;
  c.set(after.output, y);
}

void gemm(Context& c, int i) {
  const Graph& g = c.g;
  const Constant& w = g.need_constant(i, 1);
  if (w.dims.size() != 2) g.fail(i, "B must be a 2-D constant");
  if (g.int_attr(i, "transA", 0) != 0) g.fail(i, "transA is not supported");
  if (g.float_attr(i, "alpha", 1) != 1 || g.float_attr(i, "beta", 1) != 1)
    g.fail(i, "alpha and beta other than 1 are not supported");
  if (sequence_gemm(c, i, linear)) return;
  const bool trans_b = g.int_attr(i, "transB", 0) != 0;
  const ShapeNhwc& s = c.shape(c.nchw_input(i));
  if (s.pixels() != 1) g.fail(i, "A must be N x C (one pixel)");
  const int64_t in = trans_b ? w.dims[1] : w.dims[0];
  if (in != s.c) g.fail(i, "B has " + std::to_string(in) + " input features but A has " + std::to_string(s.c));
  linear(c, i, trans_b ? w.dims[0] : w.dims[1], g.input(i, 2), trans_b);
}

void heads_matmul(Context& c, int i, bool b_transposed);

void matmul(Context& c, int i) {
  const Graph& g = c.g;
  if (const Constant* w = g.constant(g.input(i, 1))) {
    if (w->dims.size() != 2) g.fail(i, "a constant B must be 2-D");
    const Value& x = c.pixel_input(i);
    const ShapeNhwc& s = c.shape(x);
    if (w->dims[0] != s.c)
      g.fail(i, "B has " + std::to_string(w->dims[0]) + " rows but A has " + std::to_string(s.c) + " features");
    if (x.kind == Kind::nchw && s.pixels() != 1)
      g.fail(i, "a linear MatMul needs N x C input (one pixel) or channels-last N x H x W x C");
    return linear(c, i, w->dims[1], "", false);
  }
  heads_matmul(c, i, false);
}

// Node i's per-head attention matmul; `b_transposed`: the node reads its second operand transposed (an
// einsum's ...ik,...jk->...ij).
void heads_matmul(Context& c, int i, bool b_transposed) {
  const Graph& g = c.g;
  const Value a = c.one_pixel_heads(c.input_value(i, 0));
  Value b = c.one_pixel_heads(c.input_value(i, 1));
  if (b_transposed) b.transposed = !b.transposed;
  if (a.kind != Kind::heads || b.kind != Kind::heads || !a.transposed || a.heads != b.heads)
    g.fail(i, "only per-head attention matmuls (N x heads x tokens x d) are supported");
  Matmul m;
  m.heads = a.heads;
  m.a = a.view;
  m.b = b.view;
  m.transpose_b = !b.transposed;
  std::string out = g.output(i);
  int mul = 0;
  if (g.sole_is(out, "Mul", mul)) {
    const std::string other = g.input(mul, 0) == out ? g.input(mul, 1) : g.input(mul, 0);
    if (auto v = g.scalar(other)) {
      m.scale = Graph::decimal(*v);
      c.consume({mul});
      out = g.output(mul);
    }
  }
  const std::string t = c.add(i, {a.tensor, b.tensor}, m);
  c.set(out, Value::head_view(t, m.heads, {0, c.shape(t).c / m.heads}, true));
}

void einsum(Context& c, int i) { heads_matmul(c, i, einsum_transposes_b(c.g, i)); }

void batch_norm(Context& c, int i) {
  const Value& x = c.nchw_input(i);
  for (int k = 1; k < 5; ++k) c.g.need_constant(i, k);
  c.set_nchw(c.g.output(i), c.add(i, {x.tensor}, BatchNorm{c.g.float_attr(i, "epsilon", 1e-5)}));
  c.weigh(batch_norm_weights(c.g, i));
}

void global_average_pool(Context& c, int i) {
  c.set_nchw(c.g.output(i), c.add(i, {c.nchw_input(i).tensor}, GlobalAvgPool{}));
}

// A mean over the channel axis starts a LayerNorm (PyTorch's decomposition below opset 17): on the
// channels-last view, or over axis 1 of N x C x H x W (or N x C).
bool layer_norm_decomposed(Context& c, int i, const Value& x, const Dims& axes) {
  const bool last = axes == Dims{-1} || axes == Dims{static_cast<int64_t>(x.rank) - 1};
  const bool channels =
      (x.kind == Kind::nhwc && last) || (x.kind == Kind::nchw && (axes == Dims{1} || (x.rank == 2 && last)));
  if (!channels || c.g.int_attr(i, "keepdims", 1) != 1) return false;
  const auto m = layer_norm_at(c.g, i, c.g.input(i, 0), c.shape(x).c);
  if (!m)
    c.g.fail(i,
             "a mean over channels is supported only as the start of a LayerNorm: (x - mean) / sqrt(mean of squares + "
             "eps) [* gamma + beta]");
  c.consume(m->nodes);
  Value y = Value::of(x.kind, c.add(i, {x.tensor}, LayerNorm{m->eps}));
  c.weigh(norm_weights_after(c.g, *m, 7, c.shape(x).c));
  y.rank = x.rank;
  c.set(m->output, y);
  return true;
}

// A mean over H and W: a global average pool, N x C x 1 x 1 (keepdims) or N x C; on the channels-last
// view N x 1 x 1 x C or N x C; over the tokens N x HW x C, N x 1 x C or N x C.
void reduce_mean(Context& c, int i) {
  const Value& x = c.input_value(i);
  Dims axes = c.g.ints_attr(i, "axes", {});
  if (layer_norm_decomposed(c, i, x, axes)) return;
  for (int64_t& a : axes)
    if (a < 0) a += static_cast<int64_t>(x.rank);
  std::sort(axes.begin(), axes.end());
  const bool spatial =
      (x.rank == 4 && ((x.kind == Kind::nchw && axes == Dims{2, 3}) || (x.kind == Kind::nhwc && axes == Dims{1, 2}))) ||
      (x.rank == 3 && x.kind == Kind::nhwc && axes == Dims{1});  // over the tokens
  if (!spatial)
    c.g.fail(i, "only the mean over H and W (a global average pool) or over channels (LayerNorm) is supported");
  const std::string t = c.add(i, {x.tensor}, GlobalAvgPool{});
  if (c.g.int_attr(i, "keepdims", 1) != 1) {
    Value v = Value::of(Kind::nchw, t);  // N x C
    v.rank = 2;
    return c.set(c.g.output(i), v);
  }
  c.set_like(c.g.output(i), x, t);
}

// ceil_mode=1: the output counts a last window that starts inside the input (or its leading padding) but
// runs past its end, as ONNX and PyTorch define it; that is padding at the end (-inf for a max pool, for
// an average pool cells left out of the divisor: see average_pool).
// Values out of range are left to the op's own check, which names them.
int64_t ceil_mode_padding(int64_t size, int64_t kernel, int64_t stride, int64_t before, int64_t after) {
  const auto in_range = [](int64_t v, int64_t low) { return v >= low && v <= limits::max_spatial; };
  if (!in_range(size, 1) || !in_range(kernel, 1) || !in_range(stride, 1) || !in_range(before, 0) || !in_range(after, 0))
    return 0;
  const int64_t span = size + before + after - kernel;
  if (span < 0) return 0;
  int64_t out = (span + stride - 1) / stride + 1;
  if ((out - 1) * stride >= size + before) --out;
  return std::max<int64_t>(0, (out - 1) * stride + kernel - (size + before + after));
}

// The bottom and right padding ceil_mode adds to `p` on an input of `in`.
Padding ceil_mode_extra(const ShapeNhwc& in, const Dims& k, const Dims& s, const Padding& p) {
  return {0, ceil_mode_padding(in.h, k[0], s.at(0), p.top, p.bottom), 0,
          ceil_mode_padding(in.w, k[1], s.at(1), p.left, p.right)};
}

// AveragePool as ONNX and PyTorch define it: padded cells are zeros; count_include_pad=1 counts the pads
// in the divisor, but not the cells past them a ceil_mode window reaches (PyTorch clips that divisor to
// the padded input), count_include_pad=0 counts the input's cells only. A zero Pad before it (PyTorch's
// export of count_include_pad=True) is cells counted too. Ours counts all of its padding or none: one op
// where the padding is all counted or all not, else the counted part an explicit pad op before it.
void average_pool(Context& c, int i, const Value& x, const Dims& k, const Dims& s, const Padding& p, bool ceil_mode) {
  const Padding& q = x.pending;  // a zero Pad before it
  const ShapeNhwc& in = c.shape(x);
  const ShapeNhwc padded{in.n, in.h + q.top + q.bottom, in.w + q.left + q.right, in.c};
  const bool count_pads = c.g.int_attr(i, "count_include_pad", 0) != 0;
  const Padding counted = q + (count_pads ? p : Padding{});
  const Padding uncounted = (count_pads ? Padding{} : p) + (ceil_mode ? ceil_mode_extra(padded, k, s, p) : Padding{});
  const bool fits = counted.top < k[0] && counted.bottom < k[0] && counted.left < k[1] && counted.right < k[1];
  AvgPool op{{k[0], k[1]}, {s.at(0), s.at(1)}, uncounted, false};
  std::string t = x.tensor;
  if (uncounted == Padding{} && fits) op.padding = counted;
  else if (counted != Padding{}) t = c.add(i, {t}, Pad{counted}, "/pad");
  op.count_include_pad = uncounted == Padding{};
  c.set_nchw(c.g.output(i), c.add(i, {t}, op));
}

void pool(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.nchw_input(i);
  const Dims k = g.ints_attr(i, "kernel_shape", {});
  if (k.size() != 2) g.fail(i, "kernel_shape must have 2 values");
  const Dims s = g.ints_attr(i, "strides", {1, 1});
  const bool ceil_mode = g.int_attr(i, "ceil_mode", 0) != 0;
  require_unit(g, i, "dilations");
  const Padding p = read_pads(g, i);
  if (g.at(i).op_type() == "AveragePool") return average_pool(c, i, x, k, s, p, ceil_mode);
  if (!g.output(i, 1).empty()) g.fail(i, "MaxPool indices are not supported");
  Padding sum = p + x.pending;  // a -inf Pad before it
  if (ceil_mode) sum = sum + ceil_mode_extra(c.shape(x), k, s, sum);
  c.set_nchw(g.output(i), c.add(i, {x.tensor}, MaxPool{{k[0], k[1]}, {s.at(0), s.at(1)}, sum}));
}

void resize(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.nchw_input(i);
  const ShapeNhwc& s = c.shape(x);
  int64_t oh = 0, ow = 0;
  if (g.has_input(i, 3)) {
    const Constant& sizes = g.need_constant(i, 3);
    if (sizes.values.size() != 4) g.fail(i, "sizes must have 4 values");
    oh = g.integer(i, sizes.values[2]);
    ow = g.integer(i, sizes.values[3]);
  } else {
    const Constant& scales = g.need_constant(i, 2);
    if (scales.values.size() != 4) g.fail(i, "scales must have 4 values");
    oh = g.integer(i, std::floor(static_cast<double>(s.h) * scales.values[2]));
    ow = g.integer(i, std::floor(static_cast<double>(s.w) * scales.values[3]));
  }
  const std::string mode = g.string_attr(i, "mode", "nearest");
  const std::string ctm = g.string_attr(i, "coordinate_transformation_mode", "half_pixel");
  if (mode == "nearest") {
    if (ctm != "asymmetric" || g.string_attr(i, "nearest_mode", "round_prefer_floor") != "floor")
      g.fail(i, "nearest Resize must use asymmetric coordinates and floor (PyTorch's nearest), got " + ctm);
    UpsampleNearest u;
    if (oh % s.h == 0 && ow % s.w == 0) u.scale = {oh / s.h, ow / s.w};
    else u = UpsampleNearest{{0, 0}, {oh, ow}};
    return c.set_nchw(g.output(i), c.add(i, {x.tensor}, u));
  }
  if (mode == "linear") {
    if (ctm != "align_corners" && ctm != "pytorch_half_pixel" && ctm != "half_pixel")
      g.fail(i, "linear Resize with coordinate_transformation_mode " + ctm + " is not supported");
    return c.set_nchw(g.output(i), c.add(i, {x.tensor}, ResizeBilinear{{oh, ow}, ctm == "align_corners"}));
  }
  g.fail(i, "Resize mode " + mode + " is not supported");
}

// InstanceNormalization on an image (PyTorch's InstanceNorm2d): a GroupNorm of one channel per group. Its
// scale and bias are ONNX inputs either way; all ones and zeros are InstanceNorm2d's default affine=False
// (no parameters; an untrained affine=True model has them too, and then counts 2·C parameters fewer).
void instance_norm(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.nchw_input(i);
  if (x.rank != 4) g.fail(i, "expects an N x C x H x W input");
  const int64_t channels = c.shape(x).c;
  const Constant& scale = g.need_constant(i, 1);
  const Constant& bias = g.need_constant(i, 2);
  if (scale.count() != static_cast<size_t>(channels) || bias.count() != static_cast<size_t>(channels))
    g.fail(i, "scale and bias must hold one value per channel (" + std::to_string(channels) + ")");
  const OpWeights w = norm_weights(g, g.input(i, 1), g.input(i, 2), channels);
  const bool identity = std::all_of(w.weight.begin(), w.weight.end(), [](float v) { return v == 1; }) &&
                        std::all_of(w.bias.begin(), w.bias.end(), [](float v) { return v == 0; });
  c.set_nchw(g.output(i), c.add(i, {x.tensor}, GroupNorm{channels, g.float_attr(i, "epsilon", 1e-5), !identity}));
  c.weigh(w);
}

void softmax(Context& c, int i) {
  const Value& x = c.input_value(i);
  int64_t axis = c.g.int_attr(i, "axis", -1);
  const ShapeNhwc& s = c.shape(x);
  const int64_t nchw_axis = axis < 0 ? axis + static_cast<int64_t>(x.rank) : axis;
  if (x.kind == Kind::nchw && nchw_axis == 1) return c.set_nchw(c.g.output(i), c.add(i, {x.tensor}, Softmax{1}));
  // Over H or W of one pixel, each value alone: a per-head softmax over one key (MobileViT's last stage at
  // 64x64), whose per-head view N x heads x 1 x 1 reads the same as N x C x 1 x 1.
  if (x.kind == Kind::nchw && nchw_axis >= 2 && x.rank == 4 && s.pixels() == 1)
    return c.set_nchw(c.g.output(i), c.add(i, {x.tensor}, Softmax{s.c}));
  if (x.kind == Kind::heads && x.view.offset == 0 && x.view.size * x.heads == s.c) {
    if (axis < 0) axis += 4;
    if (axis == (x.transposed ? 3 : 2)) {
      const std::string t = c.add(i, {x.tensor}, Softmax{x.heads});
      return c.set(c.g.output(i), Value::head_view(t, x.heads, x.view, x.transposed));
    }
  }
  c.g.fail(i, "softmax over this axis is not supported (channels, or the per-head key axis)");
}

void layer_norm(Context& c, int i) {
  const Value& x = c.input_value(i);
  const int64_t axis = c.g.int_attr(i, "axis", -1);
  const bool channels_last = x.kind == Kind::nhwc && (axis == -1 || axis == static_cast<int64_t>(x.rank) - 1);
  const bool flat = x.kind == Kind::nchw && c.shape(x).pixels() == 1 && axis == 1;
  if (!channels_last && !flat)
    c.g.fail(i, "only LayerNormalization over channels (channels-last, last axis) is supported");
  const std::string t = c.add(i, {x.tensor}, LayerNorm{c.g.float_attr(i, "epsilon", 1e-5)});
  c.weigh(norm_weights(c.g, c.g.input(i, 1), c.g.input(i, 2), c.shape(x).c));
  c.set(c.g.output(i), Value::of(x.kind, t));
}

using Translation = void (*)(Context&, int);

const std::map<std::string_view, Translation>& translations() {
  static const std::map<std::string_view, Translation> table{
      {"Constant", constant_node},
      {"Identity", identity},
      {"Dropout", identity},
      {"Conv", conv},
      {"ConvTranspose", conv_transpose},
      {"Gemm", gemm},
      {"MatMul", matmul},
      {"Einsum", einsum},
      {"BatchNormalization", batch_norm},
      {"GlobalAveragePool", global_average_pool},
      {"ReduceMean", reduce_mean},
      {"AveragePool", pool},
      {"MaxPool", pool},
      {"Resize", resize},
      {"Pad", layout::pad},
      {"Slice", layout::slice},
      {"Split", layout::split},
      {"Concat", layout::concat},
      {"Gather", token_gather},
      {"DepthToSpace", layout::depth_to_space},
      {"InstanceNormalization", instance_norm},
      {"Flatten", layout::flatten},
      {"Reshape", layout::reshape},
      {"Transpose", layout::transpose},
      {"Softmax", softmax},
      {"LayerNormalization", layer_norm},
      {"Add", binary},
      {"Mul", binary},
      {"Sub", binary},
      {"Div", binary},
      {"Relu", activation},
      {"HardSwish", activation},
      {"HardSigmoid", activation},
      {"Clip", clip},
      {"Sigmoid", activation},
      {"LeakyRelu", activation},
      {"Elu", activation},
      {"Tanh", activation},
      {"Softplus", activation},
      {"Mish", activation},
      {"PRelu", prelu},
      {"Pow", activation},
  };
  return table;
}

}  // namespace

void translate(Context& c, int i) {
  const auto& n = c.g.at(i);
  const auto it = translations().find(n.op_type());
  const bool standard = n.domain().empty() || n.domain() == "ai.onnx";
  if (standard && fold(c, i)) return c.g.mark_done(i);  // shape arithmetic, before any translation
  const bool known = it != translations().end() && standard;
  if (!known && c.skipped && n.input_size() >= 1 && n.output_size() == 1) {
    c.g.mark_done(i);
    c.skipped->push_back((n.name().empty() ? n.output(0) : n.name()) + " (" + n.op_type() + ")");
    identity(c, i);
    return;
  }
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    c.g.fail(i, "operators of domain " + n.domain() + " are not supported");
  c.g.mark_done(i);
  if (it == translations().end()) unknown_operator(c.g, i);
  it->second(c, i);
}

}  // namespace cpx::profiler::onnx_import
