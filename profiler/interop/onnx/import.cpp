// Import: folds what is constant, then walks an ONNX graph in its (topological) node order and translates
// each node not yet folded or consumed by a pattern (import_ops.cpp) into ops of the space. Layers, bottom up:
//   import_graph     protobuf access: nodes, constants, attributes, readers (bounds-checked);
//   import_fold      constant folding: shape arithmetic, and Shape of an imported tensor, become constants;
//   import_patterns  multi-node exporter patterns (GELU, BatchNorm + activation, GroupNorm, LayerNorm, shuffle);
//   import_ops       the translation table, one function per ONNX operator type;
//   here             the graph's input and output, and which ONNX pattern imports each op kind.
//   import_weights   the initializers as the executor's weights, per op;
// here checks every op's weights against its kind's sizes (make_op_weights), so that an initializer of the
// wrong size is one error naming the op.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "profiler/executor/weight_sizes.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/interop/onnx/import_context.hpp"
#include "profiler/interop/onnx/import_fold.hpp"
#include "profiler/interop/onnx/import_refusals.hpp"
#include "space/field_error.hpp"
#include "space/zoo.hpp"

namespace cpx::profiler {

namespace onnx_import {

Context::Context(Graph& graph, const std::string& network_name, const ShapeNhwc& input, const std::string& onnx_input)
    : g(graph), builder_(network_name, "imported", input, Where(graph.file())) {
  values_[onnx_input] = Value::of(Value::Kind::nchw, std::string(input_tensor));
  used_names_.insert(std::string(input_tensor));
}

std::string Context::op_name(const std::string& base) {
  std::string name = base.empty() ? "op" : base;
  for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
  used_names_.insert(name);
  return name;
}

std::string Context::add(int i, std::vector<std::string> inputs, OpAttrs attrs, const std::string& suffix) {
  const auto& n = g.at(i);
  builder_.locate(Where(g.file(), "node \"" + n.name() + "\" (" + n.op_type() + ")"));
  weights_.emplace_back();
  return builder_.add(op_name((n.name().empty() ? g.output(i) : n.name()) + suffix), std::move(inputs),
                      std::move(attrs));
}

const Value& Context::value(const std::string& name, const std::string& what) const {
  auto it = values_.find(name);
  if (it == values_.end())
    throw InputError(g.file() + ": tensor " + name + " (" + what + ") is not produced by any node we imported");
  return it->second;
}

const Value& Context::input_value(int i, int k) const {
  if (!g.has_input(i, k)) g.fail(i, "missing input " + std::to_string(k));
  auto it = values_.find(g.input(i, k));
  if (it == values_.end()) not_imported_input(g, i, k);
  return it->second;
}

const Value& Context::nchw_input(int i, int k) const {
  const Value& v = input_value(i, k);
  if (v.kind != Value::Kind::nchw)
    g.fail(i, "expects an N x C x H x W input; " + g.input(i, k) + " is a reshaped view");
  return v;
}

const Value& Context::pixel_input(int i, int k) const {
  const Value& v = input_value(i, k);
  if (v.kind == Value::Kind::heads)
    g.fail(i, "expects an N x C x H x W input or its channels-last view N x H x W x C; " + g.input(i, k) +
                  " is a per-head view");
  return v;
}

Value Context::one_pixel_heads(const Value& x) const {
  if (x.kind != Value::Kind::nchw || x.rank != 4 || shape(x).pixels() != 1) return x;
  return Value::head_view(x.tensor, shape(x).c, {0, 1}, false);
}

std::map<std::string, std::string> Context::onnx_names() const {
  std::map<std::string, std::string> out;
  for (int i = 0; i < g.size(); ++i)
    for (const auto& name : g.at(i).output()) {
      const auto it = values_.find(name);
      if (it == values_.end()) continue;
      const Value& v = it->second;
      const bool whole = v.kind == Value::Kind::nchw && !v.flattened && v.pending == Padding{} &&
                         (v.rank == 4 || (v.rank == 2 && shape(v).pixels() == 1));
      if (whole && v.tensor != input_tensor) out.emplace(v.tensor, name);
    }
  return out;
}

Dims Context::dims(const Value& v) const {
  const ShapeNhwc& s = shape(v);
  switch (v.kind) {
    case Value::Kind::nchw:
      return v.rank == 2 ? Dims{s.n, s.c} : v.rank == 3 ? Dims{s.n, s.c, s.pixels()} : Dims{s.n, s.c, s.h, s.w};
    case Value::Kind::nhwc:
      if (v.seq_first) return v.rank == 3 ? Dims{s.pixels(), s.n, s.c} : Dims{s.pixels(), s.c};
      return v.rank == 3 ? Dims{s.n, s.pixels(), s.c} : Dims{s.n, s.h, s.w, s.c};
    case Value::Kind::heads:
      return v.transposed ? Dims{s.n, v.heads, s.pixels(), v.view.size} : Dims{s.n, v.heads, v.view.size, s.pixels()};
  }
  throw std::logic_error("unknown value kind");
}

namespace {

// The one graph input that is not an initializer, as N x C x H x W with fixed C, H, W (batch 1 if symbolic).
const onnx::ValueInfoProto& graph_input(const Graph& g, ShapeNhwc& shape) {
  const onnx::ValueInfoProto* input = nullptr;
  const std::string& file = g.file();
  for (const auto& v : g.proto().input())
    if (!g.constant(v.name())) {
      if (input) throw InputError(file + ": more than one graph input (" + input->name() + ", " + v.name() + ")");
      input = &v;
    }
  if (!input) throw InputError(file + ": the graph has no input");
  const auto& dims = input->type().tensor_type().shape();
  if (dims.dim_size() != 4) throw InputError(file + ": input " + input->name() + " is not N x C x H x W");
  Dims d;
  for (const auto& dim : dims.dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  if (d[0] < 0) d[0] = 1;
  if (d[1] < 1 || d[2] < 1 || d[3] < 1)
    throw InputError(file + ": input " + input->name() + " needs fixed channels, height and width");
  shape = {d[0], d[2], d[3], d[1]};
  return *input;
}

// Every op's imported weights against the sizes its kind needs: an op given none that needs some gets the
// identity (a GroupNorm without affine) or seeded ones (listed); a size that differs is an InputError.
void check_weights(const std::string& file, ImportedModel& m) {
  for (size_t i = 0; i < m.net.ops.size(); ++i) {
    const std::array<size_t, 2> need = op_weight_sizes(m.net, i);
    OpWeights& got = m.weights[i];
    const std::string& name = m.net.ops[i].name;
    if (got.weight.empty() && got.bias.empty() && need[0] + need[1] > 0) {
      const GroupNorm* gn = m.net.ops[i].as<GroupNorm>();
      if (!gn || gn->affine) m.seeded_ops.push_back(name);
      got = make_op_weights(m.net, i, 0);
      continue;
    }
    if (got.weight.size() != need[0] || got.bias.size() != need[1])
      throw InputError(file + ": op " + name + " (" + std::string(m.net.ops[i].kind()) + "): its initializers hold " +
                       std::to_string(got.weight.size()) + " weights and " + std::to_string(got.bias.size()) +
                       " biases where it needs " + std::to_string(need[0]) + " and " + std::to_string(need[1]));
  }
}

ImportedModel import_graph(const onnx::GraphProto& proto, const std::string& file, std::vector<std::string>* skipped,
                           BatchNormFolding* folding) {
  Graph g(proto, file);
  ShapeNhwc input_shape;
  const onnx::ValueInfoProto& input = graph_input(g, input_shape);
  Context c(g, std::filesystem::path(file).stem().string(), input_shape, input.name());
  c.skipped = skipped;
  c.folding = folding;
  for (int i = 0; i < g.size(); ++i)
    if ((g.at(i).domain().empty() || g.at(i).domain() == "ai.onnx") && fold(c, i, true)) g.mark_done(i);
  for (int i = 0; i < g.size(); ++i)
    if (!g.done(i)) translate(c, i);
  if (proto.output_size() != 1)
    throw InputError(file + ": the graph has " + std::to_string(proto.output_size()) + " outputs; one is supported");
  const std::string& name = proto.output(0).name();
  const Value& out = c.value(name, "graph output");
  if (out.kind != Value::Kind::nchw)
    throw InputError(file + ": the graph output " + name + " is not in N x C x H x W form");
  if (out.tensor == input_tensor) throw InputError(file + ": the graph computes nothing");
  ImportedModel m;
  m.onnx_names = c.onnx_names();
  m.weights = c.take_weights();
  m.net = std::move(c).finish(out.tensor);
  check_weights(file, m);
  return m;
}

// Which ONNX pattern imports each op kind of space/op.hpp. One entry per kind and no default: a kind
// added to the space without one does not compile, so it is either importable (and the round-trip test
// of tests/test_onnx.cpp checks that export then import gives it back) or says here why not.
using Entry = OnnxImportEntry;
template <typename T>
using Of = std::type_identity<T>;
constexpr Entry entry(Of<Conv2d>) { return {true, "Conv [after Pad] [then BatchNormalization] [then an activation]"}; }
constexpr Entry entry(Of<FullyConnected>) {
  return {true, "Gemm, or MatMul [+ Add], on N x C [then BatchNormalization, activation]"};
}
constexpr Entry entry(Of<Matmul>) {
  return {true,
          "MatMul, or Einsum as a batched matrix product, of per-head Reshape/Slice/Transpose views [then Mul by a "
          "scalar]"};
}
constexpr Entry entry(Of<Softmax>) { return {true, "Softmax over channels or over a per-head view"}; }
constexpr Entry entry(Of<ActivationOp>) {
  return {true,
          "Relu, Clip 0..6, HardSwish, HardSigmoid, Sigmoid [Mul], GELU subgraphs, LeakyRelu, Elu, Tanh, Softplus "
          "[Tanh Mul], Mish"};
}
constexpr Entry entry(Of<BatchNorm>) { return {true, "BatchNormalization not after a conv or linear"}; }
constexpr Entry entry(Of<GroupNorm>) {
  return {true,
          "Reshape(N, G, -1), InstanceNormalization, Reshape back [Mul, Add]; InstanceNormalization on an image "
          "(groups = C)"};
}
constexpr Entry entry(Of<LayerNorm>) { return {true, "LayerNormalization on the channels-last view"}; }
constexpr Entry entry(Of<Add>) { return {true, "Add of two tensors"}; }
constexpr Entry entry(Of<Subtract>) { return {true, "Sub of two tensors (the second may be one pixel)"}; }
constexpr Entry entry(Of<Multiply>) { return {true, "Mul of two tensors"}; }
constexpr Entry entry(Of<GlobalAvgPool>) { return {true, "GlobalAveragePool, or ReduceMean over H and W"}; }
constexpr Entry entry(Of<AvgPool>) { return {true, "AveragePool"}; }
constexpr Entry entry(Of<MaxPool>) { return {true, "MaxPool"}; }
constexpr Entry entry(Of<UpsampleNearest>) { return {true, "Resize nearest (asymmetric, floor)"}; }
constexpr Entry entry(Of<Reshape>) { return {true, "Reshape on the channels-last view"}; }
constexpr Entry entry(Of<Slice>) { return {true, "Slice or Split of the channel axis"}; }
constexpr Entry entry(Of<Concat>) { return {true, "Concat along channels"}; }
constexpr Entry entry(Of<Pad>) { return {true, "Pad of H and W with zeros, not folded into a Conv"}; }
constexpr Entry entry(Of<ConvTranspose2d>) { return {true, "ConvTranspose [then BatchNormalization, activation]"}; }
constexpr Entry entry(Of<ResizeBilinear>) { return {true, "Resize linear (half-pixel or aligned corners)"}; }
constexpr Entry entry(Of<Affine>) { return {true, "Mul, Div, Add or Sub of a scalar constant"}; }
constexpr Entry entry(Of<PRelu>) { return {true, "PRelu with C slopes or one"}; }
constexpr Entry entry(Of<LayerScale>) { return {true, "Mul by a per-channel constant"}; }
constexpr Entry entry(Of<AttentionBias>) {
  return {true, "Add of a per-pixel-and-channel constant (the gathered table)"};
}
constexpr Entry entry(Of<HeadMix>) { return {true, "1x1 Conv over the head axis of a per-head view"}; }
constexpr Entry entry(Of<ChannelShuffle>) {
  return {true, "Reshape(N, g, C/g, H, W), Transpose(0, 2, 1, 3, 4), Reshape(N, C, H, W)"};
}
constexpr Entry entry(Of<PixelShuffle>) {
  return {true, "DepthToSpace mode CRD (PyTorch's pixel_shuffle); DCR as a channel_shuffle then this"};
}
constexpr Entry entry(Of<Clamp>) {
  return {true, "Clip with constant bounds other than relu's [0, no max] and relu6's [0, 6]"};
}
constexpr Entry entry(Of<ClassToken>) {
  return {true, "Concat of an expanded [1, tokens, C] constant before the tokens N x HW x C (ViT's class token)"};
}
constexpr Entry entry(Of<WindowPartition>) {
  return {true,
          "Swin's [torch.roll as Slice + Concat,] Reshape to 6-D, Transpose(0, 1, 3, 2, 4, 5), Reshape (window "
          "partition and reverse); patch merging's strided Slices + Concat; MaxViT's block and grid partitions "
          "(Reshape 6-D, Transpose(0, 2, 4, 3, 5, 1), Reshape [, Transpose(0, 2, 1, 3)]) and their reverses"};
}

}  // namespace

}  // namespace onnx_import

OnnxImportEntry onnx_import_entry(const OpAttrs& attrs) {
  return std::visit([](const auto& a) { return onnx_import::entry(onnx_import::Of<std::decay_t<decltype(a)>>{}); },
                    attrs);
}

namespace {

ImportedModel import_model(const onnx::ModelProto& model, const std::string& file, std::vector<std::string>* skipped,
                           BatchNormFolding* folding) {
  for (const auto& o : model.opset_import())
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() < 11)
      throw InputError(file + ": opset " + std::to_string(o.version()) + " is older than the 11 we read");
  return onnx_import::import_graph(model.graph(), file, skipped, folding);
}

}  // namespace

ImportedModel import_onnx_model_bytes(const std::string& model_bytes, const std::string& file,
                                      std::vector<std::string>* skipped, BatchNormFolding* folding) {
  onnx::ModelProto model;
  if (!model.ParseFromString(model_bytes)) throw InputError(file + ": not an ONNX model (protobuf parse failed)");
  return import_model(model, file, skipped, folding);
}

Network import_onnx_bytes(const std::string& model_bytes, const std::string& file, std::vector<std::string>* skipped,
                          BatchNormFolding* folding) {
  return import_onnx_model_bytes(model_bytes, file, skipped, folding).net;
}

// Parsed from the stream, not from the file's bytes in a string: that would be a third copy of the weights.
ImportedModel import_onnx_model(const std::string& path, std::vector<std::string>* skipped, BatchNormFolding* folding) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) throw InputError(path + ": not an ONNX model (protobuf parse failed)");
  return import_model(model, path, skipped, folding);
}

Network import_onnx(const std::string& path, std::vector<std::string>* skipped, BatchNormFolding* folding) {
  return import_onnx_model(path, skipped, folding).net;
}

std::string onnx_symbolic_batch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) return "";
  for (const auto& v : model.graph().input()) {
    const auto& shape = v.type().tensor_type().shape();
    if (shape.dim_size() == 4 && !shape.dim(0).has_dim_value())
      return shape.dim(0).dim_param().empty() ? "?" : shape.dim(0).dim_param();
  }
  return "";
}

bool is_onnx_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  if (std::filesystem::path(path).extension() == ".onnx") return true;
  std::ifstream in(path, std::ios::binary);
  char first = 0;
  while (in.get(first) && (first == ' ' || first == '\n' || first == '\r' || first == '\t')) {}
  // ModelProto's first field is ir_version (field 1, varint): tag byte 0x08. JSON never starts with it.
  return in && first == 0x08;
}

Network load_any_model(const std::string& name_or_file, int64_t resolution, std::vector<std::string>* skipped,
                       BatchNormFolding* folding) {
  if (!is_onnx_file(name_or_file)) return load_model(name_or_file, resolution);
  if (resolution < 0 || resolution > limits::max_spatial)
    throw FieldError(Field::resolution, std::to_string(resolution),
                     "out of range [1, " + std::to_string(limits::max_spatial) + "]");
  Network net = import_onnx(name_or_file, skipped, folding);
  if (resolution > 0) net = with_input(net, {net.input.n, resolution, resolution, net.input.c}, name_or_file);
  return net;
}

Wording skipped_note(const std::vector<std::string>& skipped) {
  if (skipped.empty()) return {};
  std::string names;
  for (const std::string& s : skipped) names += (names.empty() ? "" : ", ") + s;
  return {Field::skip_unknown, ": " + std::to_string(skipped.size()) +
                                   " ONNX node(s) the importer does not know passed their input on, "
                                   "not counted: every total (MACs, params, time) excludes them: " +
                                   names};
}

}  // namespace cpx::profiler
