// Product of two activations (no weights), per head, as attention needs: Q·Kᵀ and softmax(S)·V.
//
// Rows are the tokens (pixels, h·w) of each input. The channels of each input are split into `heads`
// equal segments; head i reads channels [offset, offset + size) of its segment of A and of B. With
// transpose_b, out_i = scale · A_i · B_iᵀ (tokens_a x tokens_b); without, out_i = scale · A_i · B_i, where
// B_i's rows must be contracted with A_i's columns (a.size == tokens_b). Output channel = i·cols + j, so
// heads stay adjacent in the channels of one NHWC tensor, exactly as the merge of multi-head attention
// lays them out. Channel views of one fused QKV tensor cost no copies.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ChannelView {
  int64_t offset = 0;
  int64_t size = 0;
  friend bool operator==(const ChannelView&, const ChannelView&) = default;
};

struct Matmul {
  static constexpr std::string_view kind = "matmul";
  static constexpr int arity = 2;

  int64_t heads = 1;
  ChannelView a, b;
  bool transpose_b = false;
  double scale = 1.0;

  static ChannelView read_view(const Json& j, const Where& where) {
    ObjectReader r(j, where);
    ChannelView v;
    v.offset = r.integer("offset", 0, limits::max_channels);
    v.size = r.integer("size", 1, limits::max_channels);
    r.finish();
    return v;
  }
  static Matmul read(ObjectReader& r) {
    Matmul m;
    m.heads = r.integer("heads", 1, 4096, 1);
    m.a = read_view(r.raw("a"), r.at("a"));
    m.b = read_view(r.raw("b"), r.at("b"));
    m.transpose_b = r.boolean("transpose_b", false);
    m.scale = r.number("scale", -1e6, 1e6, 1.0);
    return m;
  }
  void write(Json& j) const {
    j["heads"] = heads;
    j["a"] = {{"offset", a.offset}, {"size", a.size}};
    j["b"] = {{"offset", b.offset}, {"size", b.size}};
    j["transpose_b"] = transpose_b;
    j["scale"] = scale;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& x = in[0];
    const ShapeNhwc& y = in[1];
    if (x.n != y.n) where.fail("inputs have batch " + std::to_string(x.n) + " and " + std::to_string(y.n));
    auto check_view = [&](const ChannelView& v, const ShapeNhwc& s, const char* field) {
      if (s.c % heads != 0)
        (where / "heads").fail(heads, "does not divide the " + std::to_string(s.c) + " channels of input " + field);
      if (v.offset + v.size > s.c / heads)
        (where / field)
            .fail(Json{{"offset", v.offset}, {"size", v.size}},
                  "exceeds the head segment of " + std::to_string(s.c / heads) + " channels");
    };
    check_view(a, x, "a");
    check_view(b, y, "b");
    const int64_t contracted_b = transpose_b ? b.size : y.pixels();
    if (a.size != contracted_b)
      (where / "a" / "size").fail(a.size, "must equal the contracted size of b, " + std::to_string(contracted_b));
    const int64_t cols = transpose_b ? y.pixels() : b.size;
    return checked_shape({x.n, x.h, x.w, checked_mul(heads, cols, where)}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc& out, const Where& where) const {
    return {checked_mul(out.elements(), a.size, where), 0, 0};
  }
};

}  // namespace cpx
