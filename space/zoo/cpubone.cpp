// CPUBone networks as the official code builds them from its configs (see shared spec cpubone.md).
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace cpubone_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<int64_t, 5> widths;
  std::array<int64_t, 5> depths;
  bool bigit, huge_model, bighead;
  bool transposed_upsampling = false;  // the paper's ablation of claim 6
};

// Config flags (grouping 2, smallk_only_lasts, lose_transpose, fastit) are the same for all nine.
constexpr Config configs[] = {
    {"nano",
     "CPUBone-Nano",
     "CPUBone nano (cpubone_nano.yaml)",
     {12, 24, 48, 96, 192},
     {0, 1, 1, 1, 2},
     false,
     false,
     false},
    {"t0",
     "CPUBone-T0",
     "CPUBone T0 (cpubone_t0.yaml, internal name s0)",
     {12, 24, 48, 96, 192},
     {0, 1, 1, 2, 3},
     false,
     false,
     false},
    {"s0",
     "CPUBone-S0",
     "CPUBone S0 (cpubone_s0.yaml, internal name s1)",
     {14, 28, 56, 112, 224},
     {0, 1, 1, 2, 3},
     false,
     false,
     false},
    {"b0", "CPUBone-B0", "CPUBone B0 (cpubone_b0.yaml)", {16, 32, 64, 128, 256}, {0, 1, 1, 3, 4}, false, false, false},
    {"b1", "CPUBone-B1", "CPUBone B1 (cpubone_b1.yaml)", {16, 32, 64, 128, 256}, {0, 1, 1, 5, 5}, true, false, false},
    {"b2",
     "CPUBone-B2",
     "CPUBone B2 as published (23.9M); built by cpubone_b15.yaml",
     {20, 40, 80, 160, 320},
     {0, 1, 1, 6, 6},
     true,
     false,
     true},
    {"b3", "CPUBone-B3", "CPUBone B3 (cpubone_b3.yaml)", {32, 64, 128, 256, 512}, {1, 2, 3, 6, 6}, true, true, false},
    {"b2-repo",
     "",
     "the official code's cpubone_b2.yaml (30.4M), not the published B2",
     {24, 48, 96, 192, 384},
     {0, 1, 1, 6, 6},
     true,
     false,
     true},
    {"b25-repo",
     "",
     "the official code's cpubone_b25.yaml",
     {24, 48, 96, 192, 384},
     {0, 2, 3, 6, 6},
     true,
     false,
     true},
    {"b1-transposed",
     "",
     "B1 with transposed-conv attention upsampling (the paper's ablation, not released)",
     {16, 32, 64, 128, 256},
     {0, 1, 1, 5, 5},
     true,
     false,
     false,
     true},
};

Macro cpubone_macro(const Config& c) {
  constexpr int64_t grouping = 2;
  auto fused = [&](double e) { return BlockSpec{FuMBConv{3, e, grouping, {false, false}, Activation::hardswish}}; };
  auto cpubone = [&](int64_t attention_stride) {
    CPUBoneBlock b;
    b.attention_stride = attention_stride;
    b.transposed_upsampling = c.transposed_upsampling;
    return BlockSpec{b};
  };
  const double down12 = (c.bigit || c.huge_model) ? 6 : 4;
  Macro m;
  m.name = c.name;
  m.family = "CPUBone";
  m.stem = {c.widths[0], 3, 2, Activation::hardswish};
  m.stages.push_back({c.widths[0], std::nullopt, 2, fused(c.huge_model ? 4 : 2), c.depths[0]});
  // Stages 1-2 count the downsampling block in their depth; stages 3-4 do not.
  m.stages.push_back({c.widths[1], fused(down12), 2, fused(4), c.depths[1] - 1});
  m.stages.push_back({c.widths[2], fused(down12), 2, fused(4), c.depths[2] - 1});
  m.stages.push_back({c.widths[3], fused(down12), 2, cpubone(2), c.depths[3]});
  m.stages.push_back({c.widths[4], fused(c.bigit ? 6 : 4), 2, cpubone(1), c.depths[4]});
  m.head.widths = c.bighead ? std::array<int64_t, 2>{2304, 2560} : std::array<int64_t, 2>{1536, 1600};
  return m;
}

}  // namespace
}  // namespace cpubone_family

void add_cpubone(std::vector<ZooEntry>& out) {
  using namespace cpubone_family;
  for (const Config& c : configs) {
    ZooEntry e;
    e.name = c.name;
    e.family = "CPUBone";
    e.description = c.description;
    e.published_name = c.published_name;
    e.macro = cpubone_macro(c);
    e.build = [m = *e.macro](int64_t resolution) {
      Macro r = m;
      if (resolution > 0) r.resolution = resolution;
      return expand(r, r.name);
    };
    out.push_back(std::move(e));
  }
}

}  // namespace cpx::zoo_families
