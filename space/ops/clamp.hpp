// y = min(max(x, min), max): PyTorch's torch.clamp and F.hardtanh (nn.Hardtanh's [-1, 1] by default), which
// its ONNX export writes as Clip. A bound may be absent, not both: JSON leaves it out (or gives null), and
// here it is ±infinity. min < max, as floats: the executor computes in float32. The Clips that are relu
// ([0, no max]) and relu6 ([0, 6]) import as those activations (folded into a conv before them), not as this.
#pragma once

#include <limits>

#include "space/ops/common.hpp"

namespace cpx {

struct Clamp {
  static constexpr std::string_view kind = "clamp";
  static constexpr int arity = 1;

  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();

  static Clamp read(ObjectReader& r) {
    Clamp c;
    // JSON has no infinity: an absent bound is a missing field or null.
    const auto bound = [&](std::string_view key, double none) {
      if (!r.has(key) || r.raw(key).is_null()) return none;
      return r.number(key, -max_bound, max_bound);
    };
    c.min = bound("min", c.min);
    c.max = bound("max", c.max);
    return c;
  }
  void write(Json& j) const {
    if (std::isfinite(min)) j["min"] = min;
    if (std::isfinite(max)) j["max"] = max;
  }
  // Checks the bounds too: the ONNX importer builds this op without the JSON reader.
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    check_bound("min", min, -std::numeric_limits<double>::infinity(), where);
    check_bound("max", max, std::numeric_limits<double>::infinity(), where);
    if (std::isinf(min) && std::isinf(max)) where.fail("a clamp needs a min, a max or both (it would be a copy)");
    if (!(static_cast<float>(min) < static_cast<float>(max)))
      (where / "min").fail(min, "not below max " + Json(max).dump() + " (as float32)");
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }

  // A bound is `none` (absent) or a number within float's range; NaN is neither.
  static void check_bound(std::string_view key, double v, double none, const Where& where) {
    if (std::isnan(v)) (where / key).fail("NaN: expected a number, or no bound");
    if (v != none && !(std::abs(v) <= max_bound)) (where / key).fail(v, "out of float's range");
  }

  // Past float's range a bound is no number the executor can hold.
  static constexpr double max_bound = 3.4e38;
};

}  // namespace cpx
