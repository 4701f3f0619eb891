// Pointwise nonlinearities that ops may apply to their output.
#pragma once

#include <array>
#include <string_view>

#include "space/error.hpp"

namespace cpx {

enum class Activation { none, relu, relu6, hardswish, hardsigmoid, sigmoid, silu, gelu, gelu_tanh };

// gelu is the exact erf form, 0.5·x·(1 + erf(x/√2)); gelu_tanh is the tanh approximation;
// hardsigmoid is relu6(x + 3)/6 (PyTorch and GhostNet's hard_sigmoid).
inline constexpr std::array<std::pair<Activation, std::string_view>, 9> activation_names{{
    {Activation::none, "none"},
    {Activation::relu, "relu"},
    {Activation::relu6, "relu6"},
    {Activation::hardswish, "hardswish"},
    {Activation::hardsigmoid, "hardsigmoid"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::silu, "silu"},
    {Activation::gelu, "gelu"},
    {Activation::gelu_tanh, "gelu_tanh"},
}};

inline std::string_view to_string(Activation a) {
  for (const auto& [value, name] : activation_names)
    if (value == a) return name;
  return "?";
}

inline Activation read_activation(const Json& j, const Where& where) {
  if (j.is_string()) {
    for (const auto& [value, name] : activation_names)
      if (j.get<std::string>() == name) return value;
  }
  std::string names;
  for (const auto& [value, name] : activation_names) names += (names.empty() ? "" : ", ") + std::string(name);
  where.fail(j, "unknown activation (known: " + names + ")");
}

}  // namespace cpx
