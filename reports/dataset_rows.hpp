// The rows of the results report's data sets, typed: the results' own rows (space/results.hpp) with the few derived
// columns a chart plots. The charts read these; each is converted to JSON once (reports/datasets_json.cpp), for the
// page and data/*.csv.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "space/names.hpp"
#include "space/results.hpp"

namespace cpx::reports {

// The colour series of the speed-accuracy and MACs-latency charts. CPUBone and what this run proposes stand
// out; every other family shares one grey (the tooltip names it), because no palette gives some thirty
// families colours a reader tells apart (tableau20 gave CPUBone and CycleMLP the same dark blue).
enum class Series { cpubone, other_family, pareto_front, capacity_matched, random_front };
struct SeriesNames {
  Series series;
  std::string_view label;  // as the legend prints it, and the zoo data set's "series" column
  std::string_view colour;
};
inline constexpr auto series_names = std::to_array<SeriesNames>({
    {Series::cpubone, "CPUBone", "#1f5fbf"},
    {Series::other_family, "other families (named in the tooltip)", "#b4b4b4"},
    {Series::pareto_front, "Pareto front of this run", "#e4572e"},
    {Series::capacity_matched, "capacity-matched to B0-B3", "#7b3fa0"},
    {Series::random_front, "random search front", "#555555"},
});
// Rows are looked up by index: the table lists the series in their order.
constexpr bool series_names_in_order() {
  for (size_t i = 0; i < series_names.size(); ++i)
    if (static_cast<size_t>(series_names[i].series) != i) return false;
  return true;
}
static_assert(series_names_in_order());
constexpr const SeriesNames& names_of(Series s) { return series_names[static_cast<size_t>(s)]; }

// Where a zoo model's plotted top-1 comes from: the zoo data set's "top1_source" column.
enum class Top1Source { published, estimated };
inline constexpr Names<Top1Source, 2> top1_source_names{
    {{Top1Source::published, "published"}, {Top1Source::estimated, "estimated"}}};

// Derived: the top-1 a chart plots (published where there is one, else the estimate inside the support), the
// B0-B3 mark, the colour series, and the latency the MACs chart plots (the source the rank correlations were
// computed on) with the MACpS it gives.
struct ZooPoint {
  results::ZooRow zoo;
  std::optional<double> top1;
  std::optional<Top1Source> top1_source;    // null without a top-1
  std::optional<std::string> cpubone_mark;  // "B0".."B3" for the CPUBone baselines
  Series series = Series::other_family;     // its colour series
  std::optional<double> latency_us;
  results::LatencySource latency_source = {};
  std::optional<double> macps;  // MACs over latency_us
};

struct ParetoPoint {
  results::ParetoRow pareto;
  std::optional<double> predicted_macps;  // derived: MACs over the predicted latency
};

// A proposal with its baseline; derived: its standing (earned or promising, unproven).
struct ProposalPoint {
  std::string baseline;
  double baseline_latency_us = 0;
  std::optional<double> baseline_published_top1, baseline_measured_latency_us;
  results::Domination standing = {};
  results::ProposalRow proposal;
};

struct MatchedPoint {
  std::string baseline;
  double baseline_latency_us = 0;
  std::optional<double> baseline_published_top1;
  results::MatchedConfiguration configuration;
};

// Derived: one point of a line of constant MACpS; label_here marks where the chart writes its label.
struct MacpsLinePoint {
  double macps = 0;
  std::string label;
  double macs = 0, latency_us = 0;
  bool label_here = false;
};

// Derived: the fused/unfused pair's time ratio at one width, and which is faster.
struct FusedRatioPoint {
  results::FusedWidth width;
  double time_ratio = 0;  // fused latency over unfused
};

// The best fused or unfused variant's MACpS at one width (kind: best_fused_label or best_unfused_label).
struct FusedBestPoint {
  int64_t channels = 0;
  std::string kind;
  results::BlockAtWidth block;
};

// Derived: the op's MACs and predicted time where the per-layer breakdown has that model, for tooltips.
struct RooflineOp {
  results::RooflinePoint point;
  std::optional<int64_t> macs;
  std::optional<double> predicted_us;
};

// The roof: min(peak, bandwidth x intensity), at the ends of the plotted intensities and at its ridge.
enum class Bound { bandwidth, ridge, compute };
inline constexpr Names<Bound, 3> bound_names{
    {{Bound::bandwidth, "bandwidth"}, {Bound::ridge, "ridge"}, {Bound::compute, "compute"}}};
struct RoofPoint {
  double intensity_macs_per_byte = 0, macps = 0;
  Bound bound = {};
};

struct LayerPoint {
  std::string model;
  results::LayerRow layer;
};

// Derived: error, actual inside the interval (null without one), MACs and achieved MACpS (from the zoo or the front).
struct PredictorAccuracyPoint {
  results::PredictorPoint point;
  double error_pct = 0;
  std::optional<bool> inside_interval;
  std::optional<double> macs, actual_macps;
};

// Derived: the +-10 % band drawn behind the predictor-accuracy points.
struct BandPoint {
  double actual_us = 0, low_us = 0, high_us = 0;
};

struct FusedSets {
  std::vector<FusedRatioPoint> ratio;  // data set fused_vs_unfused
  std::vector<FusedBestPoint> best;    // data set fused_vs_unfused_macps
};

// Every data set of the results report, in its order; an optional one exists only when the results hold its part.
struct DataSets {
  std::vector<ZooPoint> zoo;
  std::vector<ParetoPoint> pareto;  // fastest first
  std::vector<results::RandomFrontPoint> random_front;
  std::vector<ProposalPoint> proposals;
  std::vector<MatchedPoint> capacity_matched;
  std::vector<MacpsLinePoint> macps_lines;
  std::vector<results::BlockMacps> block_macps;
  FusedSets fused_vs_unfused;
  std::vector<RooflineOp> roofline;
  std::vector<RoofPoint> roofline_ceiling;
  std::vector<LayerPoint> layers;
  std::vector<PredictorAccuracyPoint> predictor_accuracy;
  std::vector<BandPoint> predictor_accuracy_band;
  // Tables rather than charts, kept as CSV for notebooks.
  std::vector<results::AccuracyPoint> accuracy_model;
  std::vector<results::DesignRule> design_rules;
  std::optional<std::vector<results::OperatorRow>> operator_table;
  std::optional<std::vector<results::ProofRow>> proof;
  std::vector<results::EmulatedOp> emulated_ops;
};

}  // namespace cpx::reports
