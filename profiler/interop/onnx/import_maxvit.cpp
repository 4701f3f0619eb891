// See import_maxvit.hpp.
#include "profiler/interop/onnx/import_maxvit.hpp"

#include <algorithm>
#include <cctype>

#include "profiler/interop/onnx/import_windows.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

// Reshape node r's target for an input of dims `in`, the shape arithmetic computing it folded first (it
// may come after the node a pattern starts at).
Dims maxvit_target(Context& c, int r, const Dims& in) {
  fold_upstream(c, c.g.input(r, 1));
  int64_t elements = 1;
  for (int64_t v : in) elements *= v;
  return resolve(c.g, r, elements, in);
}

// Windows x (ours B x X x Y x C) transposed to B x Y x X x C: a window_partition of X x 1 windows, one per
// column of the B x X x Y "map" (row copies of one pixel). The grid's swap of windows and tokens.
std::string swapped_windows(Context& c, int i, const std::string& x, const ShapeNhwc& s) {
  WindowPartition t;
  t.window = {s.h, 1};
  t.grid = {1, s.w};
  const std::string columns = c.add(i, {x}, t, "/swap");
  return c.add(i, {columns}, Reshape{{s.n, s.w, s.h, s.c}}, "/swapped");
}

// Reshape node r of windows x (ours B x X x Y x C; read swapped to B x Y x X x C after the grid's
// Transpose node `swap`) to B x hp x wp x p x q x C, Transpose(0, 5, 1, 3, 2, 4), Reshape to B x C x H x W:
// the window_partition reverse of x (swapped first for the grid) reshaped to its windows.
bool maxvit_departition(Context& c, int r, const Value& x, std::optional<int> swap) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  const Dims in = swap ? Dims{s.n, s.w, s.h, s.c} : Dims{s.n, s.h, s.w, s.c};
  const Dims d = maxvit_target(c, r, in);
  int tr = 0, r2 = 0;
  if (d.size() != 6 || d[0] != s.n || d[1] * d[2] != in[1] || d[3] * d[4] != in[2] || d[5] != s.c) return false;
  if (!g.sole_is(g.output(r), "Transpose", tr) || g.ints_attr(tr, "perm", {}) != Dims{0, 5, 1, 3, 2, 4}) return false;
  if (!g.sole_is(g.output(tr), "Reshape", r2)) return false;
  if (maxvit_target(c, r2, {d[0], d[5], d[1], d[3], d[2], d[4]}) != Dims{s.n, s.c, d[1] * d[3], d[2] * d[4]})
    return false;
  WindowPartition p;
  p.reverse = true;
  p.window = {d[3], d[4]};
  p.grid = {d[1], d[2]};
  c.consume({r, tr, r2});
  const std::string blocks = swap ? swapped_windows(c, *swap, x.tensor, s) : x.tensor;
  const std::string w = c.add(r, {blocks}, Reshape{{s.n * p.windows(), p.window[0], p.window[1], s.c}}, "/windows");
  c.set_nchw(g.output(r2), c.add(r2, {w}, p));
  return true;
}

// Windows x (B x G x L x C) reshaped to d = B x G x L x heads x dh and Transposed (0, 1, 3, 2, 4): a
// per-head view over the batch of B·G windows (ours: the same data reshaped to B·G x 1 x L x C).
bool maxvit_heads(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  int t = 0;
  if (d.size() != 5 || d[0] != s.n || d[1] != s.h || d[2] != s.w || d[3] * d[4] != s.c) return false;
  if (!g.sole_is(g.output(i), "Transpose", t) || g.ints_attr(t, "perm", {}) != Dims{0, 1, 3, 2, 4}) return false;
  c.consume({t});
  const std::string v = c.add(i, {x.tensor}, Reshape{{s.n * s.h, 1, s.w, s.c}});
  c.set(g.output(t), Value::head_view(v, d[3], {0, d[4]}, true));
  return true;
}

// Per-head x (B·G x heads x L x dh) Transposed (0, 1, 3, 2, 4) and Reshaped to B x G x L x C: the heads
// merged back into the windows.
bool maxvit_merge_heads(Context& c, int i, const Value& x) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  int r = 0;
  if (!x.transposed || x.view.offset != 0 || x.view.size * x.heads != s.c || !g.sole_is(g.output(i), "Reshape", r))
    return false;
  const Dims d = maxvit_target(c, r, {s.n, 1, s.pixels(), x.heads, x.view.size});
  if (d.size() != 4 || d[0] * d[1] != s.n || d[2] != s.pixels() || d[3] != s.c) return false;
  c.consume({r});
  c.set(g.output(r), Value::of(Kind::nhwc, c.add(r, {x.tensor}, Reshape{{d[0], d[1], d[2], d[3]}})));
  return true;
}

}  // namespace

bool maxvit_partition(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  int tr = 0, r2 = 0, swap = 0;
  if (x.kind != Kind::nchw || x.rank != 4 || d.size() != 6 || d[0] != s.n || d[1] != s.c || d[2] * d[3] != s.h ||
      d[4] * d[5] != s.w)
    return false;
  if (!g.sole_is(g.output(i), "Transpose", tr) || g.ints_attr(tr, "perm", {}) != Dims{0, 2, 4, 3, 5, 1}) return false;
  if (!g.sole_is(g.output(tr), "Reshape", r2)) return false;
  const int64_t blocks = d[2] * d[4], pixels = d[3] * d[5];
  if (maxvit_target(c, r2, {d[0], d[2], d[4], d[3], d[5], d[1]}) != Dims{s.n, blocks, pixels, s.c}) return false;
  WindowPartition p;
  p.window = {d[3], d[5]};
  p.grid = {d[2], d[4]};
  c.consume({tr, r2});
  const std::string w = c.add(i, {x.tensor}, p);
  const ShapeNhwc windows{s.n, blocks, pixels, s.c};
  const std::string blocked = c.add(r2, {w}, Reshape{windows});
  // The grid swaps windows and tokens: window (i, j) of p x p then holds the pixels (a·p + i, b·p + j).
  if (g.sole_is(g.output(r2), "Transpose", swap) && g.ints_attr(swap, "perm", {}) == Dims{0, 2, 1, 3}) {
    c.consume({swap});
    c.set(g.output(swap), Value::of(Kind::nhwc, swapped_windows(c, swap, blocked, windows)));
    return true;
  }
  c.set(g.output(r2), Value::of(Kind::nhwc, blocked));
  return true;
}

bool maxvit_windows_reshape(Context& c, int i, const Value& x, const Dims& d) {
  if (x.kind != Kind::nhwc || x.rank != 4 || x.seq_first) return false;
  if (d.size() == 5) return maxvit_heads(c, i, x, d);
  return d.size() == 6 && maxvit_departition(c, i, x, std::nullopt);
}

bool maxvit_transpose(Context& c, int i, const Value& x, const Dims& p) {
  const Graph& g = c.g;
  if (x.kind == Kind::heads && p == Dims{0, 1, 3, 2, 4}) return maxvit_merge_heads(c, i, x);
  int r = 0;
  if (x.kind != Kind::nhwc || x.rank != 4 || x.seq_first || p != Dims{0, 2, 1, 3} ||
      !g.sole_is(g.output(i), "Reshape", r))
    return false;
  return maxvit_departition(c, r, x, i);
}

bool einsum_transposes_b(const Graph& g, int i) {
  const std::string equation = g.string_attr(i, "equation", "");
  std::string e;
  for (char ch : equation)
    if (!std::isspace(static_cast<unsigned char>(ch))) e += ch;
  const auto comma = e.find(','), arrow = e.find("->");
  auto refuse = [&] {
    g.fail(i, "torch.einsum \"" + equation +
                  "\" is supported only as a batched matrix product (...ik,...kj->...ij or ...ik,...jk->...ij)");
  };
  if (comma == std::string::npos || arrow == std::string::npos || arrow < comma || g.at(i).input_size() != 2) refuse();
  const std::string a = e.substr(0, comma), b = e.substr(comma + 1, arrow - comma - 1), out = e.substr(arrow + 2);
  const size_t n = a.size();
  if (n < 3 || b.size() != n || out.size() != n || !std::all_of(e.begin(), e.end(), [](char ch) {
        return std::isalpha(static_cast<unsigned char>(ch)) || ch == ',' || ch == '-' || ch == '>';
      }))
    refuse();
  const std::string batch = a.substr(0, n - 2);
  const char row = a[n - 2], inner = a[n - 1], col = out[n - 1];
  if (b.substr(0, n - 2) != batch || out.substr(0, n - 2) != batch || out[n - 2] != row || row == inner || col == row ||
      col == inner)
    refuse();
  for (char ch : {row, inner, col})
    if (batch.find(ch) != std::string::npos) refuse();
  if (b[n - 2] == inner && b[n - 1] == col) return false;
  if (b[n - 2] != col || b[n - 1] != inner) refuse();
  return true;
}

}  // namespace cpx::profiler::onnx_import
