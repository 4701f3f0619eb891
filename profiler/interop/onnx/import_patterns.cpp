#include "profiler/interop/onnx/import_patterns.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cpx::profiler::onnx_import {

namespace {

// Div(x, √2) -> Erf -> Add 1 -> Mul(x, ·) -> Mul 0.5
std::optional<ActivationMatch> erf_gelu_at(const Graph& g, int first, const std::string& x) {
  int erf = 0, add = 0, mul = 0, half = 0;
  if (!g.sole_is(g.output(first), "Erf", erf) || !g.sole_is(g.output(erf), "Add", add)) return std::nullopt;
  if (!(g.is_scalar(g.input(add, 0), 1) || g.is_scalar(g.input(add, 1), 1))) return std::nullopt;
  if (!g.sole_is(g.output(add), "Mul", mul) || !g.has_inputs(mul, x, g.output(add))) return std::nullopt;
  if (!g.sole_is(g.output(mul), "Mul", half) || !g.other_is_scalar(half, g.output(mul), 0.5)) return std::nullopt;
  return ActivationMatch{{{first, erf, add, mul, half}, g.output(half)}, Activation::gelu};
}

// Pow(x, 3) -> Mul c -> Add(x, ·) -> Mul k -> Tanh -> Add 1 -> Mul(x, ·) -> Mul 0.5
std::optional<ActivationMatch> tanh_gelu_at(const Graph& g, int first, const std::string& x) {
  int c = 0, inner = 0, k = 0, th = 0, add = 0, mul = 0, half = 0;
  if (!g.sole_is(g.output(first), "Mul", c) || !g.other_is_scalar(c, g.output(first), 0.044715)) return std::nullopt;
  if (!g.sole_is(g.output(c), "Add", inner) || !g.has_inputs(inner, x, g.output(c))) return std::nullopt;
  if (!g.sole_is(g.output(inner), "Mul", k) ||
      !g.other_is_scalar(k, g.output(inner), std::sqrt(2.0 / std::numbers::pi)))
    return std::nullopt;
  if (!g.sole_is(g.output(k), "Tanh", th) || !g.sole_is(g.output(th), "Add", add)) return std::nullopt;
  if (!g.other_is_scalar(add, g.output(th), 1)) return std::nullopt;
  if (!g.sole_is(g.output(add), "Mul", mul) || !g.has_inputs(mul, x, g.output(add))) return std::nullopt;
  if (!g.sole_is(g.output(mul), "Mul", half) || !g.other_is_scalar(half, g.output(mul), 0.5)) return std::nullopt;
  return ActivationMatch{{{first, c, inner, k, th, add, mul, half}, g.output(half)}, Activation::gelu_tanh};
}

// Node k divides `in` by 6 or multiplies it by 1/6.
bool sixth_of(const Graph& g, int k, const std::string& in) {
  const std::string& type = g.at(k).op_type();
  if (type == "Div") return g.at(k).input_size() == 2 && g.input(k, 0) == in && g.is_scalar(g.input(k, 1), 6);
  return type == "Mul" && g.other_is_scalar(k, in, 1.0 / 6);
}

ActivationMatch with_nodes(std::vector<int> before, const std::vector<int>& middle, const std::vector<int>& after,
                           const std::string& output, Activation a) {
  before.insert(before.end(), middle.begin(), middle.end());
  before.insert(before.end(), after.begin(), after.end());
  return ActivationMatch{{std::move(before), output}, a};
}

// Add(x, 3) -> Clip(0, 6) -> Div 6 [-> Mul(x, ·)], or Add -> Clip -> Mul(x, ·) -> Div 6 (Mul 1/6 for a Div):
// hardsigmoid and hardswish as MobileNetV3 code from before PyTorch had them writes them,
// F.relu6(x + 3) / 6 and x * F.relu6(x + 3) / 6.
std::optional<ActivationMatch> relu6_hard_at(const Graph& g, int add, const std::string& x) {
  const auto first = g.sole_reader(g.output(add));
  if (!first) return std::nullopt;
  const auto relu6 = activation_at(g, *first, g.output(add));  // Clip(0, 6), or Relu -> Clip
  if (!relu6 || relu6->activation != Activation::relu6) return std::nullopt;
  const std::string& r = relu6->output;
  const auto k = g.sole_reader(r);
  if (!k) return std::nullopt;
  if (sixth_of(g, *k, r)) {
    const std::string& h = g.output(*k);
    const auto mul = g.sole_reader(h);
    if (mul && g.at(*mul).op_type() == "Mul" && g.has_inputs(*mul, x, h))
      return with_nodes({add}, relu6->nodes, {*k, *mul}, g.output(*mul), Activation::hardswish);
    return with_nodes({add}, relu6->nodes, {*k}, h, Activation::hardsigmoid);
  }
  if (g.at(*k).op_type() != "Mul" || !g.has_inputs(*k, x, r)) return std::nullopt;
  const auto div = g.sole_reader(g.output(*k));
  if (!div || !sixth_of(g, *div, g.output(*k))) return std::nullopt;
  return with_nodes({add}, relu6->nodes, {*k, *div}, g.output(*div), Activation::hardswish);
}

}  // namespace

std::optional<ActivationMatch> activation_at(const Graph& g, int first, const std::string& x) {
  const auto& n = g.at(first);
  const std::string& type = n.op_type();
  auto one = [&](Activation a) { return ActivationMatch{{{first}, g.output(first)}, a}; };
  if (n.input_size() < 1 || g.input(first, 0) != x) return std::nullopt;
  if (type == "Relu") {  // Relu -> Clip(<= 0, 6): F.relu6 as PyTorch 1.13 exports it
    int clip = 0;
    if (g.sole_is(g.output(first), "Clip", clip) && g.at(clip).input_size() == 3) {
      const auto lo = g.scalar(g.input(clip, 1));
      if (lo && *lo <= 0 && g.is_scalar(g.input(clip, 2), 6))
        return ActivationMatch{{{first, clip}, g.output(clip)}, Activation::relu6};
    }
    return one(Activation::relu);
  }
  if (type == "HardSwish") return one(Activation::hardswish);
  if (type == "HardSigmoid" && std::abs(g.float_attr(first, "alpha", 0.2) - 1.0 / 6) < 1e-6 &&
      std::abs(g.float_attr(first, "beta", 0.5) - 0.5) < 1e-6)
    return one(Activation::hardsigmoid);
  if (type == "Clip") {  // to [0, 6]: relu6; to [0, no max] (PyTorch's clamp(min=0)): relu
    const bool lo =
        n.input_size() > 1 ? g.is_scalar(g.input(first, 1), 0) : std::abs(g.float_attr(first, "min", -1) - 0) < 1e-9;
    const bool hi =
        n.input_size() > 2 ? g.is_scalar(g.input(first, 2), 6) : std::abs(g.float_attr(first, "max", -1) - 6) < 1e-9;
    const bool no_max = n.input_size() > 1 ? !g.has_input(first, 2) : g.attribute(first, "max") == nullptr;
    if (lo && hi) return one(Activation::relu6);
    if (lo && no_max) return one(Activation::relu);
    return std::nullopt;
  }
  if (type == "LeakyRelu" || type == "Elu") {
    const Activation a = type == "Elu" ? Activation::elu : Activation::leaky_relu;
    return ActivationMatch{{{first}, g.output(first)}, a, g.float_attr(first, "alpha", default_alpha(a))};
  }
  if (type == "Tanh") return one(Activation::tanh);
  if (type == "Mish") return one(Activation::mish);
  if (type == "Softplus") {  // Softplus -> Tanh -> Mul(x, ·): Mish as PyTorch exports it below opset 18
    int th = 0, mul = 0;
    if (g.sole_is(g.output(first), "Tanh", th) && g.sole_is(g.output(th), "Mul", mul) &&
        g.has_inputs(mul, x, g.output(th)))
      return ActivationMatch{{{first, th, mul}, g.output(mul)}, Activation::mish};
    return one(Activation::softplus);
  }
  if (type == "Sigmoid") {
    int mul = 0;
    if (g.sole_is(g.output(first), "Mul", mul) && g.has_inputs(mul, x, g.output(first)))
      return ActivationMatch{{{first, mul}, g.output(mul)}, Activation::silu};
    return one(Activation::sigmoid);
  }
  if (type == "Div" && n.input_size() == 2 && g.is_scalar(g.input(first, 1), std::sqrt(2.0)))
    return erf_gelu_at(g, first, x);
  if (type == "Add" && n.input_size() == 2 && g.is_scalar(g.input(first, 1), 3)) return relu6_hard_at(g, first, x);
  if (type == "Pow" && n.input_size() == 2 && g.is_scalar(g.input(first, 1), 3)) return tanh_gelu_at(g, first, x);
  // x³ as PyTorch 1.13 exports tanh-GELU's: Mul(x, x) -> Mul(x, ·), then the chain above.
  if (type == "Mul" && n.input_size() == 2 && g.input(first, 1) == x) {
    int cube = 0;
    if (!g.sole_is(g.output(first), "Mul", cube) || !g.has_inputs(cube, x, g.output(first))) return std::nullopt;
    auto m = tanh_gelu_at(g, cube, x);
    if (m) m->nodes.insert(m->nodes.begin(), first);
    return m;
  }
  return std::nullopt;
}

std::optional<ActivationMatch> fusable_activation(const Graph& g, const std::string& x) {
  if (g.is_graph_output(x)) return std::nullopt;
  const auto readers = g.consumers(x);
  if (readers.empty()) return std::nullopt;
  auto m = activation_at(g, *std::min_element(readers.begin(), readers.end()), x);
  if (!m || takes_alpha(m->activation)) return std::nullopt;
  for (int r : readers)
    if (std::find(m->nodes.begin(), m->nodes.end(), r) == m->nodes.end()) return std::nullopt;
  return m;
}

Following following(const Graph& g, const std::string& out) {
  Following f;
  f.output = out;
  int bn = 0;
  if (g.sole_is(f.output, "BatchNormalization", bn) && g.input(bn, 0) == f.output) {
    f.batch_norm = true;
    f.nodes.push_back(bn);
    f.output = g.output(bn);
  }
  if (auto m = fusable_activation(g, f.output)) {
    f.activation = m->activation;
    f.nodes.insert(f.nodes.end(), m->nodes.begin(), m->nodes.end());
    f.output = m->output;
  }
  return f;
}

namespace {

// Node k has inputs {a, other} in either order, `other` a constant of `n` values: a per-channel affine.
bool per_channel(const Graph& g, int k, const std::string& a, int64_t n) {
  if (g.at(k).input_size() != 2 || (g.input(k, 0) != a && g.input(k, 1) != a)) return false;
  const Constant* c = g.constant(g.input(k, g.input(k, 0) == a ? 1 : 0));
  return c && static_cast<int64_t>(c->count()) == n;
}

// The square of d: Pow(d, 2) or Mul(d, d), and the Div(d, ·): d's only two readers.
bool square_and_divide(const Graph& g, const std::string& d, int& square, int& divide) {
  if (g.is_graph_output(d)) return false;
  std::vector<int> readers = g.consumers(d);
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());  // Mul(d, d) reads it twice
  if (readers.size() != 2) return false;
  for (int k : readers) {
    const std::string& type = g.at(k).op_type();
    if ((type == "Pow" && g.input(k, 0) == d && g.is_scalar(g.input(k, 1), 2)) ||
        (type == "Mul" && g.has_inputs(k, d, d)))
      square = k;
    else if (type == "Div" && g.input(k, 0) == d) divide = k;
    else return false;
  }
  // Two readers of one kind (two Divs) leave the other index unset.
  return square >= 0 && divide >= 0 && square != divide && !g.done(square) && !g.done(divide);
}

}  // namespace

std::optional<LayerNormMatch> layer_norm_at(const Graph& g, int mean, const std::string& x, int64_t channels) {
  int sub = 0, square = -1, divide = -1, var = 0, add = 0, root = 0, mul = 0, shift = 0;
  const std::string& m = g.output(mean);
  if (!g.sole_is(m, "Sub", sub) || g.input(sub, 0) != x || g.input(sub, 1) != m) return std::nullopt;
  const std::string& d = g.output(sub);
  if (!square_and_divide(g, d, square, divide)) return std::nullopt;
  if (!g.sole_is(g.output(square), "ReduceMean", var) || g.ints_attr(var, "axes", {}) != g.ints_attr(mean, "axes", {}))
    return std::nullopt;
  if (!g.sole_is(g.output(var), "Add", add) || !g.sole_is(g.output(add), "Sqrt", root)) return std::nullopt;
  const std::string& other = g.input(add, 0) == g.output(var) ? g.input(add, 1) : g.input(add, 0);
  const std::optional<double> eps = g.scalar(other);
  if (!eps || g.input(divide, 1) != g.output(root)) return std::nullopt;
  LayerNormMatch match;
  match.eps = Graph::decimal(*eps);
  match.nodes = {mean, sub, square, var, add, root, divide};
  match.output = g.output(divide);
  if (g.sole_is(match.output, "Mul", mul) && per_channel(g, mul, match.output, channels)) {
    match.nodes.push_back(mul);
    match.output = g.output(mul);
    if (g.sole_is(match.output, "Add", shift) && per_channel(g, shift, match.output, channels)) {
      match.nodes.push_back(shift);
      match.output = g.output(shift);
    }
  }
  return match;
}

GroupNormMatch group_norm_at(const Graph& g, int reshape) {
  int inorm = 0, back = 0, mul = 0, add = 0;
  if (!g.sole_is(g.output(reshape), "InstanceNormalization", inorm) || !g.sole_is(g.output(inorm), "Reshape", back))
    g.fail(reshape,
           "a reshape to N x G x rest must be followed by InstanceNormalization and a reshape back (GroupNorm)");
  for (double v : g.need_constant(inorm, 1).values)
    if (v != 1) g.fail(inorm, "GroupNorm's InstanceNormalization must have unit scale (the affine follows as Mul/Add)");
  for (double v : g.need_constant(inorm, 2).values)
    if (v != 0) g.fail(inorm, "GroupNorm's InstanceNormalization must have zero bias");
  GroupNormMatch m;
  m.eps = g.float_attr(inorm, "epsilon", 1e-5);
  m.nodes = {reshape, inorm, back};
  m.output = g.output(back);
  // PyTorch writes the Mul and Add for GroupNorm(affine=False) too (by ones, of zeros), as for an untrained
  // affine one: ONNX cannot tell them apart, and the common one, affine, is what a Mul means here.
  m.affine = g.sole_is(m.output, "Mul", mul);
  if (m.affine) {
    m.nodes.push_back(mul);
    m.output = g.output(mul);
    if (g.sole_is(m.output, "Add", add)) {
      m.nodes.push_back(add);
      m.output = g.output(add);
    }
  }
  return m;
}

std::optional<Match> channel_shuffle_at(const Graph& g, int reshape, const Dims& target) {
  int t = 0, back = 0;
  if (target.size() != 5 || !g.sole_is(g.output(reshape), "Transpose", t)) return std::nullopt;
  if (g.ints_attr(t, "perm", {}) != Dims{0, 2, 1, 3, 4} || !g.sole_is(g.output(t), "Reshape", back))
    return std::nullopt;
  const Constant* shape = g.constant(g.input(back, 1));
  if (!shape) return std::nullopt;
  const Dims want{target[0], target[1] * target[2], target[3], target[4]};
  // A 0 batch copies the input's (a symbolic batch); one -1 (PyTorch's flattened channels, or the batch
  // our PyTorch export leaves to the runtime) stands for what the other dims leave, so is want's there.
  Dims got;
  for (double v : shape->values) {
    const std::optional<int64_t> n = as_integer(v);
    if (!n) return std::nullopt;
    got.push_back(*n);
  }
  if (got.size() != 4) return std::nullopt;
  if (got[0] == 0) got[0] = want[0];
  const auto unknown = std::find(got.begin(), got.end(), -1);
  if (std::count(got.begin(), got.end(), -1) == 1) *unknown = want[static_cast<size_t>(unknown - got.begin())];
  if (got != want) return std::nullopt;
  return Match{{reshape, t, back}, g.output(back)};
}

namespace {

// Node k is a Pad of zeros on every side: PyTorch 1.13 writes one before an AveragePool without padding.
bool pads_nothing(const Graph& g, int k) {
  if (g.at(k).op_type() != "Pad" || g.pad_fill(k) != 0.0) return false;
  const Constant* p = g.constant(g.input(k, 1));
  return p && std::all_of(p->values.begin(), p->values.end(), [](double v) { return v == 0; });
}

}  // namespace

// Whether the Pad at node i is folded into the op that reads it: a Conv or AveragePool, through a Pad of
// nothing (F.pad then F.avg_pool2d, as PyTorch 1.13 exports it).
bool folds_into_reader(const Graph& g, int i) {
  int k = 0;
  std::string out = g.output(i);
  if (const auto zeros = g.sole_reader(out); zeros && pads_nothing(g, *zeros)) out = g.output(*zeros);
  return g.sole_is(out, "Conv", k) || g.sole_is(out, "AveragePool", k);
}

}  // namespace cpx::profiler::onnx_import
