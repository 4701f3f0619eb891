// Softmax over channels, separately within each of `groups` equal channel segments (one per head).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct Softmax {
  static constexpr std::string_view kind = "softmax";
  static constexpr int arity = 1;

  int64_t groups = 1;

  static Softmax read(ObjectReader& r) { return {r.integer("groups", 1, limits::max_channels, 1)}; }
  void write(Json& j) const { j["groups"] = groups; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    require_groups_divide(groups, in[0].c, where);
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
