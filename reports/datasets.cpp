// The data sets behind the charts (reports/dataset_rows.hpp): the results' own rows, plus the few derived columns a
// chart plots, so that data/*.csv holds exactly what the page shows.
#include <algorithm>
#include <cmath>
#include <utility>

#include "reports/parts.hpp"
#include "space/zoo.hpp"

namespace cpx::reports {

namespace {

bool is_cpubone_baseline(const std::string& name) {
  return std::find(cpubone_baselines.begin(), cpubone_baselines.end(), name) != cpubone_baselines.end();
}

std::optional<double> div_or_null(const std::optional<double>& num, const std::optional<double>& den, double scale) {
  if (!num || !den || *den <= 0) return std::nullopt;
  return *num / *den * scale;
}

// The zoo row's latency from `source` (rank_correlations.latency_source: the latencies the correlations were computed
// on).
std::optional<double> zoo_latency(const results::ZooRow& z, results::LatencySource source) {
  switch (source) {
    case results::LatencySource::measured: return z.measured_latency_us;
    case results::LatencySource::published: return z.published_latency_us;
    case results::LatencySource::predicted: return z.predicted_latency_us;
  }
  return std::nullopt;
}

std::vector<ZooPoint> zoo_set(const Results& r) {
  std::vector<ZooPoint> out;
  const results::LatencySource source = r.rank_correlations.latency_source;
  for (const results::ZooRow& z : r.zoo) {
    ZooPoint p;
    p.zoo = z;
    const bool published = z.published_top1.has_value();
    p.top1 = published ? z.published_top1 : z.estimated_top1;
    if (published) p.top1_source = Top1Source::published;
    else if (z.estimated_top1) p.top1_source = Top1Source::estimated;
    if (is_cpubone_baseline(z.name)) p.cpubone_mark = "B" + z.name.substr(1);
    p.series = z.family == cpubone_family ? Series::cpubone : Series::other_family;
    p.latency_us = zoo_latency(z, source);
    p.latency_source = source;
    p.macps = div_or_null(z.macs, p.latency_us, 1e6);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<ParetoPoint> pareto_set(const Results& r) {
  std::vector<const results::ParetoRow*> front;
  for (const auto& p : r.pareto) front.push_back(&p);
  std::stable_sort(front.begin(), front.end(),
                   [](const auto* a, const auto* b) { return a->predicted_latency_us < b->predicted_latency_us; });
  std::vector<ParetoPoint> out;
  for (const results::ParetoRow* p : front) out.push_back({*p, div_or_null(p->macs, p->predicted_latency_us, 1e6)});
  return out;
}

std::vector<ProposalPoint> proposal_set(const Results& r) {
  std::vector<ProposalPoint> out;
  for (const auto& b : r.proposals)
    for (const auto& [list, standing] : {std::pair{&b.dominating, results::Domination::earned},
                                         std::pair{&b.promising_unproven, results::Domination::promising_unproven}})
      for (const results::ProposalRow& d : *list)
        out.push_back({b.baseline, b.baseline_latency_us, b.baseline_published_top1, b.baseline_measured_latency_us,
                       standing, d});
  return out;
}

std::vector<MatchedPoint> matched_set(const Results& r) {
  std::vector<MatchedPoint> out;
  for (const auto& t : r.capacity_matched)
    for (const auto& m : t.configurations)
      out.push_back({t.baseline, t.baseline_latency_us, t.baseline_published_top1, m});
  return out;
}

// Lines of constant MACpS (latency = MACs / MACpS) clipped to the box the plotted models span, one per
// decade (or half-decade when the box spans few), each from where it enters the box to where it leaves.
// Derived: a third row on each line, 40 % of the way along it (log scale), with "label_here" true: the chart
// writes the label there, below and right of the line, so it stays inside the plot (at the line's end, a top-left
// one ran over the latency axis's tick labels) and clear of the neighbouring lines' labels.
std::vector<MacpsLinePoint> macps_line_set(const std::vector<ZooPoint>& zoo) {
  std::vector<MacpsLinePoint> lines;
  double x0 = HUGE_VAL, x1 = 0, y0 = HUGE_VAL, y1 = 0;
  for (const auto& z : zoo) {
    if (!z.latency_us) continue;
    x0 = std::min(x0, z.zoo.macs / 1.5), x1 = std::max(x1, z.zoo.macs * 1.5);
    y0 = std::min(y0, *z.latency_us / 1.5), y1 = std::max(y1, *z.latency_us * 1.5);
  }
  if (x1 > 0) {
    const double lo = std::log10(x0 / y1 * 1e6), hi = std::log10(x1 / y0 * 1e6);  // MACpS at the box corners
    const double step = hi - lo > 4 ? 1.0 : 0.5;
    for (double e = std::ceil(lo / step) * step; e <= hi; e += step) {
      const double macps = std::pow(10.0, e);
      const double a = std::max(x0, y0 * macps / 1e6), b = std::min(x1, y1 * macps / 1e6);
      if (a >= b) continue;
      const std::string label = si(Json(macps), 2) + "MACpS";
      const double at = a * std::pow(b / a, 0.4);
      for (const double macs : {a, at, b}) lines.push_back({macps, label, macs, macs / macps * 1e6, macs == at});
    }
  }
  return lines;
}

std::vector<RooflineOp> roofline_set(const Results& r) {
  std::vector<RooflineOp> out;
  for (const auto& p : r.roofline.points) {
    RooflineOp row{p, std::nullopt, std::nullopt};
    if (p.model == r.layers.model)
      for (const auto& l : r.layers.ops)
        if (l.op.name == p.op) row.macs = l.op.macs, row.predicted_us = l.op.predicted_us;
    out.push_back(std::move(row));
  }
  return out;
}

// The roof itself: min(peak, bandwidth x intensity) over the plotted intensities, with its ridge point.
std::vector<RoofPoint> roof_set(const results::Roofline& roof) {
  std::vector<RoofPoint> ceiling;
  if (roof.peak_macps && roof.bandwidth_bytes_per_s && !roof.points.empty()) {
    const double peak = *roof.peak_macps, bw = *roof.bandwidth_bytes_per_s;
    double lo = HUGE_VAL, hi = 0;
    for (const auto& p : roof.points)
      lo = std::min(lo, p.intensity_macs_per_byte), hi = std::max(hi, p.intensity_macs_per_byte);
    const double ridge = peak / bw;
    lo = std::min(lo, ridge) / 2, hi = std::max(hi, ridge) * 2;
    ceiling = {{lo, bw * lo, Bound::bandwidth}, {ridge, peak, Bound::ridge}, {hi, peak, Bound::compute}};
  }
  return ceiling;
}

// The MACs of a predictor-accuracy point's model: a zoo model's, else a Pareto member's; null if neither.
std::optional<double> macs_of(const Results& r, const std::string& model) {
  for (const auto& z : r.zoo)
    if (z.name == model) return z.macs;
  for (const auto& f : r.pareto)
    if (f.id == model) return f.macs;
  return std::nullopt;
}

// Each point with its error, whether the actual lies inside its interval, and MACs; the +-10 % band behind them.
void add_predictor_accuracy_sets(const Results& r, DataSets& out) {
  if (!r.predictor_accuracy) return;
  double lo = HUGE_VAL, hi = 0;
  for (const auto& p : r.predictor_accuracy->points) {
    const double pred = p.predicted_us, actual = p.actual_us;
    const std::optional<double> macs = macs_of(r, p.model);
    const bool has_interval = p.low_us && p.high_us;
    PredictorAccuracyPoint row{p, 100 * (pred - actual) / actual, std::nullopt, macs, div_or_null(macs, actual, 1e6)};
    if (has_interval) row.inside_interval = *p.low_us <= actual && actual <= *p.high_us;
    out.predictor_accuracy.push_back(std::move(row));
    lo = std::min({lo, pred, actual}), hi = std::max({hi, pred, actual});
    if (has_interval) lo = std::min(lo, *p.low_us), hi = std::max(hi, *p.high_us);
  }
  if (hi > 0)
    for (const double x : {lo / 1.2, hi * 1.2}) out.predictor_accuracy_band.push_back({x, 0.9 * x, 1.1 * x});
}

// The channels chart's two panels: the pair's time ratio per width (where it passes 1 is the crossover), and the
// best fused against the best unfused variant's MACpS (two lines, the variant in the tooltip).
FusedSets fused_vs_unfused_sets(const results::FusedVsUnfused& f) {
  FusedSets out;
  for (const auto& w : f.widths) {
    out.ratio.push_back({w, w.fused.latency_us / w.unfused.latency_us});
    for (const auto& [block, kind] :
         {std::pair{&w.best_fused, best_fused_label}, std::pair{&w.best_unfused, best_unfused_label}})
      out.best.push_back({w.channels, kind, *block});
  }
  return out;
}

}  // namespace

void build_datasets(const Results& r, Report& report) {
  DataSets& d = report.data;
  d.zoo = zoo_set(r);
  d.pareto = pareto_set(r);
  d.random_front = r.search.random_front;
  d.proposals = proposal_set(r);
  d.capacity_matched = matched_set(r);
  d.macps_lines = macps_line_set(d.zoo);
  d.block_macps = r.block_macps;
  d.fused_vs_unfused = fused_vs_unfused_sets(r.fused_vs_unfused);
  d.roofline = roofline_set(r);
  d.roofline_ceiling = roof_set(r.roofline);
  for (const auto& l : r.layers.ops) d.layers.push_back({r.layers.model, l});
  add_predictor_accuracy_sets(r, d);
  d.accuracy_model = r.accuracy_model.points;
  d.design_rules = r.design_rules;
  if (r.operator_table) d.operator_table = *r.operator_table;
  if (r.proof) d.proof = r.proof->rows;
  d.emulated_ops = r.emulated_ops;
  report.datasets = datasets_to_json(d);
}

const Dataset& dataset(const Report& report, const std::string& name) {
  for (const auto& d : report.datasets)
    if (d.name == name) return d;
  throw std::logic_error("report: no data set " + name);
}

std::string to_csv(const Dataset& d) {
  auto field = [](const Json& v) {
    std::string s = v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump();
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out;
  for (size_t i = 0; i < d.columns.size(); ++i) out += (i ? "," : "") + field(Json(d.columns[i]));
  out += "\n";
  for (const auto& row : d.rows) {
    for (size_t i = 0; i < d.columns.size(); ++i) out += (i ? "," : "") + field(row.at(d.columns[i]));
    out += "\n";
  }
  return out;
}

}  // namespace cpx::reports
