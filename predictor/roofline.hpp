// The second kind of class model (issue 16): an operator's time is its roofline time divided by an
// efficiency in (0, 1],
//   time_us = max(macs / peak_macps, bytes / bandwidth_bytes_per_s) * 1e6 / sigmoid(theta . z),
// (with the MACs a GEMM's tiles compute, padded_macs, and a third term for weights streamed from DRAM,
// weight_stream_bytes, where the profile's probe recorded what they need)
// with the ceilings probed on the machine and z the standardised efficiency inputs (the base features,
// with intensity measured from the ridge point: see efficiency_inputs). Only the efficiency is learned, and
// a sigmoid cannot exceed 1, so far outside the profile a large compute-bound conv tends to the machine's
// peak instead of wherever a polynomial happens to go.
// The memory ceiling of a host model is the cache bandwidth (PeakProbe::cache_bandwidth_bytes_per_s), not
// DRAM's: inside a network an op mostly reads what its producer left in the caches, and with DRAM's many
// depthwise convs timed inside blocks ran faster than the ceiling allows, which no efficiency <= 1 can
// fit. Ops that spill to DRAM get a lower efficiency from their byte count instead
// (docs/log/predictor.md, moved from code comments).
#pragma once

#include <map>
#include <vector>

#include "predictor/boost.hpp"
#include "predictor/features.hpp"

namespace cpx::predictor {

struct Ceilings {
  double peak_macps = 0;
  double bandwidth_bytes_per_s = 0;  // the memory ceiling: DRAM's for a device, the caches' in a host class model
  // XNNPACK's f32 GEMM tile on the machine: `mr` output rows x `nr` output channels. A GEMM computes whole
  // tiles, so a conv with 24 output channels per group does the work of 32 on 16-column tiles
  // (padded_macs). 0: not modelled (a class without GEMMs, a device, models fitted before it).
  int64_t gemm_tile_rows = 0;
  int64_t gemm_tile_cols = 0;
  // The executor's AVX-512 igemm runs the shapes that base feature [11] flags: neither padded as XNNPACK's
  // tiles are, nor streaming (it walks all row tiles of a block of weights before the next block, so it
  // reads its weights from DRAM once).
  bool igemm = false;
  // The igemm computes whole vectors of output channels per group (the last one masked): 16 floats with
  // AVX-512, 8 with AVX2, so a conv with 12 channels per group does the work of 16 there. 0: its shapes
  // unpadded, as the models fitted before it were.
  int64_t igemm_cols = 0;
  // A third ceiling, for GEMMs whose weights stream from DRAM (weight_stream_bytes). Zero: not modelled
  // (a device's ceilings, a machine whose caches cpuinfo cannot read, models fitted before it: they load
  // and predict as they were fitted).
  double dram_bytes_per_s = 0;
  double last_level_cache_bytes = 0;
};

// Bytes a conv or linear op reads again from DRAM because its weights spill: when one group's weights do
// not fit in the last-level cache, XNNPACK's GEMM reads them all again for every further tile of
// gemm_tile_rows output rows (its loop over a tile runs through all of K for the tile's columns), and they
// miss the cache on every pass. The first read is every op's (the byte term, and the efficiency: whether
// it hits depends on what ran before), so a one-row op (a classifier head) streams nothing extra. Zero
// when the weights fit, for the executor's igemm, or when `c` does not model it.
// Convs whose weights spill run at a lower, constant cost per MAC whatever their pixels, as traffic of
// weights x row tiles gives, and without this ceiling a fit mispredicted them in validate's OOD networks
// (docs/log/predictor.md, moved from code comments).
double weight_stream_bytes(const std::array<double, base_feature_count>& base, const Ceilings& c);

// The MACs a conv or linear op's GEMM tiles compute: its MACs x (output channels per group rounded up to
// gemm_tile_cols) / (output channels per group), and, with gemm_tile_rows, x (output rows rounded up to it) /
// (output rows) when there is more than one row (XNNPACK runs a one-row GEMM on one-row tiles). Its MACs
// when `c` does not model tiles, and for the executor's igemm (c.igemm, feature [11]), which tiles otherwise.
double padded_macs(const std::array<double, base_feature_count>& base, const Ceilings& c);

// Roofline time of an op from its base features: work is features [0] (log MACs, or log bytes for a
// MAC-free op) and bytes [1]; with weight streaming modelled, also weight_stream_bytes at DRAM's read
// bandwidth. A MAC-free op has base[0] == base[1] and log intensity 0, and its compute term is 0 so that
// bandwidth binds.
double roofline_us(const std::array<double, base_feature_count>& base, const Ceilings& c);
// Ceilings per thread count: the nearest probed count at or below `threads`, else the smallest (as
// network_scale does); `by_threads` must not be empty.
const Ceilings& ceilings_at(const std::map<int64_t, Ceilings>& by_threads, int64_t threads);
// The roofline time at the op's own thread count (base feature [7]).
double roofline_us(const std::array<double, base_feature_count>& base, const std::map<int64_t, Ceilings>& by_threads);
// A thread count written as a JSON key ("2"), in [1, 256]; `w` names the key in the error.
int64_t thread_key(const std::string& key, const Where& w);
// {"<threads>": {"peak_macps", "bandwidth_bytes_per_s"}}; reading names `w` and the field in any error.
Json ceilings_to_json(const std::map<int64_t, Ceilings>& by_threads);
std::map<int64_t, Ceilings> ceilings_from_json(const Json& j, const Where& w);

// Residual trees on top of the efficiency may correct log time by at most this much either way, so that
// they can bend the fit where the sigmoid is too smooth but never undo the bound; and the total never
// falls below the roofline time.
inline const double roofline_residual_bound_log = std::log(1.5);

// What the efficiency is a function of: the base features, except that log intensity becomes
// max(0, log(intensity / ridge)) with ridge = peak_macps / bandwidth_bytes_per_s of `c`. Above the ridge an op
// is compute bound and more reuse per byte raises its efficiency towards the peak; below it the op streams
// its bytes, and how few MACs it does per byte no longer matters to how close it gets to the bandwidth.
// Without the hinge a fit extrapolated the trend of near-ridge pointwise convs (slow output writes) to
// matrix-vector convs far below the ridge: a squeeze-excitation 960->240 conv on 1x1 pixels was predicted
// at 341 us (efficiency 0.04) and measured at 20 us in MobileNetV3 at 2 threads.
std::array<double, base_feature_count> efficiency_inputs(const std::array<double, base_feature_count>& base,
                                                         const Ceilings& c);

struct RooflineModel {
  // s = theta[0] + sum_k theta[1 + k] * (x[k] - mean[k]) / scale[k] with x = efficiency_inputs(base); a
  // feature with scale 0 (constant in the training data) is left out.
  std::array<double, 1 + base_feature_count> theta{};
  std::array<double, base_feature_count> mean{}, scale{};  // of efficiency_inputs over the training samples
  // Base features whose theta is constrained >= 0: the efficiency cannot fall as they grow.
  std::vector<size_t> monotone;
  std::map<int64_t, Ceilings> ceilings;  // per thread count, as probed by the profile
  Boost residual_trees;                  // bounded by roofline_residual_bound_log; empty = none

  double efficiency(const std::array<double, base_feature_count>& base) const;  // in (0, 1]
  double predict_us(const std::array<double, base_feature_count>& base) const;  // before any class scale
  const Ceilings& ceilings_at(int64_t threads) const;
};

// Base features that grow with input channels per group, output channels per group and output pixels of a
// dense, grouped or pointwise conv at fixed kernel, stride and threads: log work, log bytes, both channel
// counts, output pixels, log weight bytes and log intensity (MACs grow linearly, bytes at most linearly).
// Constraining all their coefficients >= 0 makes the efficiency provably non-decreasing in the three.
std::vector<size_t> monotone_features(OpClass c);

struct RooflineSample {
  std::array<double, base_feature_count> base;
  double latency_us;
};
// Levenberg-Marquardt on log latency with a ridge (ridge * n) on the standardised theta (not the bias),
// projected onto theta_k >= 0 for the monotone features (active set: a bound feature whose gradient pushes
// it below 0 stays at 0 for the step).
RooflineModel fit_roofline(const std::vector<RooflineSample>& samples, const std::map<int64_t, Ceilings>& ceilings,
                           const std::vector<size_t>& monotone, double ridge);

Json to_json(const RooflineModel& m);
// `w` names the class model; a model without its ceilings is an InputError naming the field.
RooflineModel roofline_from_json(const Json& j, const Where& w);

}  // namespace cpx::predictor
