// Block recognition on any network of the space (a zoo network, a JSON file, an imported ONNX graph):
// which ops form an inverted residual, a fused MBConv, a depthwise-separable pair, a basic or bottleneck
// residual block, an attention or an MLP block, branches joined by a concat, and which convs stand alone. It reads the
// graph only (op kinds, conv classes, who consumes which tensor), never op names, so an ONNX export from PyTorch is
// recognised as the zoo's own network is. What matches no pattern is listed as unrecognised, never dropped.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "space/names.hpp"
#include "space/network.hpp"

namespace cpx {

// A new kind is one enumerator and one name; recognise_blocks says how it is found.
// conv: a dense or grouped kxk conv in no other block (VGG and UNet stacks, DeepLab's ASPP branches, YOLO's
// Conv-BN-SiLU layers, stems and downsampling convs), with its BatchNorm and activation ops.
// Branches joined by a concat (the ops between the concat and the tensor every branch starts from):
//   shuffle_unit: the concat ends in a channel shuffle (ShuffleNetV2's units at stride 1 and 2);
//   ghost_module: a conv and a depthwise conv of its output, concatenated (GhostNet), with GhostNetV2's gate;
//   dense_layer:  a concat that passes an earlier tensor on beside the new features (DenseNet's layers);
//   inception:    two or more branches that each compute, concatenated (GoogLeNet, Inception, SqueezeNet).
// token_mixer: a depthwise kxk conv in no other block, with its squeeze-excite (RepViT's and MobileOne's
//   token mixers). pointwise: a 1x1 conv in no other block (projections, transitions, heads' 1x1 convs).
// classifier: a global pool and the linear layers after it.
// parallel_branches: convs, and optionally the identity (a BatchNorm alone or a plain skip), on one input,
//   summed, then an activation: RepVGG's, MobileOne's and RepViT's blocks as a training-form export has
//   them, which merge into one conv exactly (space/reparam.hpp).
enum class BlockKind {
  inverted_residual,
  fused_mbconv,
  depthwise_separable,
  basic_residual,
  bottleneck,
  attention,
  mlp,
  conv,
  shuffle_unit,
  ghost_module,
  dense_layer,
  inception,
  token_mixer,
  pointwise,
  classifier,
  parallel_branches,
  count_
};
inline constexpr Names<BlockKind, static_cast<size_t>(BlockKind::count_)> block_kind_names{
    {{BlockKind::inverted_residual, "inverted_residual"},
     {BlockKind::fused_mbconv, "fused_mbconv"},
     {BlockKind::depthwise_separable, "depthwise_separable"},
     {BlockKind::basic_residual, "basic_residual"},
     {BlockKind::bottleneck, "bottleneck"},
     {BlockKind::attention, "attention"},
     {BlockKind::mlp, "mlp"},
     {BlockKind::conv, "conv"},
     {BlockKind::shuffle_unit, "shuffle_unit"},
     {BlockKind::ghost_module, "ghost_module"},
     {BlockKind::dense_layer, "dense_layer"},
     {BlockKind::inception, "inception"},
     {BlockKind::token_mixer, "token_mixer"},
     {BlockKind::pointwise, "pointwise"},
     {BlockKind::classifier, "classifier"},
     {BlockKind::parallel_branches, "parallel_branches"}}};
inline std::string_view to_string(BlockKind k) { return block_kind_names.name_of(k); }

// The convs of a conv block by their role (op indices). Attention and MLP blocks of residual branches
// leave the roles they do not have empty.
struct BlockRoles {
  std::optional<size_t> expand;   // 1x1 widening conv (inverted residual, MLP), or the kxk of a fused MBConv
  std::optional<size_t> spatial;  // the kxk conv: depthwise (inverted residual, separable) or dense (bottleneck), or
                                  // the parallel branches' largest (the one a merge keeps)
  std::optional<size_t> project;  // the 1x1 conv back to the block's output width
  std::optional<size_t> second;   // a basic block's second kxk conv
  std::vector<size_t> squeeze_excite;  // pool, reduce, expand, multiply (op indices), empty without SE
};

struct RecognisedBlock {
  BlockKind kind;
  std::vector<size_t> ops;  // ascending op indices, the residual add and shortcut included
  std::string input;        // the tensor the block reads
  size_t output = 0;        // the op whose output is the block's output
  bool residual = false;
  BlockRoles roles;
  // Display name, unique in the network: the longest path the block's op names share (cut at a '.' or '/'),
  // else its first op's name; blocks that would share one take the shortest path of their first op that tells them
  // apart.
  std::string name;
};

struct Recognition {
  std::vector<RecognisedBlock> blocks;  // in execution order of their first op
  std::vector<size_t> unrecognised;     // ops in no block, ascending
};

Recognition recognise_blocks(const Network& net);

}  // namespace cpx
