// ShuffleNet's channel shuffle: the C channels of each pixel, read as a groups x C/groups matrix, are
// transposed, so output channel j·groups + g is input channel g·C/groups + j. Data movement, no MACs.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ChannelShuffle {
  static constexpr std::string_view kind = "channel_shuffle";
  static constexpr int arity = 1;

  int64_t groups = 2;  // 1 would be a copy; XNNPACK's operator rejects it too

  static ChannelShuffle read(ObjectReader& r) { return {r.integer("groups", 2, limits::max_channels)}; }
  void write(Json& j) const { j["groups"] = groups; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    require_groups_divide(groups, in[0].c, where);
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
