// CycleMLP-B1 and -B2: exact counts, the published figures, structure (with its labelled CycleFC
// substitution), and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "executor_check.hpp"
#include "space/io.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_cyclemlp {

using namespace cpx;
using testing::op_named;

namespace {

// Counted here; nothing folds (LayerNorm, no BatchNorm). The CycleFC stand-ins carry the original's
// 1x1 weights and biases, so the params equal the official model's.
constexpr testing::ZooTotals cyclemlp[] = {
    {"cyclemlp-b1", 15'155'400, 15'155'400, 2'121'523'200},
    {"cyclemlp-b2", 26'802'504, 26'802'504, 3'875'766'272},
};

}  // namespace

TEST_CASE("CycleMLP entries count exactly and within the published params and MACs", "[zoo][cyclemlp]") {
  // FasterNet's Table 3: params (M), MACs (G x 1000).
  const std::tuple<const char*, double, double> published[] = {{"cyclemlp-b1", 15.2, 2100},
                                                               {"cyclemlp-b2", 26.8, 3900}};
  for (size_t i = 0; i < std::size(published); ++i) {
    const auto& [name, params_m, macs_m] = published[i];
    INFO(name);
    const testing::CountedNetwork c = testing::check_zoo_totals(cyclemlp[i], "CycleMLP");
    CHECK(std::abs(static_cast<double>(c.count.total.params) / (params_m * 1e6) - 1) < 0.01);
    CHECK(std::abs(static_cast<double>(c.count.total.macs) / (macs_m * 1e6) - 1) < 0.015);
    CHECK(*find_zoo(name)->published.front().params_m == Approx(params_m));
  }
}

TEST_CASE("CycleMLP-B1's parts sum to the official layer counts", "[zoo][cyclemlp]") {
  // A block at C = 64: mlp_c C², two CycleFC C² + C, reweight C²/4 + C/4 + 3C²/4 + 3C, proj C² + C, MLP
  // 8C² + 5C, two LayerNorms 4C; its MACs are 12C² per pixel (56²) plus the reweighting MLP's C².
  const char* parts[] = {"embed", "stage1", "stage2", "stage3", "stage4", "head"};
  const std::pair<int64_t, int64_t> expected[] = {{9'472, 29'503'488},      {108'448, 308'289'536},
                                                  {503'744, 366'116'864},   {5'713'280, 1'036'042'240},
                                                  {8'306'432, 381'059'072}, {514'024, 512'000}};
  const Network& n = testing::zoo_net("cyclemlp-b1");
  testing::check_part_sums(n, parts, expected);
  const auto [params, macs] = testing::part_sum(n, count(n), "stage1.block0.");
  CHECK(params == 54'224);
  CHECK(macs == 12 * 64 * 64 * 56 * 56 + 64 * 64);
}

TEST_CASE("a CycleMLP block weighs three branches by a per-channel softmax over 3, the description says what differs",
          "[zoo][cyclemlp]") {
  const Network& n = testing::zoo_net("cyclemlp-b1");
  CHECK(n.shape_of("embed") == ShapeNhwc{1, 56, 56, 64});
  CHECK(op_named(n, "stage1.block0.norm1").as<LayerNorm>());
  for (const char* fc : {"stage1.block0.attn.sfc_h", "stage1.block0.attn.sfc_w"}) {
    INFO(fc);
    const Conv2d* conv = op_named(n, fc).as<Conv2d>();
    REQUIRE(conv);
    CHECK(conv->kernel == std::array<int64_t, 2>{1, 1});
    CHECK(conv->bias);
  }
  const FullyConnected* mlp_c = op_named(n, "stage1.block0.attn.mlp_c").as<FullyConnected>();
  REQUIRE(mlp_c);
  CHECK_FALSE(mlp_c->bias);  // qkv_bias=False
  CHECK(n.shape_of("stage1.block0.attn.pool") == ShapeNhwc{1, 1, 1, 64});
  CHECK(op_named(n, "stage1.block0.attn.reweight.fc1").as<FullyConnected>()->activation == Activation::gelu);
  CHECK(n.shape_of("stage1.block0.attn.reweight.fc1") == ShapeNhwc{1, 1, 1, 16});
  CHECK(n.shape_of("stage1.block0.attn.reweight.fc2") == ShapeNhwc{1, 1, 1, 192});
  // The logits are channel-major (reshape(B, C, 3)): C softmax groups of 3, then a shuffle to branch-major.
  CHECK(op_named(n, "stage1.block0.attn.softmax").as<Softmax>()->groups == 64);
  CHECK(op_named(n, "stage1.block0.attn.by_branch").as<ChannelShuffle>()->groups == 64);
  const Slice* w = op_named(n, "stage1.block0.attn.weight_w").as<Slice>();
  REQUIRE(w);
  CHECK(w->begin == 64);
  CHECK(w->end == 128);
  CHECK(op_named(n, "stage1.block0.attn.scaled_c").inputs ==
        std::vector<std::string>{"stage1.block0.attn.mlp_c", "stage1.block0.attn.weight_c"});
  CHECK(op_named(n, "stage1.block0.attn.proj").as<FullyConnected>()->bias);
  CHECK(n.shape_of("stage1.block0.fc1") == ShapeNhwc{1, 56, 56, 256});
  CHECK(op_named(n, "stage1.block0.fc1").as<FullyConnected>()->activation == Activation::gelu);
  CHECK(n.shape_of("stage3.downsample") == ShapeNhwc{1, 14, 14, 320});
  CHECK(testing::has_op(n, "stage3.block3.add2"));
  CHECK_FALSE(testing::has_op(n, "stage3.block4.add2"));
  CHECK(testing::has_op(testing::zoo_net("cyclemlp-b2"), "stage3.block9.add2"));
  CHECK(n.shape_of("head.norm") == ShapeNhwc{1, 7, 7, 512});
  for (const char* name : {"cyclemlp-b1", "cyclemlp-b2"})
    CHECK(find_zoo(name)->description.find("CycleFC's per-channel spatial offsets omitted: a 1x1 conv of equal MACs") !=
          std::string::npos);
}

TEST_CASE("CycleMLP entries carry FasterNet's Table 3 figures", "[zoo][cyclemlp]") {
  const std::pair<const char*, double> top1[] = {{"cyclemlp-b1", 79.1}, {"cyclemlp-b2", 81.6}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("cyclemlp-b1")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(892));
  CHECK(find_zoo("cyclemlp-b2")->published.front().devices.at("fasternet_cpu_i9_9900x_1t_ms") == Approx(178.6));
}

TEST_CASE("CycleMLP-B1 runs on the executor at 64x64 like the reference", "[zoo][cyclemlp][executor]") {
  testing::check_network_against_reference(find_zoo("cyclemlp-b1")->build(64));
}

TEST_CASE(
    "CycleMLP's published latencies, which include the deformable gather its network leaves out, are listed but not "
    "fitted",
    "[zoo][cyclemlp]") {
  CHECK(find_zoo("cyclemlp-b1")->unmodelled_work.find("deformable") != std::string::npos);
  CHECK(find_zoo("poolformer-s12")->unmodelled_work.empty());
  for (const char* device : {"a72", "i9-9900x"}) {
    INFO(device);
    const Json d = read_json_file(std::string(CPX_SOURCE_DIR) + "/predictor/devices/" + device + ".json");
    std::set<std::string> listed, fitted;
    for (const Json& p : d["held_out"]["not_fitted"]) listed.insert(p["model"].get<std::string>());
    for (const Json& p : d["provenance"]["published"]) fitted.insert(p["model"].get<std::string>());
    CHECK(listed == std::set<std::string>{"cyclemlp-b1", "cyclemlp-b2"});
    CHECK_FALSE(fitted.count("cyclemlp-b1"));
    CHECK(fitted.count("poolformer-s12"));
  }
}

}  // namespace test_zoo_cyclemlp
