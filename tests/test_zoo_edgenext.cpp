// EdgeNeXt-XXS, -XS and -S: exact counts against the published figures, the conv and SDTA encoders' structure
// (with the labelled XCA and positional-encoding substitutions), and the executor against the reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_edgenext {

using namespace cpx;
using testing::op_named;

TEST_CASE("EdgeNeXt entries count exactly, within 0.05M params and 1.5% MACs of the published figures",
          "[zoo][edgenext]") {
  // Exact: the official code's params less the learned XCA temperatures (3 SDTA blocks x heads, folded into
  // the matmul scale): 1,327,216 - 12, 2,336,804 - 12, 5,586,832 - 24.
  const testing::ZooTotals exact[] = {{"edgenext-xxs", 1327204, 1327204, 257905088},
                                      {"edgenext-xs", 2336792, 2336792, 533192192},
                                      {"edgenext-s", 5586808, 5586808, 1253234816}};
  // FasterNet's Table 3 (params M, MACs M), and the authors' own fvcore MACs (models/model.py comments),
  // which also count every channels-last LayerNorm at 5 per element: this toolkit counts no norm, so its
  // totals are 0.6-1.3% lower than both.
  const std::tuple<double, double, double> published[] = {{1.3, 260, 260.58}, {2.3, 540, 538.0}, {5.6, 1260, 1260.59}};
  for (size_t i = 0; i < 3; ++i) {
    const auto [params_m, macs_m, authors_macs_m] = published[i];
    INFO(exact[i].name);
    const testing::CountedNetwork c = testing::check_zoo_totals(exact[i], "EdgeNeXt", 256);
    CHECK(std::round(static_cast<double>(c.count.total.params) / 1e5) / 10 == Approx(params_m));
    const double macs = static_cast<double>(c.count.total.macs);
    CHECK(std::abs(macs / (macs_m * 1e6) - 1) < 0.015);
    CHECK(std::abs(macs / (authors_macs_m * 1e6) - 1) < 0.015);
    CHECK(macs < authors_macs_m * 1e6);
    const ZooEntry* z = find_zoo(exact[i].name);
    REQUIRE_FALSE(z->published.empty());
    CHECK(*z->published.front().params_m == Approx(params_m));
    CHECK(*z->published.front().macs_m == Approx(macs_m));
  }
}

TEST_CASE("EdgeNeXt-XXS sums per part", "[zoo][edgenext]") {
  const char* parts[] = {"stem", "stage1", "stage2", "stage3", "stage4", "head"};
  const std::pair<int64_t, int64_t> expected[] = {{1224, 4718592},     {10080, 39518208},  {56496, 57679872},
                                                  {447208, 114062336}, {642860, 41758080}, {169336, 168000}};
  testing::check_part_sums(testing::zoo_net("edgenext-xxs"), parts, expected);
}

TEST_CASE("EdgeNeXt conv encoders: patchify stem, LN + 2x2/s2 downsampling, dw 3/5/7/9, 4x MLP, layer scale",
          "[zoo][edgenext]") {
  const Network& n = testing::zoo_net("edgenext-xxs");
  const Conv2d* stem = op_named(n, "stem.conv").as<Conv2d>();
  REQUIRE(stem);
  CHECK(stem->kernel == std::array<int64_t, 2>{4, 4});
  CHECK(stem->stride == std::array<int64_t, 2>{4, 4});
  CHECK(stem->bias);
  CHECK(n.shape_of("stem.conv") == ShapeNhwc{1, 64, 64, 24});
  CHECK(op_named(n, "stem.norm").as<LayerNorm>()->eps == Approx(1e-6));
  CHECK(op_named(n, "stage2.down.norm").as<LayerNorm>());
  CHECK(op_named(n, "stage2.down.conv").as<Conv2d>()->kernel == std::array<int64_t, 2>{2, 2});
  CHECK(n.shape_of("stage4.down.conv") == ShapeNhwc{1, 8, 8, 168});
  const std::pair<const char*, int64_t> kernels[] = {{"stage1.block0.dwconv", 3},
                                                     {"stage2.block0.dwconv", 5},
                                                     {"stage3.block4.dwconv", 7},
                                                     {"stage4.block0.dwconv", 9}};
  for (const auto& [name, k] : kernels) {
    INFO(name);
    const Conv2d* dw = op_named(n, name).as<Conv2d>();
    REQUIRE(dw);
    CHECK(dw->kernel == std::array<int64_t, 2>{k, k});
    CHECK(dw->groups == n.shape_of(name).c);
    CHECK(dw->bias);
  }
  CHECK(op_named(n, "stage1.block0.pwconv1").as<Conv2d>()->activation == Activation::gelu);
  CHECK(n.shape_of("stage1.block0.pwconv1") == ShapeNhwc{1, 64, 64, 96});
  CHECK(op_named(n, "stage1.block0.gamma").as<LayerScale>());
  // One SDTA block, the last, in stages 2-4 only.
  CHECK_FALSE(testing::has_op(n, "stage1.block1.norm_xca"));
  CHECK_FALSE(testing::has_op(n, "stage3.block4.norm_xca"));
  CHECK(testing::has_op(n, "stage3.block5.norm_xca"));
  CHECK(op_named(n, "head.norm").as<LayerNorm>());
  CHECK(n.ops[n.index_of("head.norm") - 1].name == "head.pool");  // pooled, then normalised
}

TEST_CASE("EdgeNeXt SDTA: hierarchical split convs, positional encoding in stage 2, XCA over channels",
          "[zoo][edgenext]") {
  const Network& n = testing::zoo_net("edgenext-xxs");
  // Stage 3 (88 channels, 3 scales): chunks of ceil(88/3) = 30, 30 and the 28 left over, which skips the convs.
  CHECK(n.shape_of("stage3.block5.convs0") == ShapeNhwc{1, 16, 16, 30});
  CHECK(op_named(n, "stage3.block5.convs1").as<Conv2d>()->groups == 30);
  CHECK(op_named(n, "stage3.block5.split1.add").inputs ==
        std::vector<std::string>{"stage3.block5.convs0", "stage3.block5.split1"});
  CHECK(n.shape_of("stage3.block5.split2") == ShapeNhwc{1, 16, 16, 28});
  CHECK_FALSE(testing::has_op(n, "stage3.block5.convs2"));
  CHECK(n.shape_of("stage4.block1.split3") == ShapeNhwc{1, 8, 8, 42});  // 168 in 4 scales
  // The positional encoding: only in stage 2, a 1x1 64 -> C projection with bias (3,120 params at C = 48).
  CHECK(n.shape_of("stage2.block1.pos_embd.features") == ShapeNhwc{1, 32, 32, 64});
  CHECK(op_named(n, "stage2.block1.pos_embd").as<Conv2d>()->bias);
  CHECK_FALSE(testing::has_op(n, "stage3.block5.pos_embd"));
  // XCA at 88 channels, 4 heads of 22, 256 tokens: scores are 22 x 22 per head, contracted over the tokens.
  const std::string x = "stage3.block5.xca.";
  CHECK(n.shape_of(x + "qkv") == ShapeNhwc{1, 16, 16, 264});
  CHECK(op_named(n, x + "q_transposed").as<Reshape>());
  CHECK(n.shape_of(x + "q_transposed") == ShapeNhwc{1, 22, 1, 4 * 256});
  const Matmul* scores = op_named(n, x + "scores").as<Matmul>();
  REQUIRE(scores);
  CHECK(scores->heads == 4);
  CHECK_FALSE(scores->transpose_b);
  CHECK(scores->a.size == 256);
  CHECK(op_named(n, x + "scores").inputs == std::vector<std::string>{x + "q_transposed", x + "k_norm.scale"});
  CHECK(n.shape_of(x + "scores") == ShapeNhwc{1, 22, 1, 88});
  CHECK(op_named(n, x + "softmax").as<Softmax>()->groups == 4);
  const Matmul* av = op_named(n, x + "av").as<Matmul>();
  REQUIRE(av);
  CHECK(av->transpose_b);
  CHECK(av->a.size == 22);
  CHECK(n.shape_of(x + "av") == ShapeNhwc{1, 16, 16, 88});
  // The L2-normalisation stand-in: square, mean over the pixels, broadcast multiply.
  CHECK(op_named(n, x + "q_norm.mean").as<GlobalAvgPool>());
  CHECK(op_named(n, x + "k_norm.scale").as<Multiply>());
  // Both residuals: around XCA from the concatenated chunks, around the MLP from the block input.
  CHECK(op_named(n, "stage3.block5.xca.add").inputs ==
        std::vector<std::string>{"stage3.block5.concat", "stage3.block5.gamma_xca"});
  CHECK(op_named(n, "stage3.block5.add").inputs ==
        std::vector<std::string>{"stage3.block4.add", "stage3.block5.gamma"});
  const NetworkCount c = count(n);
  const auto [xca_params, xca_macs] = testing::part_sum(n, c, x);
  CHECK(xca_params == (88 * 264 + 264) + (88 * 88 + 88));
  CHECK(xca_macs == (88 * 264 + 88 * 88) * 256 + 2 * 22 * 22 * 4 * 256);
  // EdgeNeXt-S has 8 heads.
  CHECK(testing::zoo_net("edgenext-s").shape_of("stage4.block2.xca.scores") == ShapeNhwc{1, 38, 1, 304});
}

TEST_CASE("EdgeNeXt descriptions label every substitution", "[zoo][edgenext]") {
  for (const char* name : {"edgenext-xxs", "edgenext-xs", "edgenext-s"}) {
    INFO(name);
    const std::string& d = find_zoo(name)->description;
    CHECK(d.find("q's buffer reinterpreted") != std::string::npos);
    CHECK(d.find("L2 normalisation of q and k") != std::string::npos);
    CHECK(d.find("temperature") != std::string::npos);
    CHECK(d.find("64 Fourier features") != std::string::npos);
  }
  CHECK(find_zoo("edgenext-s")->description.find("its 24 params not counted") != std::string::npos);
}

TEST_CASE("EdgeNeXt entries carry FasterNet's Table 3 figures", "[zoo][edgenext]") {
  const std::pair<const char*, double> top1[] = {{"edgenext-xxs", 71.2}, {"edgenext-xs", 75.0}, {"edgenext-s", 79.4}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("edgenext-xxs")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(233));
  CHECK(find_zoo("edgenext-s")->published.front().devices.at("fasternet_cpu_i9_9900x_1t_ms") == Approx(36.4));
}

TEST_CASE("EdgeNeXt-XXS and -S run on the executor at 64x64 like the reference", "[zoo][edgenext][executor]") {
  testing::check_network_against_reference(find_zoo("edgenext-xxs")->build(64));
  testing::check_network_against_reference(find_zoo("edgenext-s")->build(64));
}

}  // namespace test_zoo_edgenext
