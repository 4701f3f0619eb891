// MaxViT as torch.onnx.export (PyTorch 1.13, opset 14) writes torchvision's maxvit_t: per layer an MBConv
// (existing patterns), then block and grid attention, each over windows of tokens B x G x L x C:
//   partition      Reshape of N x C x H x W to B x C x H/p x p x W/p x p, Transpose(0, 2, 4, 3, 5, 1),
//                  Reshape to B x (H/p·W/p) x p·p x C: block windows of p x p (a window_partition, then a
//                  Reshape to B x G x L x C, which moves no data); followed by Transpose(0, 2, 1, 3), the
//                  grid: windows of pixels p apart, whose swap of the windows and tokens is a second
//                  window_partition (G x 1 windows: a transposition by row copies of one pixel);
//   heads          q, k, v (Slices of the channels) each Reshaped to B x G x L x heads x d and Transposed
//                  (0, 1, 3, 2, 4): per-head views over the windows as a batch of B·G;
//   einsum         "B G H I D, B G H J D -> B G H I J" and "B G H I J, B G H J D -> B G H I D": the
//                  per-head matmuls (any batched matrix product ...ik,...kj->...ij or ...ik,...jk->...ij);
//   heads back     Transpose(0, 1, 3, 2, 4), Reshape to B x G x L x C;
//   departition    [Transpose(0, 2, 1, 3) for the grid: the transposition again,] Reshape to
//                  B x H/p x W/p x p x p x C, Transpose(0, 5, 1, 3, 2, 4), Reshape to B x C x H x W: the
//                  window_partition reverse.
// The relative position bias is a constant [1, heads, L, L] the exporter computed from the table (the
// attention_bias of import_windows.cpp takes it). Each function takes node i if it starts its pattern and
// returns false otherwise.
#pragma once

#include <optional>

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// Reshape node i of x (N x C x H x W) to d (6-D): MaxViT's block or grid partition.
bool maxvit_partition(Context& c, int i, const Value& x, const Dims& d);
// Reshape node i of windows x (B x G x L x C, channels-last) to d: the split into heads (5-D) or the
// block departition (6-D).
bool maxvit_windows_reshape(Context& c, int i, const Value& x, const Dims& d);
// Transpose node i of x with permutation p: the grid's swap before its departition (x: B x G x L x C), or
// the heads merged back (x: per-head view, p = (0, 1, 3, 2, 4)).
bool maxvit_transpose(Context& c, int i, const Value& x, const Dims& p);
// Einsum node i as a batched matrix product: whether its second operand is used transposed (...jk); fails
// naming the node for any other equation.
bool einsum_transposes_b(const Graph& g, int i);

}  // namespace cpx::profiler::onnx_import
