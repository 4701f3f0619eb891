// See import_windows.hpp.
#include "profiler/interop/onnx/import_windows.hpp"

#include <algorithm>
#include <cmath>

#include "profiler/interop/onnx/import_fold.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Kind = Value::Kind;

int producer(const Graph& g, const std::string& tensor) {
  for (int p = 0; p < g.size(); ++p)
    for (const auto& o : g.at(p).output())
      if (o == tensor) return p;
  return -1;
}

// The nodes reading `tensor` for its values: Shape nodes read only its (static) shape and fold.
std::vector<int> value_readers(const Graph& g, const std::string& tensor) {
  std::vector<int> out;
  for (int k : g.consumers(tensor))
    if (g.at(k).op_type() != "Shape") out.push_back(k);
  return out;
}

const Constant* constant_now(Context& c, const std::string& tensor) {
  fold_upstream(c, tensor);
  return c.g.constant(tensor);
}

// A Reshape's target with its 0s and one -1 resolved against `in` (its input's dims); none if not constant
// or not holding the elements.
std::optional<Dims> target_of(Context& c, int r, const Dims& in) {
  const Constant* k = constant_now(c, c.g.input(r, 1));
  if (!k || c.g.int_attr(r, "allowzero", 0) != 0) return std::nullopt;
  int64_t elements = 1, known = 1, unknown = -1;
  for (int64_t v : in) elements *= v;
  Dims d;
  for (double v : k->values) {
    const auto n = as_integer(v);
    if (!n || *n < -1 || (*n == 0 && d.size() >= in.size())) return std::nullopt;
    d.push_back(*n == 0 ? in[d.size()] : *n);
  }
  for (size_t j = 0; j < d.size(); ++j) {
    if (d[j] == -1 && unknown < 0) unknown = static_cast<int64_t>(j);
    else if (d[j] < 1) return std::nullopt;
    else known *= d[j];
  }
  if (unknown >= 0 && known > 0 && elements % known == 0) d[static_cast<size_t>(unknown)] = elements / known;
  int64_t total = 1;
  for (int64_t v : d) total *= v;
  if (total != elements) return std::nullopt;
  return d;
}

struct SliceSpec {
  int64_t axis = 0, start = 0, end = 0, step = 1;
};

// Node i's slice of one axis, clamped against dims as ONNX clamps a positive step; none otherwise.
std::optional<SliceSpec> slice_spec(Context& c, int i, const Dims& dims) {
  const Graph& g = c.g;
  if (g.at(i).op_type() != "Slice") return std::nullopt;
  auto one = [&](int k, int64_t absent) -> std::optional<int64_t> {
    if (!g.has_input(i, k)) return absent;
    const Constant* v = constant_now(c, g.input(i, k));
    if (!v || v->values.size() != 1) return std::nullopt;
    return as_integer(v->values[0]);
  };
  const auto start = one(1, 0), end = one(2, 0), axis = one(3, 0), step = one(4, 1);
  if (!g.has_input(i, 1) || !g.has_input(i, 2) || !start || !end || !axis || !step || *step < 1) return std::nullopt;
  const auto rank = static_cast<int64_t>(dims.size());
  if (*axis < -rank || *axis >= rank) return std::nullopt;
  SliceSpec s;
  s.axis = *axis < 0 ? *axis + rank : *axis;
  const int64_t d = dims[static_cast<size_t>(s.axis)];
  auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + d : v, int64_t{0}, d); };
  s.start = clamp(*start);
  s.end = clamp(*end);
  s.step = *step;
  return s;
}

int64_t axis_of(const Graph& g, int i, size_t rank) {
  const int64_t a = g.int_attr(i, "axis", 0);
  return a < 0 ? a + static_cast<int64_t>(rank) : a;
}

struct Roll {
  int64_t axis = 0, shift = 0;  // map pixel y is x's (y + shift) mod size
  std::vector<int> nodes;
  std::string output;
};

// torch.roll of x along H or W as PyTorch exports it: exactly two Slices of x, [k, size) and [0, k),
// concatenated in that order along the same axis.
std::optional<Roll> roll_of(Context& c, const std::string& x, const Dims& d) {
  const Graph& g = c.g;
  const std::vector<int> readers = value_readers(g, x);
  if (readers.size() != 2 || g.is_graph_output(x)) return std::nullopt;
  std::optional<SliceSpec> s[2];
  int cat[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    s[k] = slice_spec(c, readers[static_cast<size_t>(k)], d);
    if (!s[k] || s[k]->step != 1 || (s[k]->axis != 1 && s[k]->axis != 2) ||
        !g.sole_is(g.output(readers[static_cast<size_t>(k)]), "Concat", cat[k]))
      return std::nullopt;
  }
  if (cat[0] != cat[1] || s[0]->axis != s[1]->axis || g.at(cat[0]).input_size() != 2 ||
      axis_of(g, cat[0], 4) != s[0]->axis)
    return std::nullopt;
  const int first = g.input(cat[0], 0) == g.output(readers[0]) ? 0 : 1;
  const SliceSpec& a = *s[first];
  const SliceSpec& b = *s[1 - first];
  if (g.input(cat[0], 1 - first) == g.input(cat[0], first) || a.end != d[static_cast<size_t>(a.axis)] || b.start != 0 ||
      b.end != a.start)
    return std::nullopt;
  return Roll{a.axis, a.start % d[static_cast<size_t>(a.axis)], {readers[0], readers[1], cat[0]}, g.output(cat[0])};
}

// Up to one roll per axis after x (dims d of N x H x W x C): the shifts and the nodes; output x if none.
Roll rolls_after(Context& c, const std::string& x, const Dims& d) {
  Roll total{0, 0, {}, x};
  std::array<int64_t, 2> shift{0, 0};
  for (int k = 0; k < 2; ++k) {
    const auto r = roll_of(c, total.output, d);
    if (!r || shift[static_cast<size_t>(r->axis - 1)] != 0) break;
    shift[static_cast<size_t>(r->axis - 1)] = r->shift;
    total.nodes.insert(total.nodes.end(), r->nodes.begin(), r->nodes.end());
    total.output = r->output;
  }
  total.axis = shift[0];  // H's shift, W's in .shift
  total.shift = shift[1];
  return total;
}

struct Partition {
  WindowPartition op;
  std::vector<int> nodes;
  std::string output;
  size_t rank = 3;  // of the windows: tokens N·windows x wh·ww x C, or N·windows x wh x ww x C
};

// Reshape r of the map (dims N x H x W x C) to N x gh x wh x gw x ww x C, Transpose(0, 1, 3, 2, 4, 5),
// Reshape to N·gh·gw x wh·ww x C (or x wh x ww x C): Swin's window partition.
std::optional<Partition> partition_at(Context& c, int r, const Dims& d) {
  const Graph& g = c.g;
  const auto t = target_of(c, r, d);
  int tr = 0, r2 = 0;
  if (!t || t->size() != 6 || (*t)[0] != d[0] || (*t)[1] * (*t)[2] != d[1] || (*t)[3] * (*t)[4] != d[2] ||
      (*t)[5] != d[3])
    return std::nullopt;
  if (!g.sole_is(g.output(r), "Transpose", tr)) return std::nullopt;
  const Dims perm = g.ints_attr(tr, "perm", {});
  const bool column =
      perm == Dims{0, 1, 3, 4, 2, 5};  // each window's pixels column-major (our export of patch merging)
  if (perm != Dims{0, 1, 3, 2, 4, 5} && !column) return std::nullopt;
  if (!g.sole_is(g.output(tr), "Reshape", r2)) return std::nullopt;
  const Dims& s = *t;
  const auto back = target_of(c, r2, {s[0], s[1], s[3], column ? s[4] : s[2], column ? s[2] : s[4], s[5]});
  const int64_t windows = s[0] * s[1] * s[3];
  const Dims hw = column ? Dims{windows, s[4], s[2], s[5]} : Dims{windows, s[2], s[4], s[5]};
  if (!back || (*back != Dims{windows, s[2] * s[4], s[5]} && *back != hw)) return std::nullopt;
  Partition p;
  p.op.column_major = column;
  p.op.window = {s[2], s[4]};
  p.op.grid = {s[1], s[3]};
  p.nodes = {tr, r2};
  p.output = g.output(r2);
  p.rank = back->size();
  return p;
}

// Reshape r of windows (dims M x wh·ww x C or M x wh x ww x C) to N x gh x gw x wh x ww x C,
// Transpose(0, 1, 3, 2, 4, 5), Reshape to N x H x W x C, then any roll: Swin's window reverse.
std::optional<Partition> reverse_at(Context& c, int r, const Dims& d) {
  const Graph& g = c.g;
  const auto t = target_of(c, r, d);
  int tr = 0, r2 = 0;
  if (!t || t->size() != 6 || (*t)[0] * (*t)[1] * (*t)[2] != d[0] || (*t)[5] != d.back()) return std::nullopt;
  const Dims& s = *t;
  if ((d.size() == 3 && s[3] * s[4] != d[1]) || (d.size() == 4 && (s[3] != d[1] || s[4] != d[2]))) return std::nullopt;
  if (!g.sole_is(g.output(r), "Transpose", tr) || g.ints_attr(tr, "perm", {}) != Dims{0, 1, 3, 2, 4, 5})
    return std::nullopt;
  if (!g.sole_is(g.output(tr), "Reshape", r2)) return std::nullopt;
  const Dims map{s[0], s[1] * s[3], s[2] * s[4], s[5]};
  if (target_of(c, r2, {s[0], s[1], s[3], s[2], s[4], s[5]}) != map) return std::nullopt;
  Partition p;
  p.op.window = {s[3], s[4]};
  p.op.grid = {s[1], s[2]};
  p.op.reverse = true;
  p.nodes = {tr, r2};
  const Roll roll = rolls_after(c, g.output(r2), map);
  // A roll by -k after the reverse is the reverse with shift (size - k) mod size.
  p.op.shift = {(map[1] - roll.axis) % map[1], (map[2] - roll.shift) % map[2]};
  p.nodes.insert(p.nodes.end(), roll.nodes.begin(), roll.nodes.end());
  p.output = roll.output;
  p.rank = 4;
  // Then x[:, :H, :W, :]: a Slice of H from 0, of W from 0 (each may keep all), the crop of the padding.
  Dims cropped = map;
  for (int k = 0; k < 2; ++k) {
    int crop = 0;
    if (!g.sole_is(p.output, "Slice", crop)) break;
    const auto spec = slice_spec(c, crop, cropped);
    if (!spec || spec->step != 1 || spec->start != 0 || (spec->axis != 1 && spec->axis != 2) || spec->end < 1) break;
    cropped[static_cast<size_t>(spec->axis)] = spec->end;
    p.nodes.push_back(crop);
    p.output = g.output(crop);
  }
  if (cropped != map) p.op.map = {cropped[1], cropped[2]};
  return p;
}

void add_partition(Context& c, int i, const Value& x, const Partition& p) {
  c.consume(p.nodes);
  Value v = Value::of(Kind::nhwc, c.add(i, {x.tensor}, p.op));
  v.rank = p.rank;
  c.set(p.output, v);
}

// Patch merging: four strided slices x[..., a::2, b::2, :] (a Slice of H then of W, or W then H) joined
// by one Concat along channels; column-major (a, b) = (0,0), (1,0), (0,1), (1,1) as torchvision orders
// them, or row-major. Started at the first of them, node i.
bool patch_merging(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  std::vector<int> nodes;
  std::map<std::string, std::array<int64_t, 2>> leaves;  // tensor -> (a, b)
  int cat = -1;
  for (int s1 : value_readers(g, g.input(i, 0))) {
    const auto a = slice_spec(c, s1, d);
    if (!a || a->step != 2 || (a->axis != 1 && a->axis != 2) || a->start > 1 ||
        a->end != d[static_cast<size_t>(a->axis)])
      return false;
    nodes.push_back(s1);
    for (int s2 : value_readers(g, g.output(s1))) {
      const auto b = slice_spec(c, s2, d);
      int k = 0;
      if (!b || b->step != 2 || b->axis == a->axis || (b->axis != 1 && b->axis != 2) || b->start > 1 ||
          !g.sole_is(g.output(s2), "Concat", k))
        return false;
      if (cat >= 0 && k != cat) return false;
      cat = k;
      nodes.push_back(s2);
      leaves[g.output(s2)] =
          a->axis == 1 ? std::array<int64_t, 2>{a->start, b->start} : std::array<int64_t, 2>{b->start, a->start};
    }
  }
  if (cat < 0 || g.at(cat).input_size() != 4 || axis_of(g, cat, 4) != 3 || leaves.size() != 4 || d[1] % 2 || d[2] % 2)
    return false;
  std::vector<std::array<int64_t, 2>> order;
  for (int k = 0; k < 4; ++k) {
    const auto it = leaves.find(g.input(cat, k));
    if (it == leaves.end()) return false;
    order.push_back(it->second);
  }
  const bool column = order == std::vector<std::array<int64_t, 2>>{{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  const bool row = order == std::vector<std::array<int64_t, 2>>{{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  if (!column && !row)
    g.fail(cat,
           "a concatenation of 2 x 2 strided slices in an order other than Swin's patch merging (column-major) or "
           "row-major");
  nodes.push_back(cat);
  c.consume(nodes);
  WindowPartition p;
  p.window = {2, 2};
  p.grid = {d[1] / 2, d[2] / 2};
  p.column_major = column;
  const std::string w = c.add(i, {x.tensor}, p);
  c.set(g.output(cat), Value::of(Kind::nhwc, c.add(cat, {w}, Reshape{{d[0], d[1] / 2, d[2] / 2, 4 * d[3]}})));
  return true;
}

// The float initializers whose values reach `tensor` (the parameters a folded constant was computed from).
int64_t upstream_parameters(const Graph& g, const std::string& tensor, std::set<std::string>& seen, int depth = 0) {
  if (depth > 64 || !seen.insert(tensor).second) return 0;
  for (const auto& t : g.proto().initializer())
    if (t.name() == tensor) {
      if (t.data_type() != onnx::TensorProto::FLOAT) return 0;
      int64_t n = 1;
      for (int64_t v : t.dims()) n *= v;
      return n;
    }
  const int p = producer(g, tensor);
  if (p < 0) return 0;
  int64_t n = 0;
  for (int k = 0; k < g.at(p).input_size(); ++k) n += upstream_parameters(g, g.input(p, k), seen, depth + 1);
  return n;
}

// After scores + bias at node `add`: Reshape to N x windows x heads x L x L, Add of a mask constant
// 1 x windows x 1 x L x L, Reshape back: the shifted windows' mask. Its values per window (windows x L x L).
struct Mask {
  int64_t windows = 1;
  std::vector<float> values;
  std::vector<int> nodes;
  std::string output;
};
std::optional<Mask> mask_after(Context& c, int add, const Dims& scores) {
  const Graph& g = c.g;
  int r5 = 0, a2 = 0, r4 = 0;
  if (!g.sole_is(g.output(add), "Reshape", r5)) return std::nullopt;
  const auto t = target_of(c, r5, scores);
  if (!t || t->size() != 5 || (*t)[0] * (*t)[1] != scores[0] || (*t)[2] != scores[1] || (*t)[3] != scores[2] ||
      (*t)[4] != scores[3])
    return std::nullopt;
  if (!g.sole_is(g.output(r5), "Add", a2)) return std::nullopt;
  const std::string other = g.input(a2, 0) == g.output(r5) ? g.input(a2, 1) : g.input(a2, 0);
  const Constant* m = constant_now(c, other);
  const int64_t windows = (*t)[1], L = scores[2];
  if (!m || m->dims != Dims{1, windows, 1, L, L} || m->values.size() != static_cast<size_t>(windows * L * L))
    return std::nullopt;
  if (!g.sole_is(g.output(a2), "Reshape", r4) || target_of(c, r4, *t) != scores) return std::nullopt;
  return Mask{windows, std::vector<float>(m->values.begin(), m->values.end()), {r5, a2, r4}, g.output(r4)};
}

// Scores (a per-head view N x heads x L x L) + a constant heads x L x L: the relative position bias, with
// the mask after it when there is one; one attention_bias whose table is the initializer it was gathered from.
bool heads_bias(Context& c, int i, const Value& x, int constant_input) {
  const Graph& g = c.g;
  const Constant* k = g.constant(g.input(i, constant_input));
  const ShapeNhwc& s = c.shape(x);
  const int64_t L = s.pixels();
  if (!x.transposed || x.view.offset != 0 || x.view.size != L || x.heads * L != s.c ||
      k->count() != static_cast<size_t>(s.c * L))
    return false;
  const std::vector<float> bias = floats(*k);  // heads x L(query) x L(key)
  const auto mask = mask_after(c, i, c.dims(x));
  const int64_t windows = mask ? mask->windows : 1;
  std::set<std::string> seen;
  const int64_t table = upstream_parameters(g, g.input(i, constant_input), seen);
  AttentionBias op{x.heads, table > 0 && table % x.heads == 0 ? table / x.heads : L * L};
  op.windows = windows;
  OpWeights w;
  w.weight.resize(static_cast<size_t>(windows * L * s.c));
  for (int64_t b = 0; b < windows; ++b)
    for (int64_t q = 0; q < L; ++q)
      for (int64_t h = 0; h < x.heads; ++h)
        for (int64_t j = 0; j < L; ++j)
          w.weight[static_cast<size_t>((b * L + q) * s.c + h * L + j)] =
              bias[static_cast<size_t>((h * L + q) * L + j)] +
              (mask ? mask->values[static_cast<size_t>((b * L + q) * L + j)] : 0.0f);
  const std::string t = c.add(i, {x.tensor}, op);
  c.weigh(std::move(w));
  if (mask) c.consume(mask->nodes);
  c.set(mask ? mask->output : g.output(i), Value::head_view(t, x.heads, x.view, true));
  return true;
}

// Our own export of an attention_bias with per-window blocks: N x C x H x W reshaped to N/windows x windows
// x C x H x W, plus a constant windows x C x H x W, reshaped back (one head: the heads are not recoverable
// from the NCHW form, as for the one-block bias).
bool windowed_bias(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  const ShapeNhwc s = c.shape(x);
  int add = 0, back = 0;
  if (x.rank != 4 || d.size() != 5 || d[0] * d[1] != s.n || d[2] != s.c || d[3] != s.h || d[4] != s.w ||
      !g.sole_is(g.output(i), "Add", add))
    return false;
  const std::string other = g.input(add, 0) == g.output(i) ? g.input(add, 1) : g.input(add, 0);
  const Constant* k = constant_now(c, other);
  const int64_t windows = d[1], per = s.c * s.pixels();
  if (!k || k->count() != static_cast<size_t>(windows * per) || !g.sole_is(g.output(add), "Reshape", back) ||
      target_of(c, back, d) != Dims{s.n, s.c, s.h, s.w})
    return false;
  c.consume({add, back});
  AttentionBias op{1, per};
  op.windows = windows;
  const std::vector<float> chw = floats(*k);
  OpWeights w;
  w.weight.resize(chw.size());
  for (int64_t b = 0; b < windows; ++b)
    for (int64_t ch = 0; ch < s.c; ++ch)
      for (int64_t p = 0; p < s.pixels(); ++p)
        w.weight[static_cast<size_t>((b * s.pixels() + p) * s.c + ch)] =
            chw[static_cast<size_t>((b * s.c + ch) * s.pixels() + p)];
  c.set_nchw(g.output(back), c.add(i, {x.tensor}, op));
  c.weigh(std::move(w));
  return true;
}

}  // namespace

// Depth-bounded; fold() decides what folds.
void fold_upstream(Context& c, const std::string& tensor, int depth) {
  Graph& g = c.g;
  if (tensor.empty() || g.constant(tensor) || c.has(tensor) || depth > 64) return;
  const int p = producer(g, tensor);
  if (p < 0 || g.done(p)) return;
  for (int k = 0; k < g.at(p).input_size(); ++k) fold_upstream(c, g.input(p, k), depth + 1);
  // A Shape of a tensor neither constant nor imported yet stays for the translation to fold.
  if (g.at(p).op_type() == "Shape" && !g.constant(g.input(p, 0)) && !c.has(g.input(p, 0))) return;
  if (fold(c, p)) g.mark_done(p);
}

void pad_channels_last(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.input_value(i);
  if (x.rank != 4) g.fail(i, "a Pad of channels-last tokens (rank " + std::to_string(x.rank) + ") is not supported");
  if (g.pad_fill(i) != 0.0) g.fail(i, "only zero padding of the channels-last map is supported");
  const Constant* p = constant_now(c, g.input(i, 1));
  if (!p) g.fail(i, "pads are not constant");
  const auto& v = p->values;
  if (v.size() != 8 || v[0] != 0 || v[3] != 0 || v[4] != 0 || v[7] != 0)
    g.fail(i, "only padding of H and W of the channels-last N x H x W x C map (8 pads, zero on N and C) is supported");
  for (double q : v)
    if (q < 0) g.fail(i, "negative pads (cropping) are not supported");
  const Padding q{g.integer(i, v[1]), g.integer(i, v[5]), g.integer(i, v[2]), g.integer(i, v[6])};
  if (q == Padding{}) return c.set(g.output(i), x);
  c.set(g.output(i), Value::of(Kind::nhwc, c.add(i, {x.tensor}, Pad{q})));
}

bool slice_channels_last(Context& c, int i) {
  const Graph& g = c.g;
  const Value& x = c.input_value(i);
  if (x.kind != Kind::nhwc || x.rank != 4) return false;
  const Dims d = c.dims(x);
  const auto s = slice_spec(c, i, d);
  if (!s) g.fail(i, "a slice of the channels-last map must have constant starts, ends, one axis and a positive step");
  if (s->step == 2 && patch_merging(c, i, x, d)) return true;
  if (s->step == 1 && (s->axis == 1 || s->axis == 2)) {
    const Roll roll = rolls_after(c, g.input(i, 0), d);
    int r = 0;
    if (!roll.nodes.empty() && g.sole_is(roll.output, "Reshape", r)) {
      if (auto p = partition_at(c, r, d)) {
        p->op.shift = {roll.axis, roll.shift};
        p->nodes.insert(p->nodes.begin(), roll.nodes.begin(), roll.nodes.end());
        p->nodes.push_back(r);
        add_partition(c, i, x, *p);
        return true;
      }
    }
    if (!roll.nodes.empty())
      g.fail(i,
             "a torch.roll of the channels-last map (Swin's shifted windows) is supported only before its window "
             "partition");
  }
  if (s->step == 1 && s->start == 0 && s->end == d[static_cast<size_t>(s->axis)]) {
    c.set(g.output(i), x);  // the crop of nothing after Swin's window reverse (x[:, :H, :W, :])
    return true;
  }
  if (s->axis == 3 && s->step == 1) return false;  // channels: the usual slice
  g.fail(i, "this slice of the channels-last N x H x W x C map (axis " + std::to_string(s->axis) + ", step " +
                std::to_string(s->step) + ") is neither Swin's roll, its patch merging nor a crop of nothing");
}

bool reshape_windows(Context& c, int i, const Value& x, const Dims& d) {
  const Graph& g = c.g;
  if (x.kind == Kind::nchw) return windowed_bias(c, i, x, d);
  if (x.kind != Kind::nhwc) return false;
  const Dims in = c.dims(x);
  if (d.size() == 6) {
    auto p = x.rank == 4 ? partition_at(c, i, in) : std::nullopt;
    if (!p) p = reverse_at(c, i, in);
    if (!p) return false;
    add_partition(c, i, x, *p);
    return true;
  }
  // Tokens N x L x C to N x L x P x heads x d, Transpose(2, 0, 3, 1, 4), Gathers of parts 0..P-1 on axis
  // 0: Swin's qkv[0], qkv[1], qkv[2]. Each part is a per-head view N x heads x L x d of its channel slice.
  int t = 0;
  if (x.rank != 3 || d.size() != 5 || d[0] != in[0] || d[1] != in[1] || d[2] * d[3] * d[4] != in[2]) return false;
  if (!g.sole_is(g.output(i), "Transpose", t) || g.ints_attr(t, "perm", {}) != Dims{2, 0, 3, 1, 4}) return false;
  const std::vector<int> gathers = g.consumers(g.output(t));
  std::vector<int64_t> parts;
  for (int k : gathers) {
    const Constant* index = g.at(k).op_type() == "Gather" ? constant_now(c, g.input(k, 1)) : nullptr;
    if (!index || !index->dims.empty() || index->values.size() != 1 || axis_of(g, k, 5) != 0) return false;
    const auto part = as_integer(index->values[0]);
    if (!part || *part < 0 || *part >= d[2]) return false;
    parts.push_back(*part);
  }
  c.consume({t});
  c.consume(gathers);
  const int64_t size = d[3] * d[4];
  for (size_t k = 0; k < gathers.size(); ++k) {
    const std::string part = c.add(gathers[k], {x.tensor}, Slice{parts[k] * size, (parts[k] + 1) * size});
    c.set(g.output(gathers[k]), Value::head_view(part, d[3], {0, d[4]}, true));
  }
  return true;
}

bool heads_arithmetic(Context& c, int i) {
  const Graph& g = c.g;
  const std::string& type = g.at(i).op_type();
  if (type != "Mul" && type != "Add") return false;
  const int k = g.constant(g.input(i, 0)) ? 0 : 1;
  if (!g.constant(g.input(i, k)) || g.constant(g.input(i, 1 - k)) || !c.has(g.input(i, 1 - k))) return false;
  const Value& x = c.input_value(i, 1 - k);
  if (x.kind != Kind::heads) return false;
  if (type == "Add") return heads_bias(c, i, x, k);
  const auto scale = g.scalar(g.input(i, k));
  if (!scale) return false;
  Value v = x;
  v.tensor = c.add(i, {x.tensor}, Affine{Graph::decimal(*scale), 0});
  c.set(g.output(i), v);
  return true;
}

}  // namespace cpx::profiler::onnx_import
