#include "space/sample.hpp"

#include <random>

namespace cpx {

namespace {
template <typename T>
T pick(std::mt19937_64& rng, std::initializer_list<T> options) {
  std::uniform_int_distribution<size_t> d(0, options.size() - 1);
  return *(options.begin() + d(rng));
}
int64_t between(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}
}  // namespace

Macro sample_cpubone_like(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Macro m;
  m.name = "sample-" + std::to_string(seed);
  m.family = "sampled";
  m.resolution = pick<int64_t>(rng, {160, 192, 224, 256});
  const int64_t w0 = pick<int64_t>(rng, {8, 12, 16, 24, 32});
  std::array<int64_t, 5> w{};
  w[0] = w0;
  for (size_t i = 1; i < 5; ++i) w[i] = std::max<int64_t>(8, (w[i - 1] * 2 * between(rng, 6, 10) / 8 + 7) / 8 * 8);
  const std::array<int64_t, 5> d{between(rng, 0, 1), between(rng, 1, 2), between(rng, 1, 3), between(rng, 1, 6),
                                 between(rng, 1, 6)};
  auto early_block = [&](double e) -> BlockSpec {
    const int64_t k = pick<int64_t>(rng, {2, 3});
    const int64_t g = pick<int64_t>(rng, {1, 2, 4});
    if (pick<int>(rng, {0, 1}) == 0) return FuMBConv{k, e, g, {false, false}, Activation::hardswish};
    MBConv mb;
    mb.kernel = k;
    mb.expansion = e;
    mb.groups = g;
    return mb;
  };
  auto down = [&](double e) -> BlockSpec {
    return FuMBConv{3, e, pick<int64_t>(rng, {1, 2, 4}), {false, false}, Activation::hardswish};
  };
  auto late_block = [&](int64_t attention_stride) -> BlockSpec {
    CPUBoneBlock b;
    b.attention = pick<int>(rng, {0, 1, 1}) == 1;
    b.attention_stride = attention_stride;
    b.local_kernel = pick<int64_t>(rng, {2, 3});
    b.local_groups = pick<int64_t>(rng, {1, 2, 4});
    b.local_expansion = pick<double>(rng, {2, 4});
    b.mlp_expansion = pick<double>(rng, {2, 4});
    b.fused_threshold = pick<int64_t>(rng, {128, 256, 512});
    return b;
  };
  m.stem = {w[0], 3, 2, Activation::hardswish};
  m.stages.push_back({w[0], std::nullopt, 2, early_block(pick<double>(rng, {2, 4})), d[0]});
  m.stages.push_back({w[1], down(pick<double>(rng, {4, 6})), 2, early_block(pick<double>(rng, {2, 4, 6})), d[1] - 1});
  m.stages.push_back({w[2], down(pick<double>(rng, {4, 6})), 2, early_block(pick<double>(rng, {2, 4, 6})), d[2] - 1});
  m.stages.push_back({w[3], down(pick<double>(rng, {4, 6})), 2, late_block(2), d[3]});
  m.stages.push_back({w[4], down(pick<double>(rng, {4, 6})), 2, late_block(1), d[4]});
  m.head.widths = pick<std::array<int64_t, 2>>(rng, {{1024, 1280}, {1536, 1600}, {2304, 2560}});
  return m;
}

}  // namespace cpx
