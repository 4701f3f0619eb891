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

// Copies `columns` of each object in `rows`; absent keys are a bug (validation ran first).
Dataset copy(std::string name, const Json& rows, std::vector<std::string> columns) {
  Dataset d = make(std::move(name), std::move(columns));
  for (const auto& r : rows) {
    Json out = Json::object();
    for (const auto& c : d.columns) out[c] = r.at(c);
    d.rows.push_back(std::move(out));
  }
  return d;
}

bool is_cpubone_baseline(const std::string& name) {
  return name == "b0" || name == "b1" || name == "b2" || name == "b3";
}

Json div_or_null(const Json& num, const Json& den, double scale) {
  if (num.is_null() || den.is_null() || den.get<double>() <= 0) return nullptr;
  return num.get<double>() / den.get<double>() * scale;
}

// Zoo: derived top1 (published where there is one, else the accuracy model's estimate inside its
// support), the B0-B3 label, the colour series (CPUBone or one of the greyed families), and the latency the MACs chart plots (the source the rank correlations
// were computed on).
Dataset zoo_dataset(const Json& r) {
  const std::string source = r["rank_correlations"]["latency_source"];
  const std::string latency_field = source + "_latency_us";
  Dataset zoo = copy("zoo", r["zoo"],
                     {"name", "family", "resolution", "params", "macs", "published_top1", "estimated_top1", "estimated_top1_low",
                      "estimated_top1_high", "support_distance", "inside_support", "predicted_latency_us", "published_latency_us",
                      "measured_latency_us", "predicted_macps"});
  for (auto c : {"top1", "top1_source", "cpubone_mark", "series", "latency_us", "latency_source", "macps"}) zoo.columns.push_back(c);
  for (auto& z : zoo.rows) {
    const bool published = !z["published_top1"].is_null();
    z["top1"] = published ? z["published_top1"] : z["estimated_top1"];
    z["top1_source"] = published ? Json("published") : z["estimated_top1"].is_null() ? Json(nullptr) : Json("estimated");
    const std::string name = z["name"];
    z["cpubone_mark"] = is_cpubone_baseline(name) ? Json("B" + name.substr(1)) : Json(nullptr);
    const bool cpubone = z["family"].get<std::string>() == cpubone_family;
    z["series"] = std::string(names_of(cpubone ? Series::cpubone : Series::other_family).label);
    z["latency_us"] = z[latency_field];
    z["latency_source"] = source;
    z["macps"] = div_or_null(z["macs"], z["latency_us"], 1e6);
  }
  return zoo;
}

Dataset pareto_dataset(const Json& r) {
  Dataset pareto = copy("pareto", r["pareto"],
                        {"id", "summary", "params", "macs", "predicted_latency_us", "estimated_top1", "estimated_top1_low",
                         "estimated_top1_high", "support_distance", "measured_latency_us", "uncalibrated_share", "uncalibrated_kinds", "file"});
  pareto.columns.push_back("predicted_macps");
  for (auto& p : pareto.rows) p["predicted_macps"] = div_or_null(p["macs"], p["predicted_latency_us"], 1e6);
  std::stable_sort(pareto.rows.begin(), pareto.rows.end(), [](const Json& a, const Json& b) {
    return a["predicted_latency_us"].get<double>() < b["predicted_latency_us"].get<double>();
  });
  return pareto;
}

// Derived: "standing" says whether the proposal earned domination or is promising, unproven.
Dataset proposals_dataset(const Json& r) {
  Dataset proposals = make("proposals", {"baseline", "baseline_latency_us", "baseline_published_top1",
                                         "baseline_measured_latency_us", "standing", "id", "latency_us", "top1", "top1_low",
                                         "top1_high", "support_distance", "delta_latency_pct", "delta_top1_pp",
                                         "delta_top1_low_pp", "measured_latency_us"});
  for (const auto& b : r["proposals"])
    for (const auto& [list, standing] : {std::pair{"dominating", "earned"}, std::pair{"promising_unproven", "promising_unproven"}})
      for (const auto& d : b[list]) {
        Json row = {{"baseline", b["baseline"]}, {"baseline_latency_us", b["baseline_latency_us"]},
                    {"baseline_published_top1", b["baseline_published_top1"]},
                    {"baseline_measured_latency_us", b["baseline_measured_latency_us"]}, {"standing", standing}};
        for (const auto& c : proposals.columns)
          if (!row.contains(c)) row[c] = d.at(c);
        proposals.rows.push_back(std::move(row));
      }
  return proposals;
}

Dataset capacity_matched_dataset(const Json& r) {
  Dataset matched = make("capacity_matched", {"baseline", "baseline_latency_us", "baseline_published_top1", "id", "summary", "params",
                                              "macs", "params_ratio", "macs_ratio", "predicted_latency_us", "speedup", "top1",
                                              "top1_low", "top1_high", "support_distance", "domination", "measured_latency_us", "file"});
  for (const auto& t : r["capacity_matched"])
    for (const auto& m : t["configurations"]) {
      Json row = {{"baseline", t["baseline"]}, {"baseline_latency_us", t["baseline_latency_us"]},
                  {"baseline_published_top1", t["baseline_published_top1"]}};
      for (const auto& c : matched.columns)
        if (!row.contains(c)) row[c] = m.at(c);
      matched.rows.push_back(std::move(row));
    }
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
Dataset roofline_dataset(const Json& r) {
  Dataset roofline = copy("roofline", r["roofline"]["points"], {"model", "op", "op_class", "intensity_macs_per_byte", "macps", "source"});
  roofline.columns.insert(roofline.columns.end(), {"macs", "predicted_us"});
  for (auto& p : roofline.rows) {
    p["macs"] = nullptr, p["predicted_us"] = nullptr;
    if (p["model"] != r["layers"]["model"]) continue;
    for (const auto& op : r["layers"]["ops"])
      if (op["name"] == p["op"]) p["macs"] = op["macs"], p["predicted_us"] = op["predicted_us"];
  }
  return roofline;
}

// The roof itself: min(peak, bandwidth x intensity) over the plotted intensities, with its ridge point.
Dataset roofline_ceiling_dataset(const Json& roof) {
  Dataset ceiling = make("roofline_ceiling", {"intensity_macs_per_byte", "macps", "bound"});
  if (!roof["peak_macps"].is_null() && !roof["bandwidth_bytes_per_s"].is_null() && !roof["points"].empty()) {
    const double peak = roof["peak_macps"], bw = roof["bandwidth_bytes_per_s"];
    double lo = HUGE_VAL, hi = 0;
    for (const auto& p : roof["points"]) {
      lo = std::min(lo, p["intensity_macs_per_byte"].get<double>());
      hi = std::max(hi, p["intensity_macs_per_byte"].get<double>());
    }
    const double ridge = peak / bw;
    lo = std::min(lo, ridge) / 2, hi = std::max(hi, ridge) * 2;
    ceiling.rows.push_back({{"intensity_macs_per_byte", lo}, {"macps", bw * lo}, {"bound", "bandwidth"}});
    ceiling.rows.push_back({{"intensity_macs_per_byte", ridge}, {"macps", peak}, {"bound", "ridge"}});
    ceiling.rows.push_back({{"intensity_macs_per_byte", hi}, {"macps", peak}, {"bound", "compute"}});
  }
  return ceiling;
}

Dataset layers_dataset(const Json& r) {
  Dataset layers = copy("layers", r["layers"]["ops"], {"name", "stage", "op_class", "macs", "predicted_us", "measured_us"});
  layers.columns.insert(layers.columns.begin(), "model");
  for (auto& l : layers.rows) {
    Json row = {{"model", r["layers"]["model"]}};
    row.update(l);
    l = std::move(row);
  }
  return layers;
}

// Derived: error, whether the actual lies inside the point's interval (null without one), and MACs and
// achieved MACpS from the zoo or the Pareto front, for tooltips; the +-10 % band drawn behind the points.
void add_predictor_accuracy_datasets(const Json& r, std::vector<Dataset>& out) {
  Dataset accuracy = make("predictor_accuracy", {"model", "family", "predicted_us", "actual_us", "low_us", "high_us", "error_pct",
                                                 "inside_interval", "macs", "actual_macps"});
  Dataset band = make("predictor_accuracy_band", {"actual_us", "low_us", "high_us"});
  if (!r["predictor_accuracy"].is_null()) {
    double lo = HUGE_VAL, hi = 0;
    for (const auto& p : r["predictor_accuracy"]["points"]) {
      const double pred = p["predicted_us"], actual = p["actual_us"];
      Json macs = nullptr;
      for (const auto& z : r["zoo"])
        if (z["name"] == p["model"]) macs = z["macs"];
      for (const auto& f : r["pareto"])
        if (macs.is_null() && f["id"] == p["model"]) macs = f["macs"];
      const bool has_interval = !p["low_us"].is_null() && !p["high_us"].is_null();
      accuracy.rows.push_back({{"model", p["model"]}, {"family", p["family"]}, {"predicted_us", pred}, {"actual_us", actual},
                               {"low_us", p["low_us"]}, {"high_us", p["high_us"]}, {"error_pct", 100 * (pred - actual) / actual},
                               {"inside_interval", has_interval ? Json(p["low_us"].get<double>() <= actual && actual <= p["high_us"].get<double>())
                                                                : Json(nullptr)},
                               {"macs", macs}, {"actual_macps", div_or_null(macs, Json(actual), 1e6)}});
      lo = std::min({lo, pred, actual}), hi = std::max({hi, pred, actual});
      if (has_interval) lo = std::min(lo, p["low_us"].get<double>()), hi = std::max(hi, p["high_us"].get<double>());
    }
    if (hi > 0)
      for (const double x : {lo / 1.2, hi * 1.2}) band.rows.push_back({{"actual_us", x}, {"low_us", 0.9 * x}, {"high_us", 1.1 * x}});
  }
  out.push_back(std::move(accuracy));
  out.push_back(std::move(band));
}

// The rest are tables rather than charts, kept as CSV for notebooks.
void add_table_datasets(const Json& r, std::vector<Dataset>& out) {
  out.push_back(copy("accuracy_model", r["accuracy_model"]["points"],
                     {"model", "family", "published_top1", "fitted_top1", "loo_top1"}));
  Dataset rules = copy("design_rules", r["design_rules"],
                       {"id", "statement", "value", "unit", "source", "paper_claim", "agrees_with_paper", "proposals_follow"});
  for (auto& row : rules.rows)
    if (row["value"].is_structured()) row["value"] = row["value"].dump();  // CSV cells are scalars
  out.push_back(std::move(rules));
  if (r["operator_table"].is_array())
    out.push_back(copy("operator_table", r["operator_table"], {"operator", "macs", "latency_us", "macps"}));
  if (r["proof"].is_object())
    out.push_back(copy("proof", r["proof"]["rows"],
                       {"name", "predicted_us", "measured_us", "cv", "predicted_rank", "measured_rank"}));
  out.push_back(copy("emulated_ops", r["emulated_ops"], {"op", "how"}));
}

// The channels chart's two panels: the pair's time ratio per width (where it passes 1 is the crossover), and the
// best fused against the best unfused variant's MACpS (two lines, the variant in the tooltip).
void add_fused_vs_unfused_datasets(const Json& f, std::vector<Dataset>& out) {
  Dataset ratio{"fused_vs_unfused", {"channels", "fused", "unfused", "fused_latency_us", "unfused_latency_us", "time_ratio", "faster"}};
  Dataset best{"fused_vs_unfused_macps", {"channels", "kind", "variant", "macps"}};
  for (const Json& w : f["widths"]) {
    const double fused_us = w["fused"]["latency_us"].get<double>(), unfused_us = w["unfused"]["latency_us"].get<double>();
    ratio.rows.push_back({{"channels", w["channels"]}, {"fused", w["fused"]["variant"]}, {"unfused", w["unfused"]["variant"]},
                          {"fused_latency_us", fused_us}, {"unfused_latency_us", unfused_us}, {"time_ratio", fused_us / unfused_us},
                          {"faster", fused_us < unfused_us ? "fused" : "unfused"}});
    for (const auto& [key, kind] : {std::pair{"best_fused", best_fused_label}, std::pair{"best_unfused", best_unfused_label}})
      best.rows.push_back({{"channels", w["channels"]}, {"kind", kind}, {"variant", w[key]["variant"]}, {"macps", w[key]["macps"]}});
  }
  out.push_back(std::move(ratio));
  out.push_back(std::move(best));
}

}  // namespace

void build_datasets(const Json& r, Report& report) {
  auto& out = report.datasets;
  out.push_back(zoo_dataset(r));
  out.push_back(pareto_dataset(r));
  out.push_back(copy("random_front", r["search"]["random_front"], {"latency_us", "top1"}));
  out.push_back(proposals_dataset(r));
  out.push_back(capacity_matched_dataset(r));
  out.push_back(macps_lines_dataset(dataset(report, "zoo")));
  out.push_back(copy("block_macps", r["block_macps"], {"variant", "channels", "resolution", "macps"}));
  if (r.contains("fused_vs_unfused")) add_fused_vs_unfused_datasets(r["fused_vs_unfused"], out);
  out.push_back(roofline_dataset(r));
  out.push_back(roofline_ceiling_dataset(r["roofline"]));
  out.push_back(layers_dataset(r));
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
