// The coverage set: Latin-hypercube draws decoded to convolutions, capped, in farthest-point order; and
// the neighbour-based uncertainty score of the adaptive round.
//
// Why model-free: the profiler may not include the predictor, and a committee of fitted predictors run
// from the CLI would refit the whole predictor after every measurement. nn-Meter samples more where its
// predictor errs; the spread of MACpS among a candidate's nearest measured neighbours is the error a local
// model makes there, and the distance to them is how far it would extrapolate, so the score needs
// nothing but the measurements and is cheap enough to recompute after each one.
#include "profiler/profile/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "space/blocks.hpp"

namespace cpx::profiler {

namespace {

constexpr int64_t max_coverage_channels = 4096;
constexpr double max_ratio = 6;
constexpr int64_t min_resolution = 7, max_resolution = 224;
// This share of the resolution axis draws a 1x1 conv on 1x1 pixels instead: the convs after a global pool
// (squeeze-excitation, head convs), matrix-vector products far below the ridge point that no other draw
// resembles. Without them a squeeze-excitation conv's intensity lay far below anything a profile drew
// (issue 16; docs/log/predictor.md, moved from code comments).
constexpr double pooled_share = 0.1;
constexpr std::array<std::array<int64_t, 2>, 13> kernel_shapes{
    {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}, {1, 3}, {3, 1}, {1, 5}, {5, 1}, {1, 7}, {7, 1}}};
// Shares of the groups axis: dense below 0.4, grouped up to 0.7, depthwise above.
constexpr double dense_share = 0.4, grouped_end = 0.7;
// This share of the in-channels axis draws a stem instead: a dense conv on the 3 channels of an image, at
// an input resolution, strided 2 (odd kernels) or patchifying (even kernels, stride = kernel). Three input
// channels pack into the GEMM unlike any draw from 8 channels up; without stems every network's first
// conv lay outside the coverage set (an out-of-distribution analysis, issue 16).
constexpr double stem_share = 0.06;
constexpr int64_t min_stem_resolution = 56;
constexpr std::array<int64_t, 5> stem_kernels{2, 3, 4, 5, 7};

// The engine's output is fixed by the standard; std's distributions and std::shuffle are not, and the
// pool must be the same for a seed wherever the profile is resumed.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A draw's axes: groups (dense, grouped, depthwise), kernel shape, in channels, out/in ratio, resolution,
// stride, activation, threads.
constexpr size_t draw_axes = 8;
using Draw = std::array<double, draw_axes>;

// `count` points in [0, 1)^draw_axes, one per stratum of every axis.
std::vector<Draw> latin_hypercube(size_t count, std::mt19937_64& rng) {
  std::vector<Draw> points(count);
  std::vector<size_t> strata(count);
  for (size_t d = 0; d < draw_axes; ++d) {
    for (size_t i = 0; i < count; ++i) strata[i] = i;
    for (size_t i = count; i > 1; --i) std::swap(strata[i - 1], strata[rng() % i]);
    for (size_t i = 0; i < count; ++i)
      points[i][d] = (static_cast<double>(strata[i]) + uniform01(rng)) / static_cast<double>(count);
  }
  return points;
}

int64_t round_to_multiple(double v, int64_t m) {
  return std::max<int64_t>(m, m * std::llround(v / static_cast<double>(m)));
}
double log_between(double u, double lo, double hi) {
  return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
}
size_t pick(double u, size_t n) { return std::min(n - 1, static_cast<size_t>(u * static_cast<double>(n))); }

CoverageConv decode_stem(const Draw& u, const std::vector<int64_t>& threads) {
  CoverageConv c;
  c.in_channels = 3;
  c.out_channels = round_to_multiple(log_between(u[3], 8, 128), 8);
  c.kernel_h = c.kernel_w = stem_kernels[pick(u[1], stem_kernels.size())];
  c.stride = c.kernel_h % 2 == 1 ? 2 : c.kernel_h;
  c.resolution = std::llround(log_between(u[4], min_stem_resolution, max_resolution));
  c.activation = op_activations()[pick(u[6], op_activations().size())];
  c.threads = threads[pick(u[7], threads.size())];
  return c;
}

CoverageConv decode(const Draw& u, const std::vector<int64_t>& threads) {
  if (u[2] < stem_share) return decode_stem(u, threads);
  CoverageConv c;
  const double in_raw = log_between(u[2], 8, max_coverage_channels);
  if (u[0] < dense_share) {
    c.groups = 1;
  } else if (u[0] < grouped_end) {
    const int64_t max_log2 = std::max<int64_t>(1, static_cast<int64_t>(std::floor(std::log2(in_raw))) - 1);
    c.groups =
        int64_t{1} << (1 + pick((u[0] - dense_share) / (grouped_end - dense_share), static_cast<size_t>(max_log2)));
  }
  const int64_t multiple = std::max<int64_t>(8, c.groups);
  c.in_channels = std::min(max_coverage_channels, round_to_multiple(in_raw, multiple));
  if (u[0] >= grouped_end) {
    c.groups = c.out_channels = c.in_channels;
  } else {
    const double out_raw =
        std::clamp(in_raw * log_between(u[3], 1 / max_ratio, max_ratio), 8.0, double(max_coverage_channels));
    c.out_channels = std::min(max_coverage_channels, round_to_multiple(out_raw, multiple));
  }
  const auto& k = kernel_shapes[pick(u[1], kernel_shapes.size())];
  c.kernel_h = k[0];
  c.kernel_w = k[1];
  c.stride = u[5] < 0.5 ? 1 : 2;
  if (u[4] < pooled_share) {
    c.resolution = 1;
    c.kernel_h = c.kernel_w = c.stride = 1;
  } else {
    c.resolution =
        std::llround(log_between((u[4] - pooled_share) / (1 - pooled_share), min_resolution, max_resolution));
  }
  c.activation = op_activations()[pick(u[6], op_activations().size())];
  c.threads = threads[pick(u[7], threads.size())];
  return c;
}

double activation_tier(Activation a) {
  if (transcendental(a)) return 1;
  return a == Activation::none || a == Activation::relu || a == Activation::relu6 ? 0 : 0.5;  // a clamp: none
}

CoveragePosition position_of(const CoverageConv& c, int64_t max_threads) {
  const double log_c = std::log(double(max_coverage_channels)), log_k = std::log(7.0);
  auto ln = [](int64_t v) { return std::log(static_cast<double>(v)); };
  return {ln(c.in_channels / c.groups) / log_c,
          ln(c.out_channels / c.groups) / log_c,
          ln(c.groups) / log_c,
          ln(c.kernel_h) / log_k,
          ln(c.kernel_w) / log_k,
          std::log(double(c.resolution)) / std::log(double(max_resolution)),
          c.stride > 1 ? 1.0 : 0.0,
          activation_tier(c.activation),
          max_threads > 1 ? ln(c.threads) / ln(max_threads) : 0.0};
}

double distance(const CoveragePosition& a, const CoveragePosition& b) {
  double s = 0;
  for (size_t d = 0; d < coverage_dims; ++d) s += (a[d] - b[d]) * (a[d] - b[d]);
  return std::sqrt(s);
}

// Farthest-point order: each next candidate the one farthest from all before it (ties: the earlier draw).
void farthest_point_order(std::vector<CoverageCandidate>& pool) {
  std::vector<double> nearest(pool.size(), INFINITY);
  for (size_t i = 0; i < pool.size(); ++i) {
    size_t best = i;
    for (size_t j = i + 1; j < pool.size(); ++j)
      if (nearest[j] > nearest[best]) best = j;
    std::swap(pool[i], pool[best]);
    std::swap(nearest[i], nearest[best]);
    pool[i].spread_distance = i == 0 ? 0.0 : nearest[i];
    for (size_t j = i + 1; j < pool.size(); ++j)
      nearest[j] = std::min(nearest[j], distance(pool[i].position, pool[j].position));
  }
}

double stdev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0, s = 0;
  for (double x : v) mean += x / static_cast<double>(v.size());
  for (double x : v) s += (x - mean) * (x - mean);
  return std::sqrt(s / static_cast<double>(v.size()));
}

}  // namespace

std::string CoverageConv::id() const {
  return "coverage_conv_k" + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) + "_g" + std::to_string(groups) +
         "_i" + std::to_string(in_channels) + "_o" + std::to_string(out_channels) + "_r" + std::to_string(resolution) +
         "_s" + std::to_string(stride) + "_" + std::string(to_string(activation)) + "_t" + std::to_string(threads);
}

Conv2d CoverageConv::attrs() const {
  Conv2d c;
  c.out_channels = out_channels;
  c.kernel = {kernel_h, kernel_w};
  c.stride = {stride, stride};
  const Padding rows = same_padding(kernel_h, stride), cols = same_padding(kernel_w, stride);
  c.padding = {rows.top, rows.bottom, cols.left, cols.right};
  c.groups = groups;
  c.bias = true;
  c.activation = activation;
  return c;
}

Network CoverageConv::network() const {
  NetworkBuilder b(id(), "sweep", {1, resolution, resolution, in_channels}, Where("sweep", id()));
  const std::string out = b.add("conv", {std::string(input_tensor)}, attrs());
  return std::move(b).finish(out);
}

std::vector<CoverageCandidate> coverage_pool(bool quick, const std::vector<int64_t>& threads, uint64_t seed) {
  if (threads.empty()) throw std::logic_error("coverage_pool: no thread counts");
  std::mt19937_64 rng(seed ^ 0xc0fe'1a6e'5eed'0016ULL);  // not the grid's shuffle stream for the same seed
  const double max_macs = quick ? coverage_max_macs_quick : coverage_max_macs;
  const int64_t max_threads = *std::max_element(threads.begin(), threads.end());
  std::vector<CoverageCandidate> pool;
  std::set<std::string> ids;
  for (const auto& u : latin_hypercube(quick ? 300 : 4000, rng)) {
    const CoverageConv c = decode(u, threads);
    const Conv2d attrs = c.attrs();
    const ShapeNhwc in[] = {{1, c.resolution, c.resolution, c.in_channels}};
    const Where where("coverage", c.id());
    const ShapeNhwc out = attrs.infer(in, where);
    const Cost cost = attrs.cost(in, out, where);
    const double bytes = 4.0 * static_cast<double>(cost.params_inference + in[0].elements() + out.elements());
    const double macs = static_cast<double>(cost.macs);
    const double per_group = static_cast<double>((c.in_channels / c.groups) * (c.out_channels / c.groups));
    if (macs < coverage_min_macs || macs > max_macs * std::min(1.0, per_group / coverage_full_cap_per_group) ||
        bytes > coverage_max_bytes || !ids.insert(c.id()).second)
      continue;
    pool.push_back({c, position_of(c, max_threads), cost.macs, bytes, 0});
  }
  farthest_point_order(pool);
  return pool;
}

std::vector<double> uncertainty_scores(const std::vector<CoveragePosition>& candidates,
                                       const std::vector<CoveragePosition>& measured,
                                       const std::vector<double>& measured_log_macps, size_t k) {
  if (measured.size() != measured_log_macps.size())
    throw std::logic_error("uncertainty_scores: positions and MACpS differ in count");
  std::vector<double> scores(candidates.size(), 0.0);
  if (measured.empty()) return scores;
  // The scales that make the two terms comparable: the typical spacing of the measured points and the
  // spread of their MACpS. A degenerate scale (one point, all equal) leaves its term unscaled.
  std::vector<double> spacing;
  for (size_t i = 0; i < measured.size(); ++i) {
    double nearest = INFINITY;
    for (size_t j = 0; j < measured.size(); ++j)
      if (j != i) nearest = std::min(nearest, distance(measured[i], measured[j]));
    if (std::isfinite(nearest)) spacing.push_back(nearest);
  }
  std::sort(spacing.begin(), spacing.end());
  const double h = spacing.empty() || spacing[spacing.size() / 2] <= 0 ? 1.0 : spacing[spacing.size() / 2];
  const double all_spread = stdev(measured_log_macps) > 0 ? stdev(measured_log_macps) : 1.0;
  const size_t neighbours = std::min(std::max<size_t>(1, k), measured.size());
  std::vector<std::pair<double, size_t>> by_distance(measured.size());
  std::vector<double> near_log_macps(neighbours);
  for (size_t c = 0; c < candidates.size(); ++c) {
    for (size_t j = 0; j < measured.size(); ++j) by_distance[j] = {distance(candidates[c], measured[j]), j};
    std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(neighbours),
                      by_distance.end());
    for (size_t n = 0; n < neighbours; ++n) near_log_macps[n] = measured_log_macps[by_distance[n].second];
    scores[c] = by_distance[0].first / h + stdev(near_log_macps) / all_spread;
  }
  return scores;
}

}  // namespace cpx::profiler
