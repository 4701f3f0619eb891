// The data sets behind the charts: the results' own fields, plus the few derived columns a chart plots
// (marked below), so that data/*.csv holds exactly what the page shows.
#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "reports/parts.hpp"

namespace cpx::reports {

namespace {

Dataset make(std::string name, std::vector<std::string> columns) {
  Dataset d;
  d.name = std::move(name);
  d.columns = std::move(columns);
  return d;
}

bool is_cpubone_baseline(const std::string& name) {
  return name == "b0" || name == "b1" || name == "b2" || name == "b3";
}

Json div_or_null(const Json& num, const Json& den, double scale) {
  if (num.is_null() || den.is_null() || den.get<double>() <= 0) return nullptr;
  return num.get<double>() / den.get<double>() * scale;
}

// The zoo row's latency from `source` (rank_correlations.latency_source: the latencies the correlations were computed on).
Json zoo_latency(const results::ZooRow& z, results::LatencySource source) {
  switch (source) {
    case results::LatencySource::measured: return value_or_null(z.measured_latency_us);
    case results::LatencySource::published: return value_or_null(z.published_latency_us);
    case results::LatencySource::predicted: return value_or_null(z.predicted_latency_us);
  }
  return nullptr;
}

// Zoo: derived top1 (published where there is one, else the accuracy model's estimate inside its
// support), the B0-B3 label, the colour series (CPUBone or one of the greyed families), and the latency the MACs chart plots (the source the rank correlations
// were computed on).
Dataset zoo_dataset(const Results& r) {
  const results::LatencySource source = r.rank_correlations.latency_source;
  Dataset zoo = make("zoo", {"name", "family", "resolution", "params", "macs", "published_top1", "estimated_top1", "estimated_top1_low",
                             "estimated_top1_high", "support_distance", "inside_support", "predicted_latency_us", "published_latency_us",
                             "measured_latency_us", "predicted_macps"});
  for (auto c : {"top1", "top1_source", "cpubone_mark", "series", "latency_us", "latency_source", "macps"}) zoo.columns.push_back(c);
  for (const results::ZooRow& z : r.zoo) {
    const bool published = z.published_top1.has_value();
    const Json top1_source = published ? Json("published") : z.estimated_top1 ? Json("estimated") : Json(nullptr);
    const Json latency_us = zoo_latency(z, source);
    const Series series = z.family == cpubone_family ? Series::cpubone : Series::other_family;
    zoo.rows.push_back({{"name", z.name}, {"family", z.family}, {"resolution", z.resolution}, {"params", z.params}, {"macs", z.macs},
                        {"published_top1", value_or_null(z.published_top1)}, {"estimated_top1", value_or_null(z.estimated_top1)},
                        {"estimated_top1_low", value_or_null(z.estimated_top1_low)},
                        {"estimated_top1_high", value_or_null(z.estimated_top1_high)},
                        {"support_distance", value_or_null(z.support_distance)}, {"inside_support", value_or_null(z.inside_support)},
                        {"predicted_latency_us", value_or_null(z.predicted_latency_us)},
                        {"published_latency_us", value_or_null(z.published_latency_us)},
                        {"measured_latency_us", value_or_null(z.measured_latency_us)}, {"predicted_macps", value_or_null(z.predicted_macps)},
                        {"top1", value_or_null(published ? z.published_top1 : z.estimated_top1)}, {"top1_source", top1_source},
                        {"cpubone_mark", is_cpubone_baseline(z.name) ? Json("B" + z.name.substr(1)) : Json(nullptr)},
                        {"series", std::string(names_of(series).label)}, {"latency_us", latency_us},
                        {"latency_source", named(results::latency_source_names, source)},
                        {"macps", div_or_null(Json(z.macs), latency_us, 1e6)}});
  }
  return zoo;
}

Dataset pareto_dataset(const Results& r) {
  Dataset pareto = make("pareto", {"id", "summary", "params", "macs", "predicted_latency_us", "estimated_top1", "estimated_top1_low",
                                   "estimated_top1_high", "support_distance", "measured_latency_us", "uncalibrated_share",
                                   "uncalibrated_kinds", "file", "predicted_macps"});
  std::vector<const results::ParetoRow*> front;
  for (const auto& p : r.pareto) front.push_back(&p);
  std::stable_sort(front.begin(), front.end(), [](const auto* a, const auto* b) { return a->predicted_latency_us < b->predicted_latency_us; });
  for (const results::ParetoRow* p : front)
    pareto.rows.push_back({{"id", p->id}, {"summary", p->summary}, {"params", p->params}, {"macs", p->macs},
                           {"predicted_latency_us", p->predicted_latency_us}, {"estimated_top1", value_or_null(p->estimated_top1)},
                           {"estimated_top1_low", value_or_null(p->estimated_top1_low)},
                           {"estimated_top1_high", value_or_null(p->estimated_top1_high)},
                           {"support_distance", value_or_null(p->support_distance)},
                           {"measured_latency_us", value_or_null(p->measured_latency_us)},
                           {"uncalibrated_share", value_or_null(p->uncalibrated_share)},
                           {"uncalibrated_kinds", value_or_null(p->uncalibrated_kinds)}, {"file", p->file},
                           {"predicted_macps", div_or_null(Json(p->macs), Json(p->predicted_latency_us), 1e6)}});
  return pareto;
}

Dataset random_front_dataset(const Results& r) {
  Dataset random = make("random_front", {"latency_us", "top1"});
  for (const auto& p : r.search.random_front) random.rows.push_back({{"latency_us", p.latency_us}, {"top1", value_or_null(p.top1)}});
  return random;
}

// Derived: "standing" says whether the proposal earned domination or is promising, unproven.
Dataset proposals_dataset(const Results& r) {
  Dataset proposals = make("proposals", {"baseline", "baseline_latency_us", "baseline_published_top1",
                                         "baseline_measured_latency_us", "standing", "id", "latency_us", "top1", "top1_low",
                                         "top1_high", "support_distance", "delta_latency_pct", "delta_top1_pp",
                                         "delta_top1_low_pp", "measured_latency_us"});
  for (const auto& b : r.proposals)
    for (const auto& [list, standing] : {std::pair{&b.dominating, "earned"}, std::pair{&b.promising_unproven, "promising_unproven"}})
      for (const results::ProposalRow& d : *list)
        proposals.rows.push_back({{"baseline", b.baseline}, {"baseline_latency_us", b.baseline_latency_us},
                                  {"baseline_published_top1", value_or_null(b.baseline_published_top1)},
                                  {"baseline_measured_latency_us", value_or_null(b.baseline_measured_latency_us)},
                                  {"standing", standing}, {"id", d.id}, {"latency_us", d.latency_us}, {"top1", d.top1},
                                  {"top1_low", d.top1_low}, {"top1_high", d.top1_high}, {"support_distance", d.support_distance},
                                  {"delta_latency_pct", d.delta_latency_pct}, {"delta_top1_pp", d.delta_top1_pp},
                                  {"delta_top1_low_pp", d.delta_top1_low_pp}, {"measured_latency_us", value_or_null(d.measured_latency_us)}});
  return proposals;
}

Dataset capacity_matched_dataset(const Results& r) {
  Dataset matched = make("capacity_matched", {"baseline", "baseline_latency_us", "baseline_published_top1", "id", "summary", "params",
                                              "macs", "params_ratio", "macs_ratio", "predicted_latency_us", "speedup", "top1",
                                              "top1_low", "top1_high", "support_distance", "domination", "measured_latency_us", "file"});
  for (const auto& t : r.capacity_matched)
    for (const auto& m : t.configurations)
      matched.rows.push_back({{"baseline", t.baseline}, {"baseline_latency_us", t.baseline_latency_us},
                              {"baseline_published_top1", value_or_null(t.baseline_published_top1)}, {"id", m.id}, {"summary", m.summary},
                              {"params", m.params}, {"macs", m.macs}, {"params_ratio", m.params_ratio}, {"macs_ratio", m.macs_ratio},
                              {"predicted_latency_us", m.predicted_latency_us}, {"speedup", m.speedup}, {"top1", value_or_null(m.top1)},
                              {"top1_low", value_or_null(m.top1_low)}, {"top1_high", value_or_null(m.top1_high)},
                              {"support_distance", value_or_null(m.support_distance)}, {"domination", named(results::domination_names, m.domination)},
                              {"measured_latency_us", value_or_null(m.measured_latency_us)}, {"file", m.file}});
  return matched;
}

// Lines of constant MACpS (latency = MACs / MACpS) clipped to the box the plotted models span, one per
// decade (or half-decade when the box spans few), each from where it enters the box to where it leaves.
// Derived: a third row on each line, 40 % of the way along it (log scale), with "label_here" true: the chart
// writes the label there, below and right of the line, so it stays inside the plot (at the line's end, a top-left
// one ran over the latency axis's tick labels) and clear of the neighbouring lines' labels.
Dataset macps_lines_dataset(const Dataset& zoo) {
  Dataset lines = make("macps_lines", {"macps", "label", "macs", "latency_us", "label_here"});
  double x0 = HUGE_VAL, x1 = 0, y0 = HUGE_VAL, y1 = 0;
  for (const auto& z : zoo.rows) {
    if (z["latency_us"].is_null()) continue;
    x0 = std::min(x0, z["macs"].get<double>() / 1.5), x1 = std::max(x1, z["macs"].get<double>() * 1.5);
    y0 = std::min(y0, z["latency_us"].get<double>() / 1.5), y1 = std::max(y1, z["latency_us"].get<double>() * 1.5);
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
      for (const double macs : {a, at, b})
        lines.rows.push_back({{"macps", macps}, {"label", label}, {"macs", macs}, {"latency_us", macs / macps * 1e6}, {"label_here", macs == at}});
    }
  }
  return lines;
}

// Derived: the op's MACs and predicted time where the per-layer breakdown has that model, for tooltips.
Dataset roofline_dataset(const Results& r) {
  Dataset roofline = make("roofline", {"model", "op", "op_class", "intensity_macs_per_byte", "macps", "source", "macs", "predicted_us"});
  for (const auto& p : r.roofline.points) {
    Json row = {{"model", p.model}, {"op", p.op}, {"op_class", p.op_class}, {"intensity_macs_per_byte", p.intensity_macs_per_byte},
                {"macps", p.macps}, {"source", named(results::time_source_names, p.source)}, {"macs", nullptr}, {"predicted_us", nullptr}};
    if (p.model == r.layers.model)
      for (const auto& l : r.layers.ops)
        if (l.op.name == p.op) row["macs"] = l.op.macs, row["predicted_us"] = value_or_null(l.op.predicted_us);
    roofline.rows.push_back(std::move(row));
  }
  return roofline;
}

// The roof itself: min(peak, bandwidth x intensity) over the plotted intensities, with its ridge point.
Dataset roofline_ceiling_dataset(const results::Roofline& roof) {
  Dataset ceiling = make("roofline_ceiling", {"intensity_macs_per_byte", "macps", "bound"});
  if (roof.peak_macps && roof.bandwidth_bytes_per_s && !roof.points.empty()) {
    const double peak = *roof.peak_macps, bw = *roof.bandwidth_bytes_per_s;
    double lo = HUGE_VAL, hi = 0;
    for (const auto& p : roof.points) lo = std::min(lo, p.intensity_macs_per_byte), hi = std::max(hi, p.intensity_macs_per_byte);
    const double ridge = peak / bw;
    lo = std::min(lo, ridge) / 2, hi = std::max(hi, ridge) * 2;
    ceiling.rows.push_back({{"intensity_macs_per_byte", lo}, {"macps", bw * lo}, {"bound", "bandwidth"}});
    ceiling.rows.push_back({{"intensity_macs_per_byte", ridge}, {"macps", peak}, {"bound", "ridge"}});
    ceiling.rows.push_back({{"intensity_macs_per_byte", hi}, {"macps", peak}, {"bound", "compute"}});
  }
  return ceiling;
}

Dataset layers_dataset(const results::Layers& layers) {
  Dataset d = make("layers", {"model", "name", "stage", "op_class", "macs", "predicted_us", "measured_us"});
  for (const auto& l : layers.ops)
    d.rows.push_back({{"model", layers.model}, {"name", l.op.name}, {"stage", l.stage}, {"op_class", l.op.op_class}, {"macs", l.op.macs},
                      {"predicted_us", value_or_null(l.op.predicted_us)}, {"measured_us", value_or_null(l.op.measured_us)}});
  return d;
}

// The MACs of a predictor-accuracy point's model: a zoo model's, else a Pareto member's; null if neither.
Json macs_of(const Results& r, const std::string& model) {
  for (const auto& z : r.zoo)
    if (z.name == model) return z.macs;
  for (const auto& f : r.pareto)
    if (f.id == model) return f.macs;
  return nullptr;
}

// Derived: error, whether the actual lies inside the point's interval (null without one), and MACs and
// achieved MACpS from the zoo or the Pareto front, for tooltips; the +-10 % band drawn behind the points.
void add_predictor_accuracy_datasets(const Results& r, std::vector<Dataset>& out) {
  Dataset accuracy = make("predictor_accuracy", {"model", "family", "predicted_us", "actual_us", "low_us", "high_us", "error_pct",
                                                 "inside_interval", "macs", "actual_macps"});
  Dataset band = make("predictor_accuracy_band", {"actual_us", "low_us", "high_us"});
  if (r.predictor_accuracy) {
    double lo = HUGE_VAL, hi = 0;
    for (const auto& p : r.predictor_accuracy->points) {
      const double pred = p.predicted_us, actual = p.actual_us;
      const Json macs = macs_of(r, p.model);
      const bool has_interval = p.low_us && p.high_us;
      accuracy.rows.push_back({{"model", p.model}, {"family", p.family}, {"predicted_us", pred}, {"actual_us", actual},
                               {"low_us", value_or_null(p.low_us)}, {"high_us", value_or_null(p.high_us)},
                               {"error_pct", 100 * (pred - actual) / actual},
                               {"inside_interval", has_interval ? Json(*p.low_us <= actual && actual <= *p.high_us) : Json(nullptr)},
                               {"macs", macs}, {"actual_macps", div_or_null(macs, Json(actual), 1e6)}});
      lo = std::min({lo, pred, actual}), hi = std::max({hi, pred, actual});
      if (has_interval) lo = std::min(lo, *p.low_us), hi = std::max(hi, *p.high_us);
    }
    if (hi > 0)
      for (const double x : {lo / 1.2, hi * 1.2}) band.rows.push_back({{"actual_us", x}, {"low_us", 0.9 * x}, {"high_us", 1.1 * x}});
  }
  out.push_back(std::move(accuracy));
  out.push_back(std::move(band));
}

// The rest are tables rather than charts, kept as CSV for notebooks.
void add_table_datasets(const Results& r, std::vector<Dataset>& out) {
  Dataset fit = make("accuracy_model", {"model", "family", "published_top1", "fitted_top1", "loo_top1"});
  for (const auto& p : r.accuracy_model.points)
    fit.rows.push_back({{"model", p.model}, {"family", p.family}, {"published_top1", p.published_top1},
                        {"fitted_top1", value_or_null(p.fitted_top1)}, {"loo_top1", value_or_null(p.loo_top1)}});
  out.push_back(std::move(fit));
  Dataset rules = make("design_rules", {"id", "statement", "value", "unit", "source", "paper_claim", "agrees_with_paper", "proposals_follow"});
  for (const auto& d : r.design_rules)
    rules.rows.push_back({{"id", d.id}, {"statement", d.statement},
                          {"value", d.value.is_structured() ? Json(d.value.dump()) : d.value},  // CSV cells are scalars
                          {"unit", value_or_null(d.unit)}, {"source", named(results::rule_source_names, d.source)}, {"paper_claim", value_or_null(d.paper_claim)},
                          {"agrees_with_paper", value_or_null(d.agrees_with_paper)}, {"proposals_follow", value_or_null(d.proposals_follow)}});
  out.push_back(std::move(rules));
  if (r.operator_table) {
    Dataset ops = make("operator_table", {"operator", "macs", "latency_us", "macps"});
    for (const auto& o : *r.operator_table)
      ops.rows.push_back({{"operator", o.operator_name}, {"macs", o.macs}, {"latency_us", o.latency_us}, {"macps", o.macps}});
    out.push_back(std::move(ops));
  }
  if (r.proof) {
    Dataset proof = make("proof", {"name", "predicted_us", "measured_us", "cv", "predicted_rank", "measured_rank"});
    for (const auto& p : r.proof->rows)
      proof.rows.push_back({{"name", p.name}, {"predicted_us", p.predicted_us}, {"measured_us", p.measured_us}, {"cv", p.cv},
                            {"predicted_rank", p.predicted_rank}, {"measured_rank", p.measured_rank}});
    out.push_back(std::move(proof));
  }
  Dataset emulated = make("emulated_ops", {"op", "how"});
  for (const auto& e : r.emulated_ops) emulated.rows.push_back({{"op", e.op}, {"how", e.how}});
  out.push_back(std::move(emulated));
}

Dataset block_macps_dataset(const Results& r) {
  Dataset d = make("block_macps", {"variant", "channels", "resolution", "macps"});
  for (const auto& b : r.block_macps)
    d.rows.push_back({{"variant", b.variant}, {"channels", b.channels}, {"resolution", b.resolution}, {"macps", b.macps}});
  return d;
}

// The channels chart's two panels: the pair's time ratio per width (where it passes 1 is the crossover), and the
// best fused against the best unfused variant's MACpS (two lines, the variant in the tooltip).
void add_fused_vs_unfused_datasets(const results::FusedVsUnfused& f, std::vector<Dataset>& out) {
  Dataset ratio{"fused_vs_unfused", {"channels", "fused", "unfused", "fused_latency_us", "unfused_latency_us", "time_ratio", "faster"}};
  Dataset best{"fused_vs_unfused_macps", {"channels", "kind", "variant", "macps"}};
  for (const auto& w : f.widths) {
    const double fused_us = w.fused.latency_us, unfused_us = w.unfused.latency_us;
    ratio.rows.push_back({{"channels", w.channels}, {"fused", w.fused.variant}, {"unfused", w.unfused.variant},
                          {"fused_latency_us", fused_us}, {"unfused_latency_us", unfused_us}, {"time_ratio", fused_us / unfused_us},
                          {"faster", fused_us < unfused_us ? "fused" : "unfused"}});
    for (const auto& [block, kind] : {std::pair{&w.best_fused, best_fused_label}, std::pair{&w.best_unfused, best_unfused_label}})
      best.rows.push_back({{"channels", w.channels}, {"kind", kind}, {"variant", block->variant}, {"macps", block->macps}});
  }
  out.push_back(std::move(ratio));
  out.push_back(std::move(best));
}

}  // namespace

void build_datasets(const Results& r, Report& report) {
  auto& out = report.datasets;
  out.push_back(zoo_dataset(r));
  out.push_back(pareto_dataset(r));
  out.push_back(random_front_dataset(r));
  out.push_back(proposals_dataset(r));
  out.push_back(capacity_matched_dataset(r));
  out.push_back(macps_lines_dataset(dataset(report, "zoo")));
  out.push_back(block_macps_dataset(r));
  if (r.fused_vs_unfused) add_fused_vs_unfused_datasets(*r.fused_vs_unfused, out);
  out.push_back(roofline_dataset(r));
  out.push_back(roofline_ceiling_dataset(r.roofline));
  out.push_back(layers_dataset(r.layers));
  add_predictor_accuracy_datasets(r, out);
  add_table_datasets(r, out);
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
