// The vocabulary of rewrites (RewriteKind, its names and evidence table) and one rewrite as a value: what
// apply_rewrites (space/rewrite.hpp) and the rewriters of each block kind (space/rewrite_attention.hpp) share,
// apart from the functions that apply them, so that neither includes the other.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "space/names.hpp"

namespace cpx {

// A new rewrite is one enumerator, one row of rewrite_kinds (below) and its case in apply_rewrites and
// candidate_rewrites; the switches there fail to compile until it is handled.
enum class RewriteKind {
  group_conv,
  kernel_2x2,
  depthwise_kernel,
  round_channels,
  unfuse_mbconv,
  fuse_mbconv,
  reparameterize,
  attention_downsample,
  mlp_ratio,
  count_
};

struct RewriteKindInfo {
  RewriteKind kind;
  std::string_view name;
  std::string_view what;      // the change, in a line
  std::string_view evidence;  // the published accuracy evidence it rests on, or "no published evidence"
};
inline constexpr std::array<RewriteKindInfo, static_cast<size_t>(RewriteKind::count_)> rewrite_kinds{{
    {RewriteKind::group_conv, "group_conv",
     "groups 1 -> 2 in a 1x1 conv (expansion, projection, a lone 1x1) or a dense kxk conv",
     "CPUBone builds its local blocks with groups 2 (GrMBConv, GrFuMBConv); its ablation against groups 2: groups 4 "
     "-0.3 pp, groups 8 -0.7 pp top-1 (ImageNet). No published figure for groups 1 -> 2 in another network"},
    {RewriteKind::kernel_2x2, "kernel_2x2", "3x3 -> 2x2 kernel in a stride-2 conv (padding 0)",
     "no published evidence (CPUBone uses 2x2 kernels in its strided and local convs; no accuracy ablation is "
     "published)"},
    {RewriteKind::depthwise_kernel, "depthwise_kernel", "a smaller depthwise kernel (7 -> 5, 5 -> 3)",
     "no published evidence"},
    {RewriteKind::round_channels, "round_channels",
     "an inverted residual's expanded width to a multiple of the vector width (up: zero-padded channels)",
     "rounding up keeps the function exactly (the added channels are zero): no accuracy change; rounding down: no "
     "published "
     "evidence"},
    {RewriteKind::unfuse_mbconv, "unfuse_mbconv", "fused MBConv (kxk conv) -> MBConv (1x1 conv, depthwise kxk)",
     "no published evidence (CPUBone uses fused local blocks below 256 channels and unfused ones from there, a latency "
     "choice; no accuracy ablation is published)"},
    {RewriteKind::fuse_mbconv, "fuse_mbconv", "MBConv (1x1 conv, depthwise kxk) -> fused MBConv (one kxk conv)",
     "no published evidence (CPUBone uses fused local blocks below 256 channels and unfused ones from there, a latency "
     "choice; no accuracy ablation is published)"},
    {RewriteKind::reparameterize, "reparameterize",
     "parallel branches on one input (kxk conv, 1x1 conv, identity), summed -> one kxk conv holding their sum",
     "exact: the merged conv computes the same function (RepVGG/MobileOne structural re-parameterisation: MobileOne, "
     "arXiv 2206.04040, section 3 and figure 3); no accuracy change"},
    {RewriteKind::attention_downsample, "attention_downsample",
     "an attention's tokens on its map downsampled by 2 (a stride-2 depthwise conv before q/k/v; the output back by "
     "nearest-neighbour upsampling after its 1x1 projection)",
     "no published evidence (CPUBone, LowFormer and EfficientFormerV2 attend over a map downsampled by 2 in stage 3 as "
     "a "
     "design choice, without an accuracy ablation of it; CPUBone's nearest-neighbour upsampling figure, B1 33.5 vs "
     "39.7 ms "
     "on a Raspberry Pi 5, is latency, not accuracy)"},
    {RewriteKind::mlp_ratio, "mlp_ratio",
     "an MLP's hidden width from r to a smaller ratio (4 -> 3 or 2) times its input width",
     "no published evidence (CPUBone's fastit sets MLP expansion 4 instead of 2 together with three other changes, "
     "with no "
     "ablation of the expansion alone; EfficientFormerV2 mixes ratios 3 and 4 per stage as a design choice)"},
}};
inline constexpr Names<RewriteKind, rewrite_kinds.size()> rewrite_kind_names{rewrite_kinds};
inline const RewriteKindInfo& info(RewriteKind k) { return rewrite_kinds[static_cast<size_t>(k)]; }
inline std::string_view to_string(RewriteKind k) { return rewrite_kind_names.name_of(k); }

// One rewrite. `ops` are the op names it changes, by role:
//   group_conv:       {conv}                       value = groups
//   kernel_2x2:       {conv}                       value = 2
//   depthwise_kernel: {depthwise conv}             value = the new kernel (odd)
//   round_channels:   {expand, depthwise, SE expand or absent}   value = the new expanded width
//   unfuse_mbconv:    {kxk conv}                   value = 0 (a 1x1 conv "<name>.pw" is inserted before it)
//   fuse_mbconv:      {expand, depthwise}          value = 0 (the expand is removed)
//   reparameterize:   {largest branch conv, the other branch convs}   value = 0 (the other branches, the
//                     identity BatchNorms and the adds are removed; the largest conv, with a bias, holds the sum)
//   attention_downsample: {anchor, residual add, every op between that runs on the tokens}   value = 2
//                     (anchor: a stride-1 depthwise conv before the projections, which takes stride 2, or the
//                     first projection, before which "<anchor>.down", a depthwise 3x3/s2, is inserted for every
//                     listed op reading the anchor's input; "<add>.upsample" brings the branch back to the map)
//   mlp_ratio:        {expand, depthwise convs on the hidden width, project}   value = the new hidden width
struct Rewrite {
  RewriteKind kind;
  std::vector<std::string> ops;
  int64_t value = 0;
  bool operator==(const Rewrite&) const = default;
};

}  // namespace cpx
