// GroupNorm: statistics over (C/groups) x H x W per sample, then a per-channel affine. GN(1, C) is
// CPUBone's pre-norm; GN(C, C) is InstanceNorm. Cannot be folded into a conv: its statistics depend on the
// input. Without `affine` (PyTorch's affine=False, InstanceNorm2d's default) it has no parameters: its
// weights are then ones and zeros, so that the executor's kernel is the same.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct GroupNorm {
  static constexpr std::string_view kind = "group_norm";
  static constexpr int arity = 1;

  int64_t groups = 1;
  double eps = 1e-5;
  bool affine = true;  // written only when false, so every older file reads the same

  static GroupNorm read(ObjectReader& r) {
    return {r.integer("groups", 1, limits::max_channels, 1), r.number("eps", 0.0, 1.0, 1e-5),
            r.boolean("affine", true)};
  }
  void write(Json& j) const {
    j["groups"] = groups;
    j["eps"] = eps;
    if (!affine) j["affine"] = false;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    require_groups_divide(groups, in[0].c, where);
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where&) const {
    return affine ? Cost{0, 2 * in[0].c, 2 * in[0].c} : Cost{};
  }
};

}  // namespace cpx
