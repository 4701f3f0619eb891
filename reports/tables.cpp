// The report's tables and its summary sentences, from validated results.
#include <cmath>
#include <cstdio>

#include "reports/parts.hpp"
#include "space/io.hpp"

namespace cpx::reports {

namespace {
const char* const dash = "—";  // a missing figure, as printed
}

std::string fixed(const Json& v, int digits) {
  if (v.is_null()) return dash;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
  return buf;
}

std::string ms(const Json& us, int digits) { return us.is_null() ? dash : fixed(Json(us.get<double>() / 1e3), digits); }

std::string si(const Json& v, int significant) {
  if (v.is_null()) return dash;
  const double x = v.get<double>();
  static const char* const prefixes[] = {"", "k", "M", "G", "T", "P"};
  int p = 0;
  double m = x;
  while (std::abs(m) >= 999.5 && p < 5) m /= 1000, ++p;
  // Digits after the point so that `significant` digits show: 4.62, 74.0, 530.
  const int before = std::abs(m) >= 99.95 ? 3 : std::abs(m) >= 9.995 ? 2 : 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s", std::max(0, significant - before), m, prefixes[p]);
  return buf;
}

const Json* fastest_dominating(const Json& proposal) {
  const Json* best = nullptr;
  for (const auto& d : proposal["dominating"])
    if (!best || d["latency_us"].get<double>() < (*best)["latency_us"].get<double>()) best = &d;
  return best;
}

std::string plain(const Json& v) {
  if (v.is_null()) return dash;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

namespace {

Table table(std::string heading, std::vector<std::string> header, std::string note = "") {
  Table t;
  t.heading = std::move(heading);
  t.header = std::move(header);
  t.note = std::move(note);
  return t;
}

// "a.b[2].c: value" rows for a nested object such as the environment or the predictor's provenance.
void flatten(const Json& j, const std::string& prefix, Table& t) {
  if (j.is_object()) {
    if (j.empty()) t.rows.push_back({prefix, "{}"});
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, t);
  } else if (j.is_array()) {
    bool scalars = true;
    for (const auto& v : j) scalars = scalars && !v.is_structured();
    if (scalars) {
      std::string s;
      for (const auto& v : j) s += (s.empty() ? "" : ", ") + plain(v);
      t.rows.push_back({prefix, j.empty() ? "(none)" : s});
    } else {
      for (size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "[" + std::to_string(i) + "]", t);
    }
  } else {
    t.rows.push_back({prefix, plain(j)});
  }
}

const Json* find_by(const Json& rows, const char* key, const Json& value) {
  for (const auto& row : rows)
    if (row[key] == value) return &row;
  return nullptr;
}

}  // namespace

void build_tables(const Json& r, Report& report) {
  const std::string device = r["device"]["name"];
  const std::string acc = r["accuracy_model"]["name"];
  auto& out = report.tables;

  // Proposals against B0-B3, with the configuration each proposal is.
  Table p = table("Proposals vs CPUBone B0-B3 on " + device,
                  {"baseline / proposal", "configuration", "params", "MACs", "predicted (ms)", "measured (ms)",
                   "est. top-1 (%)", "latency change", "top-1 change"},
                  "Every configuration of the Pareto front that dominates the baseline under " + device +
                      "'s predictor and " + acc + ": faster at equal or higher estimated top-1, or more accurate at "
                      "equal or lower latency.");
  for (const auto& b : r["proposals"]) {
    const Json* z = find_by(r["zoo"], "name", b["baseline"]);
    p.rows.push_back({plain(b["baseline"]) + " (baseline)", "CPUBone " + plain(b["baseline"]), z ? si((*z)["params"]) : dash,
                      z ? si((*z)["macs"]) : dash, ms(b["baseline_latency_us"], 2), ms(b["baseline_measured_latency_us"], 2),
                      fixed(b["baseline_top1"], 2), "", ""});
    if (b["dominating"].empty()) p.rows.push_back({"  none", "no proposal dominates " + plain(b["baseline"]), "", "", "", "", "", "", ""});
    for (const auto& d : b["dominating"]) {
      const Json* f = find_by(r["pareto"], "id", d["id"]);
      p.rows.push_back({"  " + plain(d["id"]), f ? plain((*f)["summary"]) : dash, f ? si((*f)["params"]) : dash,
                        f ? si((*f)["macs"]) : dash, ms(d["latency_us"], 2), ms(d["measured_latency_us"], 2),
                        fixed(d["top1"], 2), fixed(d["delta_latency_pct"], 1) + " %", fixed(d["delta_top1_pp"], 2) + " pp"});
    }
  }
  if (r["proposals"].empty()) p.note += " The results hold no proposals.";
  out.push_back(p);

  const Json& s = r["search"];
  Table search = table("Search", {"setting", "value"});
  search.rows = {{"algorithm", plain(s["algorithm"])},
                 {"seed", plain(s["seed"])},
                 {"space", plain(s["space"])},
                 {"evaluations", thousands(s["evaluations"].get<int64_t>())},
                 {"evaluations per second", thousands(std::llround(s["evaluations_per_second"].get<double>()))},
                 {"population x generations", plain(s["population"]) + " x " + plain(s["generations"])},
                 {"constraints", "latency " + ms(s["constraints"]["max_latency_us"], 2) + " ms, params " +
                                     si(s["constraints"]["max_params"]) + ", MACs " + si(s["constraints"]["max_macs"])},
                 // Areas under latency x objective: shown with the latency axis in ms, as the charts.
                 {"hypervolume (" + plain(s["algorithm"]) + ")", ms(s["hypervolume"]["nsga2"], 4)},
                 {"hypervolume (random search, same evaluations)", ms(s["hypervolume"]["random"], 4)},
                 {"hypervolume ratio", fixed(s["hypervolume"]["ratio"], 3)},
                 {"hypervolume reference point", ms(s["hypervolume"]["reference_point"]["latency_us"], 1) + " ms, " +
                                                     fixed(s["hypervolume"]["reference_point"]["top1"], 1) + " % top-1"},
                 {"Pareto front", std::to_string(r["pareto"].size()) + " configurations"}};
  out.push_back(search);

  if (r["proof"].is_object()) {
    const Json& pr = r["proof"];
    Table t = table("Proof on this machine: predicted vs measured ranking",
                    {"network", "predicted (ms)", "measured (ms)", "cv", "predicted rank", "measured rank"},
                    "Measured with the profiler at " + plain(pr["threads"]) + " thread(s); Spearman of the two rankings " +
                        fixed(pr["spearman"], 3) + ".");
    for (const auto& row : pr["rows"])
      t.rows.push_back({plain(row["name"]), ms(row["predicted_us"], 2), ms(row["measured_us"], 2),
                        fixed(Json(100 * row["cv"].get<double>()), 1) + " %", plain(row["predicted_rank"]), plain(row["measured_rank"])});
    out.push_back(t);
  } else {
    report.missing.push_back("proof on this machine: " + device + " is not the host, so nothing was measured");
  }

  Table z = table("Zoo on " + device,
                  {"model", "family", "input", "params", "MACs", "published top-1 (%)", "est. top-1 (%)", "predicted (ms)",
                   "published (ms)", "measured (ms)", "predicted MACpS"},
                  "Every zoo model at its published resolution. Estimated top-1 from " + acc + ".");
  for (const auto& m : r["zoo"])
    z.rows.push_back({plain(m["name"]), plain(m["family"]), plain(m["resolution"]), si(m["params"]), si(m["macs"]),
                      fixed(m["published_top1"], 2), fixed(m["estimated_top1"], 2), ms(m["predicted_latency_us"], 2),
                      ms(m["published_latency_us"], 2), ms(m["measured_latency_us"], 2), si(m["predicted_macps"])});
  out.push_back(z);

  Table rules = table("Design rules vs the paper's claims on " + device,
                      {"rule", "statement", "value", "source", "paper's claim", "agrees", "proposals follow"});
  for (const auto& d : r["design_rules"])
    rules.rows.push_back({plain(d["id"]), plain(d["statement"]), plain(d["value"]) + (d["unit"].is_null() ? "" : " " + plain(d["unit"])),
                          plain(d["source"]), plain(d["paper_claim"]), plain(d["agrees_with_paper"]), plain(d["proposals_follow"])});
  if (r["design_rules"].empty()) rules.note = "The results state no design rules.";
  out.push_back(rules);

  Table ops = table("Operators on this machine (FasterNet Table 1 style)", {"operator", "MACs", "latency (us)", "MACpS"});
  if (r["operator_table"].is_array()) {
    for (const auto& o : r["operator_table"])
      ops.rows.push_back({plain(o["operator"]), si(o["macs"]), fixed(o["latency_us"], 1), si(o["macps"])});
  } else {
    ops.note = "No operator table: " + device + " has no device profile measured on this machine.";
    report.missing.push_back("operator table: no device profile measured for " + device);
  }
  out.push_back(ops);

  const Json& a = r["accuracy_model"];
  Table am = table("Accuracy model: " + acc, {"model", "family", "published top-1 (%)", "fitted (%)", "leave-one-out (%)"},
                   plain(a["description"]) + " Kind: " + plain(a["kind"]) + "; leave-one-out mean absolute error " +
                       (a["loo_mae_pp"].is_null() ? std::string("not available") : fixed(a["loo_mae_pp"], 2) + " pp") + ".");
  for (const auto& pt : a["points"])
    am.rows.push_back({plain(pt["model"]), plain(pt["family"]), fixed(pt["published_top1"], 2), fixed(pt["fitted_top1"], 2),
                       fixed(pt["loo_top1"], 2)});
  if (a["loo_mae_pp"].is_null()) report.missing.push_back("accuracy model " + acc + ": no leave-one-out error");
  out.push_back(am);

  Table em = table("Emulated operators", {"operator", "how"},
                   "Operators XNNPACK (2022-02-16) lacks, built from its primitives or Eigen; their timings describe our "
                   "emulation, not a native kernel.");
  for (const auto& e : r["emulated_ops"]) em.rows.push_back({plain(e["op"]), plain(e["how"])});
  if (r["emulated_ops"].empty()) em.note = "No operator was emulated.";
  out.push_back(em);

  Table env = table("Environment and provenance", {"field", "value"},
                    "Where every figure comes from: the tool run, the device and its predictor's provenance, and the "
                    "environment of this machine when anything was measured.");
  env.folded = true;
  env.rows.push_back({"created", plain(r["created"])});
  flatten(r["tool"], "tool", env);
  for (const auto key : {"name", "runtime", "measured", "threads"}) env.rows.push_back({std::string("device.") + key, plain(r["device"][key])});
  flatten(r["device"]["provenance"], "device.provenance", env);
  if (r["environment"].is_null()) {
    env.rows.push_back({"environment", "none: nothing was measured on this machine"});
    report.missing.push_back("environment: nothing was measured on this machine for this run");
  } else {
    flatten(r["environment"], "environment", env);
    // Measured figures behind which too many measurements were noisy are named in the missing-data box.
    const Json& noisy = r["environment"].contains("noisy_measurements") ? r["environment"]["noisy_measurements"] : Json(nullptr);
    if (noisy.is_object())
      for (const auto& [source, n] : noisy.items())
        if (n.is_object() && n.value("above_threshold", false) && n.contains("summary") && n["summary"].is_string())
          report.missing.push_back("quiet measurements: the " + source + "'s measurements are noisy, " + n["summary"].get<std::string>() +
                                   ", above the threshold: the machine was busy, so figures measured there read slower than this "
                                   "machine is; measure again on a quiet machine");
  }
  out.push_back(env);

  // Summary sentences: the key numbers a reader wants before the charts.
  auto& sum = report.summary;
  for (const auto& b : r["proposals"]) {
    const Json* best = fastest_dominating(b);
    if (!best) {
      sum.push_back("No proposal dominates " + plain(b["baseline"]) + " on " + device + ".");
      continue;
    }
    sum.push_back(plain(b["dominating"].size()) + " proposal(s) dominate " + plain(b["baseline"]) + "; the fastest, " +
                  plain((*best)["id"]) + ", takes " + ms((*best)["latency_us"], 2) + " ms instead of " +
                  ms(b["baseline_latency_us"], 2) + " ms (" + fixed((*best)["delta_latency_pct"], 1) + " %) at " +
                  fixed((*best)["delta_top1_pp"], 2) + " pp estimated top-1" +
                  ((*best)["measured_latency_us"].is_null() ? std::string(".")
                                                            : "; measured " + ms((*best)["measured_latency_us"], 2) + " ms vs " +
                                                                  ms(b["baseline_measured_latency_us"], 2) + " ms."));
  }
  sum.push_back(plain(s["algorithm"]) + " evaluated " + thousands(s["evaluations"].get<int64_t>()) + " candidates (" +
                thousands(std::llround(s["evaluations_per_second"].get<double>())) + " per second); hypervolume " +
                fixed(s["hypervolume"]["ratio"], 2) + "x that of random search with the same evaluations.");
  const Json& rc = r["rank_correlations"];
  sum.push_back("Spearman rank correlation of " + plain(rc["latency_source"]) + " latency with MACs " + fixed(rc["macs"], 2) +
                ", with params " + fixed(rc["params"], 2) + ", with our prediction " + fixed(rc["prediction"], 2) + ".");
  if (r["predictor_accuracy"].is_object()) {
    const Json& pa = r["predictor_accuracy"];
    sum.push_back("Predictor vs " + plain(pa["against"]) + ": MAPE " + fixed(pa["mape"], 1) + " %, " +
                  fixed(Json(100 * pa["within_10"].get<double>()), 0) + " % of points within ±10 %.");
  }
  if (!r["fused_crossover_channels"].is_null())
    sum.push_back("Fused blocks reach the higher MACpS below " + plain(r["fused_crossover_channels"]) + " channels on " + device + ".");
}

}  // namespace cpx::reports
