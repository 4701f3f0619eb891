// The profile's coverage set (issue 16 item 2): the ranges it spans, its caps, its seed, its
// space-filling order and the adaptive round's uncertainty score.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "profiler/measure/measure_network.hpp"
#include "profiler/profile/coverage.hpp"
#include "space/count.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

const std::vector<CoverageCandidate>& full_pool() {
  static const auto pool = coverage_pool(false, {1, 2}, 0);
  return pool;
}

}  // namespace

TEST_CASE(
    "the coverage set spans the kernels, groups, channels, ratios, resolutions, strides and activations users build",
    "[coverage]") {
  const auto& pool = full_pool();
  REQUIRE(pool.size() > 1000);
  std::set<std::pair<int64_t, int64_t>> kernels;
  std::set<int64_t> strides, threads;
  std::set<std::string> activations;
  bool dense = false, depthwise = false, wide_groups = false, channels_4096 = false, expands_6 = false,
       reduces_6 = false;
  int64_t min_res = 1000, max_res = 0, pooled_dense = 0, stems = 0;
  for (const auto& c : pool) {
    const CoverageConv& v = c.conv;
    kernels.insert({v.kernel_h, v.kernel_w});
    strides.insert(v.stride);
    threads.insert(v.threads);
    activations.insert(std::string(to_string(v.activation)));
    dense |= v.groups == 1;
    depthwise |= v.groups == v.in_channels && v.out_channels == v.in_channels && v.in_channels >= 1024;
    wide_groups |= v.groups >= 64 && v.groups < v.in_channels;
    channels_4096 |= v.in_channels == 4096 || v.out_channels == 4096;
    expands_6 |= v.out_channels >= 5 * v.in_channels;
    reduces_6 |= 5 * v.out_channels <= v.in_channels;
    if (v.resolution < 7) {  // only the convs that follow a global pool
      CHECK(v.resolution == 1);
      CHECK(v.kernel_h * v.kernel_w * v.stride == 1);
      pooled_dense += v.groups == 1 && v.in_channels >= 256 && v.out_channels >= 256;
    } else {
      min_res = std::min(min_res, v.resolution);
    }
    max_res = std::max(max_res, v.resolution);
    if (v.in_channels == 3) {  // a stem: dense, strided or patchifying, at an input resolution
      ++stems;
      CHECK(v.groups == 1);
      CHECK((v.stride == 2 || v.stride == v.kernel_h));
      CHECK(v.resolution >= 56);
    } else {
      CHECK(v.in_channels >= 8);
      CHECK(v.stride <= 2);
    }
    CHECK(v.out_channels <= 4096);
  }
  for (int64_t k = 1; k <= 7; ++k) CHECK(kernels.count({k, k}));
  for (int64_t k : {3, 5, 7}) {
    CHECK(kernels.count({1, k}));
    CHECK(kernels.count({k, 1}));
  }
  CHECK(strides == std::set<int64_t>{1, 2, 4});  // 4: patchifying 4x4 stems only
  CHECK(threads == std::set<int64_t>{1, 2});
  std::set<std::string> every_activation;
  for (Activation a : op_activations()) every_activation.insert(std::string(to_string(a)));
  CHECK(activations == every_activation);
  CHECK(dense);
  CHECK(stems > 50);
  CHECK(depthwise);
  CHECK(wide_groups);
  CHECK(channels_4096);
  CHECK(expands_6);
  CHECK(reduces_6);
  CHECK(min_res <= 8);
  CHECK(pooled_dense >= 10);  // squeeze-excitation and head convs: 960 -> 240, 960 -> 1280
  CHECK(max_res >= 200);
  CHECK(max_res <= 224);
}

TEST_CASE("every coverage candidate stays within the MACs and bytes caps, counted as count counts them", "[coverage]") {
  for (bool quick : {false, true}) {
    const auto pool = quick ? coverage_pool(true, {1}, 0) : full_pool();
    const double max_macs = quick ? coverage_max_macs_quick : coverage_max_macs;
    for (const auto& c : pool) {
      const NetworkCount n = count(c.conv.network());
      REQUIRE(n.total.macs == c.macs);
      CHECK(static_cast<double>(n.total.macs) >= coverage_min_macs);
      CHECK(static_cast<double>(n.total.macs) <= max_macs);
      const double per_group =
          static_cast<double>((c.conv.in_channels / c.conv.groups) * (c.conv.out_channels / c.conv.groups));
      if (per_group == 1) CHECK(static_cast<double>(n.total.macs) <= max_macs / coverage_full_cap_per_group);
      CHECK(c.bytes <= coverage_max_bytes);
    }
  }
}

TEST_CASE("the coverage set is the same for a seed and another for another seed, ids unique", "[coverage]") {
  const auto& a = full_pool();
  const auto b = coverage_pool(false, {1, 2}, 0);
  const auto other = coverage_pool(false, {1, 2}, 1);
  REQUIRE(a.size() == b.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].conv.id() == b[i].conv.id());
    CHECK(ids.insert(a[i].conv.id()).second);
  }
  size_t same = 0;
  for (size_t i = 0; i < std::min(a.size(), other.size()); ++i) same += a[i].conv.id() == other[i].conv.id();
  CHECK(same < a.size() / 10);
}

TEST_CASE("the coverage set's order is farthest-point: each candidate is no farther from those before it than the last",
          "[coverage]") {
  const auto& pool = full_pool();
  for (size_t i = 2; i < pool.size(); ++i) REQUIRE(pool[i].spread_distance <= pool[i - 1].spread_distance + 1e-12);
  // So a short time slice already reaches both strides, dense and depthwise convs and both thread counts.
  std::set<int64_t> strides, threads;
  bool dense = false, depthwise = false;
  for (size_t i = 0; i < 40; ++i) {
    strides.insert(pool[i].conv.stride);
    threads.insert(pool[i].conv.threads);
    dense |= pool[i].conv.groups == 1;
    depthwise |= pool[i].conv.groups == pool[i].conv.in_channels;
  }
  CHECK(strides.size() == 2);
  CHECK(threads.size() == 2);
  CHECK(dense);
  CHECK(depthwise);
}

TEST_CASE("the adaptive score prefers a candidate far from the measurements, and one whose neighbours disagree",
          "[coverage]") {
  std::vector<CoveragePosition> measured;
  std::vector<double> log_macps;
  for (int i = 0; i < 8; ++i) {
    CoveragePosition p{};
    p[0] = 0.1 * i;
    measured.push_back(p);
    log_macps.push_back(20.0);
  }
  CoveragePosition near = measured[3], far = measured[3];
  near[1] = 0.01;
  far[1] = 0.8;
  const auto agree = uncertainty_scores({near, far}, measured, log_macps);
  CHECK(agree[1] > agree[0]);
  // Equally far from their nearest measurements, one where MACpS changes fast: that one first.
  for (size_t i = 4; i < 8; ++i) log_macps[i] = i % 2 ? 22.0 : 18.0;
  CoveragePosition calm = measured[1], rough = measured[6];
  calm[1] = rough[1] = 0.05;
  const auto mixed = uncertainty_scores({calm, rough}, measured, log_macps);
  CHECK(mixed[1] > mixed[0]);
  CHECK(uncertainty_scores({near, far}, {}, {}) == std::vector<double>{0.0, 0.0});
}

TEST_CASE("the executor runs every kind of coverage conv", "[coverage]") {
  // The smallest candidate of each kernel shape and group kind: a pool the executor refused would fail
  // only in the middle of a profile.
  const auto pool = coverage_pool(true, {1}, 3);
  std::map<std::string, const CoverageCandidate*> smallest;
  for (const auto& c : pool) {
    const CoverageConv& v = c.conv;
    const std::string kind = v.groups == 1 ? "dense" : v.groups == v.in_channels ? "depthwise" : "grouped";
    const std::string key = kind + std::to_string(v.kernel_h) + "x" + std::to_string(v.kernel_w);
    if (!smallest.count(key) || c.macs < smallest[key]->macs) smallest[key] = &c;
  }
  CHECK(smallest.size() >= 30);
  MeasureOptions once;
  once.warmup_runs = 0;
  once.min_runs = 1;
  once.max_runs = 1;
  once.min_time_s = 0;
  once.attempts = 1;
  for (const auto& [key, c] : smallest) {
    INFO(c->conv.id());
    CHECK(time_network(c->conv.network(), {1, 0, true, once}).timings.network.stats_us.median > 0);
  }
}
