// See import_pointwise.hpp.
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "profiler/interop/onnx/import_patterns.hpp"
#include "profiler/interop/onnx/import_pointwise.hpp"
#include "profiler/interop/onnx/import_tokens.hpp"
#include "profiler/interop/onnx/import_windows.hpp"
#include "space/names.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

// The arithmetic node types binary() reads, by their ONNX names, read once per node.
enum class Arithmetic { add, subtract, multiply, divide };
constexpr Names<Arithmetic, 4> arithmetic_names{{{Arithmetic::add, "Add"},
                                                 {Arithmetic::subtract, "Sub"},
                                                 {Arithmetic::multiply, "Mul"},
                                                 {Arithmetic::divide, "Div"}}};

Arithmetic arithmetic_of(const Graph& g, int i) {
  if (const std::optional<Arithmetic> kind = arithmetic_names.find(g.at(i).op_type())) return *kind;
  throw std::logic_error("binary: node " + std::to_string(i) + " is no arithmetic");  // the table sends only these
}

// x·k, x/k, x + k, x - k or k - x of a tensor x (input `tensor_input` of node i) and a scalar constant k.
void affine_with_scalar(Context& c, int i, Arithmetic op, int tensor_input, double k) {
  const Value& x = c.input_value(i, tensor_input);
  const bool constant_first = tensor_input != 0;
  if (op == Arithmetic::divide && constant_first) c.g.fail(i, "a constant divided by a tensor is not supported");
  if (op == Arithmetic::divide && k == 0) c.g.fail(i, "a division by 0");
  Affine a;
  if (op == Arithmetic::multiply) a.scale = k;
  if (op == Arithmetic::divide) a.scale = 1 / k;
  if (op == Arithmetic::add) a.shift = k;
  if (op == Arithmetic::subtract) {
    a.scale = constant_first ? -1 : 1;
    a.shift = constant_first ? k : -k;
  }
  if (!(std::abs(a.scale) <= Affine::max_constant) || !(std::abs(a.shift) <= Affine::max_constant))
    c.g.fail(i, "the constant " + std::to_string(k) + " is outside float's range");
  if (scaled_heads(c, i, x, a.scale, a.shift)) return;
  c.set_like(c.g.output(i), x, c.add(i, {x.tensor}, a));
}

// Add or Mul of a tensor and a constant: a layer scale or an attention bias.
void binary_with_constant(Context& c, int i, bool is_add, int tensor_input, const Constant& k) {
  const Value& x = c.pixel_input(i, tensor_input);
  const ShapeNhwc& s = c.shape(x);
  const int constant_input = tensor_input == 0 ? 1 : 0;
  if (!is_add && k.count() == static_cast<size_t>(s.c)) {
    c.set_like(c.g.output(i), x, c.add(i, {x.tensor}, LayerScale{}));
    return c.weigh(constant_weight(c.g, i, constant_input));
  }
  if (is_add && x.kind == Kind::nchw && k.count() == static_cast<size_t>(s.pixels() * s.c) && s.pixels() > 1) {
    c.set_nchw(c.g.output(i), c.add(i, {x.tensor}, AttentionBias{1, s.pixels() * s.c}));
    return c.weigh(attention_bias_weights(c.g, i, constant_input, s.c, s.pixels()));
  }
  if (is_add && position_embedding(c, i, x, k, constant_input)) return;
  c.g.fail(i, std::string(is_add ? "adding" : "multiplying by") + " a constant of " + std::to_string(k.count()) +
                  " values is not a recognised pattern (layer scale, attention bias)");
}

}  // namespace

void binary(Context& c, int i) {
  const Graph& g = c.g;
  const Arithmetic op = arithmetic_of(g, i);
  const bool is_add = op == Arithmetic::add;
  if (heads_arithmetic(c, i)) return;
  const Constant* c0 = g.constant(g.input(i, 0));
  const Constant* c1 = g.constant(g.input(i, 1));
  if (c0 && c1) g.fail(i, "both inputs are constants (constant folding is not supported)");
  // An activation that starts with arithmetic on a constant: x + 3 (hardswish), x / √2 (erf GELU).
  if (c1 && activation_at(g, i, g.input(i, 0))) return activation(c, i);
  if (const Constant* k = c0 ? c0 : c1; k && k->values.size() == 1)
    return affine_with_scalar(c, i, op, c0 ? 1 : 0, k->values[0]);
  if ((c0 || c1) && (op == Arithmetic::subtract || op == Arithmetic::divide))
    g.fail(i, "only a scalar constant can be subtracted or divided by");
  if (c0 || c1) return binary_with_constant(c, i, is_add, c0 ? 1 : 0, c0 ? *c0 : *c1);
  const Value& a = c.pixel_input(i, 0);
  const Value& b = c.pixel_input(i, 1);
  if (a.kind != b.kind) g.fail(i, "one input is N x C x H x W and the other channels-last N x H x W x C");
  if (a.rank != b.rank && (a.rank == 3 || b.rank == 3)) g.fail(i, "tokens (rank 3) meet a tensor of another rank");
  std::vector<std::string> ins{a.tensor, b.tensor};
  // Ours broadcasts only inputs[1]; put the one-pixel operand second (a - b cannot swap).
  if (c.shape(a).pixels() == 1 && c.shape(b).pixels() > 1) {
    if (op == Arithmetic::subtract) g.fail(i, "a one-pixel tensor minus a map is not supported (the map minus it is)");
    std::swap(ins[0], ins[1]);
  }
  const Value& like = a.rank >= b.rank ? a : b;  // the broadcast rank
  switch (op) {
    case Arithmetic::add: return c.set_like(g.output(i), like, c.add(i, ins, Add{}));
    case Arithmetic::subtract: return c.set_like(g.output(i), like, c.add(i, ins, Subtract{}));
    case Arithmetic::multiply: return c.set_like(g.output(i), like, c.add(i, ins, Multiply{}));
    case Arithmetic::divide: g.fail(i, "a tensor divided by a tensor is not supported");
  }
}

// PRelu(x, slope): one slope, or one per channel along the channel axis (C x 1 x 1 for an N x C x H x W map,
// C for channels-last); any other broadcast would give pixels their own slopes, which no network does.
void prelu(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.pixel_input(i);
  const Constant& slope = g.need_constant(i, 1);
  const int64_t channels = c.shape(x).c;
  Dims along(slope.dims.begin(), slope.dims.end());
  while (!along.empty() && along.front() == 1) along.erase(along.begin());
  Dims expected{channels};
  if (x.kind == Value::Kind::nchw) expected.resize(std::max<size_t>(x.rank, 2) - 1, 1);
  const bool shared = slope.count() == 1;
  if (!shared && along != expected)
    g.fail(i, "slope of " + std::to_string(slope.count()) + " values is neither one nor one per channel (" +
                  std::to_string(channels) + ") along the channel axis");
  c.set_like(g.output(i), x, c.add(i, {x.tensor}, PRelu{shared}));
  c.weigh(constant_weight(g, i, 1));
}

[[noreturn]] void unsupported(const Graph& g, int i) {
  g.fail(i, "operator not supported (or not in a recognised pattern), reading " +
                (g.has_input(i, 0) ? g.input(i, 0) : "no input"));
}

void clip(Context& c, int i) {
  const Graph& g = c.g;
  if (activation_at(g, i, g.input(i, 0))) return activation(c, i);  // relu or relu6
  constexpr double none = std::numeric_limits<double>::infinity();
  // Input k ("" or absent: no bound; inputs since opset 11, the oldest we read). The bound is the float32
  // constant as it is, not rounded to a decimal: the executor and PyTorch clamp to that float.
  const auto bound = [&](int k, const std::string& name, double absent) -> double {
    if (!g.has_input(i, k)) return absent;
    const auto v = g.scalar(g.input(i, k));
    if (!v) g.fail(i, name + " is not a constant scalar");
    return *v;
  };
  const Clamp op{bound(1, "min", -none), bound(2, "max", none)};
  const Value& x = c.pixel_input(i);
  if (op.min == -none && op.max == none) return c.set(g.output(i), x);  // no bounds: a copy
  const auto shown = [](double v) {
    return std::isnan(v) ? std::string("NaN") : std::isinf(v) ? std::string(v < 0 ? "-inf" : "inf") : Json(v).dump();
  };
  if (std::isnan(op.min) || std::isnan(op.max))
    g.fail(i, "a bound is NaN (min " + shown(op.min) + ", max " + shown(op.max) + ")");
  if (!(static_cast<float>(op.min) < static_cast<float>(op.max)))
    g.fail(i, "min " + shown(op.min) + " is not below max " + shown(op.max));
  c.set_like(g.output(i), x, c.add(i, {x.tensor}, op));
}

void activation(Context& c, int i) {
  const auto m = activation_at(c.g, i, c.g.input(i, 0));
  if (!m) unsupported(c.g, i);
  if (const AlphaRange r = alpha_range(m->activation);
      takes_alpha(m->activation) && !(m->alpha >= r.min && m->alpha <= r.max))
    c.g.fail(i, "alpha " + std::to_string(m->alpha) + " is out of range [" + std::to_string(r.min) + ", " +
                    std::to_string(r.max) + "]");
  const Value& x = c.pixel_input(i);
  c.consume(m->nodes);
  c.set_like(m->output, x, c.add(i, {x.tensor}, ActivationOp{m->activation, m->alpha}));
}

}  // namespace cpx::profiler::onnx_import
