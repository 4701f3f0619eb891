// LowFormer B0, B1, B1.5 and B3 against ../shared/specs/lowformer.md: exact totals, per-stage sums, structure,
// published figures, and the executor against the reference on whole networks.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_lowformer {

using namespace cpx;
using testing::op_named;
using testing::zoo_net;

namespace {

struct Expected {
  const char* name;
  int64_t params, params_inference, macs;
  int64_t macs_conv, macs_linear, macs_matmul;  // conv includes the transposed convs
};
// Spec section 5.
constexpr Expected lowformer[] = {
    {"lowformer-b0", 14'100'472, 14'091'592, 944'042'240, 936'604'032, 4'057'600, 3'380'608},
    {"lowformer-b1", 17'936'312, 17'923'880, 1'410'980'096, 1'402'312'576, 4'057'600, 4'609'920},
    {"lowformer-b1.5", 33'982'028, 33'963'864, 2'573'737'600, 2'558'364'480, 8'458'240, 6'914'880},
    {"lowformer-b3", 57'086'920, 57'070'536, 6'098'685'440, 6'083'564'032, 4'057'600, 11'063'808},
};

}  // namespace

TEST_CASE("LowFormer zoo models match the spec's exact PyTorch counts at 224") {
  for (const auto& e : lowformer) {
    const auto [net, c] = testing::check_zoo_totals({e.name, e.params, e.params_inference, e.macs}, "LowFormer");
    INFO(e.name);
    int64_t conv = 0, linear = 0, matmul = 0;
    for (size_t i = 0; i < net.ops.size(); ++i) {
      const Op& op = net.ops[i];
      const int64_t m = c.layers[i].cost.macs;
      if (op.as<Conv2d>() || op.as<ConvTranspose2d>()) conv += m;
      else if (op.as<FullyConnected>()) linear += m;
      else if (op.as<Matmul>()) matmul += m;
      else CHECK(m == 0);
    }
    CHECK(conv == e.macs_conv);
    CHECK(linear == e.macs_linear);
    CHECK(matmul == e.macs_matmul);
  }
}

TEST_CASE("LowFormer per-stage sums match the spec (inference params and MACs)") {
  struct Stages {
    const char* name;
    std::array<std::pair<int64_t, int64_t>, 6> parts;  // stem, stage1..4, head
  };
  // Spec section 6.
  const Stages expected[] = {
      {"lowformer-b0",
       {{{448, 5'419'008},
         {11'360, 35'323'904},
         {45'248, 35'323'904},
         {3'022'592, 522'018'560},
         {6'555'392, 322'631'680},
         {4'456'552, 23'325'184}}}},
      {"lowformer-b1",
       {{{448, 5'419'008},
         {17'024, 52'985'856},
         {67'840, 52'985'856},
         {5'007'488, 864'143'616},
         {8'374'528, 412'120'576},
         {4'456'552, 23'325'184}}}},
      {"lowformer-b1.5",
       {{{560, 6'773'760},
         {26'560, 82'790'400},
         {105'920, 82'790'400},
         {9'294'400, 1'602'840'960},
         {15'332'480, 753'957'120},
         {9'203'944, 44'584'960}}}},
      {"lowformer-b3",
       {{{42'016, 524'640'256},
         {232'000, 725'745'664},
         {1'582'848, 1'239'547'904},
         {11'233'792, 1'644'518'400},
         {39'130'112, 1'921'640'448},
         {4'849'768, 42'592'768}}}},
  };
  constexpr const char* parts[] = {"stem.", "stage1.", "stage2.", "stage3.", "stage4.", "head."};
  for (const auto& e : expected) testing::check_part_sums(zoo_net(e.name), parts, e.parts);
}

TEST_CASE("LowFormer B0 has the attention, MLP and local blocks the spec lists") {
  const Network& net = zoo_net("lowformer-b0");
  CHECK(net.shape_of("stage1.down.conv1").c == 64);
  CHECK(net.shape_of("stage3.down.conv1").c == 256);
  CHECK(net.shape_of("stage4.down.conv1").c == 512);
  // Stage 3: C 128, 2 heads of 32, 5x5/s2 token downsampling 14 -> 7, transposed conv 4/2/1 back to 14.
  const auto* dw3 = op_named(net, "stage3.block0.attn.dw").as<Conv2d>();
  REQUIRE(dw3);
  CHECK(dw3->kernel == std::array<int64_t, 2>{5, 5});
  CHECK(dw3->groups == 128);
  CHECK(dw3->padding == Padding{2, 2, 2, 2});
  CHECK(net.shape_of("stage3.block0.attn.dw") == ShapeNhwc{1, 7, 7, 128});
  CHECK(net.shape_of("stage3.block0.attn.qkv").c == 192);
  CHECK(net.shape_of("stage3.block0.attn.scores") == ShapeNhwc{1, 7, 7, 2 * 49});
  CHECK(net.shape_of("stage3.block0.attn.av") == ShapeNhwc{1, 7, 7, 64});
  const auto* up3 = op_named(net, "stage3.block0.attn.proj").as<ConvTranspose2d>();
  REQUIRE(up3);
  CHECK(up3->kernel == std::array<int64_t, 2>{4, 4});
  CHECK(up3->stride == std::array<int64_t, 2>{2, 2});
  CHECK(up3->padding == Padding{1, 1, 1, 1});
  CHECK(up3->bias);
  CHECK(net.shape_of("stage3.block0.attn.proj") == ShapeNhwc{1, 14, 14, 128});
  // Local block at C 128: FusedMBConv 128 -> 512 -> 128, 3x3 with bias and BN.
  const auto* fu = op_named(net, "stage3.block2.local.conv1").as<Conv2d>();
  REQUIRE(fu);
  CHECK(fu->kernel == std::array<int64_t, 2>{3, 3});
  CHECK((fu->bias && fu->batch_norm && fu->groups == 1));
  CHECK(net.shape_of("stage3.block2.local.conv1").c == 512);
  CHECK(op_named(net, "stage3.block0.mlp.fc1").as<Conv2d>()->activation == Activation::gelu);
  // Stage 4: C 256, 4 heads of 32, 3x3/s1 downsampling, transposed conv 3/1/1, local MBConv.
  CHECK(op_named(net, "stage4.block3.attn.dw").as<Conv2d>()->kernel == std::array<int64_t, 2>{3, 3});
  CHECK(net.shape_of("stage4.block3.attn.qkv").c == 384);
  const auto* up4 = op_named(net, "stage4.block3.attn.proj").as<ConvTranspose2d>();
  REQUIRE(up4);
  CHECK(up4->kernel == std::array<int64_t, 2>{3, 3});
  CHECK(up4->stride == std::array<int64_t, 2>{1, 1});
  CHECK(net.shape_of("stage4.block3.attn.proj") == ShapeNhwc{1, 7, 7, 256});
  CHECK(net.shape_of("stage4.block3.local.expand").c == 1024);
  CHECK(op_named(net, "stage4.block3.local.dw").as<Conv2d>()->groups == 1024);
  CHECK(net.index_of("stage3.block3.attn.norm") == net.ops.size());  // 3 blocks in stage 3
  CHECK(net.index_of("stage4.block4.attn.norm") == net.ops.size());  // 4 in stage 4
  CHECK(net.shape_of("head.conv").c == 1536);
  CHECK(net.shape_of("head.fc1").c == 1600);
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
}

TEST_CASE("LowFormer B1.5 and B3 widths, heads and local blocks") {
  const Network& b15 = zoo_net("lowformer-b1.5");
  CHECK(b15.shape_of("stage1.down.conv1").c == 120);
  CHECK(b15.shape_of("stage4.down.conv1").c == 960);
  CHECK(b15.shape_of("stage3.block5.attn.qkv").c == 240);  // h2 d40
  CHECK(b15.shape_of("stage3.block5.attn.av").c == 80);
  CHECK(b15.shape_of("stage4.block5.attn.qkv").c == 480);  // h5 d32
  CHECK(b15.shape_of("stage4.block5.attn.av").c == 160);
  CHECK(b15.shape_of("stage3.block0.local.conv1").c == 640);
  CHECK(b15.shape_of("stage4.block0.local.expand").c == 1280);
  CHECK(b15.shape_of("head.conv").c == 2304);
  CHECK(b15.shape_of("head.fc1").c == 2560);

  const Network& b3 = zoo_net("lowformer-b3");
  CHECK(b3.shape_of("stem.block0.conv1").c == 128);  // residual stem FusedMBConv, e = 4
  CHECK(b3.shape_of("stage1.block0.conv1").c == 256);
  CHECK(b3.shape_of("stage2.block1.conv1").c == 512);  // 2 residual blocks after the downsampling
  CHECK(b3.index_of("stage2.block2.conv1") == b3.ops.size());
  CHECK(b3.shape_of("stage3.block0.local.expand").c == 1024);  // 256 is not < 256: MBConv
  CHECK(b3.shape_of("stage4.down.conv1").c == 1536);           // fused, e = 6
  CHECK(b3.shape_of("stage4.block0.attn.qkv").c == 768);       // h8 d32
  CHECK(b3.shape_of("stage4.block0.attn.av").c == 256);
}

TEST_CASE("LowFormer crops the upsampled attention to odd stage-3 sizes") {
  // At 112 stage 3 is 7x7: the 5x5/s2 downsampling gives 4x4, the transposed conv 8x8, cropped to 7x7.
  const Network& net = zoo_net("lowformer-b0", 112);
  CHECK(net.shape_of("stage3.block0.attn.dw") == ShapeNhwc{1, 4, 4, 128});
  CHECK(op_named(net, "stage3.block0.attn.proj").as<ConvTranspose2d>()->padding == Padding{1, 2, 1, 2});
  CHECK(net.shape_of("stage3.block0.attn.proj") == ShapeNhwc{1, 7, 7, 128});
  CHECK(count(net).total.params == 14'100'472);
}

TEST_CASE("LowFormer zoo entries carry the published top-1 and RPi 5 latencies") {
  const std::pair<const char*, double> top1[] = {
      {"lowformer-b0", 78.4}, {"lowformer-b1", 79.9}, {"lowformer-b1.5", 81.2}, {"lowformer-b3", 83.6}};
  testing::check_published_top1(top1);
  for (const auto& [name, t] : top1) CHECK(find_zoo(name)->published.front().value_kind == "digitized_from_figure");
  CHECK(find_zoo("lowformer-b0")->published.front().devices.at("rpi5_ms") == Approx(39.1));
  CHECK(find_zoo("lowformer-b1")->published.front().devices.at("rpi5_ms") == Approx(59.1));
  // The README's params (0.1M) and MACs (truncated to whole millions) agree with our counts.
  const std::tuple<const char*, double, int64_t> readme[] = {{"lowformer-b0", 14.1, 944},
                                                             {"lowformer-b1", 17.9, 1410},
                                                             {"lowformer-b1.5", 34.0, 2573},
                                                             {"lowformer-b3", 57.1, 6098}};
  for (const auto& [name, params_m, macs_m] : readme) {
    INFO(name);
    const NetworkCount c = count(zoo_net(name));
    CHECK(std::round(static_cast<double>(c.total.params) / 1e5) / 10 ==
          Approx(params_m));  // README prints B1.5 as 33.9
    CHECK(c.total.macs / 1'000'000 == macs_m);
  }
}

// ---------------------------------------------------------------------------------------------------
// The executor against the reference (testing::check_network_against_reference, as tests/test_executor.cpp
// checks CPUBone: 1e-3 abs + rel per element, at 1 and 2 threads).

namespace {

void check_lowformer_runs(const std::string& name, int64_t resolution) {
  testing::check_network_against_reference(zoo_net(name, resolution));
}

}  // namespace

TEST_CASE("executor runs LowFormer B0 at 64x64 like the reference, op by op") {
  check_lowformer_runs("lowformer-b0", 64);
}

TEST_CASE("executor runs LowFormer B0 at 48x48 with an odd stage 3 and cropped upsampling like the reference") {
  check_lowformer_runs("lowformer-b0", 48);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them LowFormer B0's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs LowFormer B1 at 64x64 like the reference, op by op", "[native-only]") {
  check_lowformer_runs("lowformer-b1", 64);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them LowFormer B0's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs LowFormer B1.5 at 64x64 like the reference, op by op", "[native-only]") {
  check_lowformer_runs("lowformer-b1.5", 64);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them LowFormer B0's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs LowFormer B3 at 64x64 like the reference, op by op", "[native-only]") {
  check_lowformer_runs("lowformer-b3", 64);
}

}  // namespace test_zoo_lowformer
