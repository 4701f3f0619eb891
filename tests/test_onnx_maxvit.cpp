// MaxViT as torchvision exports it (issue 72 item 4): torchvision's own PartitionAttentionLayer of each type
// and a tiny MaxVit (see tests/maxvit_export.py), imported with the file's parameter count (PyTorch's once
// the gathered relative position biases are counted as their tables) and computing what ONNX Runtime
// computes on the same file: block windows, grid windows (block windows, then their transposition with
// the tokens by a window_partition of G x 1 windows), the einsum matmuls, the MBConv with its
// squeeze-excitation.
#include <fstream>

#include "onnx_testing.hpp"

using namespace cpx;
using namespace cpx::onnx_testing;
namespace fs = std::filesystem;

namespace {

fs::path exported_maxvits() { return exported_by_script("maxvit_export.py", "maxvit"); }

// The grid's swap of windows and tokens: one window per column of the B x G x L "map".
bool maxvit_is_swap(const WindowPartition& w) { return w.window[1] == 1 && w.grid[0] == 1 && !w.reverse; }

double maxvit_ort_difference(const ImportedModel& m, const fs::path& file, const fs::path& dir,
                             const NetworkWeights& weights) {
  const std::vector<float> input = make_input(m.net.input, 3);
  const std::vector<float> ort = run_ort(file, nhwc_to_nchw(input, m.net.input), 1, dir);
  const std::vector<float> ours = run_ours(m.net, weights, input.data());
  REQUIRE(ours.size() == ort.size());
  return relative_l2(ours.data(), ort);
}

}  // namespace

TEST_CASE(
    "MaxViT's block and grid attention import as window_partition ops with the file's params, and compute what ONNX "
    "Runtime computes",
    "[onnx][maxvit]") {
  const fs::path dir = exported_maxvits();
  std::ifstream params_file(dir / "params.json");
  const Json params = Json::parse(params_file);
  for (const std::string name : {"maxvit_block", "maxvit_grid", "maxvit_tiny"}) {
    INFO(name);
    const fs::path file = dir / (name + ".onnx");
    BatchNormFolding folding;
    const ImportedModel m = import_onnx_model(file.string(), nullptr, &folding);
    CHECK(m.seeded_ops.empty());
    // The file holds each attention's bias gathered (heads x L x L, L = 16 tokens of a 4 x 4 window), where
    // PyTorch's module holds a table of (2·4 − 1)² x heads it gathers from; and the tiny model's BatchNorm
    // before each MBConv's first conv (8 and 16 channels), which the exporter cannot fold, with its running
    // mean and variance, which are no parameters.
    const int64_t counted = count(m.net).total.params;
    CHECK(counted + (name == "maxvit_tiny" ? 2 * (8 + 16) : 0) == params.at(name).at("graph").get<int64_t>());
    int64_t gathered_over_table = 0;
    for (const Op& op : m.net.ops)
      if (const auto* a = op.as<AttentionBias>()) {
        CHECK(a->table_size == 16 * 16);
        gathered_over_table += a->heads * (a->table_size - 49);
      }
    // PyTorch-style (each folded BatchNorm counted as its own 2·C), the gathered biases as their tables.
    CHECK(counted + folding.channels - gathered_over_table == params.at(name).at("pytorch").get<int64_t>());
    // Each attention layer: a partition into 4 x 4 windows and its reverse; the grid's swap both ways.
    const auto windows = ops_of<WindowPartition>(m.net);
    int64_t swaps = 0, reverses = 0;
    for (const WindowPartition* w : windows) {
      swaps += maxvit_is_swap(*w);
      reverses += w->reverse;
      // Block attention's windows are 4 x 4; the grid's are 4 x 4 tokens p apart: blocks of p x p first
      // (p = 2 on an 8 x 8 map), 4 x 4 of them, then swapped.
      if (!maxvit_is_swap(*w))
        CHECK((w->window == std::array<int64_t, 2>{4, 4} ||
               (w->window == std::array<int64_t, 2>{2, 2} && w->grid == std::array<int64_t, 2>{4, 4})));
    }
    const int64_t layers = name == "maxvit_tiny" ? 4 : 1, grids = name == "maxvit_block"  ? 0
                                                                  : name == "maxvit_grid" ? 1
                                                                                          : 2;
    CHECK(reverses == layers);
    CHECK(swaps == 2 * grids);
    CHECK(static_cast<int64_t>(windows.size()) == 2 * layers + 2 * grids);
    const double relative = maxvit_ort_difference(m, file, dir, m.weights);
    INFO("relative L2 difference " << relative);
    CHECK(relative < 1e-4);
  }
}

TEST_CASE("a MaxViT grid partition read as block windows misses ONNX Runtime's output: the swap is what matches",
          "[onnx][maxvit]") {
  const fs::path dir = exported_maxvits();
  const fs::path file = dir / "maxvit_grid.onnx";
  ImportedModel m = import_onnx_model(file.string());
  // 8 x 8 map: the grid's 2 x 2 windows of 4 x 4 tokens 2 pixels apart; without the swaps (each a reshape
  // of the same shape instead), each window is a 4 x 4 block: other tokens attend to each other.
  int64_t swaps = 0;
  for (size_t k = 0; k < m.net.ops.size(); ++k)
    if (const auto* w = m.net.ops[k].as<WindowPartition>(); w && maxvit_is_swap(*w)) {
      m.net.ops[k].attrs = Reshape{m.net.shapes[k]};
      ++swaps;
    }
  CHECK(swaps == 2);
  CHECK(maxvit_ort_difference(m, file, dir, m.weights) > 1e-2);
}

TEST_CASE("the tiny MaxViT exported again imports back to the same op kinds, shapes and weights", "[onnx][maxvit]") {
  const fs::path dir = exported_maxvits();
  const ImportedModel m = import_onnx_model((dir / "maxvit_tiny.onnx").string());
  const ImportedModel back = import_onnx_model_bytes(export_onnx(m.net, m.weights), "again.onnx");
  REQUIRE(back.net.ops.size() == m.net.ops.size());
  for (size_t k = 0; k < m.net.ops.size(); ++k) {
    INFO(m.net.ops[k].name);
    const bool linear_as_conv = m.net.ops[k].as<FullyConnected>() && back.net.ops[k].as<Conv2d>();
    CHECK((back.net.ops[k].kind() == m.net.ops[k].kind() || linear_as_conv));
    CHECK(back.net.shapes[k] == m.net.shapes[k]);
    CHECK(back.weights[k].weight == m.weights[k].weight);
    CHECK(back.weights[k].bias == m.weights[k].bias);
  }
}
