// ViT's token patterns, as torch.onnx.export (PyTorch 1.13) writes torchvision's VisionTransformer:
//   class token    Concat(Expand(class_token [1, t, C]), tokens N x HW x C) along the tokens (the Expand
//                  folds to a constant): a class_token op;
//   position       Add of a constant [1, L, C] to tokens N x L x C: an attention_bias of one head whose
//                  table is the whole embedding (a learned value per token and channel);
//   token k        Gather(tokens, k) on axis 1 (x[:, 0] before the head): the tokens as one pixel of L·C
//                  channels (a reshape, no data moves), then the slice of channels [k·C, (k+1)·C);
//   attention      nn.MultiheadAttention (batch_first=False): the tokens transposed to L x N x C, the
//                  in-projection one MatMul to 3C (+ bias), Slices of q, k and v, each Reshaped to L x heads
//                  x d and Transposed to heads x L x d (k to heads x d x L), q divided by √d, MatMul,
//                  Softmax, MatMul, Transposed back and Reshaped to L x C, the out-projection Gemm, Reshaped
//                  to L x N x C and Transposed to N x L x C. At batch 1 the sequence-first layout holds the
//                  same data as N x L x C (Value::seq_first); at other batches it is refused.
// Each function takes node i if it is its pattern and returns false otherwise (or fails naming the node
// when it is the pattern's node type in a form the importer cannot take).
#pragma once

#include <array>

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// Concat node i: learned tokens before the tokens of a map.
bool class_token(Context& c, int i);
// Gather node i: token k of tokens N x L x C. Fails for any other Gather.
void token_gather(Context& c, int i);
// Add of constant k (input `constant_input` of node i) to tokens x: a position embedding.
bool position_embedding(Context& c, int i, const Value& x, const Constant& k, int constant_input);
// Transpose node i with permutation p of tokens to or from the sequence-first layout, or of per-head
// attention output heads x L x d to L x heads x d followed by a Reshape to L x C.
bool sequence_transpose(Context& c, int i, const Value& x, const Dims& p);
// Reshape node i of sequence-first tokens to target d: L x heads x d then Transposed to the per-head views
// of q, k or v; or L x C back to L x 1 x C.
bool sequence_reshape(Context& c, int i, const Value& x, const Dims& d);
// Slice node i of the channel (last) axis of tokens, in either layout: q, k and v of the in-projection.
bool token_slice(Context& c, int i, const Value& x, int64_t axis, const std::array<int64_t, 2>& range);
// Gemm node i on sequence-first tokens L x C (the out-projection): a linear per token. `linear` is the
// translation's own (import_ops.cpp), given out features, bias and B's layout.
bool sequence_gemm(Context& c, int i, void (*linear)(Context&, int, int64_t, std::string, bool));
// Mul or Div of a per-head view by a scalar (q / √d before its MatMul): an affine of its tensor.
bool scaled_heads(Context& c, int i, const Value& x, double scale, double shift);

}  // namespace cpx::profiler::onnx_import
