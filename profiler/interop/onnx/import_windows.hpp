// Swin Transformer as torchvision exports it (torch.onnx, opset 14): the channels-last map N x H x W x C
// throughout, and per block
//   F.pad to a multiple of the window             -> Pad of H and W (nothing at 224 x 224)
//   torch.roll (Slice + Concat per axis), window partition (Reshape 6-D, Transpose(0, 1, 3, 2, 4, 5),
//   Reshape to tokens), and the reverse after attention (then the roll back, a crop of nothing)
//                                                 -> one window_partition op each way
//   q, k, v = qkv[0], qkv[1], qkv[2] (Gather)     -> per-head views of channel slices (as split_into_heads)
//   q * scale                                     -> an affine
//   scores + relative position bias [+ the shifted windows' mask, through a 5-D Reshape]
//                                                 -> one attention_bias (windows: one block per window)
//   patch merging's strided Slices + Concat       -> window_partition 2 x 2 (column-major) + Reshape
// The shape arithmetic around these (Shape, Gather, Range, ScatterND ... that build reshape targets and
// the mask) is folded where a pattern reads it (fold_upstream), since the pattern is matched at its first
// node, before the translation has reached the nodes that compute those constants.
#pragma once

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// Folds the constant subgraph computing `tensor` now (the target of a Reshape a pattern reads ahead), nodes
// the translation has not reached included: a Shape once its input is imported, the rest from constants.
void fold_upstream(Context& c, const std::string& tensor, int depth = 0);

// A Pad of the channels-last view: of H and W with zeros (an op), or of nothing (the same value).
void pad_channels_last(Context& c, int i);
// Node i is a Slice of a channels-last map that starts a roll + window partition, patch merging, or a crop
// of nothing; false when its input is no channels-last map. Other slices of one fail naming what they are.
bool slice_channels_last(Context& c, int i);
// A Reshape of a channels-last value (x) to d that starts a window partition or reverse, or a qkv split by
// Gather; of an N x C x H x W value, our own export of a per-window attention_bias; false when none.
bool reshape_windows(Context& c, int i, const Value& x, const Dims& d);
// Arithmetic on a per-head view: Mul by a scalar, Add of the relative position bias [and mask]; false for
// any other node.
bool heads_arithmetic(Context& c, int i);

}  // namespace cpx::profiler::onnx_import
