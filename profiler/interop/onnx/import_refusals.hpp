// Refusals in the words of the PyTorch code a user exported: an ONNX operator the importer does not know
// is named with the PyTorch module or function that exports it (one table, onnx_torch_names), and the
// constructs of well-known networks that are not supported yet are named as their code writes them
// (Swin's shifted-window padding, a parameter expanded to the batch other than ViT's class token, MaxViT's
// window partition) rather than by the view
// the importer had reached.
#pragma once

#include <optional>
#include <string_view>

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// The PyTorch module or function that exports an ONNX operator type ("nn.SELU" for Selu), if known.
std::optional<std::string_view> torch_name_of(std::string_view onnx_op_type);

// Node i's type is one no translation takes: names it and its PyTorch counterpart, and says that
// --skip-unknown (a cpx::Field, said in the front end's spelling) passes it through. An AdvisedError.
[[noreturn]] void unknown_operator(const Graph& g, int i);

// Constructs known not to import yet, each detected where the importer stops at it; fails naming it.
// Input k of node i is not an imported tensor: when it is an Expand (a parameter expanded to the batch, which
// imports only as ViT's class token, import_tokens.hpp), says so; else the generic refusal.
[[noreturn]] void not_imported_input(const Graph& g, int i, int k);
// A Reshape of an N x C x H x W tensor to 6-D that is no channel shuffle nor MaxViT's partition (import_maxvit.hpp).
void check_window_partition(const Graph& g, int i, size_t target_rank);

}  // namespace cpx::profiler::onnx_import
