// A standalone activation, for nonlinearities that do not follow a conv or linear (e.g. after a norm).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ActivationOp {
  static constexpr std::string_view kind = "activation";
  static constexpr int arity = 1;

  Activation function = Activation::none;
  double alpha = 0;  // leaky_relu's negative slope, elu's alpha (takes_alpha); 0 for the others

  static ActivationOp read(ObjectReader& r) {
    ActivationOp a{read_activation_name(r.raw("function"), r.at("function"))};
    if (a.function == Activation::none) r.at("function").fail("none", "a standalone activation must do something");
    if (takes_alpha(a.function)) {
      const AlphaRange range = alpha_range(a.function);
      a.alpha = r.number("alpha", range.min, range.max, default_alpha(a.function));
    } else if (r.has("alpha")) {
      r.at("alpha").fail(r.raw("alpha"), "only leaky_relu and elu take an alpha");
    }
    return a;
  }
  void write(Json& j) const {
    j["function"] = to_string(function);
    if (takes_alpha(function)) j["alpha"] = alpha;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return in[0]; }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
