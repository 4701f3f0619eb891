// Learned tokens prepended to a map's pixels read as a sequence (ViT's class token; DeiT's class and
// distillation tokens): out = concat(T, x) along the tokens, N x 1 x (tokens + H·W) x C, where the
// parameters T [tokens][C] are the same for every sample (expanded over the batch). PyTorch's
// torch.cat([self.class_token.expand(n, -1, -1), x], dim=1).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ClassToken {
  static constexpr std::string_view kind = "class_token";
  static constexpr int arity = 1;

  int64_t tokens = 1;

  static ClassToken read(ObjectReader& r) { return {r.integer("tokens", 1, 4096, 1)}; }
  void write(Json& j) const { j["tokens"] = tokens; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return checked_shape({in[0].n, 1, in[0].h * in[0].w + tokens, in[0].c}, where);
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where& where) const {
    const int64_t p = checked_mul(tokens, in[0].c, where);
    return {0, p, p};
  }
};

}  // namespace cpx
