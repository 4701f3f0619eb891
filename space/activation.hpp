// Pointwise nonlinearities that ops may apply to their output.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "space/error.hpp"
#include "space/names.hpp"

namespace cpx {

enum class Activation {
  none,
  relu,
  relu6,
  hardswish,
  hardsigmoid,
  sigmoid,
  silu,
  gelu,
  gelu_tanh,
  leaky_relu,
  elu,
  tanh,
  softplus,
  mish
};

// gelu is the exact erf form, 0.5·x·(1 + erf(x/√2)); gelu_tanh is the tanh approximation;
// hardsigmoid is relu6(x + 3)/6 (PyTorch and GhostNet's hard_sigmoid); leaky_relu is x < 0 ? alpha·x : x
// and elu x < 0 ? alpha·(e^x - 1) : x (both take their alpha, so only a standalone activation op has them);
// softplus is log(1 + e^x) (PyTorch's beta 1) and mish x·tanh(softplus(x)).
inline constexpr Names<Activation, 14> activation_names{{
    {Activation::none, "none"},
    {Activation::relu, "relu"},
    {Activation::relu6, "relu6"},
    {Activation::hardswish, "hardswish"},
    {Activation::hardsigmoid, "hardsigmoid"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::silu, "silu"},
    {Activation::gelu, "gelu"},
    {Activation::gelu_tanh, "gelu_tanh"},
    {Activation::leaky_relu, "leaky_relu"},
    {Activation::elu, "elu"},
    {Activation::tanh, "tanh"},
    {Activation::softplus, "softplus"},
    {Activation::mish, "mish"},
}};

// The functions with a parameter, alpha: an op that applies one to its own output could not say which.
inline bool takes_alpha(Activation a) { return a == Activation::leaky_relu || a == Activation::elu; }
// The activations an op may apply to its own output (every one but those that take alpha), in table order.
inline const std::vector<Activation>& op_activations() {
  static const std::vector<Activation> out = [] {
    std::vector<Activation> v;
    for (Activation a : activation_names.values())
      if (!takes_alpha(a)) v.push_back(a);
    return v;
  }();
  return out;
}
// Whether f costs an exp, erf or log per element: several times the work of a clamp.
inline bool transcendental(Activation a) {
  switch (a) {
    case Activation::none:
    case Activation::relu:
    case Activation::relu6:
    case Activation::hardswish:
    case Activation::hardsigmoid:
    case Activation::leaky_relu: return false;
    case Activation::sigmoid:
    case Activation::silu:
    case Activation::gelu:
    case Activation::gelu_tanh:
    case Activation::elu:
    case Activation::tanh:
    case Activation::softplus:
    case Activation::mish: return true;
  }
  return true;
}
// The alphas a network may give: elu's positive (XNNPACK's elu takes no other; nor does any network).
struct AlphaRange {
  double min, max;
};
inline AlphaRange alpha_range(Activation a) {
  return a == Activation::elu ? AlphaRange{1e-6, 1000} : AlphaRange{-1000, 1000};
}
// PyTorch's defaults: LeakyReLU's negative_slope 0.01, ELU's alpha 1.
inline double default_alpha(Activation a) {
  return a == Activation::leaky_relu ? 0.01 : a == Activation::elu ? 1.0 : 0.0;
}

inline std::string_view to_string(Activation a) { return activation_names.name_of(a); }

// Any activation by name (what a standalone activation op reads).
inline Activation read_activation_name(const Json& j, const Where& where) {
  if (j.is_string())
    if (const std::optional<Activation> a = activation_names.find(j.get<std::string>())) return *a;
  where.fail(j, "unknown activation (known: " + activation_names.joined(", ") + ")");
}

// The activation an op applies to its own output: one that takes alpha is a standalone op after it.
inline Activation read_activation(const Json& j, const Where& where) {
  const Activation a = read_activation_name(j, where);
  if (takes_alpha(a)) where.fail(j, "takes an alpha: write it as an activation op (kind \"activation\") after this op");
  return a;
}

}  // namespace cpx
