// Rewrites of attention and MLP blocks (issue 73 item 3): attention_downsample (the attention's tokens on a
// map downsampled by 2, as CPUBone's, LowFormer's and EfficientFormerV2's stage-3 attention) and mlp_ratio
// (an MLP's hidden width to a smaller ratio), on the zoo networks with attention and a tiny torchvision ViT:
// offered where the pattern applies, shapes kept, MACs cut, only the listed ops changed (weights of every
// other op carried bit-exact), composed with other rewrites, run by the executor as by the reference and by
// PyTorch, and predicted to gain.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "explorer/advise.hpp"
#include "predictor/devices.hpp"
#include "profiler/executor/plan.hpp"
#include "profiler/executor/reference.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/interop/torch.hpp"
#include "space/count.hpp"
#include "space/recognise.hpp"
#include "space/rewrite.hpp"
#include "space/zoo.hpp"

using namespace cpx;
namespace fs = std::filesystem;

namespace {

std::vector<Rewrite> attention_rewrites_of(const Network& net, RewriteKind kind) {
  std::vector<Rewrite> out;
  for (const auto& site : candidate_rewrites(net, recognise_blocks(net), 16))
    for (const Rewrite& r : site.rewrites)
      if (r.kind == kind) out.push_back(r);
  return out;
}

std::vector<float> run_attn_net(const Network& net, const profiler::NetworkWeights& w) {
  profiler::Plan plan(net, w, {1, false});
  const std::vector<float> in = profiler::make_input(net.input, 3);
  std::copy(in.begin(), in.end(), plan.input().begin());
  plan.run();
  return {plan.output().begin(), plan.output().end()};
}

double relative_max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, double(std::fabs(a[i] - b[i]))), scale = std::max(scale, double(std::fabs(b[i])));
  return d / scale;
}

Json attrs_json(const Op& op) {
  Json j;
  std::visit([&](const auto& a) { a.write(j); }, op.attrs);
  j["kind"] = std::string(op.kind());
  return j;
}

// Every op of `out` that the rewrite does not list and that `net` has keeps its weights bit-exact; the
// fresh ones are listed ops or ops the rewrite inserted.
void check_only_listed_ops_change(const Network& net, const Network& out, const Rewrite& r) {
  const profiler::NetworkWeights w = profiler::make_weights(net, 7);
  const profiler::CarriedWeights carried = profiler::carry_weights(net, w, out, 99);
  const std::set<std::string> listed(r.ops.begin(), r.ops.end());
  for (size_t i = 0; i < out.ops.size(); ++i) {
    const std::string& name = out.ops[i].name;
    const size_t j = net.index_of(name);
    INFO(to_string(r.kind) << " on " << r.ops[0] << ": op " << name);
    if (j < net.ops.size() && !listed.count(name)) {
      CHECK(attrs_json(out.ops[i]) == attrs_json(net.ops[j]));
      CHECK(carried.weights[i].weight == w[j].weight);
      CHECK(carried.weights[i].bias == w[j].bias);
    }
  }
  for (const std::string& f : carried.fresh_ops) {
    INFO(to_string(r.kind) << " on " << r.ops[0] << ": fresh op " << f);
    CHECK((listed.count(f) || net.index_of(f) >= net.ops.size()));
  }
}

}  // namespace

TEST_CASE("attention_downsample and mlp_ratio are offered on the zoo's attention networks where their patterns apply",
          "[advise][attention]") {
  // CPUBone-B0 and LowFormer-B0: stage 3's attention already runs on a map downsampled by 2 (14x14 -> 7x7),
  // stage 4's (4 blocks) on its whole 7x7 map; each of the 3 + 4 MLPs has ratio 4 (-> 3 and 2).
  // EfficientFormerV2-S0: stage 3's 2 attention blocks are strided, stage 4's 2 are not; its FFNs (1x1, a
  // depthwise 3x3 on the hidden width, 1x1) have ratios 4,4 / 4,4 / 4,3,3,3,4,4 / 4,3,3,4: 9 x 2 + 5 x 1.
  for (const auto& [name, downsample, mlp] : std::vector<std::tuple<const char*, size_t, size_t>>{
           {"b0", 4, 14}, {"lowformer-b0", 4, 14}, {"efficientformerv2-s0", 2, 23}}) {
    const Network net = find_zoo(name)->build(0);
    INFO(name);
    const auto down = attention_rewrites_of(net, RewriteKind::attention_downsample);
    CHECK(down.size() == downsample);
    CHECK(attention_rewrites_of(net, RewriteKind::mlp_ratio).size() == mlp);
    for (const Rewrite& r : down) {
      // The tokens were 7x7 at 224: the rewrite's anchor reads a 7x7 map.
      const ShapeNhwc s = net.shape_of(net.ops[net.index_of(r.ops[0])].inputs[0]);
      CHECK((s.h == 7 && s.w == 7));
    }
  }
  for (const Rewrite& r : attention_rewrites_of(find_zoo("b0")->build(0), RewriteKind::mlp_ratio)) {
    CHECK(r.ops.size() == 2);
    CHECK((r.value == 3 * 128 || r.value == 2 * 128 || r.value == 3 * 256 || r.value == 2 * 256));
  }
}

TEST_CASE(
    "attention_downsample and mlp_ratio keep shapes, cut MACs, change only the ops they list, and run as the reference "
    "does",
    "[advise][attention]") {
  for (const char* name : {"b0", "lowformer-b0", "efficientformerv2-s0"}) {
    const Network net = find_zoo(name)->build(0);
    const int64_t macs = count(net).total.macs;
    for (RewriteKind kind : {RewriteKind::attention_downsample, RewriteKind::mlp_ratio})
      for (const Rewrite& r : attention_rewrites_of(net, kind)) {
        const Rewrite one[] = {r};
        const Network out = apply_rewrites(net, one);
        INFO(name << ": " << to_string(r.kind) << " on " << r.ops[0] << " to " << r.value);
        CHECK(out.shape_of(out.output) == net.shape_of(net.output));
        CHECK(count(out).total.macs < macs);
        CHECK_FALSE(keeps_function(r, net));
        check_only_listed_ops_change(net, out, r);
      }
  }
  // Below a 4x4 map there is nothing to downsample: at 96x96 stage 4 runs at 3x3.
  const Network small = find_zoo("b0")->build(96);
  CHECK(attention_rewrites_of(small, RewriteKind::attention_downsample).empty());
  for (const char* name : {"b0", "efficientformerv2-s0"}) {
    // On the executor, as the reference computes it: at 128x128, whose 4x4 stage-4 map is the smallest one
    // downsampled (to 2x2 tokens and back, nearest by size), a third of 224's work through the naive reference.
    const Network net = find_zoo(name)->build(128);
    const auto down = attention_rewrites_of(net, RewriteKind::attention_downsample);
    REQUIRE(!down.empty());
    const Rewrite one[] = {down.front()};
    const Network out = apply_rewrites(net, one);
    const profiler::NetworkWeights w = profiler::make_weights(out, 5);
    INFO(name);
    CHECK(relative_max_diff(run_attn_net(out, w),
                            profiler::reference_run(out, w, profiler::make_input(out.input, 3)).back()) < 1e-4);
  }
}

TEST_CASE("the attention rewrites compose with each other and with the conv rewrites of the same network",
          "[advise][attention]") {
  const Network net = find_zoo("b0")->build(0);
  std::vector<Rewrite> all;
  std::set<std::string> touched;
  for (const auto& site : candidate_rewrites(net, recognise_blocks(net), 16)) {
    // One rewrite per block: its attention or MLP rewrite if it has one, else the first it offers.
    const auto mine = std::find_if(site.rewrites.begin(), site.rewrites.end(), [](const Rewrite& r) {
      return r.kind == RewriteKind::attention_downsample || r.kind == RewriteKind::mlp_ratio;
    });
    const Rewrite& r = mine != site.rewrites.end() ? *mine : site.rewrites.front();
    if (std::any_of(r.ops.begin(), r.ops.end(), [&](const std::string& o) { return touched.count(o) > 0; })) continue;
    touched.insert(r.ops.begin(), r.ops.end());
    all.push_back(r);
  }
  std::set<RewriteKind> kinds;
  for (const Rewrite& r : all) kinds.insert(r.kind);
  CHECK(kinds.count(RewriteKind::attention_downsample));
  CHECK(kinds.count(RewriteKind::mlp_ratio));
  CHECK(kinds.count(RewriteKind::group_conv));
  const Network out = apply_rewrites(net, all);
  CHECK(out.shape_of(out.output) == net.shape_of(net.output));
  int64_t cut = 0;
  for (const Rewrite& r : all) {
    const Rewrite one[] = {r};
    cut += count(net).total.macs - count(apply_rewrites(net, one)).total.macs;
  }
  CHECK(count(net).total.macs - count(out).total.macs == cut);  // disjoint rewrites: their MAC cuts add up
}

TEST_CASE("attention rewrites that name the wrong ops are refused naming the op and role", "[advise][attention]") {
  const Network net = find_zoo("b0")->build(0);
  const auto down = attention_rewrites_of(net, RewriteKind::attention_downsample);
  REQUIRE(!down.empty());
  Rewrite swapped = down.front();
  std::swap(swapped.ops[0], swapped.ops[1]);
  const Rewrite one[] = {swapped};
  CHECK_THROWS_WITH(
      apply_rewrites(net, one, "advice.json"),
      Catch::Contains("advice.json: attention_downsample names op \"" + swapped.ops[0] + "\" (add) in role 0"));
  const Rewrite missing[] = {{RewriteKind::mlp_ratio, {"s4.nope", down.front().ops[1]}, 512}};
  CHECK_THROWS_WITH(apply_rewrites(net, missing, "advice.json"), Catch::Contains("rewrite names op \"s4.nope\""));
}

TEST_CASE("advise predicts a gain for the attention rewrites that cut MACs, and the applied module loads in PyTorch",
          "[advise][attention]") {
  const Network net = find_zoo("b0")->build(0);
  const predictor::Predictor p = predictor::load_predictor("pi5");
  explorer::AdviceOptions o;
  o.evaluations = 50;
  const explorer::Advice a = explorer::advise(net, p, o);
  std::map<RewriteKind, int> seen;
  std::vector<Rewrite> applied;
  for (const auto& s : a.suggestions)
    if (s.rewrite.kind == RewriteKind::attention_downsample || s.rewrite.kind == RewriteKind::mlp_ratio) {
      INFO(s.id << " " << to_string(s.rewrite.kind) << " on " << s.rewrite.ops[0]);
      CHECK(s.macs_after < a.macs);
      CHECK(s.gain.point > 0);
      CHECK_FALSE(s.keeps_function);
      if (seen[s.rewrite.kind]++ == 0) applied.push_back(s.rewrite);
    }
  CHECK(seen[RewriteKind::attention_downsample] == 4);
  CHECK(seen[RewriteKind::mlp_ratio] == 14);
  REQUIRE(applied.size() == 2);

  // Both applied at once: PyTorch's module has count's params and computes what the executor computes with
  // the carried weights.
  const Network out = apply_rewrites(net, applied);
  const auto carried = profiler::carry_weights(net, profiler::make_weights(net, 0), out, 0);
  const std::string onnx = profiler::export_onnx(out, carried.weights);
  CHECK_NOTHROW(profiler::check_onnx(onnx, "advised.onnx"));
  const auto t = profiler::export_torch(out, carried.weights, "net.f32");
  CHECK(t.params == count(out).total.params);
  const fs::path dir = fs::temp_directory_path() / ("cpx_attnrw_" + std::to_string(::getpid())) / "advised";
  fs::create_directories(dir);
  std::ofstream(dir / "net.py") << t.source;
  std::ofstream(dir / "net.f32", std::ios::binary) << t.weights;
  std::ofstream(dir / "params.txt") << count(out).total.params;
  const std::vector<float> input = profiler::make_input(out.input, 5);
  profiler::Plan plan(out, carried.weights);
  std::copy(input.begin(), input.end(), plan.input().begin());
  plan.run();
  std::ofstream(dir / "input.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(input.data()), std::streamsize(input.size() * 4));
  std::ofstream(dir / "output.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(plan.output().data()), std::streamsize(plan.output().size() * 4));
  const std::string cmd = "/usr/bin/python3 " + std::string(CPX_SOURCE_DIR) + "/tests/torch_check.py " + dir.string();
  CHECK(std::system(cmd.c_str()) == 0);
  fs::remove_all(dir.parent_path());
}

TEST_CASE(
    "a tiny torchvision ViT export: its MLPs take mlp_ratio (linears on tokens), its class-token attention no "
    "downsampling",
    "[advise][attention][onnx]") {
  const fs::path dir = fs::temp_directory_path() / ("cpx_attnrw_vit_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // 32x32, patch 8, C 32, 4 heads, 2 layers, MLP 64: 16 patches + the class token = 17 tokens.
  const std::string cmd = "/usr/bin/python3 " + std::string(CPX_SOURCE_DIR) + "/tests/tiny_vit.py " +
                          (dir / "vit.onnx").string() + " > /dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const profiler::ImportedModel m = profiler::import_onnx_model((dir / "vit.onnx").string());
  fs::remove_all(dir);
  CHECK(attention_rewrites_of(m.net, RewriteKind::attention_downsample).empty());
  const auto mlp = attention_rewrites_of(m.net, RewriteKind::mlp_ratio);
  REQUIRE(mlp.size() == 2);  // ratio 2 -> 1 in each layer
  for (const Rewrite& r : mlp) {
    CHECK(r.value == 32);
    CHECK(m.net.ops[m.net.index_of(r.ops[0])].as<FullyConnected>());
    const Rewrite one[] = {r};
    const Network out = apply_rewrites(m.net, one);
    CHECK(out.shape_of(out.output) == m.net.shape_of(m.net.output));
    CHECK(count(m.net).total.macs - count(out).total.macs == 2 * 17 * 32 * 32);  // both linears halve
    const profiler::CarriedWeights carried = profiler::carry_weights(m.net, m.weights, out, 1);
    CHECK(std::set<std::string>(carried.fresh_ops.begin(), carried.fresh_ops.end()) ==
          std::set<std::string>(r.ops.begin(), r.ops.end()));
  }
}
