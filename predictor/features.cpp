#include "predictor/features.hpp"

#include <cmath>
#include <map>

#include "profiler/profile/fusion.hpp"
#include "profiler/profile/igemm_work.hpp"
#include "profiler/profile/xnnpack_caps.hpp"
#include "space/count.hpp"

namespace cpx::predictor {

namespace {
constexpr std::array<std::string_view, op_class_count> class_names{
    "conv_dense",     "conv_grouped",   "conv_depthwise",  "conv_depthwise_generic",
    "conv_pointwise", "conv_transpose", "fully_connected", "matmul",
    "softmax",        "norm",           "elementwise",     "pooling",
    "resize",         "data_movement"};

double log1(double v) { return std::log(std::max(1.0, v)); }

// Activations that XNNPACK cannot fuse into the GEMM's output clamp cost an extra pass.
bool unfused(Activation a) { return a != Activation::none && a != Activation::relu && a != Activation::relu6; }

// One op_class per op kind of space/op.hpp and no catch-all: a new kind that is not given a class here
// does not compile (a silent default would predict it as whatever class the default names).
OpClass op_class(const Conv2d& a, const ShapeNhwc& in) {
  switch (conv_class(a, in.c)) {
    case ConvClass::dense: return OpClass::conv_dense;
    case ConvClass::grouped:
      // A 1x1 grouped conv that runs as a GEMM is `groups` pointwise GEMMs on the per-group channels (the
      // features' channels per group): the pointwise class's kernel. The grouped class, mostly kxk convs,
      // priced it far too fast inside networks (docs/log/predictor.md). With 2 or 4 channels per group it
      // runs as our loops instead.
      return a.kernel[0] * a.kernel[1] == 1 && !profiler::runs_conv_loops(a, in.c) ? OpClass::conv_pointwise
                                                                                   : OpClass::conv_grouped;
    case ConvClass::depthwise:
      return profiler::runs_depthwise_loops(1, a.out_channels / in.c, a.kernel[0] * a.kernel[1])
                 ? OpClass::conv_depthwise_generic
                 : OpClass::conv_depthwise;
    case ConvClass::pointwise: return OpClass::conv_pointwise;
  }
  return OpClass::conv_dense;
}
OpClass op_class(const ConvTranspose2d&, const ShapeNhwc&) { return OpClass::conv_transpose; }
// On more than one row (tokens) a fully connected layer is the GEMM of a pointwise conv, with the
// same XNNPACK microkernels; on one row (a classifier head) it streams its weights once.
OpClass op_class(const FullyConnected&, const ShapeNhwc& in) {
  return in.n * in.h * in.w > 1 ? OpClass::conv_pointwise : OpClass::fully_connected;
}
OpClass op_class(const Matmul&, const ShapeNhwc&) { return OpClass::matmul; }
OpClass op_class(const HeadMix&, const ShapeNhwc&) { return OpClass::matmul; }
OpClass op_class(const Softmax&, const ShapeNhwc&) { return OpClass::softmax; }
OpClass op_class(const BatchNorm&, const ShapeNhwc&) { return OpClass::norm; }
OpClass op_class(const GroupNorm&, const ShapeNhwc&) { return OpClass::norm; }
OpClass op_class(const LayerNorm&, const ShapeNhwc&) { return OpClass::norm; }
OpClass op_class(const ActivationOp&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const Add&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const Subtract&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const Multiply&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const LayerScale&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const PRelu&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const Affine&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const AttentionBias&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const GlobalAvgPool&, const ShapeNhwc&) { return OpClass::pooling; }
OpClass op_class(const AvgPool&, const ShapeNhwc&) { return OpClass::pooling; }
OpClass op_class(const MaxPool&, const ShapeNhwc&) { return OpClass::pooling; }
OpClass op_class(const UpsampleNearest&, const ShapeNhwc&) { return OpClass::resize; }
OpClass op_class(const ResizeBilinear&, const ShapeNhwc&) { return OpClass::resize; }
OpClass op_class(const Slice&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const Concat&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const Pad&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const Reshape&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const ChannelShuffle&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const PixelShuffle&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const Clamp&, const ShapeNhwc&) { return OpClass::elementwise; }
OpClass op_class(const ClassToken&, const ShapeNhwc&) { return OpClass::data_movement; }
OpClass op_class(const WindowPartition&, const ShapeNhwc&) { return OpClass::data_movement; }

OpClass classify(const OpAttrs& attrs, const ShapeNhwc& in) {
  return std::visit([&](const auto& a) { return op_class(a, in); }, attrs);
}

// What an op kind gives the features beyond its cost: its groups, taps and stride (1 where it has no such
// thing), the activation it applies at its output, and two flags for variants of the kind that run
// differently within one op class (variant_a, variant_b). One overload per op kind of space/op.hpp and no
// catch-all: a new kind that is not given its features here does not compile.
struct KindFeatures {
  int64_t groups = 1, taps = 1, stride = 1;
  Activation activation = Activation::none;
  double variant_a = 0, variant_b = 0;
};
// How the executor whose times are modelled runs an op: its threads and which shapes its igemm takes.
struct Runs {
  size_t threads;
  profiler::IgemmRule igemm;
};

KindFeatures kind_features(const Conv2d& a, const ShapeNhwc& in, const ShapeNhwc& out, const Runs& runs) {
  // variant_b: two kernels share the GEMM classes, the executor's igemm (AVX-512 or AVX2 tiles) and
  // XNNPACK's; which one runs is fixed by the shape, and they reach different MACpS on the same shape.
  // Without the flag a grouped conv with 20 output channels per group (XNNPACK) and one with 76 (igemm)
  // shared one efficiency curve. Grouped convs with 2 or 4 channels per group run as our loops, far
  // faster than XNNPACK's GEMM: the flag says "our kernel, not XNNPACK's" for them too (docs/log/predictor.md).
  // Dilated convs run on XNNPACK alone (kernels/conv2d.cpp). Depthwise convs on our loops are not flagged:
  // flagging them fitted no better (docs/log/predictor.md, session 86) and would put the shipped devices' host
  // models, fitted without the flag, outside their profile.
  const int64_t taps = a.kernel[0] * a.kernel[1];
  const int64_t in_per_group = in.c / a.groups, out_per_group = out.c / a.groups;
  return {a.groups,
          taps,
          a.stride[0] * a.stride[1],
          a.activation,
          double(!profiler::xnnpack_has_depthwise_microkernel(taps)),
          double(runs.igemm.shape(a, in.c, runs.threads) ||
                 (!a.dilated() && profiler::runs_grouped_loops(in_per_group, out_per_group, a.groups)))};
}
KindFeatures kind_features(const ConvTranspose2d& a, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {a.groups, a.kernel[0] * a.kernel[1], a.stride[0] * a.stride[1], a.activation, 0, 0};
}
KindFeatures kind_features(const FullyConnected& a, const ShapeNhwc& in, const ShapeNhwc& out, const Runs& runs) {
  return {1, 1, 1, a.activation, 0, double(runs.igemm.shape(in.c, out.c, 1, runs.threads))};
}
KindFeatures kind_features(const ActivationOp& a, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  // variant_a: the transcendental functions, several times the work of a clamp per element.
  return {1, 1, 1, a.function, double(transcendental(a.function)), 0};
}
KindFeatures kind_features(const Matmul&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const HeadMix&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {.variant_a = 1}; }
KindFeatures kind_features(const Softmax&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const BatchNorm&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const GroupNorm&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_a = 1};
}
KindFeatures kind_features(const LayerNorm&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_b = 1};
}
// variant_b on the binary elementwise kinds: two tensors read per element, against one for a layer scale.
KindFeatures kind_features(const Add&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {.variant_b = 1}; }
KindFeatures kind_features(const Subtract&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_b = 1};
}
KindFeatures kind_features(const Multiply&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_b = 1};
}
KindFeatures kind_features(const AttentionBias&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_b = 1};
}
KindFeatures kind_features(const LayerScale&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
// One tensor read and a per-channel parameter, as a layer scale.
KindFeatures kind_features(const PRelu&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const Affine&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
// Pooling's window is not among its features (taps 1, stride 1), as fitted since the first profile: reading
// it would change every fitted pooling model, and whether that predicts pooling better is untested.
KindFeatures kind_features(const GlobalAvgPool&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_a = 1};
}
KindFeatures kind_features(const AvgPool&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const MaxPool&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {.variant_b = 1}; }
KindFeatures kind_features(const UpsampleNearest&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const ResizeBilinear&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_a = 1};
}
KindFeatures kind_features(const Slice&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const Concat&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {.variant_a = 1}; }
KindFeatures kind_features(const Pad&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {.variant_b = 1}; }
KindFeatures kind_features(const Reshape&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
KindFeatures kind_features(const ChannelShuffle&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
// Its bytes moved, as the other data movement; the executor's two passes (a shuffle, then depth_to_space)
// are not a feature of their own: no profile has timed the kind yet.
KindFeatures kind_features(const PixelShuffle&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
// One tensor read and written, as an affine (no .activation: that would add an activation pass after it).
KindFeatures kind_features(const Clamp&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }
// Its bytes moved (two row copies per sample), as concat: no profile has timed the kind yet.
KindFeatures kind_features(const ClassToken&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) {
  return {.variant_a = 1};
}
// Its bytes moved, as the other data movement (one copy of the tensor); no profile has timed the kind yet.
KindFeatures kind_features(const WindowPartition&, const ShapeNhwc&, const ShapeNhwc&, const Runs&) { return {}; }

}  // namespace

std::string_view to_string(OpClass c) { return class_names[static_cast<size_t>(c)]; }

OpClass op_class_from_string(std::string_view name, const Where& where) {
  for (size_t i = 0; i < class_names.size(); ++i)
    if (class_names[i] == name) return static_cast<OpClass>(i);
  where.fail(std::string(name), "unknown operator class");
}

namespace {
constexpr std::array<std::string_view, base_feature_count> base_names{
    "log_work",    "log_bytes",        "log_in_per_group", "log_out_per_group", "log_out_pixels", "log_taps", "strided",
    "log_threads", "log_weight_bytes", "log_intensity",    "variant_a",         "variant_b",      "isolated"};
}  // namespace

std::array<std::string, feature_count> feature_names() {
  std::array<std::string, feature_count> names;
  size_t k = 0;
  names[k++] = "bias";
  for (const auto& n : base_names) names[k++] = std::string(n);
  for (size_t i = 0; i < base_feature_count; ++i)
    for (size_t j = i; j < base_feature_count; ++j)
      names[k++] = std::string(base_names[i]) + "*" + std::string(base_names[j]);
  return names;
}

std::array<double, feature_count> basis(const OpFeatures& f) {
  std::array<double, feature_count> x{};
  size_t k = 0;
  x[k++] = 1.0;
  for (double b : f.base) x[k++] = b;
  for (size_t i = 0; i < base_feature_count; ++i)
    for (size_t j = i; j < base_feature_count; ++j) x[k++] = f.base[i] * f.base[j];
  return x;
}

OpFeatures op_features(const Network& net, size_t i, int64_t threads, ActivationFusion fusion,
                       const profiler::IgemmRule& igemm) {
  std::vector<ShapeNhwc> in;
  for (const auto& t : net.ops[i].inputs) in.push_back(net.shape_of(t));
  return op_features(net.ops[i].attrs, in, net.shapes[i], threads, fusion, igemm);
}

namespace {
// Whether an op's activation `act` is a pass of its own under `fusion` (an activation op is one already).
bool activation_pass(const OpAttrs& attrs, const ShapeNhwc& in, Activation act, ActivationFusion fusion,
                     const Runs& runs) {
  if (act == Activation::none || std::holds_alternative<ActivationOp>(attrs)) return false;
  if (fusion == ActivationFusion::none) return true;
  if (!unfused(act)) return false;
  if (fusion == ActivationFusion::relu) return true;
  if (const auto* c = std::get_if<Conv2d>(&attrs))
    return !profiler::kernel_fuses_hardswish(*c, in.c, runs.igemm, runs.threads);
  if (const auto* f = std::get_if<FullyConnected>(&attrs))
    return !profiler::kernel_fuses_hardswish(*f, in.c, runs.igemm, runs.threads);
  return true;
}
}  // namespace

// The share of a dilated conv's MACs that the executor's igemm computes, over the share it computes of the
// same conv undilated: igemm leaves out taps that read only padding (profiler/profile/igemm_work.hpp), which a
// dilation past the map makes most of them. The profile times no dilated conv, so its undilated convs carry
// their border tiles' share in their fitted efficiency, and only the dilation's part is the work's.
double dilation_share(const Conv2d& c, const ShapeNhwc& in, const ShapeNhwc& out, int64_t panel) {
  Conv2d undilated = c;
  undilated.dilation = {1, 1};
  undilated.padding = {c.padding.top / c.dilation[0], c.padding.bottom / c.dilation[0], c.padding.left / c.dilation[1],
                       c.padding.right / c.dilation[1]};
  const Padding& p = undilated.padding;
  const ShapeNhwc undilated_out{in.n, window_output(in.h, p.top, p.bottom, c.kernel[0], c.stride[0]),
                                window_output(in.w, p.left, p.right, c.kernel[1], c.stride[1]), out.c};
  if (undilated_out.h <= 0 || undilated_out.w <= 0) return 1.0;
  const double base = profiler::igemm_computed_share(undilated, in, undilated_out, panel);
  return base > 0 ? profiler::igemm_computed_share(c, in, out, panel) / base : 1.0;
}

// dilation_share for a dilated conv the executor's igemm takes; 1 for any other op, and for a dilated conv on
// XNNPACK, which multiplies the padding's zeros.
double dilated_igemm_share(const OpAttrs& attrs, const ShapeNhwc& in, const ShapeNhwc& out, const Runs& runs) {
  const auto* c = std::get_if<Conv2d>(&attrs);
  if (!c || !c->dilated() || !runs.igemm.takes(*c, in.c, runs.threads)) return 1.0;
  const int64_t panel = runs.igemm.panel(c->out_channels / c->groups);
  // Remembered per shape: advise's search prices the same few convs in thousands of variants, and walking a large
  // map's tiles each time made it 3x slower (docs/log/predictor.md, session 89).
  using Key = std::array<int64_t, 16>;
  thread_local std::map<Key, double> known;
  const Padding& q = c->padding;
  const Key key{in.n,           in.h,           in.w,  in.c,     c->kernel[0], c->kernel[1], c->stride[0], c->stride[1],
                c->dilation[0], c->dilation[1], q.top, q.bottom, q.left,       q.right,      c->groups,    panel};
  if (auto it = known.find(key); it != known.end()) return it->second;
  return known.emplace(key, dilation_share(*c, in, out, panel)).first->second;
}

OpFeatures op_features(const OpAttrs& attrs, std::span<const ShapeNhwc> ins, const ShapeNhwc& out, int64_t threads,
                       ActivationFusion fusion, const profiler::IgemmRule& igemm) {
  const ShapeNhwc& in = ins[0];
  OpFeatures f;
  f.op_class = classify(attrs, in);
  static const Where where("predictor");  // built once: constructing its strings per op would dominate
  const Cost cost = std::visit([&](const auto& a) { return a.cost(ins, out, where); }, attrs);
  double activation_elements = static_cast<double>(out.elements());
  for (const auto& s : ins) activation_elements += static_cast<double>(s.elements());
  f.macs = static_cast<double>(cost.macs);
  f.weight_bytes = 4.0 * static_cast<double>(cost.params_inference);
  f.bytes = f.weight_bytes + 4.0 * activation_elements;
  const Runs runs{static_cast<size_t>(std::max<int64_t>(1, threads)), igemm};
  const KindFeatures k = std::visit([&](const auto& a) { return kind_features(a, in, out, runs); }, attrs);
  const double macs = f.macs * (fusion == ActivationFusion::executor ? dilated_igemm_share(attrs, in, out, runs) : 1.0);
  const double work = macs > 0 ? macs : f.bytes;
  const double log_threads = std::log(static_cast<double>(std::max<int64_t>(1, threads)));
  f.base = {log1(work),
            log1(f.bytes),
            log1(static_cast<double>(in.c) / static_cast<double>(k.groups)),
            log1(static_cast<double>(out.c) / static_cast<double>(k.groups)),
            log1(static_cast<double>(out.n * out.h * out.w)),
            log1(static_cast<double>(k.taps)),
            k.stride > 1 ? 1.0 : 0.0,
            log_threads,
            log1(f.weight_bytes),
            macs > 0 ? std::log(std::max(1e-3, macs / f.bytes)) : 0.0,
            k.variant_a,
            k.variant_b,
            0.0};
  const Activation act = k.activation;
  if (activation_pass(attrs, in, act, fusion, runs)) {
    const ShapeNhwc act_in[] = {out};
    f.has_activation = true;
    f.activation = op_features(ActivationOp{act}, act_in, out, threads).base;
  }
  return f;
}

}  // namespace cpx::predictor
