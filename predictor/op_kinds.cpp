#include "predictor/op_kinds.hpp"

#include <algorithm>

namespace cpx::predictor {

namespace {

std::string window_name(const std::array<int64_t, 2>& k) { return std::to_string(k[0]) + "x" + std::to_string(k[1]); }

// One overload per op kind, no catch-all: a new kind of op does not compile until it has a kind here.
// A dilated conv is its own kind: no shipped device's calibration networks had one, and runtimes run it on
// other kernels than the undilated conv (ours: XNNPACK's indirection GEMM instead of our tile).
std::string kind_of(const Conv2d& a, const ShapeNhwc& in) {
  const std::string dilated = a.dilated() && a.kernel != std::array<int64_t, 2>{1, 1} ? " dilated" : "";
  switch (conv_class(a, in.c)) {
    case ConvClass::depthwise: return "depthwise " + window_name(a.kernel) + dilated;
    case ConvClass::grouped: return "grouped conv" + dilated;
    case ConvClass::pointwise: return "pointwise conv";
    case ConvClass::dense: return "dense conv " + window_name(a.kernel) + dilated;
  }
  return "dense conv";
}
std::string kind_of(const ConvTranspose2d&, const ShapeNhwc&) { return "transposed conv"; }
std::string kind_of(const FullyConnected&, const ShapeNhwc& in) { return in.n * in.h * in.w > 1 ? "pointwise conv" : "classifier"; }
std::string kind_of(const Matmul&, const ShapeNhwc&) { return "attention"; }
std::string kind_of(const HeadMix&, const ShapeNhwc&) { return "attention"; }
std::string kind_of(const Softmax&, const ShapeNhwc&) { return "attention"; }
std::string kind_of(const AttentionBias&, const ShapeNhwc&) { return "attention"; }
std::string kind_of(const BatchNorm&, const ShapeNhwc&) { return "norm"; }
std::string kind_of(const GroupNorm&, const ShapeNhwc&) { return "norm"; }
std::string kind_of(const LayerNorm&, const ShapeNhwc&) { return "norm"; }
std::string kind_of(const ActivationOp& a, const ShapeNhwc&) { return std::string(to_string(a.function)); }
std::string kind_of(const Add&, const ShapeNhwc&) { return "elementwise"; }
std::string kind_of(const Subtract&, const ShapeNhwc&) { return "elementwise"; }
std::string kind_of(const Multiply&, const ShapeNhwc&) { return "elementwise"; }
std::string kind_of(const LayerScale&, const ShapeNhwc&) { return "elementwise"; }
std::string kind_of(const PRelu&, const ShapeNhwc&) { return "prelu"; }
std::string kind_of(const Affine&, const ShapeNhwc&) { return "elementwise"; }
std::string kind_of(const GlobalAvgPool&, const ShapeNhwc&) { return "global pooling"; }
std::string kind_of(const AvgPool&, const ShapeNhwc&) { return "pooling"; }
std::string kind_of(const MaxPool&, const ShapeNhwc&) { return "pooling"; }
std::string kind_of(const UpsampleNearest&, const ShapeNhwc&) { return "resize"; }
std::string kind_of(const ResizeBilinear&, const ShapeNhwc&) { return "resize"; }
std::string kind_of(const Slice&, const ShapeNhwc&) { return "data movement"; }
std::string kind_of(const Concat&, const ShapeNhwc&) { return "data movement"; }
std::string kind_of(const Pad&, const ShapeNhwc&) { return "data movement"; }
std::string kind_of(const Reshape&, const ShapeNhwc&) { return "data movement"; }
std::string kind_of(const ChannelShuffle&, const ShapeNhwc&) { return "data movement"; }
// Kinds of their own, as prelu's: no shipped device was calibrated on networks with them.
std::string kind_of(const PixelShuffle&, const ShapeNhwc&) { return "pixel shuffle"; }
std::string kind_of(const Clamp&, const ShapeNhwc&) { return "clamp"; }
std::string kind_of(const ClassToken&, const ShapeNhwc&) { return "class token"; }
std::string kind_of(const WindowPartition&, const ShapeNhwc&) { return "window partition"; }

// The activation a conv or linear layer applies to its output (none for other ops).
Activation activation_of(const OpAttrs& attrs) {
  if (const auto* c = std::get_if<Conv2d>(&attrs)) return c->activation;
  if (const auto* f = std::get_if<FullyConnected>(&attrs)) return f->activation;
  if (const auto* t = std::get_if<ConvTranspose2d>(&attrs)) return t->activation;
  return Activation::none;
}

}  // namespace

std::string op_kind(const Network& net, size_t op) {
  const Op& o = net.ops[op];
  const ShapeNhwc& in = net.shape_of(o.inputs.at(0));
  return std::visit([&](const auto& a) { return kind_of(a, in); }, o.attrs);
}

std::string activation_kind(const Network& net, size_t op) { return std::string(to_string(activation_of(net.ops[op].attrs))); }

Uncalibrated uncalibrated_work(const std::map<std::string, double>& times_us, const std::map<std::string, double>& kind_share) {
  Uncalibrated u;
  double total = 0;
  for (const auto& [kind, us] : times_us) total += us;
  if (!(total > 0)) return u;
  for (const auto& [kind, us] : times_us) {
    const auto it = kind_share.find(kind);
    if ((it == kind_share.end() || it->second < calibrated_kind_share) && us > 0) u.kinds.emplace_back(kind, us / total);
  }
  std::sort(u.kinds.begin(), u.kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [kind, share] : u.kinds) u.share += share;
  return u;
}

}  // namespace cpx::predictor
