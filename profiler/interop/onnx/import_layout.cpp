// The importer's layout translations: padding, slices, splits and concatenation, and the reshapes and
// transposes that change a value's layout or view (flatten before a Linear, per-head views, tokens, channel
// shuffles, pixel shuffles) without computing anything but a copy.
#include "profiler/interop/onnx/import_layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "profiler/interop/onnx/import_fold.hpp"
#include "profiler/interop/onnx/import_maxvit.hpp"
#include "profiler/interop/onnx/import_patterns.hpp"
#include "profiler/interop/onnx/import_refusals.hpp"
#include "profiler/interop/onnx/import_tokens.hpp"
#include "profiler/interop/onnx/import_windows.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

// The one axis and [start, end) of a Slice node with constant inputs and unit steps.
std::pair<int64_t, std::array<int64_t, 2>> slice_range(const Graph& g, int i) {
  const Constant& starts = g.need_constant(i, 1);
  const Constant& ends = g.need_constant(i, 2);
  Dims axes;
  if (g.has_input(i, 3))
    for (double a : g.need_constant(i, 3).values) axes.push_back(g.integer(i, a));
  else
    for (size_t k = 0; k < starts.values.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (g.has_input(i, 4))
    for (double s : g.need_constant(i, 4).values)
      if (s != 1) g.fail(i, "steps other than 1 are not supported");
  if (axes.size() != 1 || starts.values.size() != 1 || ends.values.size() != 1)
    g.fail(i, "only a slice of one axis is supported");
  return {axes[0], {g.integer(i, starts.values[0]), g.integer(i, ends.values[0])}};
}

// Whether `tensor` is read by one Gemm or MatMul alone (through Dropout or Identity nodes).
bool read_by_linear_alone(const Graph& g, std::string tensor) {
  for (int hops = 0; hops < 4; ++hops) {
    const auto k = g.sole_reader(tensor);
    if (!k) return false;
    const std::string& type = g.at(*k).op_type();
    if ((type == "Gemm" || type == "MatMul") && g.input(*k, 0) == tensor) return true;
    if (type != "Dropout" && type != "Identity") return false;
    tensor = g.output(*k);
  }
  return false;
}

// A reshape of an N x C x H x W value that starts one of the patterns we know; false if none does.
bool reshape_nchw(Context& c, int i, const Value& x, const Dims& d) {
  const ShapeNhwc s = c.shape(x);
  const std::string& out = c.g.output(i);
  // N x C (x 1 x 1) <-> N x C x 1 x 1: the same data.
  if (s.pixels() == 1 && ((d.size() == 2 && d[1] == s.c) || (d.size() == 4 && d[1] == s.c && d[2] == 1 && d[3] == 1))) {
    Value v = x;
    v.rank = d.size();
    c.set(out, v);
    return true;
  }
  // N x C x H x W from N x C x HW (tokens transposed back): the same data (before the per-head view, which
  // N x C x 1 x HW would read as C heads of one channel).
  if (x.rank == 3 && d == Dims{s.n, s.c, s.h, s.w}) {
    c.set_nchw(out, x.tensor);
    return true;
  }
  // N x heads x C/heads x HW: a per-head view (attention, grouped softmax, talking heads).
  if (d.size() == 4 && d[0] == s.n && d[1] * d[2] == s.c && d[3] == s.pixels()) {
    c.set(out, Value::head_view(x.tensor, d[1], {0, d[2]}, false));
    return true;
  }
  // N x C x HW transposed to N x HW x C: tokens, as ViT-style code flattens a map (x.flatten(2).transpose(1,
  // 2)); the channels-last view with H and W merged (ours: the same data).
  int t = 0;
  if (x.rank == 4 && d.size() == 3 && d[0] == s.n && d[1] == s.c && d[2] == s.pixels() &&
      c.g.sole_is(out, "Transpose", t) && c.g.ints_attr(t, "perm", {}) == Dims{0, 2, 1}) {
    c.consume({t});
    Value v = Value::of(Kind::nhwc, x.tensor);
    v.rank = 3;
    c.set(c.g.output(t), v);
    return true;
  }
  // N x G x rest followed by InstanceNormalization: the GroupNorm pattern.
  if (d.size() == 3 && d[0] == s.n) {
    const GroupNormMatch m = group_norm_at(c.g, i);
    c.consume(m.nodes);
    c.set_nchw(m.output, c.add(i, {x.tensor}, GroupNorm{d[1], m.eps, m.affine}));
    c.weigh(norm_weights_after(c.g, m, 3, s.c));
    return true;
  }
  // N x g x C/g x H x W, the two channel axes swapped, flattened back: a channel shuffle.
  if (d.size() == 5 && d[0] == s.n && d[1] * d[2] == s.c && d[3] == s.h && d[4] == s.w) {
    if (auto m = channel_shuffle_at(c.g, i, d)) {
      c.consume(m->nodes);
      c.set_nchw(m->output, c.add(i, {x.tensor}, ChannelShuffle{d[1]}));
      return true;
    }
  }
  return false;
}

// A Squeeze's or Unsqueeze's axes: the attribute (before opset 13) or the constant second input.
Dims axes_of(const Graph& g, int i) {
  if (g.has_input(i, 1)) {
    Dims axes;
    for (double v : g.need_constant(i, 1).values) axes.push_back(g.integer(i, v));
    return axes;
  }
  return g.ints_attr(i, "axes", {});
}

// Tokens N x HW x C reshaped to N x HW x P x heads x d (P heads * d = C), permuted to P x N x heads x HW
// x d and split into P parts along the first axis, each squeezed: timm's qkv (P = 3) or kv (P = 2) as
// q, k, v = qkv.reshape(B, N, 3, heads, d).permute(2, 0, 3, 1, 4).unbind(0) exports it. Each part is a
// per-head view N x heads x HW x d of its slice of the channels; false if the chain is not that.
bool split_into_heads(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  if (d.size() != 5 || d[0] != s.n || d[1] != s.pixels() || d[2] < 1 || d[3] < 1 || d[4] < 1 ||
      d[2] * d[3] * d[4] != s.c)
    return false;
  int t = 0, split = 0;
  if (!g.sole_is(g.output(i), "Transpose", t) || g.ints_attr(t, "perm", {}) != Dims{2, 0, 3, 1, 4}) return false;
  if (!g.sole_is(g.output(t), "Split", split) || g.int_attr(split, "axis", 0) != 0 || g.at(split).output_size() != d[2])
    return false;
  std::vector<int> squeezes;
  for (int k = 0; k < d[2]; ++k) {
    int q = 0;
    if (!g.sole_is(g.output(split, k), "Squeeze", q) || axes_of(g, q) != Dims{0}) return false;
    squeezes.push_back(q);
  }
  c.consume({t, split});
  c.consume(squeezes);
  const int64_t part = d[3] * d[4];
  for (int k = 0; k < d[2]; ++k) {
    const std::string part_tensor = c.add(split, {x.tensor}, Slice{k * part, (k + 1) * part}, "/" + std::to_string(k));
    c.set(g.output(squeezes[static_cast<size_t>(k)]), Value::head_view(part_tensor, d[3], {0, d[4]}, true));
  }
  return true;
}

// Per-head N x heads x HW x d transposed to N x HW x heads x d and reshaped to tokens N x HW x C: the heads
// merged back, as attention code writes (x.transpose(1, 2).reshape(B, N, C)); ours: the same data.
bool heads_to_tokens(Context& c, int i, const Value& x, const Dims& p) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  int r = 0;
  if (x.kind != Kind::heads || !x.transposed || p != Dims{0, 2, 1, 3} || x.view.offset != 0 ||
      x.view.size * x.heads != s.c || !g.sole_is(g.output(i), "Reshape", r))
    return false;
  fold_upstream(c, g.input(r, 1));  // its target may be computed after this node (Swin's x.size(0))
  const Dims d = resolve(g, r, s.elements(), Dims{s.n, s.pixels(), x.heads, x.view.size});
  if (d != Dims{s.n, s.pixels(), s.c}) return false;
  c.consume({r});
  Value v = Value::of(Kind::nhwc, x.tensor);
  v.rank = 3;
  c.set(g.output(r), v);
  return true;
}

}  // namespace

namespace layout {

void pad(Context& c, int i) {
  const Graph& g = c.g;
  if (c.input_value(i).kind == Kind::nhwc) return pad_channels_last(c, i);
  const Value& x = c.nchw_input(i);
  // -inf before a MaxPool is the pool's own padding (PyTorch's F.pad(value=-inf), as our export writes it).
  const std::optional<double> value = g.pad_fill(i);  // the one reading of the mode and fill
  if (!value)
    g.fail(i, "only constant padding by a number is supported (mode " + g.string_attr(i, "mode", "constant") + ")");
  const bool minus_infinity = value && std::isinf(*value) && *value < 0;
  int pool_node = 0;
  if (minus_infinity && !g.sole_is(g.output(i), "MaxPool", pool_node))
    g.fail(i, "padding with -inf is supported only before a MaxPool");
  if (!minus_infinity && value != 0.0) g.fail(i, "only zero padding is supported");
  if (minus_infinity && x.pending != Padding{}) g.fail(i, "two paddings before one MaxPool are not supported");
  const Constant& p = g.need_constant(i, 1);
  if (p.values.size() != 8 || p.values[0] != 0 || p.values[1] != 0 || p.values[4] != 0 || p.values[5] != 0)
    g.fail(i, "only padding of height and width (8 pads, zero on N and C) is supported");
  for (double v : p.values)
    if (v < 0) g.fail(i, "negative pads (cropping) are not supported");
  const Padding q{g.integer(i, p.values[2]), g.integer(i, p.values[6]), g.integer(i, p.values[3]),
                  g.integer(i, p.values[7])};
  if (q == Padding{} && !minus_infinity) return c.set(g.output(i), x);  // pads nothing; x's pending padding passes on
  const bool folds = minus_infinity || folds_into_reader(g, i);
  if (folds && x.pending == Padding{}) {
    Value v = x;
    v.pending = q;  // folded into the conv's or pool's own (possibly asymmetric) padding
    return c.set(g.output(i), v);
  }
  c.set_nchw(g.output(i), c.add(i, {x.tensor}, Pad{q}));
}

void slice(Context& c, int i) {
  const Graph& g = c.g;
  if (slice_channels_last(c, i)) return;
  const auto [axis, range] = slice_range(g, i);
  const Value x = axis >= 2 ? c.one_pixel_heads(c.input_value(i)) : c.input_value(i);
  const std::string empty = "slice [" + std::to_string(range[0]) + ", " + std::to_string(range[1]) + ")";
  if (x.kind == Kind::heads && axis == (x.transposed ? 3 : 2)) {
    Value v = x;
    const int64_t end = std::min(range[1], x.view.size);
    v.view = {x.view.offset + range[0], end - range[0]};
    if (range[0] < 0 || v.view.size <= 0) g.fail(i, empty + " is empty or negative");
    return c.set(g.output(i), v);
  }
  if (token_slice(c, i, x, axis, range)) return;
  if (x.kind != Kind::nchw || axis != 1) g.fail(i, "only slices of the channel axis are supported");
  const int64_t channels = c.shape(x).c;
  const int64_t end = std::min(range[1], channels);
  if (range[0] < 0 || end <= range[0])
    g.fail(i, empty + " of " + std::to_string(channels) + " channels is empty or negative");
  c.set_nchw(g.output(i), c.add(i, {x.tensor}, Slice{range[0], end}));
}

void split(Context& c, int i) {
  const Graph& g = c.g;
  const int outputs = g.at(i).output_size();
  const Value& x = c.nchw_input(i);
  if (g.int_attr(i, "axis", 0) != 1) g.fail(i, "only splits of the channel axis are supported");
  const int64_t channels = c.shape(x).c;
  Dims sizes;
  if (g.has_input(i, 1))
    for (double v : g.need_constant(i, 1).values) sizes.push_back(g.integer(i, v));
  else if (g.attribute(i, "split")) sizes = g.ints_attr(i, "split", {});
  else {
    if (channels % outputs != 0) g.fail(i, std::to_string(channels) + " channels do not split evenly");
    sizes.assign(static_cast<size_t>(outputs), channels / outputs);
  }
  if (static_cast<int>(sizes.size()) != outputs) g.fail(i, "split sizes do not match the outputs");
  int64_t begin = 0;
  for (int k = 0; k < outputs; ++k) {
    const int64_t size = sizes[static_cast<size_t>(k)];
    if (size < 0 || size > channels)
      g.fail(i, "split size " + std::to_string(size) + " is not in [0, " + std::to_string(channels) + "]");
    c.set_nchw(g.output(i, k), c.add(i, {x.tensor}, Slice{begin, begin + size}, "/" + std::to_string(k)));
    begin += size;
  }
}

void concat(Context& c, int i) {
  const Graph& g = c.g;
  if (class_token(c, i)) return;
  if (g.int_attr(i, "axis", 0) != 1) g.fail(i, "only concatenation along channels (axis 1) is supported");
  std::vector<std::string> ins;
  for (int k = 0; k < g.at(i).input_size(); ++k) ins.push_back(c.nchw_input(i, k).tensor);
  if (ins.size() == 1) return c.set_nchw(g.output(i), ins[0]);
  c.set_nchw(g.output(i), c.add(i, ins, Concat{}));
}

// Flatten of N x C x H x W before a Linear (VGG, AlexNet): PyTorch's order is C-major, ours NHWC, so the
// values are reshaped as ours lie (a view) and the Linear's weight columns reordered to match (Value::flattened).
void flatten(Context& c, int i) {
  const Value& x = c.nchw_input(i);
  if (c.g.int_attr(i, "axis", 1) != 1) c.g.fail(i, "only Flatten with axis 1 is supported");
  const ShapeNhwc s = c.shape(x);
  Value v = x;  // N x C x 1 x 1 and N x C are the same data; ours is N x 1 x 1 x C either way
  v.rank = 2;
  if (s.pixels() != 1) {
    if (x.rank != 4 || x.flattened || !read_by_linear_alone(c.g, c.g.output(i)))
      c.g.fail(i,
               "Flatten of a tensor with more than one pixel (C-major order) is supported only before a Linear (Gemm "
               "or MatMul) that alone reads it");
    v = Value::of(Value::Kind::nchw, c.add(i, {x.tensor}, Reshape{{s.n, 1, 1, s.elements() / s.n}}));
    v.rank = 2;
    v.flattened = FlattenedMap{s.c, s.h, s.w};
  }
  c.set(c.g.output(i), v);
}

// DepthToSpace: mode CRD is PyTorch's pixel_shuffle. DCR (ONNX's default, TensorFlow's order) reads
// channel (i·r + j)·C + c where CRD reads c·r² + i·r + j: a channel shuffle of r² groups first brings the
// channels to CRD's order (with one output channel the two are the same).
void depth_to_space(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.nchw_input(i);
  if (x.rank != 4) g.fail(i, "expects an N x C x H x W input");
  const std::string mode = g.string_attr(i, "mode", "DCR");
  if (mode != "CRD" && mode != "DCR") g.fail(i, "mode " + mode + " is neither CRD nor DCR");
  const int64_t r = g.int_attr(i, "blocksize", 0), channels = c.shape(x).c;
  if (r < 2 || r > limits::max_kernel)
    g.fail(i, "blocksize " + std::to_string(r) + " is out of range [2, " + std::to_string(limits::max_kernel) + "]");
  if (channels % (r * r) != 0)
    g.fail(i, "blocksize " + std::to_string(r) + ": " + std::to_string(r * r) + " does not divide the " +
                  std::to_string(channels) + " channels");
  std::string in = x.tensor;
  if (mode == "DCR" && channels > r * r) in = c.add(i, {in}, ChannelShuffle{r * r}, "/dcr_to_crd");
  c.set_nchw(g.output(i), c.add(i, {in}, PixelShuffle{r}));
}

void reshape(Context& c, int i) {
  const Value& x = c.input_value(i);
  const ShapeNhwc s = c.shape(x);
  const Dims d = resolve(c.g, i, s.elements(), c.dims(x));
  if (x.kind == Kind::nchw && reshape_nchw(c, i, x, d)) return;
  if (reshape_windows(c, i, x, d)) return;
  if (maxvit_partition(c, i, x, d) || maxvit_windows_reshape(c, i, x, d)) return;
  if (x.kind == Kind::heads && !x.transposed && x.view.offset == 0 && x.view.size * x.heads == s.c && d.size() == 4 &&
      d[0] == s.n && d[1] == s.c && d[2] == s.h && d[3] == s.w)
    return c.set_nchw(c.g.output(i), x.tensor);
  if (x.kind == Kind::nhwc && x.rank == 3 && split_into_heads(c, i, x, d)) return;
  if (sequence_reshape(c, i, x, d)) return;
  if (x.kind == Kind::nhwc && d.size() == 4) {
    const std::string t = c.add(i, {x.tensor}, Reshape{{d[0], d[1], d[2], d[3]}});
    return c.set(c.g.output(i), Value::of(Kind::nhwc, t));
  }
  if (x.kind == Kind::nchw) check_window_partition(c.g, i, d.size());
  std::string dims;
  for (auto v : d) dims += (dims.empty() ? "" : "x") + std::to_string(v);
  c.g.fail(i, "reshape of " + s.str() + " (NHWC) to " + dims + " is not a recognised pattern");
}

void transpose(Context& c, int i) {
  const Dims p = c.g.ints_attr(i, "perm", {});
  const Value x = p == Dims{0, 1, 3, 2} ? c.one_pixel_heads(c.input_value(i)) : c.input_value(i);
  Value v = x;
  if (x.kind == Kind::nchw && x.rank == 4 && p == Dims{0, 2, 3, 1}) v.kind = Kind::nhwc;
  else if (x.kind == Kind::nhwc && x.rank == 4 && p == Dims{0, 3, 1, 2}) v.kind = Kind::nchw;
  else if (x.kind == Kind::nhwc && x.rank == 3 && p == Dims{0, 2, 1}) v.kind = Kind::nchw;  // tokens back to N x C x HW
  else if (x.kind == Kind::heads && p == Dims{0, 1, 3, 2}) v.transposed = !x.transposed;
  else if (heads_to_tokens(c, i, x, p)) return;
  else if (sequence_transpose(c, i, x, p)) return;
  else if (maxvit_transpose(c, i, x, p)) return;
  else c.g.fail(i, "this permutation is not a recognised layout change");
  c.set(c.g.output(i), v);
}

}  // namespace layout

}  // namespace cpx::profiler::onnx_import
