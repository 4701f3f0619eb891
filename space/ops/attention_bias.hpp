// A learned additive bias on attention scores, indexed by the relative offset of query and key
// (EfficientFormerV2). Input: scores as matmul lays them out, N x hq x wq x (heads·Lk). The model owns a
// table of heads x table_size values (its params); at inference the gathered bias, one value per
// (query, head, key), is added. Executor and reference add the same gathered tensor.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct AttentionBias {
  static constexpr std::string_view kind = "attention_bias";
  static constexpr int arity = 1;

  int64_t heads = 1;
  int64_t table_size = 1;  // distinct offsets per head
  // The gathered bias differs per window: sample n adds block n mod windows (Swin's windows in the batch,
  // each with its shifted-window mask added in; the mask is no parameter). 1: the same for every sample.
  int64_t windows = 1;

  static AttentionBias read(ObjectReader& r) {
    AttentionBias a{r.integer("heads", 1, 4096), r.integer("table_size", 1, limits::max_tensor_elements)};
    a.windows = r.integer("windows", 1, limits::max_tensor_elements, 1);
    return a;
  }
  void write(Json& j) const {
    j["heads"] = heads;
    j["table_size"] = table_size;
    if (windows != 1) j["windows"] = windows;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    if (in[0].c % heads != 0)
      (where / "heads").fail(heads, "does not divide the " + std::to_string(in[0].c) + " score channels");
    if (windows < 1 || in[0].n % windows != 0)
      (where / "windows").fail(windows, "does not divide the batch of " + std::to_string(in[0].n) + " score maps");
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where& where) const {
    const int64_t p = checked_mul(heads, table_size, where);
    return {0, p, p};
  }
};

}  // namespace cpx
