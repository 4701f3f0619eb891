// See import_pointwise.hpp.
#include <cmath>

#include "profiler/interop/onnx/import_patterns.hpp"
#include "profiler/interop/onnx/import_pointwise.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

// Add, Sub, Mul or Div of a tensor x and a scalar constant k: x·k, x/k, x + k, x - k or k - x.
void affine_with_scalar(Context& c, int i, int tensor_input, double k) {
  const std::string& type = c.g.at(i).op_type();
  const Value& x = c.pixel_input(i, tensor_input);
  Affine a;
  if (type == "Mul") a.scale = k;
  if (type == "Div" && tensor_input == 0) a.scale = 1 / k;
  if (type == "Add") a.shift = k;
  if (type == "Sub") {
    a.scale = tensor_input == 0 ? 1 : -1;
    a.shift = tensor_input == 0 ? -k : k;
  }
  if ((type == "Div" && tensor_input != 0) || !std::isfinite(a.scale) || !std::isfinite(a.shift) ||
      std::abs(a.scale) > Affine::max_constant || std::abs(a.shift) > Affine::max_constant)
    c.g.fail(i, type == "Div" && tensor_input != 0 ? "a constant divided by a tensor is not supported"
                                                  : "the constant " + std::to_string(k) + " is outside float's range");
  c.set_like(c.g.output(i), x, c.add(i, {x.tensor}, a));
}

// Add or Mul of a tensor and a constant: a layer scale or an attention bias.
void binary_with_constant(Context& c, int i, bool is_add, int tensor_input, const Constant& k) {
  const Value& x = c.pixel_input(i, tensor_input);
  const ShapeNhwc& s = c.shape(x);
  if (!is_add && k.values.size() == static_cast<size_t>(s.c))
    return c.set_like(c.g.output(i), x, c.add(i, {x.tensor}, LayerScale{}));
  if (is_add && x.kind == Kind::nchw && k.values.size() == static_cast<size_t>(s.pixels() * s.c) && s.pixels() > 1)
    return c.set_nchw(c.g.output(i), c.add(i, {x.tensor}, AttentionBias{1, s.pixels() * s.c}));
  c.g.fail(i, std::string(is_add ? "adding" : "multiplying by") + " a constant of " + std::to_string(k.values.size()) +
                  " values is not a recognised pattern (layer scale, attention bias)");
}

}  // namespace

void binary(Context& c, int i) {
  const Graph& g = c.g;
  const std::string& type = g.at(i).op_type();
  const bool is_add = type == "Add";
  const Constant* c0 = g.constant(g.input(i, 0));
  const Constant* c1 = g.constant(g.input(i, 1));
  if (c0 && c1) g.fail(i, "both inputs are constants (constant folding is not supported)");
  // An activation that starts with arithmetic on a constant: x + 3 (hardswish), x / √2 (erf GELU).
  if (c1 && activation_at(g, i, g.input(i, 0))) return activation(c, i);
  if (const Constant* k = c0 ? c0 : c1; k && k->values.size() == 1) return affine_with_scalar(c, i, c0 ? 1 : 0, k->values[0]);
  if ((c0 || c1) && (type == "Sub" || type == "Div")) g.fail(i, "only a scalar constant can be subtracted or divided by");
  if (c0 || c1) return binary_with_constant(c, i, is_add, c0 ? 1 : 0, c0 ? *c0 : *c1);
  const Value& a = c.pixel_input(i, 0);
  const Value& b = c.pixel_input(i, 1);
  if (a.kind != b.kind) g.fail(i, "one input is N x C x H x W and the other channels-last N x H x W x C");
  if (a.rank != b.rank && (a.rank == 3 || b.rank == 3)) g.fail(i, "tokens (rank 3) meet a tensor of another rank");
  std::vector<std::string> ins{a.tensor, b.tensor};
  // Ours broadcasts only inputs[1]; put the one-pixel operand second (a - b cannot swap).
  if (c.shape(a).pixels() == 1 && c.shape(b).pixels() > 1) {
    if (type == "Sub") g.fail(i, "a one-pixel tensor minus a map is not supported (the map minus it is)");
    std::swap(ins[0], ins[1]);
  }
  const Value& like = a.rank >= b.rank ? a : b;  // the broadcast rank
  if (type == "Sub") return c.set_like(g.output(i), like, c.add(i, ins, Subtract{}));
  c.set_like(g.output(i), like, is_add ? c.add(i, ins, Add{}) : c.add(i, ins, Multiply{}));
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
  const bool shared = slope.values.size() == 1;
  if (!shared && along != expected)
    g.fail(i, "slope of " + std::to_string(slope.values.size()) + " values is neither one nor one per channel (" +
                  std::to_string(channels) + ") along the channel axis");
  c.set_like(g.output(i), x, c.add(i, {x.tensor}, PRelu{shared}));
}

[[noreturn]] void unsupported(const Graph& g, int i) {
  g.fail(i, "operator not supported (or not in a recognised pattern), reading " + (g.has_input(i, 0) ? g.input(i, 0) : "no input"));
}

void activation(Context& c, int i) {
  const auto m = activation_at(c.g, i, c.g.input(i, 0));
  if (!m) unsupported(c.g, i);
  if (const AlphaRange r = alpha_range(m->activation); takes_alpha(m->activation) && !(m->alpha >= r.min && m->alpha <= r.max))
    c.g.fail(i, "alpha " + std::to_string(m->alpha) + " is out of range [" + std::to_string(r.min) + ", " + std::to_string(r.max) + "]");
  const Value& x = c.pixel_input(i);
  c.consume(m->nodes);
  c.set_like(m->output, x, c.add(i, {x.tensor}, ActivationOp{m->activation, m->alpha}));
}

}  // namespace cpx::profiler::onnx_import
