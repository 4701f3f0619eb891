// The importer's pointwise translations: activations (and the patterns that start at them), PReLU, and
// the binary elementwise ops (two tensors, or a tensor and a constant: a layer scale, an attention bias,
// arithmetic with a number).
#pragma once

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// A node that starts an activation pattern (Relu, Clip 0..6, Sigmoid [Mul], Div √2 Erf ... for GELU,
// Softplus [Tanh Mul] for Mish, Add 3 Clip Div 6 [Mul] for a hand-written hardswish).
void activation(Context& c, int i);
// Add, Sub, Mul or Div.
void binary(Context& c, int i);
void prelu(Context& c, int i);
// Clip: relu or relu6 where its bounds are theirs (through activation, which a conv before it takes in),
// else a clamp to its constant bounds (F.hardtanh, torch.clamp); an absent bound is none.
void clip(Context& c, int i);

// The error for a node no translation takes.
[[noreturn]] void unsupported(const Graph& g, int i);

}  // namespace cpx::profiler::onnx_import
