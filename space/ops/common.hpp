// What every op kind provides. An op kind is a struct with:
//   static constexpr std::string_view kind;   // its JSON "op" name
//   static constexpr int arity;               // number of inputs, or variadic (>= 2)
//   static T read(ObjectReader&);             // from JSON, range-checked
//   void write(Json&) const;                  // to JSON, so that read(write(x)) == x
//   ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const;   // validates, or fails
//   Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc& out, const Where&) const;
// and optionally `Window window() const` for ops with a kernel. Register it in space/op.hpp.
#pragma once

#include <array>
#include <cmath>
#include <span>
#include <string>

#include "space/activation.hpp"
#include "space/error.hpp"
#include "space/shape.hpp"

namespace cpx {

inline constexpr int variadic = -1;

// Counting conventions (printed with every count, see count_definitions()):
//   macs: multiply-accumulates of conv, fully connected and the two attention matmuls; 0 elsewhere.
//   params: PyTorch-style, every BatchNorm counted separately as 2·C (weight and bias).
//   params_inference: after folding each BatchNorm into the conv or linear before it.
struct Cost {
  int64_t macs = 0;
  int64_t params = 0;
  int64_t params_inference = 0;
};

// Kernel geometry, for tables and for the profiler.
struct Window {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;
  int64_t groups = 1;
  std::array<int64_t, 2> dilation{1, 1};  // taps this many pixels apart (conv2d only; 1 elsewhere)
};

// The weight tensor of conv2d and conv_transpose2d: [out_channels][kh][kw][in_per_group] (per-group OHWI),
// the layout the counts, the seeded weights, the executor, the reference and the ONNX export all use.
struct ConvWeightShape {
  int64_t out_channels = 0;
  int64_t kh = 1, kw = 1;
  int64_t in_per_group = 0;

  int64_t per_output_channel() const { return kh * kw * in_per_group; }  // a conv's fan-in
  int64_t elements() const { return out_channels * per_output_channel(); }
};

// Ops that split the input's channels into `groups` equal parts.
inline void require_groups_divide(int64_t groups, int64_t in_channels, const Where& where) {
  if (groups < 1 || in_channels % groups != 0)
    (where / "groups").fail(groups, "does not divide " + std::to_string(in_channels) + " input channels");
}

// A sliding window within the ranges the JSON readers enforce (kernel and stride 1..max_kernel, padding
// 0..max_kernel): ops built by another front end (the ONNX importer) reach shape inference without those
// readers, and a zero stride or a huge padding must be an error there, not a division by zero or overflow.
inline void require_window(const std::array<int64_t, 2>& kernel, const std::array<int64_t, 2>& stride,
                           const Padding& padding, const Where& where) {
  const std::string range = ": out of range [1, " + std::to_string(limits::max_kernel) + "]";
  for (size_t a = 0; a < 2; ++a) {
    if (kernel[a] < 1 || kernel[a] > limits::max_kernel) (where / "kernel").fail(kernel, range.substr(2));
    if (stride[a] < 1 || stride[a] > limits::max_kernel) (where / "stride").fail(stride, range.substr(2));
  }
  for (int64_t p : {padding.top, padding.bottom, padding.left, padding.right})
    if (p < 0 || p > limits::max_kernel)
      (where / "padding").fail(padding.to_json(), "out of range [0, " + std::to_string(limits::max_kernel) + "]");
}

// Inputs must have the same batch, height and width; used by ops that join tensors.
inline void require_same_spatial(std::span<const ShapeNhwc> in, const Where& where) {
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].n != in[0].n || in[i].h != in[0].h || in[i].w != in[0].w)
      where.fail("inputs[" + std::to_string(i) + "] is " + in[i].str() + " but inputs[0] is " + in[0].str() +
                 ": batch, height and width must match");
  }
}

// The fields conv2d and conv_transpose2d share, read and written alike; each adds its own.
template <typename Conv>
void read_conv_fields(ObjectReader& r, Conv& c) {
  c.out_channels = r.integer("out_channels", 1, limits::max_channels);
  c.kernel = read_pair(r.raw("kernel"), r.at("kernel"), 1, limits::max_kernel);
  if (r.has("stride")) c.stride = read_pair(r.raw("stride"), r.at("stride"), 1, limits::max_kernel);
  if (r.has("padding")) c.padding = read_padding(r.raw("padding"), r.at("padding"));
  c.groups = r.integer("groups", 1, limits::max_channels, 1);
  c.bias = r.boolean("bias", false);
  c.batch_norm = r.boolean("batch_norm", false);
  if (r.has("activation")) c.activation = read_activation(r.raw("activation"), r.at("activation"));
  if (c.out_channels % c.groups != 0)
    r.at("groups").fail(c.groups, "does not divide out_channels " + std::to_string(c.out_channels));
}
template <typename Conv>
void write_conv_fields(Json& j, const Conv& c) {
  j["out_channels"] = c.out_channels;
  j["kernel"] = c.kernel;
  j["stride"] = c.stride;
  j["padding"] = c.padding.to_json();
  j["groups"] = c.groups;
  j["bias"] = c.bias;
  j["batch_norm"] = c.batch_norm;
  j["activation"] = to_string(c.activation);
}

}  // namespace cpx
