// Export: every op of the space as standard ONNX nodes over NCHW tensors. Our tensors are NHWC; each
// op's ONNX output is the same data in NCHW, so weights are permuted (OHWI -> OIHW) and ops that read
// the NHWC byte order itself (reshape, per-head matmul) go through explicit Transpose/Reshape nodes.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <concepts>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>
#include <stdexcept>
#include <type_traits>

#include "profiler/interop/onnx.hpp"

namespace cpx::profiler {

namespace {

using Dims = std::vector<int64_t>;

Dims nchw(const ShapeNhwc& s) { return {s.n, s.c, s.h, s.w}; }

// Emits nodes and initializers into one graph with unique names derived from our op names.
class GraphWriter {
 public:
  GraphWriter(onnx::GraphProto& g, bool dynamic_batch) : g_(g), dynamic_batch_(dynamic_batch) {}

  onnx::NodeProto& node(const std::string& type, const std::vector<std::string>& inputs, const std::string& output) {
    onnx::NodeProto& n = *g_.add_node();
    n.set_op_type(type);
    n.set_name(output);
    for (const auto& i : inputs) n.add_input(i);
    n.add_output(output);
    return n;
  }
  std::string floats(const std::string& name, const Dims& dims, const std::vector<float>& values) {
    onnx::TensorProto& t = *g_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t.add_dims(d);
    t.set_raw_data(values.data(), values.size() * sizeof(float));
    return name;
  }
  std::string scalar(const std::string& name, float v) { return floats(name, {}, {v}); }
  std::string ints(const std::string& name, const Dims& values) {
    onnx::TensorProto& t = *g_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(values.size()));
    for (auto v : values) t.add_int64_data(v);
    return name;
  }
  // A Reshape's target shape, whose first axis is the batch of an input with batch `n_in`. With a symbolic
  // batch: 0 (ONNX's "copy the input's") when the reshape keeps the batch, -1 when it folds more into it
  // (windows; every other axis is then given).
  std::string reshape_target(const std::string& name, Dims dims, int64_t n_in) {
    if (dynamic_batch_) dims[0] = dims[0] == n_in ? 0 : -1;
    return ints(name, dims);
  }
  bool dynamic_batch() const { return dynamic_batch_; }

 private:
  onnx::GraphProto& g_;
  bool dynamic_batch_;
};

void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
}
void attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
}
void attr(onnx::NodeProto& n, const std::string& name, const Dims& v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a.add_ints(x);
}
void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(v);
}

// Writes `out` = activation(x); `out` == x when there is none. The GELU and Mish forms are the subgraphs
// PyTorch exports (ONNX Runtime fuses both GELUs into its Gelu kernels; Mish is an op from opset 18 only).
// alpha: leaky_relu's and elu's (an op's own activation never takes one).
std::string activate(GraphWriter& w, Activation a, const std::string& x, const std::string& out, double alpha = 0) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: w.node("Relu", {x}, out); return out;
    case Activation::relu6: {
      w.node("Clip", {x, w.scalar(out + "/min", 0.0f), w.scalar(out + "/max", 6.0f)}, out);
      return out;
    }
    case Activation::hardswish: w.node("HardSwish", {x}, out); return out;
    case Activation::hardsigmoid: {
      auto& n = w.node("HardSigmoid", {x}, out);
      attr(n, "alpha", 1.0f / 6.0f);
      attr(n, "beta", 0.5f);
      return out;
    }
    case Activation::sigmoid: w.node("Sigmoid", {x}, out); return out;
    case Activation::silu: {
      w.node("Sigmoid", {x}, out + "/sigmoid");
      w.node("Mul", {x, out + "/sigmoid"}, out);
      return out;
    }
    case Activation::gelu: {
      w.node("Div", {x, w.scalar(out + "/sqrt2", static_cast<float>(std::numbers::sqrt2))}, out + "/div");
      w.node("Erf", {out + "/div"}, out + "/erf");
      w.node("Add", {out + "/erf", w.scalar(out + "/one", 1.0f)}, out + "/add");
      w.node("Mul", {x, out + "/add"}, out + "/mul");
      w.node("Mul", {out + "/mul", w.scalar(out + "/half", 0.5f)}, out);
      return out;
    }
    case Activation::gelu_tanh: {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      w.node("Pow", {x, w.scalar(out + "/three", 3.0f)}, out + "/cube");
      w.node("Mul", {out + "/cube", w.scalar(out + "/c", 0.044715f)}, out + "/cube_c");
      w.node("Add", {x, out + "/cube_c"}, out + "/inner");
      w.node("Mul", {out + "/inner", w.scalar(out + "/k", static_cast<float>(std::sqrt(2.0 / std::numbers::pi)))},
             out + "/scaled");
      w.node("Tanh", {out + "/scaled"}, out + "/tanh");
      w.node("Add", {out + "/tanh", w.scalar(out + "/one", 1.0f)}, out + "/add");
      w.node("Mul", {x, out + "/add"}, out + "/mul");
      w.node("Mul", {out + "/mul", w.scalar(out + "/half", 0.5f)}, out);
      return out;
    }
    case Activation::leaky_relu: attr(w.node("LeakyRelu", {x}, out), "alpha", static_cast<float>(alpha)); return out;
    case Activation::elu: attr(w.node("Elu", {x}, out), "alpha", static_cast<float>(alpha)); return out;
    case Activation::tanh: w.node("Tanh", {x}, out); return out;
    case Activation::softplus: w.node("Softplus", {x}, out); return out;
    case Activation::mish: {
      w.node("Softplus", {x}, out + "/softplus");
      w.node("Tanh", {out + "/softplus"}, out + "/tanh");
      w.node("Mul", {x, out + "/tanh"}, out);
      return out;
    }
  }
  throw std::logic_error("unknown activation");
}

// A conv's or linear's folded BatchNorm, written back as the BatchNormalization PyTorch would export
// after it (ONNX Runtime folds it into the conv again): scale 1, shift = the folded bias, mean 0,
// var 1 − ε. Keeping the node lets import see that the op had a BatchNorm.
std::string batch_norm_after(GraphWriter& w, const std::string& x, const std::vector<float>& bias, int64_t c,
                             const std::string& out) {
  const double eps = 1e-5;
  const size_t n = static_cast<size_t>(c);
  auto& node = w.node("BatchNormalization",
                      {x, w.floats(out + "/bn_scale", {c}, std::vector<float>(n, 1.0f)),
                       w.floats(out + "/bn_shift", {c}, bias.empty() ? std::vector<float>(n, 0.0f) : bias),
                       w.floats(out + "/bn_mean", {c}, std::vector<float>(n, 0.0f)),
                       w.floats(out + "/bn_var", {c}, std::vector<float>(n, static_cast<float>(1.0 - eps)))},
                      out);
  attr(node, "epsilon", static_cast<float>(eps));
  return out;
}

// The bias input of a conv or linear that has one: with a BatchNorm after it, the folded bias goes to the
// BatchNormalization's shift and this one is zero.
std::vector<float> conv_bias(const OpWeights& wt, bool batch_norm, int64_t c) {
  return batch_norm ? std::vector<float>(static_cast<size_t>(c), 0.0f) : wt.bias;
}

// Per-channel constant [C, 1, 1], broadcasting over an N x C x H x W tensor.
std::string channel_constant(GraphWriter& w, const std::string& name, const std::vector<float>& v) {
  return w.floats(name, {static_cast<int64_t>(v.size()), 1, 1}, v);
}

// ONNX pads: [top, left, bottom, right] for the two spatial axes.
Dims onnx_pads(const Padding& p) { return {p.top, p.left, p.bottom, p.right}; }

// Per-head view of an NCHW tensor as N x heads x seg x (H·W), optionally sliced to [offset, offset+size).
std::string head_view(GraphWriter& w, const std::string& x, const ShapeNhwc& s, int64_t heads, const ChannelView& v,
                      const std::string& out) {
  const int64_t seg = s.c / heads;
  w.node("Reshape", {x, w.reshape_target(out + "/shape", {s.n, heads, seg, s.pixels()}, s.n)}, out + "/heads");
  if (v.offset == 0 && v.size == seg) return out + "/heads";
  w.node("Slice",
         {out + "/heads", w.ints(out + "/starts", {v.offset}), w.ints(out + "/ends", {v.offset + v.size}),
          w.ints(out + "/axes", {2})},
         out + "/slice");
  return out + "/slice";
}

std::string transpose(GraphWriter& w, const std::string& x, const Dims& perm, const std::string& out) {
  attr(w.node("Transpose", {x}, out), "perm", perm);
  return out;
}

struct Exporter {
  const Network& net;
  const NetworkWeights& weights;
  GraphWriter& w;

  const ShapeNhwc& in_shape(const Op& op, size_t k = 0) const { return net.shape_of(op.inputs[k]); }

  void emit(size_t i) {
    const Op& op = net.ops[i];
    std::visit([&](const auto& a) { emit(op, i, a); }, op.attrs);
  }

  void emit(const Op& op, size_t i, const Conv2d& c) {
    const OpWeights& wt = weights[i];
    const auto [cout, kh, kw, cin] = c.weight_shape(in_shape(op).c);
    const std::vector<float> oihw = conv_weight_oihw(wt.weight, cout, cin, kh, kw);
    conv_like("Conv", op, c, wt, w.floats(op.name + "/weight", {cout, cin, kh, kw}, oihw));
  }

  // Conv or ConvTranspose node with the op's geometry, then its BatchNormalization and activation.
  template <typename C>
  void conv_like(const std::string& type, const Op& op, const C& c, const OpWeights& wt, const std::string& weight) {
    std::vector<std::string> inputs{op.inputs[0], weight};
    if (c.bias)
      inputs.push_back(w.floats(op.name + "/bias", {c.out_channels}, conv_bias(wt, c.batch_norm, c.out_channels)));
    const bool last = c.activation == Activation::none && !c.batch_norm;
    const std::string conv_out = last ? op.name : op.name + "/conv";
    auto& n = w.node(type, inputs, conv_out);
    attr(n, "kernel_shape", Dims{c.kernel[0], c.kernel[1]});
    attr(n, "strides", Dims{c.stride[0], c.stride[1]});
    attr(n, "pads", onnx_pads(c.padding));
    if constexpr (std::is_same_v<C, ConvTranspose2d>)
      attr(n, "output_padding", Dims{c.output_padding[0], c.output_padding[1]});
    attr(n, "group", c.groups);
    if constexpr (std::is_same_v<C, Conv2d>)
      if (c.dilated()) attr(n, "dilations", Dims{c.dilation[0], c.dilation[1]});
    std::string y = conv_out;
    if (c.batch_norm)
      y = batch_norm_after(w, y, wt.bias, c.out_channels, c.activation == Activation::none ? op.name : op.name + "/bn");
    activate(w, c.activation, y, op.name);
  }

  void emit(const Op& op, size_t i, const ConvTranspose2d& c) {
    const OpWeights& wt = weights[i];
    const int64_t cin = in_shape(op).c, out_pg = c.out_channels / c.groups;
    const auto [cout, kh, kw, in_pg] = c.weight_shape(cin);
    const std::vector<float> iohw = conv_transpose_weight_iohw(wt.weight, cin, cout, c.groups, kh, kw);
    conv_like("ConvTranspose", op, c, wt, w.floats(op.name + "/weight", {cin, out_pg, kh, kw}, iohw));
  }

  // On a 1x1 input the PyTorch head: Flatten, Gemm (BatchNormalization, activation), and a Reshape back
  // to N x out x 1 x 1. Elsewhere a linear at every pixel is a 1x1 convolution.
  void emit(const Op& op, size_t i, const FullyConnected& f) {
    const OpWeights& wt = weights[i];
    const ShapeNhwc& s = in_shape(op);
    const bool flat = s.h == 1 && s.w == 1;
    std::vector<std::string> inputs;
    std::string y;
    if (flat) {
      attr(w.node("Flatten", {op.inputs[0]}, op.name + "/flatten"), "axis", int64_t{1});
      inputs = {op.name + "/flatten", w.floats(op.name + "/weight", {f.out_features, s.c}, wt.weight)};
    } else {
      inputs = {op.inputs[0], w.floats(op.name + "/weight", {f.out_features, s.c, 1, 1}, wt.weight)};
    }
    if (f.bias)
      inputs.push_back(w.floats(op.name + "/bias", {f.out_features}, conv_bias(wt, f.batch_norm, f.out_features)));
    const bool last = !flat && f.activation == Activation::none && !f.batch_norm;
    y = last ? op.name : op.name + "/linear";
    if (flat) attr(w.node("Gemm", inputs, y), "transB", int64_t{1});
    else attr(w.node("Conv", inputs, y), "kernel_shape", Dims{1, 1});
    const std::string end = flat ? op.name + "/act" : op.name;
    if (f.batch_norm)
      y = batch_norm_after(w, y, wt.bias, f.out_features,
                           f.activation == Activation::none && !flat ? op.name : op.name + "/bn");
    if (f.activation != Activation::none) y = activate(w, f.activation, y, end);
    if (flat) w.node("Reshape", {y, w.reshape_target(op.name + "/shape", {s.n, f.out_features, 1, 1}, s.n)}, op.name);
  }

  // Per head: A_i (tokens_a x a.size) and B_i as views of N x heads x seg x HW, one batched MatMul, then
  // back to NCHW with channel = head·cols + j.
  void emit(const Op& op, size_t i, const Matmul& m) {
    const ShapeNhwc& as = in_shape(op, 0);
    const ShapeNhwc& bs = in_shape(op, 1);
    const ShapeNhwc& os = net.shapes[i];
    const std::string a = transpose(w, head_view(w, op.inputs[0], as, m.heads, m.a, op.name + "/a"), {0, 1, 3, 2},
                                    op.name + "/a/t");                             // N x heads x HWa x a.size
    std::string b = head_view(w, op.inputs[1], bs, m.heads, m.b, op.name + "/b");  // N x heads x b.size x HWb
    if (!m.transpose_b) b = transpose(w, b, {0, 1, 3, 2}, op.name + "/b/t");       // N x heads x HWb x b.size
    std::string prod = w.node("MatMul", {a, b}, op.name + "/matmul").output(0);
    if (m.scale != 1.0)
      prod = w.node("Mul", {prod, w.scalar(op.name + "/scale", static_cast<float>(m.scale))}, op.name + "/scaled")
                 .output(0);
    transpose(w, prod, {0, 1, 3, 2}, op.name + "/t");  // N x heads x cols x HWa
    w.node("Reshape", {op.name + "/t", w.reshape_target(op.name + "/shape", nchw(os), as.n)}, op.name);
  }

  void emit(const Op& op, size_t, const Softmax& s) {
    const ShapeNhwc& x = in_shape(op);
    if (s.groups == 1) {
      attr(w.node("Softmax", {op.inputs[0]}, op.name), "axis", int64_t{1});
      return;
    }
    w.node("Reshape",
           {op.inputs[0], w.reshape_target(op.name + "/shape", {x.n, s.groups, x.c / s.groups, x.pixels()}, x.n)},
           op.name + "/groups");
    attr(w.node("Softmax", {op.name + "/groups"}, op.name + "/softmax"), "axis", int64_t{2});
    w.node("Reshape", {op.name + "/softmax", w.reshape_target(op.name + "/shape_back", nchw(x), x.n)}, op.name);
  }

  void emit(const Op& op, size_t, const ActivationOp& a) { activate(w, a.function, op.inputs[0], op.name, a.alpha); }

  void emit(const Op& op, size_t i, const BatchNorm& b) {
    // The folded scale and shift as a BatchNormalization with mean 0 and var 1 − ε, so that
    // y = scale·x + shift exactly as the executor computes it.
    const OpWeights& wt = weights[i];
    const int64_t c = in_shape(op).c;
    auto& n = w.node(
        "BatchNormalization",
        {op.inputs[0], w.floats(op.name + "/scale", {c}, wt.weight), w.floats(op.name + "/shift", {c}, wt.bias),
         w.floats(op.name + "/mean", {c}, std::vector<float>(static_cast<size_t>(c), 0.0f)),
         w.floats(op.name + "/var", {c}, std::vector<float>(static_cast<size_t>(c), static_cast<float>(1.0 - b.eps)))},
        op.name);
    attr(n, "epsilon", static_cast<float>(b.eps));
  }

  void emit(const Op& op, size_t i, const GroupNorm& g) {
    const ShapeNhwc& x = in_shape(op);
    const std::vector<float> ones(static_cast<size_t>(g.groups), 1.0f), zeros(static_cast<size_t>(g.groups), 0.0f);
    w.node("Reshape", {op.inputs[0], w.reshape_target(op.name + "/shape", {x.n, g.groups, -1}, x.n)},
           op.name + "/groups");
    attr(w.node("InstanceNormalization",
                {op.name + "/groups", w.floats(op.name + "/ones", {g.groups}, ones),
                 w.floats(op.name + "/zeros", {g.groups}, zeros)},
                op.name + "/norm"),
         "epsilon", static_cast<float>(g.eps));
    const std::string normed = g.affine ? op.name + "/normed" : op.name;  // no affine: PyTorch's export ends here
    w.node("Reshape", {op.name + "/norm", w.reshape_target(op.name + "/shape_back", nchw(x), x.n)}, normed);
    if (!g.affine) return;
    w.node("Mul", {op.name + "/normed", channel_constant(w, op.name + "/gamma", weights[i].weight)},
           op.name + "/scaled");
    w.node("Add", {op.name + "/scaled", channel_constant(w, op.name + "/beta", weights[i].bias)}, op.name);
  }

  // Over channels: NCHW -> NHWC, LayerNormalization on the last axis, back.
  void emit(const Op& op, size_t i, const LayerNorm& l) {
    const int64_t c = in_shape(op).c;
    transpose(w, op.inputs[0], {0, 2, 3, 1}, op.name + "/nhwc");
    auto& n = w.node("LayerNormalization",
                     {op.name + "/nhwc", w.floats(op.name + "/gamma", {c}, weights[i].weight),
                      w.floats(op.name + "/beta", {c}, weights[i].bias)},
                     op.name + "/norm");
    attr(n, "axis", int64_t{-1});
    attr(n, "epsilon", static_cast<float>(l.eps));
    transpose(w, op.name + "/norm", {0, 3, 1, 2}, op.name);
  }

  void emit(const Op& op, size_t, const Add&) { w.node("Add", {op.inputs[0], op.inputs[1]}, op.name); }
  void emit(const Op& op, size_t, const Subtract&) { w.node("Sub", {op.inputs[0], op.inputs[1]}, op.name); }
  void emit(const Op& op, size_t, const Multiply&) { w.node("Mul", {op.inputs[0], op.inputs[1]}, op.name); }
  void emit(const Op& op, size_t, const GlobalAvgPool&) { w.node("GlobalAveragePool", {op.inputs[0]}, op.name); }

  template <typename Pool>
  requires std::same_as<Pool, AvgPool> || std::same_as<Pool, MaxPool>
  void emit(const Op& op, size_t, const Pool& p) {
    constexpr bool avg = std::same_as<Pool, AvgPool>;
    auto& n = w.node(avg ? "AveragePool" : "MaxPool", {op.inputs[0]}, op.name);
    attr(n, "kernel_shape", Dims{p.kernel[0], p.kernel[1]});
    attr(n, "strides", Dims{p.stride[0], p.stride[1]});
    attr(n, "pads", onnx_pads(p.padding));
    if constexpr (avg) attr(n, "count_include_pad", int64_t{p.count_include_pad ? 1 : 0});
  }

  // Resize's sizes input: N x C of the input (Shape, Slice; with a symbolic batch) and the output's H x W.
  std::string resize_sizes(const Op& op, size_t i) {
    const ShapeNhwc& s = net.shapes[i];
    if (!w.dynamic_batch()) return w.ints(op.name + "/sizes", nchw(s));
    w.node("Shape", {op.inputs[0]}, op.name + "/in_shape");
    w.node("Slice", {op.name + "/in_shape", w.ints(op.name + "/nc_start", {0}), w.ints(op.name + "/nc_end", {2})},
           op.name + "/nc");
    attr(w.node("Concat", {op.name + "/nc", w.ints(op.name + "/hw", {s.h, s.w})}, op.name + "/sizes"), "axis",
         int64_t{0});
    return op.name + "/sizes";
  }

  // Asymmetric / floor: source = floor(dst / scale), and with sizes floor(dst·in/out), both as ours.
  void emit(const Op& op, size_t i, const UpsampleNearest&) {
    auto& n = w.node("Resize", {op.inputs[0], "", "", resize_sizes(op, i)}, op.name);
    attr(n, "mode", std::string("nearest"));
    attr(n, "coordinate_transformation_mode", std::string("asymmetric"));
    attr(n, "nearest_mode", std::string("floor"));
  }

  void emit(const Op& op, size_t i, const ResizeBilinear& r) {
    auto& n = w.node("Resize", {op.inputs[0], "", "", resize_sizes(op, i)}, op.name);
    attr(n, "mode", std::string("linear"));
    attr(n, "coordinate_transformation_mode", std::string(r.align_corners ? "align_corners" : "pytorch_half_pixel"));
  }

  // Our reshape reinterprets the NHWC byte order; NCHW order equals it only when a tensor has one pixel
  // or one channel.
  void emit(const Op& op, size_t i, const Reshape& r) {
    const ShapeNhwc& x = in_shape(op);
    const auto same_order = [](const ShapeNhwc& s) { return s.pixels() == 1 || s.c == 1; };
    if (same_order(x) && same_order(r.shape)) {
      w.node("Reshape", {op.inputs[0], w.reshape_target(op.name + "/shape", nchw(net.shapes[i]), x.n)}, op.name);
      return;
    }
    transpose(w, op.inputs[0], {0, 2, 3, 1}, op.name + "/nhwc");
    w.node("Reshape",
           {op.name + "/nhwc", w.reshape_target(op.name + "/shape", {r.shape.n, r.shape.h, r.shape.w, r.shape.c}, x.n)},
           op.name + "/reshaped");
    transpose(w, op.name + "/reshaped", {0, 3, 1, 2}, op.name);
  }

  void emit(const Op& op, size_t, const Slice& s) {
    w.node("Slice",
           {op.inputs[0], w.ints(op.name + "/starts", {s.begin}), w.ints(op.name + "/ends", {s.end}),
            w.ints(op.name + "/axes", {1})},
           op.name);
  }

  void emit(const Op& op, size_t, const Concat&) { attr(w.node("Concat", op.inputs, op.name), "axis", int64_t{1}); }

  void emit(const Op& op, size_t, const Pad& p) {
    const Padding& q = p.padding;
    w.node("Pad", {op.inputs[0], w.ints(op.name + "/pads", {0, 0, q.top, q.left, 0, 0, q.bottom, q.right})}, op.name);
  }

  // Mul by the scale, then Add the shift (each left out where it does nothing, Mul by 1 when both do).
  void emit(const Op& op, size_t, const Affine& a) {
    const bool shifts = a.shift != 0;
    std::string x = op.inputs[0];
    if (a.scale != 1 || !shifts) {
      const std::string out = shifts ? op.name + "/scaled" : op.name;
      w.node("Mul", {x, w.scalar(op.name + "/scale", static_cast<float>(a.scale))}, out);
      x = out;
    }
    if (shifts) w.node("Add", {x, w.scalar(op.name + "/shift", static_cast<float>(a.shift))}, op.name);
  }

  // The slopes as PyTorch exports nn.PReLU's: C x 1 x 1 (one per channel) or a single value.
  void emit(const Op& op, size_t i, const PRelu& p) {
    const std::string& slope = op.name + "/slope";
    const std::vector<float>& a = weights[i].weight;
    w.node("PRelu", {op.inputs[0], p.shared ? w.floats(slope, {1}, a) : channel_constant(w, slope, a)}, op.name);
  }

  void emit(const Op& op, size_t i, const LayerScale&) {
    w.node("Mul", {op.inputs[0], channel_constant(w, op.name + "/gamma", weights[i].weight)}, op.name);
  }

  // The gathered bias [hq·wq][heads·Lk] (NHWC of one sample) as an NCHW constant 1 x heads·Lk x hq x wq;
  // per-window biases as windows x heads·Lk x hq x wq, added to the scores viewed as N/windows x windows x ...
  void emit(const Op& op, size_t i, const AttentionBias& a) {
    const ShapeNhwc& s = in_shape(op);
    const std::vector<float> bias = per_window_bias_nchw(a, s, weights[i].weight);
    if (a.windows == 1) {
      w.node("Add", {op.inputs[0], w.floats(op.name + "/bias", {1, s.c, s.h, s.w}, bias)}, op.name);
      return;
    }
    w.node("Reshape",
           {op.inputs[0], w.reshape_target(op.name + "/shape", {s.n / a.windows, a.windows, s.c, s.h, s.w}, s.n)},
           op.name + "/windows");
    w.node("Add", {op.name + "/windows", w.floats(op.name + "/bias", {a.windows, s.c, s.h, s.w}, bias)},
           op.name + "/added");
    w.node("Reshape", {op.name + "/added", w.reshape_target(op.name + "/shape_back", nchw(s), s.n / a.windows)},
           op.name);
  }

  // PyTorch's channel_shuffle: view as N x groups x C/groups x H x W, swap the two channel axes, flatten.
  void emit(const Op& op, size_t, const ChannelShuffle& c) {
    const ShapeNhwc& x = in_shape(op);
    w.node("Reshape",
           {op.inputs[0], w.reshape_target(op.name + "/shape", {x.n, c.groups, x.c / c.groups, x.h, x.w}, x.n)},
           op.name + "/groups");
    transpose(w, op.name + "/groups", {0, 2, 1, 3, 4}, op.name + "/t");
    w.node("Reshape", {op.name + "/t", w.reshape_target(op.name + "/shape_back", nchw(x), x.n)}, op.name);
  }

  // PyTorch's own export of F.pixel_shuffle (opset 11 on).
  void emit(const Op& op, size_t, const PixelShuffle& p) {
    auto& n = w.node("DepthToSpace", {op.inputs[0]}, op.name);
    attr(n, "blocksize", p.upscale);
    attr(n, "mode", std::string("CRD"));
  }

  // Clip's bounds are optional inputs: an absent one is left out ("" where max follows).
  void emit(const Op& op, size_t, const Clamp& c) {
    std::vector<std::string> inputs{op.inputs[0],
                                    std::isfinite(c.min) ? w.scalar(op.name + "/min", static_cast<float>(c.min)) : ""};
    if (std::isfinite(c.max)) inputs.push_back(w.scalar(op.name + "/max", static_cast<float>(c.max)));
    w.node("Clip", inputs, op.name);
  }

  // As torchvision's ViT writes it: the map flattened to tokens N x HW x C, the tokens [1, t, C] expanded
  // to the batch and concatenated before them, back to N x C x 1 x (t + HW).
  void emit(const Op& op, size_t i, const ClassToken& t) {
    const ShapeNhwc& s = in_shape(op);
    w.node("Reshape", {op.inputs[0], w.reshape_target(op.name + "/shape", {s.n, s.c, s.pixels()}, s.n)},
           op.name + "/flat");
    transpose(w, op.name + "/flat", {0, 2, 1}, op.name + "/tokens");
    std::string batch = w.ints(op.name + "/batch", {s.n, 1, 1});
    if (w.dynamic_batch()) {  // the batch read from the tokens at run time
      w.node("Shape", {op.name + "/tokens"}, op.name + "/dims");
      w.node("Slice", {op.name + "/dims", w.ints(op.name + "/n_start", {0}), w.ints(op.name + "/n_end", {1})},
             op.name + "/n");
      attr(w.node("Concat", {op.name + "/n", w.ints(op.name + "/ones", {1, 1})}, op.name + "/batch_shape"), "axis",
           int64_t{0});
      batch = op.name + "/batch_shape";
    }
    w.node("Expand", {w.floats(op.name + "/class_token", {1, t.tokens, s.c}, weights[i].weight), batch},
           op.name + "/expanded");
    attr(w.node("Concat", {op.name + "/expanded", op.name + "/tokens"}, op.name + "/cat"), "axis", int64_t{1});
    transpose(w, op.name + "/cat", {0, 2, 1}, op.name + "/t");
    w.node("Reshape", {op.name + "/t", w.reshape_target(op.name + "/shape_back", nchw(net.shapes[i]), s.n)}, op.name);
  }

  // Map pixel y of `out` is pixel (y + k) mod size of x along `axis` (torch.roll by -k): Slice + Concat, as
  // PyTorch exports torch.roll.
  std::string roll(const std::string& x, int64_t axis, int64_t k, int64_t size, const std::string& out) {
    if (k == 0) return x;
    w.node("Slice",
           {x, w.ints(out + "/a_starts", {k}), w.ints(out + "/a_ends", {size}), w.ints(out + "/a_axes", {axis})},
           out + "/a");
    w.node("Slice", {x, w.ints(out + "/b_starts", {0}), w.ints(out + "/b_ends", {k}), w.ints(out + "/b_axes", {axis})},
           out + "/b");
    attr(w.node("Concat", {out + "/a", out + "/b"}, out), "axis", axis);
    return out;
  }

  // Swin's window partition as torchvision writes it, on the channels-last view: torch.roll, Reshape to
  // N x gh x wh x gw x ww x C, Transpose(0, 1, 3, 2, 4, 5) (column-major: (0, 1, 3, 4, 2, 5)), Reshape to
  // the windows; the reverse the other way round. NCHW at both ends.
  void emit(const Op& op, size_t, const WindowPartition& p) {
    const ShapeNhwc& x = in_shape(op);
    const int64_t n = p.reverse ? x.n / p.windows() : x.n, c = x.c, wh = p.window[0], ww = p.window[1];
    transpose(w, op.inputs[0], {0, 2, 3, 1}, op.name + "/nhwc");
    if (!p.reverse) {
      std::string t = roll(op.name + "/nhwc", 1, p.shift[0], p.grid_h(), op.name + "/roll_h");
      t = roll(t, 2, p.shift[1], p.grid_w(), op.name + "/roll_w");
      w.node("Reshape", {t, w.reshape_target(op.name + "/shape", {n, p.grid[0], wh, p.grid[1], ww, c}, n)},
             op.name + "/split");
      transpose(w, op.name + "/split", p.column_major ? Dims{0, 1, 3, 4, 2, 5} : Dims{0, 1, 3, 2, 4, 5},
                op.name + "/t");
      const Dims out = p.column_major ? Dims{n * p.windows(), ww, wh, c} : Dims{n * p.windows(), wh, ww, c};
      w.node("Reshape", {op.name + "/t", w.reshape_target(op.name + "/shape_back", out, n)}, op.name + "/windows");
      transpose(w, op.name + "/windows", {0, 3, 1, 2}, op.name);
      return;
    }
    w.node("Reshape",
           {op.name + "/nhwc", w.reshape_target(op.name + "/shape", {n, p.grid[0], p.grid[1], wh, ww, c}, x.n)},
           op.name + "/split");
    transpose(w, op.name + "/split", {0, 1, 3, 2, 4, 5}, op.name + "/t");
    w.node("Reshape", {op.name + "/t", w.reshape_target(op.name + "/shape_back", {n, p.grid_h(), p.grid_w(), c}, n)},
           op.name + "/map");
    std::string t = roll(op.name + "/map", 1, (p.grid_h() - p.shift[0]) % p.grid_h(), p.grid_h(), op.name + "/roll_h");
    t = roll(t, 2, (p.grid_w() - p.shift[1]) % p.grid_w(), p.grid_w(), op.name + "/roll_w");
    for (int64_t a = 1; a <= 2; ++a) {  // x[:, :H, :W, :], one Slice per axis as PyTorch writes it
      const int64_t size = a == 1 ? p.map_h() : p.map_w();
      if (size == (a == 1 ? p.grid_h() : p.grid_w())) continue;
      const std::string out = op.name + "/crop" + std::to_string(a);
      w.node("Slice", {t, w.ints(out + "_starts", {0}), w.ints(out + "_ends", {size}), w.ints(out + "_axes", {a})},
             out);
      t = out;
    }
    transpose(w, t, {0, 3, 1, 2}, op.name);
  }

  // A 1x1 convolution over the head axis of N x heads x Lk x HW, as in EfficientFormerV2.
  void emit(const Op& op, size_t i, const HeadMix& h) {
    const ShapeNhwc& s = in_shape(op);
    w.node("Reshape",
           {op.inputs[0], w.reshape_target(op.name + "/shape", {s.n, h.heads, s.c / h.heads, s.pixels()}, s.n)},
           op.name + "/heads");
    std::vector<std::string> inputs{op.name + "/heads",
                                    w.floats(op.name + "/weight", {h.heads, h.heads, 1, 1}, weights[i].weight)};
    if (!weights[i].bias.empty()) inputs.push_back(w.floats(op.name + "/bias", {h.heads}, weights[i].bias));
    attr(w.node("Conv", inputs, op.name + "/mix"), "kernel_shape", Dims{1, 1});
    w.node("Reshape", {op.name + "/mix", w.reshape_target(op.name + "/shape_back", nchw(s), s.n)}, op.name);
  }
};

// A graph input's or output's type; with a symbolic batch its first axis is named `batch_dim` instead.
void value_info(onnx::ValueInfoProto& v, const std::string& name, const Dims& dims, bool dynamic_batch) {
  v.set_name(name);
  auto& t = *v.mutable_type()->mutable_tensor_type();
  t.set_elem_type(onnx::TensorProto::FLOAT);
  for (size_t k = 0; k < dims.size(); ++k) {
    auto& d = *t.mutable_shape()->add_dim();
    if (k == 0 && dynamic_batch) d.set_dim_param(std::string(onnx_batch_dim));
    else d.set_dim_value(dims[k]);
  }
}

}  // namespace

std::string export_onnx(const Network& net, const NetworkWeights& weights, bool dynamic_batch) {
  if (weights.size() != net.ops.size()) throw std::logic_error("weights do not match the network");
  onnx::ModelProto model;
  model.set_ir_version(8);  // what opset 17 pairs with
  model.set_producer_name("cpubone-explore");
  model.set_producer_version("0.1.0");
  auto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(onnx_opset);
  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name(net.name);
  value_info(*g.add_input(), std::string(input_tensor), nchw(net.input), dynamic_batch);
  GraphWriter w(g, dynamic_batch);
  Exporter e{net, weights, w};
  for (size_t i = 0; i < net.ops.size(); ++i) e.emit(i);
  value_info(*g.add_output(), net.output, nchw(net.shape_of(net.output)), dynamic_batch);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw std::runtime_error("could not serialize the ONNX model of " + net.name);
  return bytes;
}

void check_onnx(const std::string& model_bytes, const std::string& file) {
  onnx::ModelProto model;
  if (!model.ParseFromString(model_bytes)) throw InputError(file + ": not an ONNX model (protobuf parse failed)");
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) { throw InputError(file + ": fails the ONNX checker: " + e.what()); }
}

}  // namespace cpx::profiler
