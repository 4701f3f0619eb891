// See import_refusals.hpp.
#include "profiler/interop/onnx/import_refusals.hpp"

#include <array>
#include <utility>

#include "space/field_error.hpp"

namespace cpx::profiler::onnx_import {

namespace {

// ONNX operator type -> the PyTorch module or function whose export writes it (torch.onnx, opsets 11-17).
constexpr auto onnx_torch_names = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"Selu", "nn.SELU"},
    {"Celu", "nn.CELU"},
    {"Softsign", "nn.Softsign"},
    {"ThresholdedRelu", "nn.Threshold"},
    {"LogSoftmax", "nn.LogSoftmax"},
    {"Hardmax", "torch.argmax + F.one_hot"},
    {"Shrink", "nn.Hardshrink or nn.Softshrink"},
    {"LRN", "nn.LocalResponseNorm"},
    {"GlobalMaxPool", "nn.AdaptiveMaxPool2d(1)"},
    {"LpPool", "nn.LPPool2d"},
    {"LpNormalization", "F.normalize"},
    {"MaxUnpool", "nn.MaxUnpool2d"},
    {"LSTM", "nn.LSTM"},
    {"GRU", "nn.GRU"},
    {"RNN", "nn.RNN"},
    {"GatherElements", "torch.gather"},
    {"ScatterND", "indexed assignment (x[..., i] = v)"},
    {"Where", "torch.where or masked_fill"},
    {"TopK", "torch.topk"},
    {"NonMaxSuppression", "torchvision.ops.nms"},
    {"RoiAlign", "torchvision.ops.roi_align"},
    {"GridSample", "F.grid_sample"},
    {"Sqrt", "torch.sqrt"},
    {"Exp", "torch.exp"},
    {"Log", "torch.log"},
    {"Abs", "torch.abs"},
    {"Neg", "negation (-x)"},
    {"Reciprocal", "torch.reciprocal"},
    {"Sin", "torch.sin"},
    {"Cos", "torch.cos"},
    {"Floor", "torch.floor"},
    {"Ceil", "torch.ceil"},
    {"Round", "torch.round"},
    {"Sign", "torch.sign"},
    {"Max", "torch.maximum"},
    {"Min", "torch.minimum"},
    {"Mod", "torch.remainder"},
    {"ReduceMax", "torch.amax"},
    {"ReduceMin", "torch.amin"},
    {"ReduceSum", "torch.sum"},
    {"ReduceL2", "torch.norm"},
    {"ArgMax", "torch.argmax"},
    {"CumSum", "torch.cumsum"},
    {"Expand", "Tensor.expand"},
    {"Tile", "Tensor.repeat"},
    {"OneHot", "F.one_hot"},
    {"ConstantOfShape", "torch.full or torch.zeros"},
    {"NonZero", "torch.nonzero"},
    {"Range", "torch.arange"},
    {"Upsample", "nn.Upsample"},
    {"Equal", "=="},
    {"Less", "<"},
    {"Greater", ">"},
    {"Not", "~ (logical not)"},
    {"And", "& (logical and)"},
});

}  // namespace

std::optional<std::string_view> torch_name_of(std::string_view onnx_op_type) {
  for (const auto& [op, torch] : onnx_torch_names)
    if (op == onnx_op_type) return torch;
  return std::nullopt;
}

void unknown_operator(const Graph& g, int i) {
  const auto& n = g.at(i);
  const auto torch = torch_name_of(n.op_type());
  const std::string what =
      torch ? "PyTorch's " + std::string(*torch) + " (ONNX " + n.op_type() + ")" : "ONNX operator " + n.op_type();
  throw AdvisedError(
      {g.file() + ": node \"" + n.name() + "\" (" + n.op_type() + "): " + what + " is not supported yet; ",
       Field::skip_unknown, " passes such a node's input on instead (listed; every total excludes it)"});
}

void not_imported_input(const Graph& g, int i, int k) {
  const std::string& tensor = g.input(i, k);
  for (int p = 0; p < g.size(); ++p)
    if (g.at(p).op_type() == "Expand" && g.output(p) == tensor)
      g.fail(i,
             "a parameter expanded to the batch (Tensor.expand) is supported only as learned tokens concatenated "
             "before the tokens "
             "N x HW x C (ViT's class token), not as input " +
                 std::to_string(k) + " here");
  g.fail(i, "input " + tensor + " is neither computed by an imported node nor supported as a constant here");
}

void check_window_partition(const Graph& g, int i, size_t target_rank) {
  if (target_rank == 6)
    g.fail(i,
           "a Reshape of N x C x H x W to 6-D is supported only as MaxViT's window or grid partition (then "
           "Transpose(0, 2, 4, 3, 5, 1) "
           "and a Reshape to N x windows x tokens x C)");
}

}  // namespace cpx::profiler::onnx_import
