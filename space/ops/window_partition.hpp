// Swin's window partition and reverse, with its cyclic shift (torch.roll), as one data movement. No MACs.
//   forward: N x H x W x C, H = grid_h·window_h, W = grid_w·window_w  ->  N·grid_h·grid_w x window_h x window_w x C
//            windows[(n·grid_h + i)·grid_w + j, r, s] = x[n, (i·window_h + r + shift_h) mod H, (j·window_w + s +
//            shift_w) mod W] (x rolled by -shift, then cut into windows in row-major order, as Swin's
//            x.view(...).permute(0, 1, 3, 2, 4, 5));
//   reverse: the inverse, windows back to the map, rolled by +shift.
// A reverse may crop: its output is map_h x map_w, at most the grid of windows (Swin's x[:, :H, :W, :] after
// the reverse of a map padded to a multiple of the window); a forward's map is the whole grid.
// column_major (forward, no shift): each window's pixels in column-major order, output N·grid x window_w x
// window_h x C: Swin's patch merging (x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], ... concatenated) is
// this with 2 x 2 windows, reshaped to N x H/2 x W/2 x 4C.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct WindowPartition {
  static constexpr std::string_view kind = "window_partition";
  static constexpr int arity = 1;

  std::array<int64_t, 2> window{1, 1};
  std::array<int64_t, 2> grid{1, 1};   // windows along H and W
  std::array<int64_t, 2> shift{0, 0};  // in [0, H) and [0, W)
  bool reverse = false;
  bool column_major = false;
  std::array<int64_t, 2> map{0, 0};  // the map's H and W; 0: grid·window

  static std::array<int64_t, 2> read_pair(ObjectReader& r, const std::string& field, int64_t low, int64_t high) {
    const Json& j = r.raw(field);
    const Where w = r.at(field);
    if (!j.is_array() || j.size() != 2) w.fail(j, "expected [h, w]");
    std::array<int64_t, 2> v{};
    for (size_t a = 0; a < 2; ++a) {
      if (!j[a].is_number_integer() || j[a].get<int64_t>() < low || j[a].get<int64_t>() > high)
        w[a].fail(j[a], "expected an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
      v[a] = j[a].get<int64_t>();
    }
    return v;
  }
  static WindowPartition read(ObjectReader& r) {
    WindowPartition p;
    p.window = read_pair(r, "window", 1, limits::max_spatial);
    p.grid = read_pair(r, "grid", 1, limits::max_spatial);
    p.shift = read_pair(r, "shift", 0, limits::max_spatial);
    p.reverse = r.boolean("reverse", false);
    p.column_major = r.boolean("column_major", false);
    if (r.has("map")) p.map = read_pair(r, "map", 1, limits::max_spatial);
    return p;
  }
  void write(Json& j) const {
    j["window"] = window;
    j["grid"] = grid;
    j["shift"] = shift;
    j["reverse"] = reverse;
    j["column_major"] = column_major;
    if (map != std::array<int64_t, 2>{0, 0}) j["map"] = map;
  }
  int64_t windows() const { return grid[0] * grid[1]; }
  int64_t grid_h() const { return grid[0] * window[0]; }  // the windows' extent, padding included
  int64_t grid_w() const { return grid[1] * window[1]; }
  int64_t map_h() const { return map[0] ? map[0] : grid_h(); }
  int64_t map_w() const { return map[1] ? map[1] : grid_w(); }
  // Checks the ranges too: the ONNX importer builds this op without the JSON reader.
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    for (size_t a = 0; a < 2; ++a) {
      if (window[a] < 1 || window[a] > limits::max_spatial)
        (where / "window").fail(window, "out of range [1, " + std::to_string(limits::max_spatial) + "]");
      if (grid[a] < 1 || grid[a] > limits::max_spatial)
        (where / "grid").fail(grid, "out of range [1, " + std::to_string(limits::max_spatial) + "]");
    }
    if (shift[0] < 0 || shift[0] >= grid_h() || shift[1] < 0 || shift[1] >= grid_w())
      (where / "shift")
          .fail(shift, "must lie in [0, " + std::to_string(grid_h()) + ") x [0, " + std::to_string(grid_w()) + ")");
    if (map_h() < 1 || map_h() > grid_h() || map_w() < 1 || map_w() > grid_w() ||
        (!reverse && (map_h() != grid_h() || map_w() != grid_w())))
      (where / "map")
          .fail(map, "must be the grid of windows (" + std::to_string(grid_h()) + " x " + std::to_string(grid_w()) +
                         "), or within it for a reverse");
    if (column_major && (reverse || shift != std::array<int64_t, 2>{0, 0}))
      (where / "column_major").fail(true, "is for a forward partition without shift (patch merging)");
    const ShapeNhwc& x = in[0];
    if (!reverse) {
      if (x.h != map_h() || x.w != map_w())
        where.fail("input " + x.str() + " is not the " + std::to_string(grid[0]) + " x " + std::to_string(grid[1]) +
                   " grid of " + std::to_string(window[0]) + " x " + std::to_string(window[1]) + " windows");
      const std::array<int64_t, 2> hw = column_major ? std::array<int64_t, 2>{window[1], window[0]} : window;
      return checked_shape({checked_mul(x.n, windows(), where), hw[0], hw[1], x.c}, where);
    }
    if (x.h != window[0] || x.w != window[1] || x.n % windows() != 0)
      where.fail("input " + x.str() + " is not a batch of " + std::to_string(windows()) + " windows of " +
                 std::to_string(window[0]) + " x " + std::to_string(window[1]) + " per image");
    return checked_shape({x.n / windows(), map_h(), map_w(), x.c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx
