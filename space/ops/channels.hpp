// Channel views: slice takes channels [begin, end) of one tensor; concat joins tensors along channels.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct Slice {
  static constexpr std::string_view kind = "slice";
  static constexpr int arity = 1;

  int64_t begin = 0;
  int64_t end = 0;

  static Slice read(ObjectReader& r) {
    Slice s;
    s.begin = r.integer("begin", 0, limits::max_channels);
    s.end = r.integer("end", 1, limits::max_channels);
    if (s.end <= s.begin) r.at("end").fail(s.end, "must be greater than begin " + std::to_string(s.begin));
    return s;
  }
  void write(Json& j) const {
    j["begin"] = begin;
    j["end"] = end;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    if (end > in[0].c) (where / "end").fail(end, "exceeds the " + std::to_string(in[0].c) + " input channels");
    return {in[0].n, in[0].h, in[0].w, end - begin};
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

struct Concat {
  static constexpr std::string_view kind = "concat";
  static constexpr int arity = variadic;

  static Concat read(ObjectReader&) { return {}; }
  void write(Json&) const {}
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    require_same_spatial(in, where);
    ShapeNhwc out = in[0];
    out.c = 0;
    for (const auto& s : in) out.c += s.c;
    return checked_shape(out, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
