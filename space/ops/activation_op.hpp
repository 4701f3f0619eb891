// A standalone activation, for nonlinearities that do not follow a conv or linear (e.g. after a norm).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ActivationOp {
  static constexpr std::string_view kind = "activation";
  static constexpr int arity = 1;

  Activation function = Activation::none;

  static ActivationOp read(ObjectReader& r) {
    ActivationOp a{read_activation(r.raw("function"), r.at("function"))};
    if (a.function == Activation::none) r.at("function").fail("none", "a standalone activation must do something");
    return a;
  }
  void write(Json& j) const { j["function"] = to_string(function); }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return in[0]; }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
