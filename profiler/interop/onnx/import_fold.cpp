#include "profiler/interop/onnx/import_fold.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

#include "space/error.hpp"

namespace cpx::profiler::onnx_import {

namespace {

using Inputs = std::vector<const Constant*>;  // null for an absent optional input
using Folded = std::optional<Constant>;

// Shape arithmetic is small; a fold that would make more elements than this is left to the translation
// table (a hostile file cannot make the importer allocate gigabytes by a ConstantOfShape).
constexpr int64_t max_folded_elements = int64_t{1} << 22;

// The element count of dims, or -1 past max_folded_elements (checked before each product).
int64_t elements(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) {
    if (v < 0 || (v > 0 && n > max_folded_elements / v)) return -1;
    n *= v;
  }
  return n;
}

Dims strides(const Dims& d) {
  Dims s(d.size(), 1);
  for (size_t k = d.size(); k-- > 1;) s[k - 1] = s[k] * d[k];
  return s;
}

// An axis attribute or value against `rank`, negative counting from the end; fails out of range.
int64_t axis_in(const Graph& g, int i, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    g.fail(i, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
  return axis < 0 ? axis + r : axis;
}

Dims integers(const Graph& g, int i, const Constant& k) {
  Dims d;
  for (double v : k.values) d.push_back(g.integer(i, v));
  return d;
}

// A constant's integer values, from input `k` when the node has it, else from the attribute (older opsets).
std::optional<Dims> input_or_attribute(const Graph& g, int i, const Inputs& in, size_t k,
                                       const std::string& attribute) {
  if (in.size() > k && in[k]) return integers(g, i, *in[k]);
  if (g.attribute(i, attribute)) return g.ints_attr(i, attribute, {});
  return std::nullopt;
}

bool usable(const Constant* k) { return k && elements(k->dims) == static_cast<int64_t>(k->values.size()); }

// ----- elementwise, with numpy broadcasting -----

using Scalar = double (*)(const double* x, bool integer);

double add(const double* x, bool) { return x[0] + x[1]; }
double sub(const double* x, bool) { return x[0] - x[1]; }
double mul(const double* x, bool) { return x[0] * x[1]; }
double div(const double* x, bool integer) {
  if (integer) return x[1] == 0 ? 0 : std::trunc(x[0] / x[1]);
  return x[0] / x[1];
}
double mod(const double* x, bool) { return x[1] == 0 ? 0 : std::fmod(x[0], x[1]); }
double pow(const double* x, bool) { return std::pow(x[0], x[1]); }
double max(const double* x, bool) { return std::max(x[0], x[1]); }
double min(const double* x, bool) { return std::min(x[0], x[1]); }
double equal(const double* x, bool) { return x[0] == x[1]; }
double less(const double* x, bool) { return x[0] < x[1]; }
double greater(const double* x, bool) { return x[0] > x[1]; }
double logical_not(const double* x, bool) { return x[0] == 0; }
double where(const double* x, bool) { return x[0] != 0 ? x[1] : x[2]; }
double sqrt(const double* x, bool) { return std::sqrt(x[0]); }
double neg(const double* x, bool) { return -x[0]; }
double reciprocal(const double* x, bool) { return 1 / x[0]; }

// The broadcast dims of the inputs (right-aligned, 1 stretches), or none if they do not broadcast.
std::optional<Dims> broadcast(const Inputs& in) {
  size_t rank = 0;
  for (const Constant* k : in) rank = std::max(rank, k->dims.size());
  Dims out(rank, 1);
  for (const Constant* k : in)
    for (size_t j = 0; j < k->dims.size(); ++j) {
      int64_t& o = out[rank - k->dims.size() + j];
      const int64_t d = k->dims[j];
      if (d != o && d != 1 && o != 1) return std::nullopt;
      if (d != 1) o = d;
    }
  return out;
}

// Comparisons and Not give booleans (integers here); Where takes its type from its two branches.
template <Scalar f, size_t arity, bool boolean = false>
Folded elementwise(const Graph&, int, const Inputs& in) {
  if (in.size() != arity) return std::nullopt;
  const auto out = broadcast(in);
  const int64_t n = out ? elements(*out) : -1;
  if (n < 0) return std::nullopt;
  const bool integer = arity == 3 ? in[1]->integer && in[2]->integer : in[0]->integer;
  std::vector<Dims> stride(arity);
  for (size_t a = 0; a < arity; ++a) {
    const Dims s = strides(in[a]->dims);
    stride[a].assign(out->size(), 0);  // 0 along the axes this input broadcasts over
    const size_t lead = out->size() - in[a]->dims.size();
    for (size_t j = 0; j < in[a]->dims.size(); ++j)
      if (in[a]->dims[j] != 1) stride[a][lead + j] = s[j];
  }
  Constant c;
  c.dims = *out;
  c.integer = boolean || integer;
  c.values.resize(static_cast<size_t>(n));
  const Dims out_strides = strides(*out);
  double x[3] = {0, 0, 0};
  for (int64_t e = 0; e < n; ++e) {
    for (size_t a = 0; a < arity; ++a) {
      int64_t at = 0;
      for (size_t j = 0; j < out->size(); ++j) at += (e / out_strides[j]) % (*out)[j] * stride[a][j];
      x[a] = in[a]->values[static_cast<size_t>(at)];
    }
    c.values[static_cast<size_t>(e)] = f(x, integer);
  }
  return c;
}

// ----- shape and indexing -----

bool is_integer_type(int64_t onnx_type) {
  using T = onnx::TensorProto;
  return onnx_type == T::INT64 || onnx_type == T::INT32 || onnx_type == T::INT16 || onnx_type == T::INT8 ||
         onnx_type == T::UINT64 || onnx_type == T::UINT32 || onnx_type == T::UINT16 || onnx_type == T::UINT8 ||
         onnx_type == T::BOOL;
}

Folded cast(const Graph& g, int i, const Inputs& in) {
  const int64_t to = g.int_attr(i, "to", 0);
  Constant c = *in[0];
  c.integer = is_integer_type(to);
  for (double& v : c.values) {
    if (to == onnx::TensorProto::BOOL) v = v != 0;
    else if (c.integer) v = std::trunc(v);
  }
  return c;
}

// Shape's [start, end) of dims (opset 15), clamped as the operator clamps them.
Constant shape_of(const Graph& g, int i, const Dims& dims) {
  const auto r = static_cast<int64_t>(dims.size());
  auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(g.int_attr(i, "start", 0)), end = clamp(g.int_attr(i, "end", r));
  Constant c;
  c.integer = true;
  for (int64_t k = start; k < end; ++k) c.values.push_back(static_cast<double>(dims[static_cast<size_t>(k)]));
  c.dims = {static_cast<int64_t>(c.values.size())};
  return c;
}

Folded gather(const Graph& g, int i, const Inputs& in) {
  if (in.size() != 2 || in[0]->dims.empty()) return std::nullopt;
  const Constant& data = *in[0];
  const int64_t axis = axis_in(g, i, g.int_attr(i, "axis", 0), data.dims.size());
  const int64_t size = data.dims[static_cast<size_t>(axis)];
  Dims out(data.dims.begin(), data.dims.begin() + axis);
  out.insert(out.end(), in[1]->dims.begin(), in[1]->dims.end());
  out.insert(out.end(), data.dims.begin() + axis + 1, data.dims.end());
  if (elements(out) < 0) return std::nullopt;
  const int64_t outer = elements(Dims(data.dims.begin(), data.dims.begin() + axis));
  const int64_t inner = elements(Dims(data.dims.begin() + axis + 1, data.dims.end()));
  Constant c;
  c.dims = out;
  c.integer = data.integer;
  for (int64_t o = 0; o < outer; ++o)
    for (double index : in[1]->values) {
      int64_t k = g.integer(i, index);
      if (k < -size || k >= size)
        g.fail(i, "index " + std::to_string(k) + " is out of range [" + std::to_string(-size) + ", " +
                      std::to_string(size) + ")");
      if (k < 0) k += size;
      const auto at = data.values.begin() + (o * size + k) * inner;
      c.values.insert(c.values.end(), at, at + inner);
    }
  return c;
}

Folded unsqueeze(const Graph& g, int i, const Inputs& in) {
  const auto axes = input_or_attribute(g, i, in, 1, "axes");
  if (!axes) return std::nullopt;
  Constant c = *in[0];
  const size_t rank = c.dims.size() + axes->size();
  Dims sorted;
  for (int64_t a : *axes) sorted.push_back(axis_in(g, i, a, rank));
  std::sort(sorted.begin(), sorted.end());
  for (int64_t a : sorted) c.dims.insert(c.dims.begin() + std::min<int64_t>(a, static_cast<int64_t>(c.dims.size())), 1);
  return c;
}

Folded squeeze(const Graph& g, int i, const Inputs& in) {
  const auto axes = input_or_attribute(g, i, in, 1, "axes");
  Constant c = *in[0];
  Dims keep;
  for (size_t k = 0; k < c.dims.size(); ++k) {
    bool drop = !axes && c.dims[k] == 1;
    if (axes)
      for (int64_t a : *axes) drop = drop || axis_in(g, i, a, c.dims.size()) == static_cast<int64_t>(k);
    if (drop && c.dims[k] != 1)
      g.fail(i, "squeezes axis " + std::to_string(k) + " of size " + std::to_string(c.dims[k]));
    if (!drop) keep.push_back(c.dims[k]);
  }
  c.dims = keep;
  return c;
}

Folded concat(const Graph& g, int i, const Inputs& in) {
  if (in.empty() || in[0]->dims.empty()) return std::nullopt;
  const size_t rank = in[0]->dims.size();
  const int64_t axis = axis_in(g, i, g.int_attr(i, "axis", 0), rank);
  Constant c;
  c.dims = in[0]->dims;
  c.dims[static_cast<size_t>(axis)] = 0;
  c.integer = in[0]->integer;
  for (const Constant* k : in) {
    if (k->dims.size() != rank) g.fail(i, "inputs of different ranks");
    for (size_t j = 0; j < rank; ++j)
      if (j != static_cast<size_t>(axis) && k->dims[j] != c.dims[j])
        g.fail(i, "inputs differ off the concatenation axis");
    c.dims[static_cast<size_t>(axis)] += k->dims[static_cast<size_t>(axis)];
  }
  if (elements(c.dims) < 0) return std::nullopt;
  const int64_t outer = elements(Dims(c.dims.begin(), c.dims.begin() + axis));
  for (int64_t o = 0; o < outer; ++o)
    for (const Constant* k : in) {
      const int64_t block = elements(Dims(k->dims.begin() + axis, k->dims.end()));
      const auto at = k->values.begin() + o * block;
      c.values.insert(c.values.end(), at, at + block);
    }
  return c;
}

Folded constant_of_shape(const Graph& g, int i, const Inputs& in) {
  Constant c;
  c.dims = integers(g, i, *in[0]);
  const int64_t n = elements(c.dims);
  if (n < 0) return std::nullopt;
  double value = 0;
  if (const auto* a = g.attribute(i, "value"); a && a->has_t()) {
    const Constant v = read_tensor(a->t(), g.file());
    if (v.values.size() != 1) g.fail(i, "value must hold one number");
    value = v.values[0];
    c.integer = v.integer;
  }
  c.values.assign(static_cast<size_t>(n), value);
  return c;
}

// Slice of any rank: per axis a start, end and step, clamped as the operator clamps them.
Folded slice(const Graph& g, int i, const Inputs& in) {
  if (in.size() < 3 || !in[1] || !in[2]) return std::nullopt;
  const Constant& data = *in[0];
  const Dims starts = integers(g, i, *in[1]), ends = integers(g, i, *in[2]);
  Dims axes, steps(starts.size(), 1);
  for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (in.size() > 3 && in[3]) axes = integers(g, i, *in[3]);
  if (in.size() > 4 && in[4]) steps = integers(g, i, *in[4]);
  if (axes.size() != starts.size() || ends.size() != starts.size() || steps.size() != starts.size())
    g.fail(i, "starts, ends, axes and steps differ in length");
  const size_t rank = data.dims.size();
  Dims first(rank, 0), step(rank, 1), count = data.dims;
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto a = static_cast<size_t>(axis_in(g, i, axes[k], rank));
    const int64_t d = data.dims[a], s = steps[k];
    if (s == 0) g.fail(i, "step 0");
    auto at = [&](int64_t v, int64_t lo, int64_t hi) { return std::clamp(v < 0 ? v + d : v, lo, hi); };
    const int64_t b = s > 0 ? at(starts[k], 0, d) : at(starts[k], -1, d - 1);
    const int64_t e = s > 0 ? at(ends[k], 0, d) : at(ends[k], -1, d - 1);
    first[a] = b;
    step[a] = s;
    count[a] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s) : std::max<int64_t>(0, (b - e - s - 1) / -s);
  }
  Constant c;
  c.dims = count;
  c.integer = data.integer;
  const int64_t n = elements(count);
  const Dims from = strides(data.dims), to = strides(count);
  for (int64_t e = 0; e < n; ++e) {
    int64_t at = 0;
    for (size_t j = 0; j < rank; ++j) at += (first[j] + (e / to[j]) % count[j] * step[j]) * from[j];
    c.values.push_back(data.values[static_cast<size_t>(at)]);
  }
  return c;
}

Folded reshape(const Graph& g, int i, const Inputs& in) {
  Constant c = *in[0];
  Dims d = integers(g, i, *in[1]);
  int64_t known = 1, unknown = -1;
  for (size_t k = 0; k < d.size(); ++k) {
    if (d[k] == 0 && k < c.dims.size()) d[k] = c.dims[k];
    if (d[k] == -1 && unknown < 0) unknown = static_cast<int64_t>(k);
    else if (d[k] < 1 || d[k] > max_folded_elements)
      g.fail(i, "target shape dimension " + std::to_string(d[k]) + " is invalid");
    else known *= d[k];
    if (known > max_folded_elements) return std::nullopt;
  }
  const auto n = static_cast<int64_t>(c.values.size());
  if (unknown >= 0 && known > 0) d[static_cast<size_t>(unknown)] = n / known;
  if (elements(d) != n) g.fail(i, "target shape does not hold the " + std::to_string(n) + " elements");
  c.dims = d;
  return c;
}

Folded expand(const Graph& g, int i, const Inputs& in) {
  Constant shape;
  shape.dims = integers(g, i, *in[1]);
  shape.values.assign(static_cast<size_t>(std::max<int64_t>(0, elements(shape.dims))), 0);
  if (elements(shape.dims) < 0) return std::nullopt;
  return elementwise<add, 2>(g, i, {in[0], &shape});  // x + zeros of the target shape broadcasts x to it
}

Folded range(const Graph& g, int i, const Inputs& in) {
  if (in.size() != 3 || in[0]->values.empty() || in[1]->values.empty() || in[2]->values.empty()) return std::nullopt;
  const double start = in[0]->values.at(0), limit = in[1]->values.at(0), delta = in[2]->values.at(0);
  if (delta == 0) g.fail(i, "delta 0");
  const double n = std::max(0.0, std::ceil((limit - start) / delta));
  if (n > static_cast<double>(max_folded_elements)) return std::nullopt;
  Constant c;
  c.integer = in[0]->integer;
  for (int64_t k = 0; k < static_cast<int64_t>(n); ++k) c.values.push_back(start + static_cast<double>(k) * delta);
  c.dims = {static_cast<int64_t>(c.values.size())};
  return c;
}

Folded transpose(const Graph& g, int i, const Inputs& in) {
  const Constant& data = *in[0];
  const size_t rank = data.dims.size();
  Dims perm = g.ints_attr(i, "perm", {});
  if (perm.empty())
    for (size_t k = rank; k-- > 0;) perm.push_back(static_cast<int64_t>(k));
  if (perm.size() != rank)
    g.fail(i, "perm has " + std::to_string(perm.size()) + " axes for rank " + std::to_string(rank));
  Constant c;
  c.integer = data.integer;
  std::vector<bool> seen(rank, false);
  for (int64_t& p : perm) {
    p = axis_in(g, i, p, rank);
    if (seen[static_cast<size_t>(p)]) g.fail(i, "perm names axis " + std::to_string(p) + " twice");
    seen[static_cast<size_t>(p)] = true;
    c.dims.push_back(data.dims[static_cast<size_t>(p)]);
  }
  const Dims from = strides(data.dims), to = strides(c.dims);
  const auto n = static_cast<int64_t>(data.values.size());
  c.values.resize(data.values.size());
  for (int64_t e = 0; e < n; ++e) {
    int64_t at = 0;
    for (size_t j = 0; j < rank; ++j) at += (e / to[j]) % c.dims[j] * from[static_cast<size_t>(perm[j])];
    c.values[static_cast<size_t>(e)] = data.values[static_cast<size_t>(at)];
  }
  return c;
}

// ScatterND without reduction: data with the slices the index tuples name replaced by updates (PyTorch's
// indexed assignment, as Swin's attention mask writes its regions: attn_mask[h0:h1, w0:w1] = count).
Folded scatter_nd(const Graph& g, int i, const Inputs& in) {
  const Constant& data = *in[0];
  const Constant& index = *in[1];
  const Constant& update = *in[2];
  if (g.string_attr(i, "reduction", "none") != "none" || index.dims.empty()) return std::nullopt;
  const auto k = static_cast<size_t>(index.dims.back());
  if (k == 0 || k > data.dims.size())
    g.fail(i, "index tuples of " + std::to_string(k) + " for data of rank " + std::to_string(data.dims.size()));
  const Dims stride = strides(data.dims);
  const auto slice = static_cast<size_t>(elements(Dims(data.dims.begin() + static_cast<int64_t>(k), data.dims.end())));
  const size_t tuples = index.values.size() / k;
  if (update.values.size() != tuples * slice)
    g.fail(i,
           "updates hold " + std::to_string(update.values.size()) + " values, not " + std::to_string(tuples * slice));
  Constant c = data;
  for (size_t u = 0; u < tuples; ++u) {
    int64_t at = 0;
    for (size_t j = 0; j < k; ++j) {
      int64_t v = g.integer(i, index.values[u * k + j]);
      const int64_t d = data.dims[j];
      if (v < -d || v >= d)
        g.fail(i, "index " + std::to_string(v) + " is out of range [" + std::to_string(-d) + ", " + std::to_string(d) +
                      ")");
      at += (v < 0 ? v + d : v) * stride[j];
    }
    std::copy(update.values.begin() + static_cast<int64_t>(u * slice),
              update.values.begin() + static_cast<int64_t>((u + 1) * slice), c.values.begin() + at);
  }
  return c;
}

// PyTorch dedupes equal initializers by Identity nodes naming one of them.
Folded identity(const Graph&, int, const Inputs& in) { return *in[0]; }

using Fold = Folded (*)(const Graph&, int, const Inputs&);

struct FoldRow {
  Fold fold;
  size_t inputs;  // how many inputs the operator needs at least (the functions read up to this many unchecked)
};

// The operator types folded; the elementwise, Gather, Slice and Range functions also check their arity.
const std::map<std::string_view, FoldRow>& folds() {
  static const std::map<std::string_view, FoldRow> table{
      {"Add", {elementwise<add, 2>, 2}},
      {"Sub", {elementwise<sub, 2>, 2}},
      {"Mul", {elementwise<mul, 2>, 2}},
      {"Div", {elementwise<div, 2>, 2}},
      {"Mod", {elementwise<mod, 2>, 2}},
      {"Pow", {elementwise<pow, 2>, 2}},
      {"Max", {elementwise<max, 2>, 2}},
      {"Min", {elementwise<min, 2>, 2}},
      {"Equal", {elementwise<equal, 2, true>, 2}},
      {"Less", {elementwise<less, 2, true>, 2}},
      {"Greater", {elementwise<greater, 2, true>, 2}},
      {"Not", {elementwise<logical_not, 1, true>, 1}},
      {"Where", {elementwise<where, 3>, 3}},
      {"Sqrt", {elementwise<sqrt, 1>, 1}},
      {"Neg", {elementwise<neg, 1>, 1}},
      {"Reciprocal", {elementwise<reciprocal, 1>, 1}},
      {"Cast", {cast, 1}},
      {"Gather", {gather, 2}},
      {"Unsqueeze", {unsqueeze, 1}},
      {"Squeeze", {squeeze, 1}},
      {"Concat", {concat, 1}},
      {"ConstantOfShape", {constant_of_shape, 1}},
      {"Slice", {slice, 3}},
      {"Reshape", {reshape, 2}},
      {"Expand", {expand, 2}},
      {"Range", {range, 3}},
      {"Transpose", {transpose, 1}},
      {"Identity", {identity, 1}},
      {"ScatterND", {scatter_nd, 3}},
  };
  return table;
}

// A Constant node's value: a tensor, or (opset 12) one float, int or list of ints; none for other forms.
std::optional<Constant> constant_value(const Graph& g, int i) {
  Constant c;
  if (const auto* t = g.attribute(i, "value"); t && t->has_t()) return read_tensor(t->t(), g.file());
  if (const auto* f = g.attribute(i, "value_float")) c.values = {Graph::decimal(f->f())};
  else if (g.attribute(i, "value_int")) c.values = {static_cast<double>(g.int_attr(i, "value_int", 0))};
  else if (g.attribute(i, "value_ints")) {
    for (int64_t v : g.ints_attr(i, "value_ints", {})) c.values.push_back(static_cast<double>(v));
    c.dims = {static_cast<int64_t>(c.values.size())};
  } else return std::nullopt;
  c.integer = !g.attribute(i, "value_float");
  return c;
}

}  // namespace

bool fold(Context& c, int i, bool before_translation) {
  Graph& g = c.g;
  const std::string& type = g.at(i).op_type();
  if (type == "Constant") {
    auto k = constant_value(g, i);
    if (k) g.add_constant(g.output(i), std::move(*k));
    return k.has_value();
  }
  if (type == "Shape") {
    const Constant* k = g.constant(g.input(i, 0));
    if (!k && before_translation) return false;  // the shape of a computed tensor: known once it is imported
    g.add_constant(g.output(i), shape_of(g, i, k ? k->dims : c.dims(c.input_value(i))));
    return true;
  }
  const auto it = folds().find(type);
  if (it == folds().end() || g.at(i).output_size() != 1) return false;
  // Too few inputs is the translation table's to report, naming the node (a fuzzed Reshape of one input
  // read past its inputs here).
  if (static_cast<size_t>(g.at(i).input_size()) < it->second.inputs) return false;
  Inputs in;
  // A large weight kept in the ModelProto (Constant::stored) folds too (a position embedding gathered by a
  // constant index): its values are decoded here, for this fold only.
  std::vector<Constant> decoded;
  decoded.reserve(static_cast<size_t>(g.at(i).input_size()));
  for (int k = 0; k < g.at(i).input_size(); ++k) {
    if (!g.has_input(i, k)) {
      in.push_back(nullptr);
      continue;
    }
    const Constant* v = g.constant(g.input(i, k));
    if (v && v->stored) {
      const std::vector<float> f = floats(*v);
      Constant d;
      d.dims = v->dims;
      d.values.assign(f.begin(), f.end());
      decoded.push_back(std::move(d));
      v = &decoded.back();
    }
    if (!usable(v)) return false;  // a computed tensor, or a constant of a type we hold no values of
    in.push_back(v);
  }
  // Only Slice's steps and axes and Unsqueeze's and Squeeze's axes are optional among the folded types.
  for (size_t k = 0; k < in.size(); ++k)
    if (!in[k] && !(type == "Slice" && k >= 3) && !(k == 1 && (type == "Unsqueeze" || type == "Squeeze"))) return false;
  Folded out = it->second.fold(g, i, in);
  if (!out) return false;
  g.add_constant(g.output(i), std::move(*out));
  return true;
}

}  // namespace cpx::profiler::onnx_import
