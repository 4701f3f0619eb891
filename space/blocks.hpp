// Blocks: named groups of ops with a few parameters, expanded into a NetworkBuilder.
// Each block spec reads and writes its JSON form (inside macro networks) and expands itself.
#pragma once

#include <utility>
#include <variant>

#include "space/macro_block.hpp"
#include "space/network.hpp"

namespace cpx {

// CPUBone's padding rule: odd k pads k/2 on every side; 2x2/s1 pads one row on top and one column on the
// left (so the output keeps H x W); 2x2/s2 pads nothing. Larger even kernels extend the same pattern.
Padding same_padding(int64_t kernel, int64_t stride);

// A square conv with same_padding, as every block builds them.
Conv2d same_conv(int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups, bool bias, bool batch_norm,
                 Activation activation);

// Fused MBConv: kxk conv (stride, groups) Cin -> mid, BN, act; 1x1 mid -> Cout, BN. mid = round(Cin·e).
// With groups 2 this is the paper's GrFuMBConv.
struct FuMBConv {
  static constexpr MacroBlock kind = MacroBlock::fumbconv;
  int64_t kernel = 3;
  double expansion = 4;
  int64_t groups = 1;
  std::array<bool, 2> bias{false, false};
  Activation activation = Activation::hardswish;
};

// MBConv: 1x1 (groups) Cin -> mid, dw kxk (stride), 1x1 mid -> Cout. The defaults are CPUBone's: biases
// on the first two convs and a BatchNorm only after the projection. With groups 2 it is GrMBConv.
struct MBConv {
  static constexpr MacroBlock kind = MacroBlock::mbconv;
  int64_t kernel = 3;
  double expansion = 4;
  int64_t groups = 1;
  std::array<bool, 3> bias{true, true, false};
  std::array<bool, 3> batch_norm{false, false, true};
  Activation activation = Activation::hardswish;
};

// Depthwise-separable: dw kxk (stride), BN, act; 1x1 -> Cout, BN.
struct DSConv {
  static constexpr MacroBlock kind = MacroBlock::dsconv;
  int64_t kernel = 3;
  Activation activation = Activation::hardswish;
};

// The CPUBone block at C channels: x += Attention(GN(x)); x += MLP(GN(x)); x += Local(x).
// Attention: dw kxk/stride BN token downsampling, 1x1 QKV, per-head softmax(QKᵀ/√hd)·V, 1x1 projection
// with bias, nearest upsampling back. heads = max(1, ⌊m·C/30⌋), hd = ⌊⌊C/heads⌋·m⌋ with m the head
// dim multiplier. MLP: 1x1 C -> e·C (bias, GELU), 1x1 -> C (bias). Local: GrFuMBConv if C < the fused
// threshold, else GrMBConv, both with the local kernel, expansion and groups.
struct CPUBoneBlock {
  static constexpr MacroBlock kind = MacroBlock::cpubone;
  bool attention = true;
  int64_t attention_stride = 1;
  int64_t attention_kernel = 2;
  double head_dim_multiplier = 0.5;
  double mlp_expansion = 4;
  int64_t local_kernel = 2;
  double local_expansion = 4;
  int64_t local_groups = 2;
  int64_t fused_threshold = 256;
  // How the attention output returns to the input grid: "nearest" = 1x1 projection then nearest
  // upsampling (the released CPUBone); "transposed" = one transposed conv (kernel 2·s, stride s, padding
  // s/2; 3x3/p1 at s = 1) doing projection and upsampling, the paper's ablation (claim 6).
  bool transposed_upsampling = false;
  Activation activation = Activation::hardswish;
};

// FasterNet's partial convolution: a kxk conv (no bias) on the first C / divisor channels; the other
// channels pass through untouched (slice, conv, concat). Keeps channels and resolution. With
// mlp_expansion e > 0 it is the whole FasterNet block: then 1x1 C -> round(e·C), BN, act; 1x1 -> C, BN.
struct PConv {
  static constexpr MacroBlock kind = MacroBlock::pconv;
  int64_t kernel = 3;
  int64_t divisor = 4;
  double mlp_expansion = 0;
  Activation activation = Activation::hardswish;
};

using BlockSpec = std::variant<FuMBConv, MBConv, DSConv, CPUBoneBlock, PConv>;

// BlockSpec lists the structs in MacroBlock's order, so a spec's index is its kind.
template <size_t... i>
constexpr bool block_specs_in_kind_order(std::index_sequence<i...>) {
  return ((std::variant_alternative_t<i, BlockSpec>::kind == static_cast<MacroBlock>(i)) && ...);
}
static_assert(std::variant_size_v<BlockSpec> == macro_block_names.size() &&
              block_specs_in_kind_order(std::make_index_sequence<std::variant_size_v<BlockSpec>>{}));
inline MacroBlock kind_of(const BlockSpec& block) { return static_cast<MacroBlock>(block.index()); }
// The spec of `kind` with its struct's defaults.
template <size_t... i>
BlockSpec default_block(MacroBlock kind, std::index_sequence<i...>) {
  static const std::array<BlockSpec, sizeof...(i)> defaults{BlockSpec(std::in_place_index<i>)...};
  return defaults[static_cast<size_t>(kind)];
}
inline BlockSpec default_block(MacroBlock kind) {
  return default_block(kind, std::make_index_sequence<std::variant_size_v<BlockSpec>>{});
}

BlockSpec read_block(const Json& j, const Where& where);
// An object's "activation" field, hardswish (CPUBone's) when absent: blocks and the macro stem read it alike.
Activation read_block_activation(ObjectReader& r);
Json to_json(const BlockSpec& block);

// Appends one block reading tensor `x` and returns its output tensor. Ops are named "<prefix>.<part>".
// A block with stride 1 and equal in/out channels adds an identity residual when `residual` is set.
std::string expand_block(NetworkBuilder& b, const BlockSpec& block, const std::string& x, const std::string& prefix,
                         int64_t out_channels, int64_t stride, bool residual);

// Attention heads and head dim of a CPUBone block at `channels`.
struct AttentionShape {
  int64_t heads;
  int64_t head_dim;
};
AttentionShape cpubone_attention_shape(int64_t channels, double head_dim_multiplier);

// round(c·e) with Python's round-half-to-even, as the official code computes expanded widths.
int64_t expanded_channels(int64_t channels, double expansion);

// The _make_divisible of TF, torchvision, timm and GhostNet: v to the nearest multiple of divisor (at
// least divisor), plus one divisor if that lost more than 10 %.
int64_t make_divisible(double v, int64_t divisor);

// Squeeze-and-excitation (MobileNetV3, MnasNet, EfficientNet, MixNet): global average, 1x1 conv C ->
// squeeze (bias) + activation, 1x1 conv squeeze -> C (bias) + gate, channel-wise multiply. Ops
// "<prefix>.pool", ".reduce", ".expand", ".scale".
std::string squeeze_excite(NetworkBuilder& b, const std::string& x, const std::string& prefix, int64_t squeeze,
                           Activation activation, Activation gate);

// Inverted residual (MobileNetV2/V3, MnasNet, EfficientNet's MBConv, MobileViT's MV2 block): 1x1
// expansion unless `expanded` is the input width, kxk depthwise, optional SE, linear 1x1 projection;
// every conv BN-folded without bias; a residual add when the stride is 1 and the width is kept. Ops
// "<prefix>.expand", ".dw", ".se.*", ".project", ".add".
struct InvertedResidual {
  int64_t expanded = 0;
  int64_t out = 0;
  int64_t kernel = 3;
  int64_t stride = 1;
  Activation activation = Activation::relu6;
  int64_t se_squeeze = 0;  // 0: no SE
  Activation se_activation = Activation::relu;
  Activation se_gate = Activation::hardsigmoid;
};
std::string inverted_residual(NetworkBuilder& b, const std::string& x, const std::string& prefix,
                              const InvertedResidual& block);

}  // namespace cpx
