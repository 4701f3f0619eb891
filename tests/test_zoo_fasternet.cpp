// FasterNet T0-L: exact counts against ../shared/specs/fasternet.md, structure, published figures,
// and the executor against the naive reference on whole networks.
#include <catch2/catch.hpp>

#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_fasternet {

using namespace cpx;
using testing::op_named;

namespace {

// fasternet.md section 5 (PyTorch as built, BN folded, conv + linear MACs at 224).
constexpr testing::ZooTotals fasternet[] = {
    {"fasternet-t0", 3'905'500, 3'900'660, 335'422'720},     {"fasternet-t1", 7'595'368, 7'587'624, 850'511'872},
    {"fasternet-t2", 14'982'888, 14'971'272, 1'904'334'848}, {"fasternet-s", 31'181'032, 31'160'424, 4'549'740'544},
    {"fasternet-m", 53'521'464, 53'488'488, 8'721'938'432},  {"fasternet-l", 93'465'192, 93'421'224, 15'494'383'616},
};

}  // namespace

TEST_CASE("FasterNet zoo models match the spec's exact PyTorch counts at 224", "[zoo][fasternet]") {
  for (const auto& e : fasternet) testing::check_zoo_totals(e, "FasterNet");
}

TEST_CASE("FasterNet-M per-stage sums match the spec's debugging table", "[zoo][fasternet]") {
  // Inference params and MACs of the ops named embed*, stage1.* ... head.*
  constexpr const char* parts[] = {"embed", "stage1.", "stage2.", "stage3.", "stage4.", "head."};
  constexpr std::pair<int64_t, int64_t> sums[] = {{7'056, 21'676'032},         {284'688, 890'072'064},
                                                  {1'682'208, 1'316'818'944},  {27'931'968, 5'470'488'576},
                                                  {20'827'008, 1'020'128'256}, {2'755'560, 2'754'560}};
  testing::check_part_sums(find_zoo("fasternet-m")->build(0), parts, sums);
}

TEST_CASE("FasterNet-T0 has the structure the spec lists", "[zoo][fasternet]") {
  const Network net = find_zoo("fasternet-t0")->build(0);
  const Conv2d* embed = op_named(net, "embed").as<Conv2d>();
  REQUIRE(embed);
  CHECK(embed->kernel == std::array<int64_t, 2>{4, 4});
  CHECK(embed->stride == std::array<int64_t, 2>{4, 4});
  CHECK(embed->padding == Padding{});
  CHECK(embed->activation == Activation::none);  // BN only, no activation (code, not paper Table 8)
  CHECK(net.shape_of("embed") == ShapeNhwc{1, 56, 56, 40});
  // PConv: 3x3 dense conv on the first C/4 channels, the rest passed through
  CHECK(net.shape_of("stage1.block0.pconv.part").c == 10);
  CHECK(net.shape_of("stage1.block0.pconv.rest").c == 30);
  const Conv2d* pconv = op_named(net, "stage2.block1.pconv.conv").as<Conv2d>();
  REQUIRE(pconv);
  CHECK(pconv->groups == 1);
  CHECK(pconv->padding == Padding{1, 1, 1, 1});
  CHECK_FALSE(pconv->bias);
  CHECK_FALSE(pconv->batch_norm);
  CHECK(net.shape_of("stage2.block1.pconv.conv") == ShapeNhwc{1, 28, 28, 20});
  CHECK(op_named(net, "stage1.block0.pconv.part").as<Slice>()->begin == 0);
  // MLP: 1x1 C -> 2C (BN, GELU), 1x1 2C -> C (nothing), residual add
  const Conv2d* fc1 = op_named(net, "stage3.block7.mlp.fc1").as<Conv2d>();
  REQUIRE(fc1);
  CHECK(fc1->batch_norm);
  CHECK(fc1->activation == Activation::gelu);
  CHECK(net.shape_of("stage3.block7.mlp.fc1") == ShapeNhwc{1, 14, 14, 320});
  const Conv2d* fc2 = op_named(net, "stage3.block7.mlp.fc2").as<Conv2d>();
  CHECK((!fc2->bias && !fc2->batch_norm && fc2->activation == Activation::none));
  CHECK(op_named(net, "stage3.block7.add").as<Add>());
  CHECK(net.index_of("stage3.block8.add") == net.ops.size());  // depths 1, 2, 8, 2
  // merging: 2x2/s2, no padding, BN, no activation
  const Conv2d* merge = op_named(net, "stage4.merge").as<Conv2d>();
  CHECK(merge->kernel == std::array<int64_t, 2>{2, 2});
  CHECK(merge->padding == Padding{});
  CHECK(merge->batch_norm);
  CHECK(merge->activation == Activation::none);
  CHECK(net.shape_of("stage4.merge") == ShapeNhwc{1, 7, 7, 320});
  // head: GAP, 1x1 conv 320 -> 1280 (no bias, GELU), linear 1280 -> 1000 with bias
  const Conv2d* head = op_named(net, "head.conv").as<Conv2d>();
  CHECK((!head->bias && !head->batch_norm && head->activation == Activation::gelu));
  CHECK(net.shape_of("head.conv") == ShapeNhwc{1, 1, 1, 1280});
  CHECK(op_named(net, "head.fc").as<FullyConnected>()->bias);
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  // every conv of FasterNet is dense
  for (const Op& op : net.ops)
    if (const auto* conv = op.as<Conv2d>()) CHECK(conv->groups == 1);
}

TEST_CASE("FasterNet T2 to L use ReLU and their own depths and widths", "[zoo][fasternet]") {
  for (const char* name : {"fasternet-t2", "fasternet-s", "fasternet-m", "fasternet-l"}) {
    INFO(name);
    const Network net = find_zoo(name)->build(0);
    CHECK(op_named(net, "stage1.block0.mlp.fc1").as<Conv2d>()->activation == Activation::relu);
    CHECK(op_named(net, "head.conv").as<Conv2d>()->activation == Activation::relu);
  }
  const Network s = find_zoo("fasternet-s")->build(0);
  CHECK(s.index_of("stage3.block12.add") < s.ops.size());
  CHECK(s.index_of("stage3.block13.add") == s.ops.size());
  CHECK(s.shape_of("stage3.block12.pconv.conv").c == 128);
  const Network l = find_zoo("fasternet-l")->build(0);
  CHECK(l.shape_of("stage4.block2.pconv.conv") == ShapeNhwc{1, 7, 7, 384});
  CHECK(l.shape_of("stage4.block2.mlp.fc1").c == 3072);
  CHECK(l.index_of("stage1.block2.add") < l.ops.size());
  CHECK(l.index_of("stage1.block3.add") == l.ops.size());
}

TEST_CASE("FasterNet entries carry FasterNet Table 3 and CPUBone Fig. 1 figures", "[zoo][fasternet]") {
  const std::pair<const char*, double> top1[] = {{"fasternet-t0", 71.9}, {"fasternet-t1", 76.2}, {"fasternet-t2", 78.9},
                                                 {"fasternet-s", 81.3},  {"fasternet-m", 83.0},  {"fasternet-l", 83.5}};
  testing::check_published_top1(top1);
  const ZooEntry* t0 = find_zoo("fasternet-t0");
  // Table 3 only: Table 5's "r=1/4 (default)" row repeats the same measurement and is left unlinked.
  REQUIRE(t0->published.size() == 1);
  CHECK_FALSE(t0->published_as("FasterNet-T0 r=1/4 (default)"));
  const auto& table3 = t0->published.front();
  CHECK(table3.value_kind == "reported");
  CHECK(*table3.params_m == Approx(3.9));
  CHECK(table3.devices.at("fasternet_gpu_2080ti_fps") == Approx(8320));
  CHECK(table3.devices.at("fasternet_cpu_i9_9900x_1t_ms") == Approx(8.2));
  CHECK(table3.devices.at("fasternet_arm_a72_1t_ms") == Approx(138));
  // T1 also has CPUBone's digitized point (plotted at 75.6; top1() prefers the reported 76.2)
  const ZooEntry* t1 = find_zoo("fasternet-t1");
  bool rpi5 = false;
  for (const auto& f : t1->published)
    if (f.devices.count("rpi5_ms")) {
      rpi5 = true;
      CHECK(f.devices.at("rpi5_ms") == Approx(44.1));
    }
  CHECK(rpi5);
  // L ran out of memory on the ARM board in Table 3
  for (const auto& f : find_zoo("fasternet-l")->published) CHECK(f.devices.count("fasternet_arm_a72_1t_ms") == 0);
}

TEST_CASE("FasterNet's activation ablations are T0 and T2 with the other activation", "[zoo][fasternet]") {
  const std::pair<const char*, const char*> pairs[] = {{"fasternet-t0-relu", "fasternet-t0"},
                                                       {"fasternet-t2-gelu", "fasternet-t2"}};
  for (const auto& [ablation, base] : pairs) {
    INFO(ablation);
    const Network& a = testing::zoo_net(ablation);
    const Network& b = testing::zoo_net(base);
    CHECK(count(a).total.params == count(b).total.params);
    CHECK(count(a).total.macs == count(b).total.macs);
    REQUIRE(a.ops.size() == b.ops.size());
    const Conv2d* fc1_a = op_named(a, "stage3.block0.mlp.fc1").as<Conv2d>();
    const Conv2d* fc1_b = op_named(b, "stage3.block0.mlp.fc1").as<Conv2d>();
    REQUIRE((fc1_a && fc1_b));
    CHECK(fc1_a->activation != fc1_b->activation);
  }
  CHECK(op_named(testing::zoo_net("fasternet-t0-relu"), "head.conv").as<Conv2d>()->activation == Activation::relu);
  CHECK(find_zoo("fasternet-t0-relu")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(109));
  CHECK(find_zoo("fasternet-t2-gelu")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(551));
}

TEST_CASE("FasterNet-T0 w/ LN is T0 with a LayerNorm, not folded, wherever T0 has a BatchNorm", "[zoo][fasternet]") {
  const Network& ln = testing::zoo_net("fasternet-t0-ln");
  const Network& bn = testing::zoo_net("fasternet-t0");
  const NetworkCount c_ln = count(ln), c_bn = count(bn);
  CHECK(find_zoo("fasternet-t0-ln")->family == "FasterNet");
  // Same convs, so the same MACs. LN and BN both train a weight and a bias per channel (as built: equal
  // params); BN's fold into the conv as one bias, LN's stay: +1 per channel of each of the 1 + 3 + 13 norms.
  CHECK(c_ln.total.macs == c_bn.total.macs);
  CHECK(c_ln.total.params == c_bn.total.params);
  CHECK(c_ln.total.params_inference == c_ln.total.params);
  CHECK(c_ln.total.params_inference - c_bn.total.params_inference == 4'840);
  int64_t norms = 0;
  for (const Op& op : ln.ops) {
    if (op.as<LayerNorm>()) ++norms;
    if (const auto* conv = op.as<Conv2d>()) CHECK_FALSE((conv->batch_norm || conv->bias));
  }
  CHECK(norms == 1 + 3 + 13);  // embedding, 3 merging layers, 1 + 2 + 8 + 2 blocks
  const std::string normed[] = {"embed", "stage2.merge", "stage4.merge"};
  for (const std::string& name : normed) {
    INFO(name);
    CHECK(op_named(ln, name + ".norm").as<LayerNorm>());
    CHECK(op_named(ln, name).as<Conv2d>()->activation == Activation::none);
    CHECK(ln.shape_of(name + ".norm") == bn.shape_of(name));
  }
  // Block: fc1 (plain) -> LayerNorm -> GELU -> fc2, in place of fc1 (+BN, GELU) -> fc2.
  const Conv2d* fc1 = op_named(ln, "stage3.block7.mlp.fc1").as<Conv2d>();
  REQUIRE(fc1);
  CHECK(fc1->activation == Activation::none);
  CHECK(op_named(ln, "stage3.block7.mlp.norm").inputs == std::vector<std::string>{"stage3.block7.mlp.fc1"});
  const ActivationOp* act = op_named(ln, "stage3.block7.mlp.act").as<ActivationOp>();
  REQUIRE(act);
  CHECK(act->function == Activation::gelu);
  CHECK(op_named(ln, "stage3.block7.mlp.fc2").inputs == std::vector<std::string>{"stage3.block7.mlp.act"});
  CHECK(ln.shape_of("stage3.block7.mlp.norm") == ShapeNhwc{1, 14, 14, 320});
  CHECK(op_named(ln, "head.conv").as<Conv2d>()->activation == Activation::gelu);
  // Nothing else differs: every op of T0 is in the LN variant, with the same output shape.
  for (size_t i = 0; i < bn.ops.size(); ++i) CHECK(ln.shape_of(bn.ops[i].name) == bn.shapes[i]);
  CHECK(ln.ops.size() == bn.ops.size() + 17 + 13);  // the norms, and the blocks' standalone GELUs
  const ZooEntry* z = find_zoo("fasternet-t0-ln");
  CHECK(z->description.find("LayerNorm") != std::string::npos);
  REQUIRE(z->published.size() == 1);
  CHECK(z->published.front().model == "FasterNet-T0 w/ LN");
  CHECK_FALSE(z->published.front().params_m);
  CHECK(z->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(156));
  CHECK(*z->top1() == Approx(71.9));
}

TEST_CASE("FasterNet-T0 w/ LN runs on the executor at 64x64 like the reference", "[zoo][fasternet][executor]") {
  testing::check_network_against_reference(find_zoo("fasternet-t0-ln")->build(64));
}

// 64x64 for T0-S; M and L at 32x32, the smallest input the four downsamplings (4, 2, 2, 2) accept
// (stage 4 at 1x1), since their 53M and 93M weights dominate the run time of a small input anyway.
TEST_CASE("FasterNet-T0 runs on the executor at 64x64 like the reference", "[zoo][fasternet][executor]") {
  testing::check_network_against_reference(find_zoo("fasternet-t0")->build(64));
}

TEST_CASE("FasterNet-T1 runs on the executor at 64x64 like the reference", "[zoo][fasternet][executor]") {
  testing::check_network_against_reference(find_zoo("fasternet-t1")->build(64));
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them FasterNet-T0 w/ LN's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("FasterNet-T2 runs on the executor at 64x64 like the reference", "[zoo][fasternet][executor][native-only]") {
  testing::check_network_against_reference(find_zoo("fasternet-t2")->build(64));
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them FasterNet-T1's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("FasterNet-S runs on the executor at 64x64 like the reference", "[zoo][fasternet][executor][native-only]") {
  testing::check_network_against_reference(find_zoo("fasternet-s")->build(64));
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them FasterNet-T0 w/ LN's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("FasterNet-M runs on the executor at 32x32 like the reference", "[zoo][fasternet][executor][native-only]") {
  testing::check_network_against_reference(find_zoo("fasternet-m")->build(32));
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them FasterNet-T0 w/ LN's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("FasterNet-L runs on the executor at 32x32 like the reference", "[zoo][fasternet][executor][native-only]") {
  testing::check_network_against_reference(find_zoo("fasternet-l")->build(32));
}

}  // namespace test_zoo_fasternet
