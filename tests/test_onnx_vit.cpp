// ViT as torch.onnx.export (PyTorch 1.13) writes torchvision's VisionTransformer (issue 72 item 4): a tiny one
// (tests/tiny_vit.py, the same class at small sizes) imports with its weights, with PyTorch's parameter count,
// exact MACs and ONNX Runtime's outputs; its class token, position embedding, nn.MultiheadAttention and token 0
// each become the ops import_tokens.hpp names.
#include <fstream>
#include <map>

#include "error_of.hpp"
#include "onnx_testing.hpp"
#include "processes.hpp"
#include "space/count.hpp"

using namespace cpx;
using namespace cpx::onnx_testing;
namespace fs = std::filesystem;

namespace {

// Exports the tiny ViT with `args` to dir/name and returns PyTorch's parameter count.
int64_t export_tiny_vit(const fs::path& dir, const std::string& name, const std::string& args = "") {
  const fs::path out = dir / name, params = dir / (name + ".params");
  const std::string cmd = "/usr/bin/python3 " + std::string(CPX_SOURCE_DIR) + "/tests/tiny_vit.py " + out.string() +
                          " " + args + " > " + params.string() + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  int64_t n = 0;
  std::ifstream(params) >> n;
  return n;
}

template <typename T>
int count_of(const Network& net) {
  int n = 0;
  for (const Op& op : net.ops) n += op.as<T>() != nullptr;
  return n;
}

}  // namespace

TEST_CASE("a tiny torchvision ViT imports with PyTorch's params, exact MACs and ONNX Runtime's outputs",
          "[onnx][vit]") {
  const fs::path dir = temp_dir();
  const int64_t pytorch_params = export_tiny_vit(dir, "vit.onnx");  // 32x32, patch 8, C 32, 4 heads, 2 layers, MLP 64
  const ImportedModel m = import_onnx_model((dir / "vit.onnx").string());
  CHECK(m.seeded_ops.empty());
  const auto c = count(m.net);
  CHECK(c.total.params == pytorch_params);
  // 16 patches + the class token = 17 tokens of 32 channels. MACs: the patch conv 16·32·(3·8·8); per layer
  // the in-projection 17·32·96, q·kᵀ and attention·v 17·17·32 each, the out-projection 17·32·32, the MLP
  // 2·17·32·64; the head 32·10.
  CHECK(c.total.macs ==
        16 * 32 * 192 + 2 * (17 * 32 * 96 + 2 * 17 * 17 * 32 + 17 * 32 * 32 + 2 * 17 * 32 * 64) + 32 * 10);
  CHECK(count_of<ClassToken>(m.net) == 1);
  CHECK(count_of<AttentionBias>(m.net) == 1);  // the position embedding
  CHECK(count_of<Matmul>(m.net) == 4);         // q·kᵀ and attention·v per layer
  CHECK(count_of<Softmax>(m.net) == 2);
  CHECK(count_of<LayerNorm>(m.net) == 5);  // two per layer, one after the encoder
  const std::vector<float> input = profiler::make_input(m.net.input, 3);
  const std::vector<float> ort = run_ort(dir / "vit.onnx", nhwc_to_nchw(input, m.net.input), 1, dir);
  const std::vector<float> ours = run_ours(m.net, m.weights, input.data());
  REQUIRE(ours.size() == ort.size());
  CHECK(relative_l2(ours.data(), ort) < 1e-5);
}

TEST_CASE("check, predict and advise take a torchvision ViT, whose class token is work no device was calibrated on",
          "[onnx][vit]") {
  const fs::path dir = temp_dir();
  export_tiny_vit(dir, "vit-cli.onnx", "--layers 1 --heads 2 --hidden 16");
  const std::string file = (dir / "vit-cli.onnx").string();
  const test::CliRun checked = test::cli("check " + file + " --json");
  REQUIRE(checked.exit_code == 0);
  const Json j = Json::parse(checked.out);
  CHECK(j.at("agrees") == true);
  CHECK(j.at("outputs").at(0).at("relative_error").get<double>() < 1e-4);
  const test::CliRun predicted = test::cli("predict " + file + " --device pi5");
  CHECK(predicted.exit_code == 0);
  CHECK(predicted.out.find("class token") != std::string::npos);
  // Each encoder layer's attention and MLP, each with its residual add, are blocks advise recognises.
  const test::CliRun advised = test::cli("advise " + file + " --device pi5 --top 2 --json");
  REQUIRE(advised.exit_code == 0);
  std::map<std::string, int> kinds;
  const Json doc = Json::parse(advised.out);
  for (const Json& b : doc.at("blocks")) ++kinds[b.at("kind").get<std::string>()];
  CHECK(kinds["attention"] == 1);
  CHECK(kinds["mlp"] == 1);
}

TEST_CASE("nn.MultiheadAttention's sequence-first layout at batch 2 is refused naming the node", "[onnx][vit]") {
  const fs::path dir = temp_dir();
  const std::string file = (dir / "vit-b2.onnx").string();
  const std::string cmd =
      "/usr/bin/python3 -c \"import torch; from torchvision.models.vision_transformer import VisionTransformer as V; "
      "torch.onnx.export(V(16, 8, 1, 2, 16, 32).eval(), torch.randn(2, 3, 16, 16), '" +
      file + "')\" 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string e = error_of([&] { import_onnx_model(file); });
  CHECK(e.find("(Transpose): nn.MultiheadAttention's sequence-first layout (batch_first=False) is supported at batch 1 "
               "only") != std::string::npos);
}
