// MobileViT-XXS, -XS, -S (v1): exact counts at 256 against the published figures, structure (with the
// labelled unfold/fold substitution), the published rows the entries carry, and the executor against the
// naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"
#include "predictor/calibrate.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_mobilevit {

using namespace cpx;
using testing::op_named;

namespace {

struct Expected {
  const char* name;
  int64_t params, params_inference, macs;
  double published_params_m, published_macs_m, top1;  // FasterNet's Table 3 (256 px)
};

// timm counts 1.27M / 2.32M / 5.58M parameters for mobilevit_xxs / _xs / _s.
constexpr Expected mobilevit[] = {
    {"mobilevit-xxs", 1'272'024, 1'269'968, 407'364'096, 1.3, 410, 69.0},
    {"mobilevit-xs", 2'317'848, 2'313'624, 1'025'911'808, 2.3, 1030, 74.8},
    {"mobilevit-s", 5'578'632, 5'572'504, 2'000'831'488, 5.6, 2010, 78.4},
};

const PublishedFigures* row_from(const ZooEntry& z, std::string_view source) {
  for (const PublishedFigures& f : z.published)
    if (f.source.find(source) != std::string::npos) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("MobileViT entries count exactly at 256, within 1% of FasterNet's MACs and 0.1M of the params",
          "[zoo][mobilevit]") {
  for (const auto& e : mobilevit) {
    const testing::CountedNetwork c =
        testing::check_zoo_totals({e.name, e.params, e.params_inference, e.macs}, "MobileViT", 256);
    CHECK(std::round(static_cast<double>(c.count.total.params) / 1e5) / 10 == Approx(e.published_params_m));
    CHECK(std::abs(static_cast<double>(c.count.total.macs) / (e.published_macs_m * 1e6) - 1) < 0.01);
  }
}

TEST_CASE("a MobileViT block runs its transformer on 4 sequences of HW/4 tokens, then projects and fuses",
          "[zoo][mobilevit]") {
  const Network& n = testing::zoo_net("mobilevit-xxs");
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 128, 128, 16});
  CHECK(testing::has_op(n, "stage1.block0.add"));        // 16 -> 16 at stride 1 keeps the shortcut
  CHECK_FALSE(testing::has_op(n, "stage2.block0.add"));  // stride 2
  CHECK(testing::has_op(n, "stage2.block2.add"));
  CHECK(n.shape_of("stage2.block0.expand").c == 32);  // XXS expands 2x, XS and S 4x
  CHECK(testing::zoo_net("mobilevit-s").shape_of("stage2.block0.expand").c == 128);

  // Stage 3: 32x32x48, transformer width 64, 2x2 patches -> 4 sequences of 256 tokens, 4 heads of 16.
  CHECK(n.shape_of("stage3.down.project") == ShapeNhwc{1, 32, 32, 48});
  CHECK(n.shape_of("stage3.mvit.conv_1x1") == ShapeNhwc{1, 32, 32, 64});
  CHECK(n.shape_of("stage3.mvit.to_tokens") == ShapeNhwc{4, 256, 1, 64});
  CHECK(n.shape_of("stage3.mvit.transformer1.attn.qkv") == ShapeNhwc{4, 256, 1, 192});
  CHECK(n.shape_of("stage3.mvit.transformer1.attn.scores") == ShapeNhwc{4, 256, 1, 4 * 256});
  CHECK(n.shape_of("stage3.mvit.transformer1.mlp.fc1") == ShapeNhwc{4, 256, 1, 128});
  CHECK(op_named(n, "stage3.mvit.transformer1.mlp.fc1").as<FullyConnected>()->activation == Activation::silu);
  CHECK_FALSE(testing::has_op(n, "stage3.mvit.transformer2.norm1"));
  CHECK(op_named(n, "stage3.mvit.norm").as<LayerNorm>());
  CHECK(n.shape_of("stage3.mvit.to_map") == ShapeNhwc{1, 32, 32, 64});
  CHECK(n.shape_of("stage3.mvit.concat") == ShapeNhwc{1, 32, 32, 96});
  const Conv2d* fusion = op_named(n, "stage3.mvit.conv_fusion").as<Conv2d>();
  REQUIRE(fusion);
  CHECK(fusion->kernel == std::array<int64_t, 2>{3, 3});
  CHECK(fusion->activation == Activation::silu);
  const Conv2d* into = op_named(n, "stage3.mvit.conv_1x1").as<Conv2d>();
  REQUIRE(into);
  CHECK_FALSE(into->bias);
  CHECK_FALSE(into->batch_norm);
  CHECK(testing::has_op(n, "stage5.mvit.transformer2.mlp.add"));
  CHECK(n.shape_of("final_conv") == ShapeNhwc{1, 8, 8, 320});

  // The attention matmuls cost what the original's do: 2 x 4 sequences x N^2 x d per transformer block.
  const NetworkCount c = count(n);
  int64_t matmul_macs = 0;
  for (size_t i = 0; i < n.ops.size(); ++i)
    if (n.ops[i].as<Matmul>()) matmul_macs += c.layers[i].cost.macs;
  auto per_block = [](int64_t tokens, int64_t d) { return 2 * 4 * tokens * tokens * d; };
  CHECK(matmul_macs == 2 * per_block(256, 64) + 4 * per_block(64, 80) + 3 * per_block(16, 96));

  // A map that does not split into 2x2 patches is resized bilinearly, as the original does (at 224 the
  // last stage is 7x7); at 256 none is.
  CHECK_FALSE(testing::has_op(n, "stage5.mvit.resize_in"));
  const Network& at224 = testing::zoo_net("mobilevit-xxs", 224);
  CHECK(at224.shape_of("stage5.mvit.resize_in") == ShapeNhwc{1, 8, 8, 96});
  CHECK(at224.shape_of("stage5.mvit.resize_out") == ShapeNhwc{1, 7, 7, 96});

  for (const auto& e : mobilevit)
    CHECK(find_zoo(e.name)->description.find(
              "unfold/fold permutes omitted; attention over groups of consecutive pixels instead of patch positions, "
              "same MACs") != std::string::npos);
}

TEST_CASE("MobileViT entries carry FasterNet's Table 3 figures and the published top-1", "[zoo][mobilevit]") {
  const std::pair<const char*, double> top1[] = {
      {"mobilevit-xxs", 69.0}, {"mobilevit-xs", 74.8}, {"mobilevit-s", 78.4}};
  testing::check_published_top1(top1);
  for (const auto& e : mobilevit) {
    INFO(e.name);
    const ZooEntry* z = find_zoo(e.name);
    REQUIRE(z);
    CHECK(z->published_name == (std::string_view(e.name) == "mobilevit-xxs"  ? "MobileViT-XXS"
                                : std::string_view(e.name) == "mobilevit-xs" ? "MobileViT-XS"
                                                                             : "MobileViT-S"));
    const PublishedFigures* f = row_from(*z, "FasterNet");
    REQUIRE(f);
    CHECK(*f->params_m == Approx(e.published_params_m));
    CHECK(*f->macs_m == Approx(e.published_macs_m));
    CHECK(*f->resolution == 256);
  }
  CHECK(row_from(*find_zoo("mobilevit-xxs"), "FasterNet")->devices.at("fasternet_arm_a72_1t_ms") == Approx(348));
}

TEST_CASE(
    "MobileOne's MobileViT rows, whose MACs no convention reproduces, are linked neither in the zoo nor by calibrate",
    "[zoo][mobilevit]") {
  const ZooEntry* z = find_zoo("mobilevit-xxs");
  REQUIRE(z);
  CHECK(z->published.size() == 1);
  CHECK_FALSE(row_from(*z, "MobileOne"));
  CHECK(z->published_as("MobileViT-XXS", "FasterNet arXiv 2303.03667 Table 3"));
  CHECK_FALSE(z->published_as("MobileViT-XXS", "MobileOne arXiv 2206.04040 Table 8"));
  CHECK(z->published_as("MobileViT-XXS"));  // a user's file without a source column names the network
  const auto csv = std::string(CPX_SOURCE_DIR) + "/space/zoo/published_models.csv";
  const auto gold = predictor::read_published(csv, "mobileone_cpu_xeon_gold5118_ms");
  CHECK(gold.size() >= 10);
  for (const auto& p : gold) CHECK(p.model.rfind("mobilevit", 0) == std::string::npos);
  const auto a72 = predictor::read_published(csv, "fasternet_arm_a72_1t_ms");
  CHECK(std::count_if(a72.begin(), a72.end(), [](const auto& p) { return p.model.rfind("mobilevit", 0) == 0; }) == 3);
}

TEST_CASE("MobileViT runs on the executor like the reference", "[zoo][mobilevit][executor]") {
  testing::check_network_against_reference(find_zoo("mobilevit-xxs")->build(64));
  // 96: the last stage is 3x3, so the bilinear resizes around the transformer run too.
  testing::check_network_against_reference(find_zoo("mobilevit-xxs")->build(96));
  testing::check_network_against_reference(find_zoo("mobilevit-s")->build(64));
}

}  // namespace test_zoo_mobilevit
