// PoolFormer-S12, -S24, -S36, -M36 and -M48 (MetaFormer, CVPR 2022, arXiv 2111.11418) as the official
// code (sail-sg/poolformer, poolformer.py) builds them: a 7x7/s4 (padding 2) patch embedding, four stages
// separated by 3x3/s2 (padding 1) embeddings, a GroupNorm(1) and a pooled linear head. A block is
// x + γ1·(pool(n1(x)) − n1(x)) then x + γ2·mlp(n2(x)), where n1 and n2 are GroupNorm(1, C), pool a 3x3/s1
// average and mlp 1x1 C -> 4C + GELU (erf), 1x1 4C -> C; every conv has a bias, no BatchNorm.
// Two substitutions, both at equal cost and labelled in the description: this toolkit has no subtract
// op, so the token mixer adds n1(x) instead of subtracting it, and its average pool divides by the full
// 3x3 window at the borders (count_include_pad) where the original divides by the valid pixels. No shared
// spec covers this family: the counts are checked against the published figures
// (tests/test_zoo_poolformer.cpp).
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace poolformer_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  std::array<int64_t, 4> depths;
  std::array<int64_t, 4> dims;
};

constexpr Config configs[] = {
    {"poolformer-s12", "PoolFormer-S12", {2, 2, 6, 2}, {64, 128, 320, 512}},
    {"poolformer-s24", "PoolFormer-S24", {4, 4, 12, 4}, {64, 128, 320, 512}},
    {"poolformer-s36", "PoolFormer-S36", {6, 6, 18, 6}, {64, 128, 320, 512}},
    {"poolformer-m36", "PoolFormer-M36", {6, 6, 18, 6}, {96, 192, 384, 768}},
    {"poolformer-m48", "PoolFormer-M48", {8, 8, 24, 8}, {96, 192, 384, 768}},
};

std::string description_of(const Config& c) {
  return std::string(c.published_name) + ": depths " + dashed(c.depths) + ", widths " + dashed(c.dims) +
         "; token mixer pool(x) + x in place of pool(x) - x, borders averaged over the padded window (same cost)";
}

std::string block(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string n1 = b.add(p + ".norm1", {x}, GroupNorm{1, 1e-5});
  const std::string pooled = b.add(p + ".pool", {n1}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}});
  std::string h = b.add(p + ".mix", {pooled, n1}, Add{});
  h = b.add(p + ".gamma1", {h}, LayerScale{});
  const std::string y = b.add(p + ".add1", {x, h}, Add{});
  h = b.add(p + ".norm2", {y}, GroupNorm{1, 1e-5});
  h = b.add(p + ".fc1", {h}, same_conv(4 * c, 1, 1, 1, true, false, Activation::gelu));
  h = b.add(p + ".fc2", {h}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  h = b.add(p + ".gamma2", {h}, LayerScale{});
  return b.add(p + ".add2", {y, h}, Add{});
}

Network build_poolformer(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "PoolFormer", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("embed", {std::string(input_tensor)}, padded_conv(cfg.dims[0], 7, 4, 2));
  for (size_t s = 0; s < cfg.depths.size(); ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) x = b.add(stage + ".embed", {x}, padded_conv(cfg.dims[s], 3, 2, 1));
    for (int64_t i = 0; i < cfg.depths[s]; ++i) x = block(b, x, stage + ".block" + std::to_string(i));
  }
  x = b.add("head.norm", {x}, GroupNorm{1, 1e-5});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace poolformer_family

void add_poolformer(std::vector<ZooEntry>& out) {
  using namespace poolformer_family;
  add_entries(out, configs, "PoolFormer", 224, build_poolformer);
}

}  // namespace cpx::zoo_families
