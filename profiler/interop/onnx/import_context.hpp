// What the per-op translations of import_ops.cpp share: the graph, the network being built, and the view
// of our tensors that every imported ONNX tensor is. Kinds of view:
//   nchw   N x C x H x W (the usual layout), also rank-2 N x C (ours N x 1 x 1 x C);
//   nhwc   the same data transposed to N x H x W x C (around LayerNormalization and reshapes);
//   heads  N x heads x size x HW: channels [offset, offset + size) of each head segment (transposed: the
//          last two axes swapped), which is how attention reshapes tensors for its matmuls.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "profiler/executor/weights.hpp"
#include "profiler/interop/onnx/import_graph.hpp"
#include "profiler/interop/onnx/import_weights.hpp"
#include "space/count.hpp"
#include "space/network.hpp"

namespace cpx::profiler::onnx_import {

struct Value {
  enum class Kind { nchw, nhwc, heads } kind = Kind::nchw;
  std::string tensor;  // our tensor
  int64_t heads = 1;
  ChannelView view;
  bool transposed = false;
  std::optional<FlattenedMap> flattened;  // N x C x H x W flattened in NCHW order (ours: NHWC), for a Linear
  Padding pending;         // a Pad folded into the Conv, MaxPool (-inf) or AveragePool that reads this value
  size_t rank = 4;         // of the ONNX tensor: an nchw value with one pixel may be N x C (rank 2); tokens are
                           // nhwc N x HW x C (rank 3), transposed back nchw N x C x HW (rank 3)
  bool seq_first = false;  // nhwc tokens of batch 1 in nn.MultiheadAttention's sequence-first layout, HW x 1 x C
                           // (rank 3) or HW x C (rank 2): the same data as N x HW x C (import_tokens.hpp)

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

class Context {
 public:
  Context(Graph& g, const std::string& network_name, const ShapeNhwc& input, const std::string& onnx_input);

  Graph& g;
  // With --skip-unknown: a node of an op type the importer does not know passes its first input on (as
  // Identity would) and is listed here as "name (OpType)"; without it (null), such a node is an error.
  std::vector<std::string>* skipped = nullptr;
  // Where the convs the exporter folded a BatchNorm into are listed (count's batch_norm_folding); null: nowhere.
  BatchNormFolding* folding = nullptr;

  // Adds an op for node i (named after its name, else its output) and returns our tensor.
  std::string add(int i, std::vector<std::string> inputs, OpAttrs attrs, const std::string& suffix = "");
  // The weights of the op add() made last (an op given none has none until import.cpp checks them).
  void weigh(OpWeights w) { weights_.back() = std::move(w); }
  void set(const std::string& onnx_tensor, Value v) { values_[onnx_tensor] = std::move(v); }
  void set_nchw(const std::string& onnx_tensor, const std::string& ours) {
    set(onnx_tensor, Value::of(Value::Kind::nchw, ours));
  }
  // Marks every node of a matched pattern imported.
  void consume(const std::vector<int>& nodes) {
    for (int k : nodes) g.mark_done(k);
  }

  bool has(const std::string& onnx_tensor) const { return values_.count(onnx_tensor) > 0; }
  const Value& value(const std::string& name, const std::string& what) const;
  const Value& input_value(int i, int k = 0) const;
  const Value& nchw_input(int i, int k = 0) const;
  // An input an op reads per element or per pixel: N x C x H x W or its channels-last view N x H x W x C
  // (the same data here, ours being NHWC either way), as PyTorch code that permutes to channels-last
  // before a LayerNorm and Linear layers exports it (ConvNeXt's blocks).
  const Value& pixel_input(int i, int k = 0) const;
  // N x C x 1 x 1 read as the per-head view N x C x 1 x 1 (C heads of one value at one pixel), as attention
  // over a single token reads it (MobileViT's last stage at 64x64): the two views have the same dims, so
  // an op that works on heads takes it so. Any other value is itself.
  Value one_pixel_heads(const Value& x) const;
  // Sets an op's output in the layout (nchw or nhwc) and rank of the input it was read from.
  void set_like(const std::string& onnx_tensor, const Value& like, const std::string& ours) {
    Value v = Value::of(like.kind, ours);
    v.rank = like.rank;
    v.seq_first = like.seq_first;
    set(onnx_tensor, v);
  }
  const ShapeNhwc& shape(const Value& v) const { return builder_.shape(v.tensor); }
  const ShapeNhwc& shape(const std::string& tensor) const { return builder_.shape(tensor); }
  // The ONNX tensor's dims (what a Shape node reads): N x C x H x W (N x C at rank 2), N x H x W x C, or
  // the per-head view N x heads x size x HW (its last two swapped when transposed).
  Dims dims(const Value& v) const;

  Network finish(const std::string& output) && { return std::move(builder_).finish(output); }
  NetworkWeights take_weights() { return std::move(weights_); }
  // Each of our tensors that holds an ONNX tensor's values in its N x C x H x W form (rank 4, or rank 2
  // of one pixel), with that tensor's name: the first such ONNX tensor in the graph's node order.
  std::map<std::string, std::string> onnx_names() const;

 private:
  NetworkBuilder builder_;
  std::map<std::string, Value> values_;
  std::set<std::string> used_names_;
  NetworkWeights weights_;  // parallel to the builder's ops

  std::string op_name(const std::string& base);
};

// Imports node i (and any pattern that starts there), or fails naming it.
void translate(Context& c, int i);

}  // namespace cpx::profiler::onnx_import
