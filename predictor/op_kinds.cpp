#include "predictor/op_kinds.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>

namespace cpx::predictor {

namespace {

OpKind of_class(WorkClass c) { return OpKind{c}; }

// One overload per op kind, no catch-all: a new kind of op does not compile until it has a kind here.
// A dilated conv is its own kind: no shipped device's calibration networks had one, and runtimes run it on
// other kernels than the undilated conv (ours: XNNPACK's indirection GEMM instead of our tile).
OpKind kind_of(const Conv2d& a, const ShapeNhwc& in) {
  const bool dilated = a.dilated() && a.kernel != std::array<int64_t, 2>{1, 1};
  switch (conv_class(a, in.c)) {
    case ConvClass::depthwise: return {WorkClass::depthwise, a.kernel, dilated};
    case ConvClass::grouped: return {WorkClass::grouped_conv, {0, 0}, dilated};
    case ConvClass::pointwise: return of_class(WorkClass::pointwise_conv);
    case ConvClass::dense: return {WorkClass::dense_conv, a.kernel, dilated};
  }
  return of_class(WorkClass::dense_conv);
}
OpKind kind_of(const ConvTranspose2d&, const ShapeNhwc&) { return of_class(WorkClass::transposed_conv); }
OpKind kind_of(const FullyConnected&, const ShapeNhwc& in) {
  return of_class(in.n * in.h * in.w > 1 ? WorkClass::pointwise_conv : WorkClass::classifier);
}
OpKind kind_of(const Matmul&, const ShapeNhwc&) { return of_class(WorkClass::attention); }
OpKind kind_of(const HeadMix&, const ShapeNhwc&) { return of_class(WorkClass::attention); }
OpKind kind_of(const Softmax&, const ShapeNhwc&) { return of_class(WorkClass::attention); }
OpKind kind_of(const AttentionBias&, const ShapeNhwc&) { return of_class(WorkClass::attention); }
OpKind kind_of(const BatchNorm&, const ShapeNhwc&) { return of_class(WorkClass::norm); }
OpKind kind_of(const GroupNorm&, const ShapeNhwc&) { return of_class(WorkClass::norm); }
OpKind kind_of(const LayerNorm&, const ShapeNhwc&) { return of_class(WorkClass::norm); }
OpKind kind_of(const ActivationOp& a, const ShapeNhwc&) { return {WorkClass::activation, {0, 0}, false, a.function}; }
OpKind kind_of(const Add&, const ShapeNhwc&) { return of_class(WorkClass::elementwise); }
OpKind kind_of(const Subtract&, const ShapeNhwc&) { return of_class(WorkClass::elementwise); }
OpKind kind_of(const Multiply&, const ShapeNhwc&) { return of_class(WorkClass::elementwise); }
OpKind kind_of(const LayerScale&, const ShapeNhwc&) { return of_class(WorkClass::elementwise); }
OpKind kind_of(const PRelu&, const ShapeNhwc&) { return of_class(WorkClass::prelu); }
OpKind kind_of(const Affine&, const ShapeNhwc&) { return of_class(WorkClass::elementwise); }
OpKind kind_of(const GlobalAvgPool&, const ShapeNhwc&) { return of_class(WorkClass::global_pooling); }
OpKind kind_of(const AvgPool&, const ShapeNhwc&) { return of_class(WorkClass::pooling); }
OpKind kind_of(const MaxPool&, const ShapeNhwc&) { return of_class(WorkClass::pooling); }
OpKind kind_of(const UpsampleNearest&, const ShapeNhwc&) { return of_class(WorkClass::resize); }
OpKind kind_of(const ResizeBilinear&, const ShapeNhwc&) { return of_class(WorkClass::resize); }
OpKind kind_of(const Slice&, const ShapeNhwc&) { return of_class(WorkClass::data_movement); }
OpKind kind_of(const Concat&, const ShapeNhwc&) { return of_class(WorkClass::data_movement); }
OpKind kind_of(const Pad&, const ShapeNhwc&) { return of_class(WorkClass::data_movement); }
OpKind kind_of(const Reshape&, const ShapeNhwc&) { return of_class(WorkClass::data_movement); }
OpKind kind_of(const ChannelShuffle&, const ShapeNhwc&) { return of_class(WorkClass::data_movement); }
// Kinds of their own, as prelu's: no shipped device was calibrated on networks with them.
OpKind kind_of(const PixelShuffle&, const ShapeNhwc&) { return of_class(WorkClass::pixel_shuffle); }
OpKind kind_of(const Clamp&, const ShapeNhwc&) { return of_class(WorkClass::clamp); }
OpKind kind_of(const ClassToken&, const ShapeNhwc&) { return of_class(WorkClass::class_token); }
OpKind kind_of(const WindowPartition&, const ShapeNhwc&) { return of_class(WorkClass::window_partition); }

// The activation a conv or linear layer applies to its output (none for other ops).
Activation activation_of(const OpAttrs& attrs) {
  if (const auto* c = std::get_if<Conv2d>(&attrs)) return c->activation;
  if (const auto* f = std::get_if<FullyConnected>(&attrs)) return f->activation;
  if (const auto* t = std::get_if<ConvTranspose2d>(&attrs)) return t->activation;
  return Activation::none;
}

}  // namespace

OpKind op_kind(const Network& net, size_t op) {
  const Op& o = net.ops[op];
  const ShapeNhwc& in = net.shape_of(o.inputs.at(0));
  return std::visit([&](const auto& a) { return kind_of(a, in); }, o.attrs);
}

OpKind activation_kind(const Network& net, size_t op) {
  return {WorkClass::activation, {0, 0}, false, activation_of(net.ops[op].attrs)};
}

namespace {

// A kind's name is its lead (the class's name, an activation's function) and a tail (" 3x3", " dilated").
std::string_view lead_of(const OpKind& k) {
  return k.work == WorkClass::activation ? to_string(k.function) : work_class_names.name_of(k.work);
}
using TailText = std::array<char, 64>;
std::string_view tail_of(const OpKind& k, TailText& buffer) {
  const char* dilated = k.dilated ? " dilated" : "";
  const int n = k.window == std::array<int64_t, 2>{0, 0}
                    ? std::snprintf(buffer.data(), buffer.size(), "%s", dilated)
                    : std::snprintf(buffer.data(), buffer.size(), " %lldx%lld%s", static_cast<long long>(k.window[0]),
                                    static_cast<long long>(k.window[1]), dilated);
  return {buffer.data(), static_cast<size_t>(std::clamp(n, 0, static_cast<int>(buffer.size()) - 1))};
}

}  // namespace

std::string to_string(const OpKind& k) {
  TailText tail;
  return std::string(lead_of(k)) + std::string(tail_of(k, tail));
}

// No lead is a prefix of another lead that has a tail, so comparing leads, then tails, is comparing names;
// without building a string (a prediction adds every op's time to a map by kind).
std::strong_ordering operator<=>(const OpKind& a, const OpKind& b) {
  if (const auto c = lead_of(a).compare(lead_of(b)); c != 0)
    return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  TailText ta, tb;
  const int c = tail_of(a, ta).compare(tail_of(b, tb));
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

namespace {

// "AxB" as a window, or nullopt.
std::optional<std::array<int64_t, 2>> parse_window(std::string_view text) {
  const size_t x = text.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  std::array<int64_t, 2> w{0, 0};
  for (const auto& [part, out] : {std::pair{text.substr(0, x), &w[0]}, std::pair{text.substr(x + 1), &w[1]}}) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *out);
    if (ec != std::errc() || end != part.data() + part.size() || *out < 1) return std::nullopt;
  }
  return w;
}

}  // namespace

std::optional<OpKind> parse_op_kind(std::string_view name) {
  if (const std::optional<Activation> function = activation_names.find(name))
    return OpKind{WorkClass::activation, {0, 0}, false, *function};
  for (size_t c = 0; c < work_class_names.size(); ++c) {
    const std::string_view class_name = work_class_names.names()[c];
    if (name.substr(0, class_name.size()) != class_name ||
        (name.size() > class_name.size() && name[class_name.size()] != ' '))
      continue;
    OpKind k{static_cast<WorkClass>(c)};
    std::string_view rest = name.substr(std::min(name.size(), class_name.size() + 1));
    if (rest.ends_with("dilated")) {
      k.dilated = true;
      rest.remove_suffix(std::min(rest.size(), std::string_view(" dilated").size()));
    }
    if (!rest.empty()) {
      const auto w = parse_window(rest);
      if (!w) return std::nullopt;
      k.window = *w;
    }
    // Only what op_kind gives: a window on depthwise and dense convs alone, dilated on convs with a window
    // or grouped, and no activation named by its class's name.
    const bool conv_window = k.work == WorkClass::depthwise || k.work == WorkClass::dense_conv;
    if ((k.window != std::array<int64_t, 2>{0, 0}) != conv_window) return std::nullopt;
    if (k.dilated && !(conv_window || k.work == WorkClass::grouped_conv)) return std::nullopt;
    if (to_string(k) == name) return k;
    return std::nullopt;
  }
  return std::nullopt;
}

Json kinds_json(const std::map<OpKind, double>& by_kind) {
  std::map<std::string, double> named;
  for (const auto& [kind, value] : by_kind) named[to_string(kind)] = value;
  Json j = Json::object();
  for (const auto& [name, value] : named) j[name] = value;
  return j;
}

std::map<OpKind, double> kinds_from_json(const Json& j, const Where& where, double lo, double hi) {
  ObjectReader r(j, where);
  std::map<OpKind, double> out;
  for (const auto& [name, value] : j.items()) {
    const std::optional<OpKind> kind = parse_op_kind(name);
    if (!kind) (where / name).fail("not a kind of work; e.g. dense conv 3x3, depthwise 7x7 dilated, gelu");
    out[*kind] = r.number(name, lo, hi);
  }
  r.finish();
  return out;
}

Uncalibrated uncalibrated_work(const std::map<OpKind, double>& times_us, const std::map<OpKind, double>& kind_share) {
  Uncalibrated u;
  double total = 0;
  for (const auto& [kind, us] : times_us) total += us;
  if (!(total > 0)) return u;
  for (const auto& [kind, us] : times_us) {
    const auto it = kind_share.find(kind);
    if ((it == kind_share.end() || it->second < calibrated_kind_share) && us > 0)
      u.kinds.emplace_back(kind, us / total);
  }
  // Ties in the order of the names, as the map listed them.
  std::stable_sort(u.kinds.begin(), u.kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [kind, share] : u.kinds) u.share += share;
  return u;
}

}  // namespace cpx::predictor
