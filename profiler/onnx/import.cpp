// Import: walks an ONNX graph in its (topological) node order and recognises exporter patterns, turning
// each into ops of the space. Every ONNX tensor is tracked as a view of one of our NHWC tensors:
//   nchw   N x C x H x W (the usual layout), also rank-2 N x C (ours N x 1 x 1 x C);
//   nhwc   the same data transposed to N x H x W x C (around LayerNormalization and reshapes);
//   heads  N x heads x size x HW: channels [offset, offset + size) of each head segment (transposed: the
//          last two axes swapped), which is how attention reshapes tensors for its matmuls.
// Weights are read only for their shapes: networks of the space carry architecture, not weights.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "profiler/onnx.hpp"

namespace cpx::profiler {

namespace {

// A node's k-th input or output name, or "" past the end: a hostile file may declare fewer than a pattern
// reads, and protobuf's accessors do not check (found by fuzz_onnx).
const std::string& node_input(const onnx::NodeProto& n, int k) {
  static const std::string none;
  return k >= 0 && k < n.input_size() ? n.input(k) : none;
}
const std::string& node_output(const onnx::NodeProto& n, int k) {
  static const std::string none;
  return k >= 0 && k < n.output_size() ? n.output(k) : none;
}


using Dims = std::vector<int64_t>;

struct Value {
  enum class Kind { nchw, nhwc, heads } kind = Kind::nchw;
  std::string tensor;  // our tensor
  int64_t heads = 1;
  ChannelView view;
  bool transposed = false;
  Padding pending;  // a Pad folded into the Conv that reads this value

  static Value of(Kind k, std::string t) {
    Value v;
    v.kind = k;
    v.tensor = std::move(t);
    return v;
  }
  static Value head_view(std::string t, int64_t heads, ChannelView view, bool transposed) {
    Value v = of(Kind::heads, std::move(t));
    v.heads = heads;
    v.view = view;
    v.transposed = transposed;
    return v;
  }
};

struct Constant {
  Dims dims;
  std::vector<double> values;
};

class Importer {
 public:
  Importer(const onnx::ModelProto& m, std::string file) : g_(m.graph()), file_(std::move(file)) {}

  Network run() {
    for (const auto& t : g_.initializer()) constants_[t.name()] = read_tensor(t);
    for (int i = 0; i < g_.node_size(); ++i)
      for (const auto& in : g_.node(i).input())
        if (!in.empty()) consumers_[in].push_back(i);
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& v : g_.input())
      if (!constants_.count(v.name())) {
        if (input) throw InputError(file_ + ": more than one graph input (" + input->name() + ", " + v.name() + ")");
        input = &v;
      }
    if (!input) throw InputError(file_ + ": the graph has no input");
    const auto& shape = input->type().tensor_type().shape();
    if (shape.dim_size() != 4) throw InputError(file_ + ": input " + input->name() + " is not N x C x H x W");
    Dims d;
    for (const auto& dim : shape.dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    if (d[0] < 0) d[0] = 1;  // a symbolic batch: batch 1
    if (d[1] < 1 || d[2] < 1 || d[3] < 1)
      throw InputError(file_ + ": input " + input->name() + " needs fixed channels, height and width");
    const std::string stem = std::filesystem::path(file_).stem().string();
    builder_.emplace(stem, "imported", ShapeNhwc{d[0], d[2], d[3], d[1]}, Where(file_));
    values_[input->name()] = Value::of(Value::Kind::nchw, std::string(input_tensor));
    used_names_.insert(std::string(input_tensor));

    for (int i = 0; i < g_.node_size(); ++i)
      if (!done_.count(i)) node(i);

    if (g_.output_size() != 1) throw InputError(file_ + ": the graph has " + std::to_string(g_.output_size()) + " outputs; one is supported");
    const Value& out = value(g_.output(0).name(), "graph output");
    if (out.kind != Value::Kind::nchw) throw InputError(file_ + ": the graph output " + g_.output(0).name() + " is not in N x C x H x W form");
    if (out.tensor == input_tensor) throw InputError(file_ + ": the graph computes nothing");
    return std::move(*builder_).finish(out.tensor);
  }

 private:
  const onnx::GraphProto& g_;
  std::string file_;
  std::optional<NetworkBuilder> builder_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::vector<int>> consumers_;
  std::map<std::string, Value> values_;
  std::set<int> done_;
  std::set<std::string> used_names_;

  const onnx::NodeProto& at(int i) const { return g_.node(i); }

  [[noreturn]] void fail(int i, const std::string& reason) const {
    throw InputError(file_ + ": node \"" + at(i).name() + "\" (" + at(i).op_type() + "): " + reason);
  }

  Constant read_tensor(const onnx::TensorProto& t) const {
    Constant c;
    for (auto d : t.dims()) c.dims.push_back(d);
    int64_t n = 1;
    for (auto d : c.dims) n *= d;
    const std::string& raw = t.raw_data();
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        if (!raw.empty()) {
          std::vector<float> f(raw.size() / 4);
          std::memcpy(f.data(), raw.data(), f.size() * 4);
          c.values.assign(f.begin(), f.end());
        } else {
          c.values.assign(t.float_data().begin(), t.float_data().end());
        }
        break;
      case onnx::TensorProto::INT64:
        if (!raw.empty()) {
          std::vector<int64_t> v(raw.size() / 8);
          std::memcpy(v.data(), raw.data(), v.size() * 8);
          c.values.assign(v.begin(), v.end());
        } else {
          c.values.assign(t.int64_data().begin(), t.int64_data().end());
        }
        break;
      default:
        // Shapes are all the importer needs of other types; values stay empty.
        return c;
    }
    if (static_cast<int64_t>(c.values.size()) != n)
      throw InputError(file_ + ": initializer " + t.name() + " holds " + std::to_string(c.values.size()) +
                       " values for dims of " + std::to_string(n));
    return c;
  }

  const Constant* constant(const std::string& name) const {
    auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  const Constant& need_constant(int i, int input) const {
    if (at(i).input_size() <= input || !constant(node_input(at(i), input)))
      fail(i, "input " + std::to_string(input) + " must be a constant (initializer or Constant node)");
    return *constant(node_input(at(i), input));
  }
  std::optional<double> scalar(const std::string& name) const {
    const Constant* c = constant(name);
    if (!c || c->values.size() != 1) return std::nullopt;
    return c->values[0];
  }
  bool is_scalar(const std::string& name, double v) const {
    auto s = scalar(name);
    return s && std::abs(*s - v) <= 1e-6 * std::max(1.0, std::abs(v));
  }

  const Value& value(const std::string& name, const std::string& what) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw InputError(file_ + ": tensor " + name + " (" + what + ") is not produced by any node we imported");
    return it->second;
  }
  const Value& input_value(int i, int k = 0) const {
    if (at(i).input_size() <= k || node_input(at(i), k).empty()) fail(i, "missing input " + std::to_string(k));
    auto it = values_.find(node_input(at(i), k));
    if (it == values_.end()) fail(i, "input " + node_input(at(i), k) + " is neither computed by an imported node nor supported as a constant here");
    return it->second;
  }
  const Value& nchw_input(int i, int k = 0) const {
    const Value& v = input_value(i, k);
    if (v.kind != Value::Kind::nchw) fail(i, "expects an N x C x H x W input; " + node_input(at(i), k) + " is a reshaped view");
    return v;
  }

  // Attributes.
  const onnx::AttributeProto* attribute(int i, const std::string& name) const {
    for (const auto& a : at(i).attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t int_attr(int i, const std::string& name, int64_t fallback) const {
    const auto* a = attribute(i, name);
    return a ? a->i() : fallback;
  }
  // Float attributes and scalars were stored as float32: 7 significant digits give back the decimal
  // the exporter meant (1e-05, not 9.99999974737875e-06).
  static double decimal(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.7g", v);
    return std::strtod(text, nullptr);
  }
  double float_attr(int i, const std::string& name, double fallback) const {
    const auto* a = attribute(i, name);
    return a ? decimal(a->f()) : fallback;
  }
  std::string string_attr(int i, const std::string& name, const std::string& fallback) const {
    const auto* a = attribute(i, name);
    return a ? a->s() : fallback;
  }
  Dims ints_attr(int i, const std::string& name, Dims fallback) const {
    const auto* a = attribute(i, name);
    return a ? Dims(a->ints().begin(), a->ints().end()) : fallback;
  }

  std::vector<int> consumers(const std::string& tensor) const {
    auto it = consumers_.find(tensor);
    return it == consumers_.end() ? std::vector<int>{} : it->second;
  }
  // The one node reading `tensor`, if exactly one does and the tensor is not a graph output.
  std::optional<int> sole_consumer(const std::string& tensor) const {
    for (const auto& o : g_.output())
      if (o.name() == tensor) return std::nullopt;
    auto c = consumers(tensor);
    if (c.size() != 1) return std::nullopt;
    return c[0];
  }
  bool sole_is(const std::string& tensor, const std::string& type, int& which) const {
    auto c = sole_consumer(tensor);
    if (!c || done_.count(*c) || at(*c).op_type() != type) return false;
    which = *c;
    return true;
  }

  std::string op_name(const std::string& base) {
    std::string name = base.empty() ? "op" : base;
    for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_names_.insert(name);
    return name;
  }
  // Adds an op for node i (named after its name, else its output) and returns our tensor.
  std::string add(int i, std::vector<std::string> inputs, OpAttrs attrs, const std::string& suffix = "") {
    const auto& n = at(i);
    builder_->locate(Where(file_, "node \"" + n.name() + "\" (" + n.op_type() + ")"));
    return builder_->add(op_name((n.name().empty() ? node_output(n, 0) : n.name()) + suffix), std::move(inputs), std::move(attrs));
  }
  void set(const std::string& onnx_tensor, Value v) { values_[onnx_tensor] = std::move(v); }
  void set_nchw(const std::string& onnx_tensor, const std::string& ours) { set(onnx_tensor, Value::of(Value::Kind::nchw, ours)); }
  const ShapeNhwc& shape(const Value& v) const { return builder_->shape(v.tensor); }

  // ---- activations -------------------------------------------------------------------------------

  struct Match {
    Activation activation = Activation::none;
    std::vector<int> nodes;
    std::string output;
  };

  // The activation pattern that starts at node `first`, which reads x.
  std::optional<Match> activation_at(int first, const std::string& x) const {
    const auto& n = at(first);
    const std::string& type = n.op_type();
    auto one = [&](Activation a) { return Match{a, {first}, node_output(n, 0)}; };
    if (n.input_size() < 1 || node_input(n, 0) != x) return std::nullopt;
    if (type == "Relu") return one(Activation::relu);
    if (type == "HardSwish") return one(Activation::hardswish);
    if (type == "HardSigmoid" && std::abs(float_attr(first, "alpha", 0.2) - 1.0 / 6) < 1e-6 &&
        std::abs(float_attr(first, "beta", 0.5) - 0.5) < 1e-6)
      return one(Activation::hardsigmoid);
    if (type == "Clip") {
      const bool lo = n.input_size() > 1 ? is_scalar(node_input(n, 1), 0) : std::abs(float_attr(first, "min", -1) - 0) < 1e-9;
      const bool hi = n.input_size() > 2 ? is_scalar(node_input(n, 2), 6) : std::abs(float_attr(first, "max", -1) - 6) < 1e-9;
      if (lo && hi) return one(Activation::relu6);
      return std::nullopt;
    }
    if (type == "Sigmoid") {
      int mul = 0;
      if (sole_is(node_output(n, 0), "Mul", mul)) {
        const auto& m = at(mul);
        if ((node_input(m, 0) == x && node_input(m, 1) == node_output(n, 0)) || (node_input(m, 1) == x && node_input(m, 0) == node_output(n, 0)))
          return Match{Activation::silu, {first, mul}, node_output(m, 0)};
      }
      return one(Activation::sigmoid);
    }
    if (type == "Div" && n.input_size() == 2 && is_scalar(node_input(n, 1), std::sqrt(2.0))) {
      // Div(x, √2) -> Erf -> Add 1 -> Mul(x, ·) -> Mul 0.5
      int erf = 0, add = 0, mul = 0, half = 0;
      if (!sole_is(node_output(n, 0), "Erf", erf) || !sole_is(node_output(at(erf), 0), "Add", add)) return std::nullopt;
      const auto& a = at(add);
      if (!(is_scalar(node_input(a, 0), 1) || is_scalar(node_input(a, 1), 1))) return std::nullopt;
      if (!sole_is(node_output(a, 0), "Mul", mul) || !has_inputs(mul, x, node_output(a, 0))) return std::nullopt;
      if (!sole_is(node_output(at(mul), 0), "Mul", half) || !other_is_scalar(half, node_output(at(mul), 0), 0.5)) return std::nullopt;
      return Match{Activation::gelu, {first, erf, add, mul, half}, node_output(at(half), 0)};
    }
    if (type == "Pow" && n.input_size() == 2 && is_scalar(node_input(n, 1), 3)) {
      // Pow(x, 3) -> Mul c -> Add(x, ·) -> Mul k -> Tanh -> Add 1 -> Mul(x, ·) -> Mul 0.5
      int c = 0, inner = 0, k = 0, th = 0, add = 0, mul = 0, half = 0;
      if (!sole_is(node_output(n, 0), "Mul", c) || !other_is_scalar(c, node_output(n, 0), 0.044715)) return std::nullopt;
      if (!sole_is(node_output(at(c), 0), "Add", inner) || !has_inputs(inner, x, node_output(at(c), 0))) return std::nullopt;
      if (!sole_is(node_output(at(inner), 0), "Mul", k) || !other_is_scalar(k, node_output(at(inner), 0), std::sqrt(2.0 / std::numbers::pi))) return std::nullopt;
      if (!sole_is(node_output(at(k), 0), "Tanh", th) || !sole_is(node_output(at(th), 0), "Add", add)) return std::nullopt;
      if (!other_is_scalar(add, node_output(at(th), 0), 1)) return std::nullopt;
      if (!sole_is(node_output(at(add), 0), "Mul", mul) || !has_inputs(mul, x, node_output(at(add), 0))) return std::nullopt;
      if (!sole_is(node_output(at(mul), 0), "Mul", half) || !other_is_scalar(half, node_output(at(mul), 0), 0.5)) return std::nullopt;
      return Match{Activation::gelu_tanh, {first, c, inner, k, th, add, mul, half}, node_output(at(half), 0)};
    }
    return std::nullopt;
  }
  bool has_inputs(int i, const std::string& a, const std::string& b) const {
    const auto& n = at(i);
    return n.input_size() == 2 && ((node_input(n, 0) == a && node_input(n, 1) == b) || (node_input(n, 0) == b && node_input(n, 1) == a));
  }
  bool other_is_scalar(int i, const std::string& x, double v) const {
    const auto& n = at(i);
    if (n.input_size() != 2) return false;
    return (node_input(n, 0) == x && is_scalar(node_input(n, 1), v)) || (node_input(n, 1) == x && is_scalar(node_input(n, 0), v));
  }

  // An activation that every reader of x belongs to, so it can be fused into the op producing x.
  std::optional<Match> fusable_activation(const std::string& x) const {
    for (const auto& o : g_.output())
      if (o.name() == x) return std::nullopt;
    auto readers = consumers(x);
    if (readers.empty()) return std::nullopt;
    auto m = activation_at(*std::min_element(readers.begin(), readers.end()), x);
    if (!m) return std::nullopt;
    for (int r : readers)
      if (std::find(m->nodes.begin(), m->nodes.end(), r) == m->nodes.end()) return std::nullopt;
    return m;
  }

  // Folds a BatchNormalization and then an activation that follow `out`; returns the ONNX tensor that
  // the fused op finally produces.
  template <typename T>
  std::string fuse_following(std::string out, T& op) {
    int bn = 0;
    if (sole_is(out, "BatchNormalization", bn) && node_input(at(bn), 0) == out) {
      op.batch_norm = true;
      done_.insert(bn);
      out = node_output(at(bn), 0);
    }
    if (auto m = fusable_activation(out)) {
      op.activation = m->activation;
      for (int k : m->nodes) done_.insert(k);
      out = m->output;
    }
    return out;
  }

  // ---- nodes -------------------------------------------------------------------------------------

  void node(int i) {
    const auto& n = at(i);
    const std::string& t = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(i, "operators of domain " + n.domain() + " are not supported");
    done_.insert(i);
    if (t == "Constant") return constant_node(i);
    if (t == "Identity" || t == "Dropout") return set(node_output(n, 0), input_value(i));
    if (t == "Conv") return conv(i);
    if (t == "ConvTranspose") return conv_transpose(i);
    if (t == "Gemm") return gemm(i);
    if (t == "MatMul") return matmul(i);
    if (t == "BatchNormalization") return batch_norm(i);
    if (t == "GlobalAveragePool") return set_nchw(node_output(n, 0), add(i, {nchw_input(i).tensor}, GlobalAvgPool{}));
    if (t == "ReduceMean") return reduce_mean(i);
    if (t == "AveragePool" || t == "MaxPool") return pool(i);
    if (t == "Resize") return resize(i);
    if (t == "Pad") return pad(i);
    if (t == "Slice") return slice(i);
    if (t == "Split") return split(i);
    if (t == "Concat") return concat(i);
    if (t == "Flatten") return flatten(i);
    if (t == "Reshape") return reshape(i);
    if (t == "Transpose") return transpose(i);
    if (t == "Softmax") return softmax(i);
    if (t == "LayerNormalization") return layer_norm(i);
    if (t == "Add" || t == "Mul") return binary(i);
    if (auto m = activation_at(i, n.input_size() ? node_input(n, 0) : "")) {
      const Value& x = nchw_input(i);
      for (int k : m->nodes) done_.insert(k);
      return set_nchw(m->output, add(i, {x.tensor}, ActivationOp{m->activation}));
    }
    fail(i, "operator not supported (or not in a recognised pattern)");
  }

  void constant_node(int i) {
    const auto* a = attribute(i, "value");
    if (!a || !a->has_t()) fail(i, "only tensor-valued Constant nodes are supported");
    constants_[node_output(at(i), 0)] = read_tensor(a->t());
  }

  Padding read_pads(int i, int64_t kh, int64_t kw) const {
    const std::string auto_pad = string_attr(i, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID") fail(i, "auto_pad " + auto_pad + " is not supported; give explicit pads");
    const Dims p = ints_attr(i, "pads", {0, 0, 0, 0});
    if (p.size() != 4) fail(i, "pads must have 4 values for a 2-D window");
    (void)kh;
    (void)kw;
    return {p[0], p[2], p[1], p[3]};
  }
  void require_unit(int i, const std::string& name) const {
    for (auto d : ints_attr(i, name, {1, 1}))
      if (d != 1) fail(i, name + " other than 1 is not supported");
  }

  void conv(int i) {
    const auto& n = at(i);
    const Value& x = input_value(i);
    const Constant& w = need_constant(i, 1);
    if (w.dims.size() != 4) fail(i, "weight must be 4-D (O x I/groups x kh x kw)");
    require_unit(i, "dilations");
    const int64_t groups = int_attr(i, "group", 1);
    // A 1x1 conv over the head axis of a heads view: EfficientFormerV2's talking heads.
    if (x.kind == Value::Kind::heads && !x.transposed && w.dims[0] == x.heads && w.dims[1] == x.heads &&
        w.dims[2] == 1 && w.dims[3] == 1 && groups == 1) {
      const std::string out = add(i, {x.tensor}, HeadMix{x.heads, n.input_size() > 2});
      return set(node_output(n, 0), Value::head_view(out, x.heads, x.view, false));
    }
    if (x.kind != Value::Kind::nchw) fail(i, "expects an N x C x H x W input");
    Conv2d c;
    c.out_channels = w.dims[0];
    c.kernel = {w.dims[2], w.dims[3]};
    const Dims s = ints_attr(i, "strides", {1, 1});
    if (s.size() != 2) fail(i, "strides must have 2 values");
    c.stride = {s[0], s[1]};
    c.padding = read_pads(i, w.dims[2], w.dims[3]);
    c.groups = groups;
    c.bias = n.input_size() > 2 && !node_input(n, 2).empty();
    if (w.dims[1] * groups != shape(x).c)
      fail(i, "weight has " + std::to_string(w.dims[1]) + " input channels per group but the input has " +
                  std::to_string(shape(x).c) + " channels in " + std::to_string(groups) + " groups");
    std::string in = x.tensor;
    const Padding& p = x.pending;
    if (p != Padding{}) {
      Padding sum{c.padding.top + p.top, c.padding.bottom + p.bottom, c.padding.left + p.left, c.padding.right + p.right};
      if (sum.top < c.kernel[0] && sum.bottom < c.kernel[0] && sum.left < c.kernel[1] && sum.right < c.kernel[1]) c.padding = sum;
      else in = add(i, {in}, Pad{p}, "/pad");  // too wide to be a conv's own padding
    }
    const std::string out = fuse_following(node_output(n, 0), c);
    set_nchw(out, add(i, {in}, c));
  }

  void conv_transpose(int i) {
    const auto& n = at(i);
    const Value& x = nchw_input(i);
    const Constant& w = need_constant(i, 1);
    if (w.dims.size() != 4) fail(i, "weight must be 4-D (I x O/groups x kh x kw)");
    require_unit(i, "dilations");
    if (attribute(i, "output_shape")) fail(i, "output_shape is not supported; give pads and output_padding");
    ConvTranspose2d c;
    c.groups = int_attr(i, "group", 1);
    c.out_channels = w.dims[1] * c.groups;
    c.kernel = {w.dims[2], w.dims[3]};
    const Dims s = ints_attr(i, "strides", {1, 1});
    c.stride = {s.at(0), s.at(1)};
    c.padding = read_pads(i, w.dims[2], w.dims[3]);
    const Dims op = ints_attr(i, "output_padding", {0, 0});
    c.output_padding = {op.at(0), op.at(1)};
    c.bias = n.input_size() > 2 && !node_input(n, 2).empty();
    const std::string out = fuse_following(node_output(n, 0), c);
    set_nchw(out, add(i, {x.tensor}, c));
  }

  // A linear over channels: its input must be N x C (ours N x 1 x 1 x C).
  void linear(int i, int64_t out_features, bool bias) {
    const Value& x = nchw_input(i);
    FullyConnected f;
    f.out_features = out_features;
    f.bias = bias;
    std::string out = node_output(at(i), 0);
    int add_node = 0;
    if (!bias && sole_is(out, "Add", add_node)) {  // MatMul + Add(bias) as PyTorch exports a Linear on 3-D input
      const auto& a = at(add_node);
      const std::string other = node_input(a, 0) == out ? node_input(a, 1) : node_input(a, 0);
      if (const Constant* b = constant(other); b && b->values.size() == static_cast<size_t>(out_features)) {
        f.bias = true;
        done_.insert(add_node);
        out = node_output(a, 0);
      }
    }
    out = fuse_following(out, f);
    set_nchw(out, add(i, {x.tensor}, f));
  }

  void gemm(int i) {
    const Constant& w = need_constant(i, 1);
    if (w.dims.size() != 2) fail(i, "B must be a 2-D constant");
    if (int_attr(i, "transA", 0) != 0) fail(i, "transA is not supported");
    if (float_attr(i, "alpha", 1) != 1 || float_attr(i, "beta", 1) != 1) fail(i, "alpha and beta other than 1 are not supported");
    const bool trans_b = int_attr(i, "transB", 0) != 0;
    const Value& x = nchw_input(i);
    if (shape(x).pixels() != 1) fail(i, "A must be N x C (one pixel)");
    const int64_t in = trans_b ? w.dims[1] : w.dims[0];
    if (in != shape(x).c) fail(i, "B has " + std::to_string(in) + " input features but A has " + std::to_string(shape(x).c));
    linear(i, trans_b ? w.dims[0] : w.dims[1], at(i).input_size() > 2 && !node_input(at(i), 2).empty());
  }

  void matmul(int i) {
    const auto& n = at(i);
    if (const Constant* w = constant(node_input(n, 1))) {
      if (w->dims.size() != 2) fail(i, "a constant B must be 2-D");
      const Value& x = nchw_input(i);
      if (w->dims[0] != shape(x).c) fail(i, "B has " + std::to_string(w->dims[0]) + " rows but A has " + std::to_string(shape(x).c) + " features");
      if (shape(x).pixels() != 1) fail(i, "a linear MatMul needs N x C input (one pixel)");
      return linear(i, w->dims[1], false);
    }
    const Value& a = input_value(i, 0);
    const Value& b = input_value(i, 1);
    if (a.kind != Value::Kind::heads || b.kind != Value::Kind::heads || !a.transposed || a.heads != b.heads)
      fail(i, "only per-head attention matmuls (N x heads x tokens x d) are supported");
    Matmul m;
    m.heads = a.heads;
    m.a = a.view;
    m.b = b.view;
    m.transpose_b = !b.transposed;
    std::string out = node_output(n, 0);
    int mul = 0;
    if (sole_is(out, "Mul", mul)) {
      const auto& s = at(mul);
      const std::string other = node_input(s, 0) == out ? node_input(s, 1) : node_input(s, 0);
      if (auto v = scalar(other)) {
        m.scale = decimal(*v);
        done_.insert(mul);
        out = node_output(s, 0);
      }
    }
    const std::string t = add(i, {a.tensor, b.tensor}, m);
    set(out, Value::head_view(t, m.heads, {0, builder_->shape(t).c / m.heads}, true));
  }

  void batch_norm(int i) {
    const Value& x = nchw_input(i);
    for (int k = 1; k < 5; ++k) need_constant(i, k);
    set_nchw(node_output(at(i), 0), add(i, {x.tensor}, BatchNorm{float_attr(i, "epsilon", 1e-5)}));
  }

  void reduce_mean(int i) {
    const Value& x = nchw_input(i);
    Dims axes = ints_attr(i, "axes", {});
    std::sort(axes.begin(), axes.end());
    if (!(axes == Dims{2, 3} || axes == Dims{-2, -1}) || int_attr(i, "keepdims", 1) != 1)
      fail(i, "only the mean over H and W with keepdims=1 (a global average pool) is supported");
    set_nchw(node_output(at(i), 0), add(i, {x.tensor}, GlobalAvgPool{}));
  }

  void pool(int i) {
    const Value& x = nchw_input(i);
    const Dims k = ints_attr(i, "kernel_shape", {});
    if (k.size() != 2) fail(i, "kernel_shape must have 2 values");
    const Dims s = ints_attr(i, "strides", {1, 1});
    if (int_attr(i, "ceil_mode", 0) != 0) fail(i, "ceil_mode=1 is not supported");
    require_unit(i, "dilations");
    const Padding p = read_pads(i, k[0], k[1]);
    if (at(i).op_type() == "AveragePool") {
      if (p != Padding{} && int_attr(i, "count_include_pad", 0) != 1)
        fail(i, "padded average pooling must count the padding (count_include_pad=1), as ours does");
      return set_nchw(node_output(at(i), 0), add(i, {x.tensor}, AvgPool{{k[0], k[1]}, {s.at(0), s.at(1)}, p}));
    }
    if (at(i).output_size() > 1 && !node_output(at(i), 1).empty()) fail(i, "MaxPool indices are not supported");
    set_nchw(node_output(at(i), 0), add(i, {x.tensor}, MaxPool{{k[0], k[1]}, {s.at(0), s.at(1)}, p}));
  }

  void resize(int i) {
    const auto& n = at(i);
    const Value& x = nchw_input(i);
    const ShapeNhwc& s = shape(x);
    int64_t oh = 0, ow = 0;
    if (n.input_size() > 3 && !node_input(n, 3).empty()) {
      const Constant& sizes = need_constant(i, 3);
      if (sizes.values.size() != 4) fail(i, "sizes must have 4 values");
      oh = static_cast<int64_t>(sizes.values[2]);
      ow = static_cast<int64_t>(sizes.values[3]);
    } else {
      const Constant& scales = need_constant(i, 2);
      if (scales.values.size() != 4) fail(i, "scales must have 4 values");
      oh = static_cast<int64_t>(std::floor(static_cast<double>(s.h) * scales.values[2]));
      ow = static_cast<int64_t>(std::floor(static_cast<double>(s.w) * scales.values[3]));
    }
    const std::string mode = string_attr(i, "mode", "nearest");
    const std::string ctm = string_attr(i, "coordinate_transformation_mode", "half_pixel");
    if (mode == "nearest") {
      if (ctm != "asymmetric" || string_attr(i, "nearest_mode", "round_prefer_floor") != "floor")
        fail(i, "nearest Resize must use asymmetric coordinates and floor (PyTorch's nearest), got " + ctm);
      UpsampleNearest u;
      if (oh % s.h == 0 && ow % s.w == 0) u.scale = {oh / s.h, ow / s.w};
      else u = UpsampleNearest{{0, 0}, {oh, ow}};
      return set_nchw(node_output(n, 0), add(i, {x.tensor}, u));
    }
    if (mode == "linear") {
      if (ctm != "align_corners" && ctm != "pytorch_half_pixel" && ctm != "half_pixel")
        fail(i, "linear Resize with coordinate_transformation_mode " + ctm + " is not supported");
      return set_nchw(node_output(n, 0), add(i, {x.tensor}, ResizeBilinear{{oh, ow}, ctm == "align_corners"}));
    }
    fail(i, "Resize mode " + mode + " is not supported");
  }

  void pad(int i) {
    const auto& n = at(i);
    const Value& x = nchw_input(i);
    if (string_attr(i, "mode", "constant") != "constant") fail(i, "only constant (zero) padding is supported");
    if (n.input_size() > 2 && !node_input(n, 2).empty() && !is_scalar(node_input(n, 2), 0)) fail(i, "only zero padding is supported");
    const Constant& p = need_constant(i, 1);
    if (p.values.size() != 8 || p.values[0] != 0 || p.values[1] != 0 || p.values[4] != 0 || p.values[5] != 0)
      fail(i, "only padding of height and width (8 pads, zero on N and C) is supported");
    for (double v : p.values)
      if (v < 0) fail(i, "negative pads (cropping) are not supported");
    const Padding q{static_cast<int64_t>(p.values[2]), static_cast<int64_t>(p.values[6]), static_cast<int64_t>(p.values[3]),
                    static_cast<int64_t>(p.values[7])};
    int conv_node = 0;
    if (sole_is(node_output(n, 0), "Conv", conv_node) && x.pending == Padding{}) {
      Value v = x;
      v.pending = q;  // folded into the conv's own (possibly asymmetric) padding
      return set(node_output(n, 0), v);
    }
    set_nchw(node_output(n, 0), add(i, {x.tensor}, Pad{q}));
  }

  std::pair<Dims, Dims> slice_range(int i) const {
    const Constant& starts = need_constant(i, 1);
    const Constant& ends = need_constant(i, 2);
    Dims axes;
    if (at(i).input_size() > 3 && !node_input(at(i), 3).empty())
      for (double a : need_constant(i, 3).values) axes.push_back(static_cast<int64_t>(a));
    else
      for (size_t k = 0; k < starts.values.size(); ++k) axes.push_back(static_cast<int64_t>(k));
    if (at(i).input_size() > 4 && !node_input(at(i), 4).empty())
      for (double s : need_constant(i, 4).values)
        if (s != 1) fail(i, "steps other than 1 are not supported");
    if (axes.size() != 1 || starts.values.size() != 1 || ends.values.size() != 1) fail(i, "only a slice of one axis is supported");
    return {axes, {static_cast<int64_t>(starts.values[0]), static_cast<int64_t>(ends.values[0])}};
  }

  void slice(int i) {
    const Value& x = input_value(i);
    auto [axes, range] = slice_range(i);
    if (x.kind == Value::Kind::heads && axes[0] == (x.transposed ? 3 : 2)) {
      Value v = x;
      const int64_t end = std::min(range[1], x.view.size);
      v.view = {x.view.offset + range[0], end - range[0]};
      if (range[0] < 0 || v.view.size <= 0) fail(i, "slice [" + std::to_string(range[0]) + ", " + std::to_string(range[1]) + ") is empty or negative");
      return set(node_output(at(i), 0), v);
    }
    if (x.kind != Value::Kind::nchw || axes[0] != 1) fail(i, "only slices of the channel axis are supported");
    const int64_t c = shape(x).c;
    const int64_t end = std::min(range[1], c);
    if (range[0] < 0 || end <= range[0]) fail(i, "slice [" + std::to_string(range[0]) + ", " + std::to_string(range[1]) + ") of " + std::to_string(c) + " channels is empty or negative");
    set_nchw(node_output(at(i), 0), add(i, {x.tensor}, Slice{range[0], end}));
  }

  void split(int i) {
    const auto& n = at(i);
    const Value& x = nchw_input(i);
    if (int_attr(i, "axis", 0) != 1) fail(i, "only splits of the channel axis are supported");
    const int64_t c = shape(x).c;
    Dims sizes;
    if (n.input_size() > 1 && !node_input(n, 1).empty())
      for (double v : need_constant(i, 1).values) sizes.push_back(static_cast<int64_t>(v));
    else if (attribute(i, "split")) sizes = ints_attr(i, "split", {});
    else {
      if (c % n.output_size() != 0) fail(i, std::to_string(c) + " channels do not split evenly");
      sizes.assign(static_cast<size_t>(n.output_size()), c / n.output_size());
    }
    if (static_cast<int>(sizes.size()) != n.output_size()) fail(i, "split sizes do not match the outputs");
    int64_t begin = 0;
    for (int k = 0; k < n.output_size(); ++k) {
      const std::string t = add(i, {x.tensor}, Slice{begin, begin + sizes[static_cast<size_t>(k)]}, "/" + std::to_string(k));
      set_nchw(node_output(n, k), t);
      begin += sizes[static_cast<size_t>(k)];
    }
  }

  void concat(int i) {
    const auto& n = at(i);
    if (int_attr(i, "axis", 0) != 1) fail(i, "only concatenation along channels (axis 1) is supported");
    std::vector<std::string> ins;
    for (int k = 0; k < n.input_size(); ++k) ins.push_back(nchw_input(i, k).tensor);
    if (ins.size() == 1) return set_nchw(node_output(n, 0), ins[0]);
    set_nchw(node_output(n, 0), add(i, ins, Concat{}));
  }

  void flatten(int i) {
    const Value& x = nchw_input(i);
    if (int_attr(i, "axis", 1) != 1) fail(i, "only Flatten with axis 1 is supported");
    if (shape(x).pixels() != 1) fail(i, "Flatten of a tensor with more than one pixel (C-major order) is not supported");
    set(node_output(at(i), 0), x);  // N x C x 1 x 1 and N x C are the same data; ours is N x 1 x 1 x C either way
  }

  Dims resolve(int i, const Dims& target, int64_t elements) const {
    Dims d = target;
    int64_t known = 1, unknown = -1;
    for (size_t k = 0; k < d.size(); ++k) {
      if (d[k] == -1) {
        if (unknown >= 0) fail(i, "more than one -1 in the target shape");
        unknown = static_cast<int64_t>(k);
      } else if (d[k] <= 0) {
        fail(i, "target shape dimensions must be positive (0 is not supported)");
      } else {
        known *= d[k];
      }
    }
    if (unknown >= 0) d[static_cast<size_t>(unknown)] = elements / known;
    int64_t total = 1;
    for (auto v : d) total *= v;
    if (total != elements) fail(i, "target shape does not hold the " + std::to_string(elements) + " elements");
    return d;
  }

  void reshape(int i) {
    const auto& n = at(i);
    const Value& x = input_value(i);
    const Constant& target = need_constant(i, 1);
    Dims want;
    for (double v : target.values) want.push_back(static_cast<int64_t>(v));
    const ShapeNhwc s = shape(x);
    const Dims d = resolve(i, want, s.elements());
    if (x.kind == Value::Kind::nchw) {
      // N x C (x 1 x 1) <-> N x C x 1 x 1: the same data.
      if (s.pixels() == 1 && ((d.size() == 2 && d[1] == s.c) || (d.size() == 4 && d[1] == s.c && d[2] == 1 && d[3] == 1)))
        return set(node_output(n, 0), x);
      // N x heads x C/heads x HW: a per-head view (attention, grouped softmax, talking heads).
      if (d.size() == 4 && d[0] == s.n && d[1] * d[2] == s.c && d[3] == s.pixels())
        return set(node_output(n, 0), Value::head_view(x.tensor, d[1], {0, d[2]}, false));
      // N x G x rest followed by InstanceNormalization: the GroupNorm pattern.
      if (d.size() == 3 && d[0] == s.n) return group_norm(i, x, d[1]);
    }
    if (x.kind == Value::Kind::heads && !x.transposed && x.view.offset == 0 && x.view.size * x.heads == s.c &&
        d.size() == 4 && d[0] == s.n && d[1] == s.c && d[2] == s.h && d[3] == s.w)
      return set_nchw(node_output(n, 0), x.tensor);
    if (x.kind == Value::Kind::nhwc && d.size() == 4) {
      const std::string t = add(i, {x.tensor}, Reshape{{d[0], d[1], d[2], d[3]}});
      return set(node_output(n, 0), Value::of(Value::Kind::nhwc, t));
    }
    std::string dims;
    for (auto v : d) dims += (dims.empty() ? "" : "x") + std::to_string(v);
    fail(i, "reshape of " + s.str() + " (NHWC) to " + dims + " is not a recognised pattern");
  }

  // Reshape(N, G, -1) -> InstanceNormalization(1, 0) -> Reshape(N, C, H, W) -> Mul γ -> Add β.
  void group_norm(int i, const Value& x, int64_t groups) {
    int inorm = 0, back = 0, mul = 0, add_node = 0;
    const auto& n = at(i);
    if (!sole_is(node_output(n, 0), "InstanceNormalization", inorm) || !sole_is(node_output(at(inorm), 0), "Reshape", back))
      fail(i, "a reshape to N x G x rest must be followed by InstanceNormalization and a reshape back (GroupNorm)");
    const Constant& scale = need_constant(inorm, 1);
    const Constant& bias = need_constant(inorm, 2);
    for (double v : scale.values)
      if (v != 1) fail(inorm, "GroupNorm's InstanceNormalization must have unit scale (the affine follows as Mul/Add)");
    for (double v : bias.values)
      if (v != 0) fail(inorm, "GroupNorm's InstanceNormalization must have zero bias");
    done_.insert(inorm);
    done_.insert(back);
    std::string out = node_output(at(back), 0);
    if (sole_is(out, "Mul", mul)) {
      done_.insert(mul);
      out = node_output(at(mul), 0);
      if (sole_is(out, "Add", add_node)) {
        done_.insert(add_node);
        out = node_output(at(add_node), 0);
      }
    }
    set_nchw(out, add(i, {x.tensor}, GroupNorm{groups, float_attr(inorm, "epsilon", 1e-5)}));
  }

  void transpose(int i) {
    const Value& x = input_value(i);
    const Dims p = ints_attr(i, "perm", {});
    Value v = x;
    if (x.kind == Value::Kind::nchw && p == Dims{0, 2, 3, 1}) v.kind = Value::Kind::nhwc;
    else if (x.kind == Value::Kind::nhwc && p == Dims{0, 3, 1, 2}) v.kind = Value::Kind::nchw;
    else if (x.kind == Value::Kind::heads && p == Dims{0, 1, 3, 2}) v.transposed = !x.transposed;
    else fail(i, "this permutation is not a recognised layout change");
    set(node_output(at(i), 0), v);
  }

  void softmax(int i) {
    const Value& x = input_value(i);
    int64_t axis = int_attr(i, "axis", -1);
    const ShapeNhwc& s = shape(x);
    if (x.kind == Value::Kind::nchw && (axis == 1 || (axis == -1 && s.pixels() == 1)))
      return set_nchw(node_output(at(i), 0), add(i, {x.tensor}, Softmax{1}));
    if (x.kind == Value::Kind::heads && x.view.offset == 0 && x.view.size * x.heads == s.c) {
      if (axis < 0) axis += 4;
      if (axis == (x.transposed ? 3 : 2)) {
        const std::string t = add(i, {x.tensor}, Softmax{x.heads});
        return set(node_output(at(i), 0), Value::head_view(t, x.heads, x.view, x.transposed));
      }
    }
    fail(i, "softmax over this axis is not supported (channels, or the per-head key axis)");
  }

  void layer_norm(int i) {
    const Value& x = input_value(i);
    const int64_t axis = int_attr(i, "axis", -1);
    const bool channels_last = x.kind == Value::Kind::nhwc && (axis == -1 || axis == 3);
    const bool flat = x.kind == Value::Kind::nchw && shape(x).pixels() == 1 && axis == 1;
    if (!channels_last && !flat) fail(i, "only LayerNormalization over channels (channels-last, last axis) is supported");
    const std::string t = add(i, {x.tensor}, LayerNorm{float_attr(i, "epsilon", 1e-5)});
    set(node_output(at(i), 0), Value::of(x.kind, t));
  }

  void binary(int i) {
    const auto& n = at(i);
    const bool is_add = n.op_type() == "Add";
    const Constant* c0 = constant(node_input(n, 0));
    const Constant* c1 = constant(node_input(n, 1));
    if (c0 && c1) fail(i, "both inputs are constants (constant folding is not supported)");
    if (c0 || c1) {
      const int k = c0 ? 1 : 0;
      const Constant& c = c0 ? *c0 : *c1;
      const Value& x = nchw_input(i, k);
      const ShapeNhwc& s = shape(x);
      if (!is_add && c.values.size() == static_cast<size_t>(s.c))
        return set_nchw(node_output(n, 0), add(i, {x.tensor}, LayerScale{}));
      if (is_add && c.values.size() == static_cast<size_t>(s.pixels() * s.c) && s.pixels() > 1)
        return set_nchw(node_output(n, 0), add(i, {x.tensor}, AttentionBias{1, s.pixels() * s.c}));
      fail(i, std::string(is_add ? "adding" : "multiplying by") + " a constant of " + std::to_string(c.values.size()) +
                  " values is not a recognised pattern (layer scale, attention bias)");
    }
    const Value& a = nchw_input(i, 0);
    const Value& b = nchw_input(i, 1);
    std::vector<std::string> ins{a.tensor, b.tensor};
    // Ours broadcasts only inputs[1]; put the N x C x 1 x 1 operand second.
    if (shape(a).pixels() == 1 && shape(b).pixels() > 1) std::swap(ins[0], ins[1]);
    set_nchw(node_output(n, 0), is_add ? add(i, ins, Add{}) : add(i, ins, Multiply{}));
  }
};

}  // namespace

Network import_onnx_bytes(const std::string& model_bytes, const std::string& file) {
  onnx::ModelProto model;
  if (!model.ParseFromString(model_bytes)) throw InputError(file + ": not an ONNX model (protobuf parse failed)");
  for (const auto& o : model.opset_import())
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() < 11)
      throw InputError(file + ": opset " + std::to_string(o.version()) + " is older than the 11 we read");
  return Importer(model, file).run();
}

Network import_onnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return import_onnx_bytes(bytes, path);
}

}  // namespace cpx::profiler
