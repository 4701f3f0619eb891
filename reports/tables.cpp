// The report's tables and its summary sentences, from validated results.
#include <cmath>
#include <cstdio>

#include "reports/parts.hpp"
#include "space/io.hpp"
#include "space/results_schema.hpp"

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

std::string fixed(double v, int digits) { return fixed(Json(v), digits); }
std::string fixed(const std::optional<double>& v, int digits) { return v ? fixed(*v, digits) : dash; }

std::string ms(const Json& us, int digits) { return us.is_null() ? dash : fixed(Json(us.get<double>() / 1e3), digits); }
std::string ms(double us, int digits) { return fixed(us / 1e3, digits); }
std::string ms(const std::optional<double>& us, int digits) { return us ? ms(*us, digits) : dash; }

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
std::string si(double v, int significant) { return si(Json(v), significant); }
std::string si(const std::optional<double>& v, int significant) { return v ? si(*v, significant) : dash; }

const results::ProposalRow* fastest_dominating(const results::BaselineProposals& proposal) {
  const results::ProposalRow* best = nullptr;
  for (const auto& d : proposal.dominating)
    if (!best || d.latency_us < best->latency_us) best = &d;
  return best;
}

std::string plain(const Json& v) {
  if (v.is_null()) return dash;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

std::string interval_level_text(const Results& r) {
  const auto& interval = r.accuracy_model.interval;
  return interval ? fixed(100 * interval->level, 0) + " %" : "no";
}

std::string interval_width_text(const results::AccuracyInterval& interval) {
  if (!interval.per_distance_pp || *interval.per_distance_pp == 0) return fixed(interval.half_width_pp, 2) + " pp";
  return "(" + fixed(interval.half_width_pp, 2) + " + " + fixed(*interval.per_distance_pp, 2) +
         " x support distance) pp";
}

std::string accuracy_range_text(const Results& r) {
  const auto& support = r.accuracy_model.support;
  if (!support || !support->range) return "";
  // An open object: per range feature, {low, high, margin_low, margin_high} (explorer/accuracy.cpp).
  const Json& range = *support->range;
  auto upper = [&](const char* f) {
    return si(std::exp(range[f]["high"].get<double>() + range[f]["margin_high"].get<double>()));
  };
  std::string text =
      "The estimator claims no top-1 above " + upper("log_macs") + " MACs or " + upper("log_params") +
      " params (the largest published models plus the margin its held-out largest tenth earned), nor beyond "
      "the support distance threshold " +
      fixed(support->threshold, 2);
  if (support->family_range && support->family_range->margin_high) {
    const Json& margin = *support->family_range->margin_high;
    auto times = [&](const char* f) { return fixed(std::exp(margin[f].get<double>()), 2); };
    text += ", nor, for a network that takes a family's offset (the search space takes CPUBone's), past " +
            times("log_macs") + "x the MACs or " + times("log_params") +
            "x the params of that family's largest published model";
  }
  return text + ": the front stops where the estimates do.";
}

namespace {

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

// "[low, high]" of a configuration's top-1 interval; "unknown" without an estimate.
std::string interval(const results::MatchedConfiguration& m) {
  return !m.top1 ? "unknown" : "[" + fixed(m.top1_low, 1) + ", " + fixed(m.top1_high, 1) + "]";
}
std::string interval(const results::ProposalRow& d) {
  return "[" + fixed(d.top1_low, 1) + ", " + fixed(d.top1_high, 1) + "]";
}

const results::ZooRow* zoo_row(const Results& r, const std::string& name) {
  for (const auto& z : r.zoo)
    if (z.name == name) return &z;
  return nullptr;
}

const results::ParetoRow* pareto_row(const Results& r, const std::string& id) {
  for (const auto& p : r.pareto)
    if (p.id == id) return &p;
  return nullptr;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

namespace {

// Names every table's heading and note repeats.
struct Labels {
  std::string device;  // the device the predictions are for
  std::string acc;     // the accuracy model's name
  std::string level;   // the accuracy model's interval level as printed ("90 %"), or "no"
};

Labels labels(const Results& r) { return {r.device.name, r.accuracy_model.name, interval_level_text(r)}; }

// The capacity-matched tier first: the same capacity, more MACs per second.
void add_capacity_matched_table(const Results& r, const Labels& l, Report& report) {
  Table cm = table(
      "Capacity-matched configurations vs CPUBone B0-B3 on " + l.device,
      {"baseline / configuration", "configuration", "predicted (ms)", "measured (ms)", "speed-up", "MACs ratio",
       "params ratio", "top-1 (%)", "top-1 interval (%)", "dominates"},
      "Same resolution, head, stage widths, depths and attention as the baseline, MACs and params each within ±10 % "
      "of its own; only choices that move MACpS differ (fused/unfused, kernels, groups, expansions, attention stride, "
      "downsampling blocks). The fastest of each tier's Pareto front under " +
          l.device + "'s predictor; top-1 estimated by " + l.acc + " with its " + l.level +
          " interval. \"earned\": faster with the interval's lower end at or above the "
          "baseline's published top-1; \"unproven\": only the point estimate is. Configuration: " +
          std::string(configuration_legend) + " (`cpubone-explore space --explain FILE` prints one stage by stage).");
  for (const auto& t : r.capacity_matched) {
    cm.rows.push_back({t.baseline + " (baseline)", "CPUBone " + t.baseline, ms(t.baseline_latency_us, 2),
                       ms(t.baseline_measured_latency_us, 2), "", "", "",
                       fixed(t.baseline_published_top1, 2) + " published", "", ""});
    if (t.not_a_point) cm.rows.push_back({"  none", *t.not_a_point, "", "", "", "", "", "", "", ""});
    else if (t.configurations.empty())
      cm.rows.push_back({"  none",
                         "no configuration within ±10 % found (" +
                             (t.method ? named(results::matched_method_names, *t.method) : dash) + ", " +
                             std::to_string(t.evaluations) + " evaluated)",
                         "", "", "", "", "", "", "", ""});
    for (const auto& m : t.configurations)
      cm.rows.push_back({"  " + m.id, m.summary, ms(m.predicted_latency_us, 2), ms(m.measured_latency_us, 2),
                         fixed(m.speedup, 2) + "x", fixed(m.macs_ratio, 2), fixed(m.params_ratio, 2),
                         !m.top1 ? "unknown (outside support)" : fixed(m.top1, 2), interval(m),
                         m.domination == results::Domination::earned               ? "earned"
                         : m.domination == results::Domination::promising_unproven ? "unproven"
                                                                                   : "no"});
  }
  if (r.capacity_matched.empty()) cm.note += " The results hold no capacity-matched tier.";
  report.tables.push_back(cm);
}

// Proposals against B0-B3 that earned domination, and those only promising, with the configuration each proposal is.
void add_proposal_tables(const Results& r, const Labels& l, Report& report) {
  const std::vector<std::string> proposal_header = {
      "baseline / proposal", "configuration",     "params",         "MACs",
      "predicted (ms)",      "measured (ms)",     "est. top-1 (%)", "top-1 interval (%)",
      "latency change",      "top-1 vs published"};
  Table p = table(
      "Proposals that earn domination over CPUBone B0-B3 on " + l.device, proposal_header,
      "Configurations of the Pareto front (capacity may differ) that are faster than the baseline under " + l.device +
          "'s predictor with the lower end of their " + l.level + " top-1 interval (" + l.acc +
          ") at or above the baseline's published top-1, or more accurate by that standard at equal or lower latency.");
  Table u = table(
      "Promising, unproven: dominating at the point estimate only", proposal_header,
      "Configurations that would dominate the baseline if the point estimate of top-1 held, but whose interval reaches "
      "below the baseline's published top-1. Train one before believing it; they are not counted in the key findings.");
  for (const auto& b : r.proposals) {
    const results::ZooRow* z = zoo_row(r, b.baseline);
    for (auto [t, list] : {std::pair{&p, &b.dominating}, std::pair{&u, &b.promising_unproven}}) {
      t->rows.push_back({b.baseline + " (baseline)", "CPUBone " + b.baseline, z ? si(z->params) : dash,
                         z ? si(z->macs) : dash, ms(b.baseline_latency_us, 2), ms(b.baseline_measured_latency_us, 2),
                         fixed(b.baseline_published_top1, 2) + " published", "", "", ""});
      if (list->empty())
        t->rows.push_back(
            {"  none",
             std::string(t == &p ? "no proposal earns domination over " : "no proposal is only promising against ") +
                 b.baseline,
             "", "", "", "", "", "", "", ""});
      for (const auto& d : *list) {
        const results::ParetoRow* f = pareto_row(r, d.id);
        t->rows.push_back({"  " + d.id, f ? f->summary : dash, f ? si(f->params) : dash, f ? si(f->macs) : dash,
                           ms(d.latency_us, 2), ms(d.measured_latency_us, 2), fixed(d.top1, 2), interval(d),
                           fixed(d.delta_latency_pct, 1) + " %", fixed(d.delta_top1_pp, 2) + " pp"});
      }
    }
  }
  if (r.proposals.empty()) p.note += " The results hold no proposals.";
  report.tables.push_back(p);
  report.tables.push_back(u);
}

void add_search_table(const Results& r, Report& report) {
  const results::SearchRun& s = r.search;
  Table search = table("Search", {"setting", "value"});
  search.rows = {{"algorithm", s.algorithm},
                 {"seed", std::to_string(s.seed)},
                 {"space", s.space},
                 {"evaluations", thousands(s.evaluations)},
                 {"evaluations per second", thousands(std::llround(s.evaluations_per_second))},
                 {"population x generations", std::to_string(s.population) + " x " + std::to_string(s.generations)},
                 {"constraints", "latency " + ms(s.constraints.max_latency_us, 2) + " ms, params " +
                                     si(s.constraints.max_params) + ", MACs " + si(s.constraints.max_macs)},
                 // Areas under latency x objective: shown with the latency axis in ms, as the charts.
                 {"hypervolume (" + s.algorithm + ")", ms(s.hypervolume.nsga2, 4)},
                 {"hypervolume (random search, same evaluations)", ms(s.hypervolume.random, 4)},
                 {"hypervolume ratio", fixed(s.hypervolume.ratio, 3)},
                 {"hypervolume reference point", ms(s.hypervolume.reference_point.latency_us, 1) + " ms, " +
                                                     fixed(s.hypervolume.reference_point.top1, 1) + " % top-1"},
                 {"Pareto front", std::to_string(r.pareto.size()) + " configurations"}};
  report.tables.push_back(search);
}

void add_proof_table(const Results& r, const Labels& l, Report& report) {
  if (!r.proof) {
    report.missing.push_back("proof on this machine: " + l.device + " is not the host, so nothing was measured");
    return;
  }
  const results::Proof& pr = *r.proof;
  Table t = table("Proof on this machine: predicted vs measured ranking",
                  {"network", "predicted (ms)", "measured (ms)", "cv", "predicted rank", "measured rank"},
                  "Measured with the profiler at " + std::to_string(pr.threads) +
                      " thread(s); Spearman of the two rankings " + fixed(pr.spearman, 3) + ".");
  for (const auto& row : pr.rows)
    t.rows.push_back({row.name, ms(row.predicted_us, 2), ms(row.measured_us, 2), fixed(100 * row.cv, 1) + " %",
                      std::to_string(row.predicted_rank), std::to_string(row.measured_rank)});
  report.tables.push_back(t);
}

void add_zoo_table(const Results& r, const Labels& l, Report& report) {
  Table z = table(
      "Zoo on " + l.device,
      {"model", "family", "input", "params", "MACs", "published top-1 (%)", "est. top-1 (%)", "est. interval (%)",
       "support distance", "predicted (ms)", "published (ms)", "measured (ms)", "predicted MACpS"},
      "Every zoo model at its published resolution. Published top-1 as published; estimated top-1 from " + l.acc +
          " for every model, with its " + l.level +
          " interval, and \"unknown\" where the model lies outside the "
          "estimator's support (standardised nearest-neighbour distance above " +
          (r.accuracy_model.support ? fixed(r.accuracy_model.support->threshold, 2) : std::string("the threshold")) +
          ").");
  for (const auto& m : r.zoo) {
    const bool unknown = m.inside_support == false;
    z.rows.push_back(
        {m.name, m.family, std::to_string(m.resolution), si(m.params), si(m.macs), fixed(m.published_top1, 2),
         unknown ? "unknown" : fixed(m.estimated_top1, 2),
         !m.estimated_top1 ? dash : "[" + fixed(m.estimated_top1_low, 1) + ", " + fixed(m.estimated_top1_high, 1) + "]",
         fixed(m.support_distance, 2), ms(m.predicted_latency_us, 2), ms(m.published_latency_us, 2),
         ms(m.measured_latency_us, 2), si(m.predicted_macps)});
  }
  report.tables.push_back(z);
}

void add_design_rules_table(const Results& r, const Labels& l, Report& report) {
  Table rules = table("Design rules vs the paper's claims on " + l.device,
                      {"rule", "statement", "value", "source", "paper's claim", "agrees", "proposals follow"});
  for (const auto& d : r.design_rules)
    rules.rows.push_back({d.id, d.statement, plain(d.value) + (!d.unit ? "" : " " + *d.unit),
                          named(results::rule_source_names, d.source), plain(value_or_null(d.paper_claim)),
                          plain(value_or_null(d.agrees_with_paper)), plain(value_or_null(d.proposals_follow))});
  if (r.design_rules.empty()) rules.note = "The results state no design rules.";
  report.tables.push_back(rules);
}

void add_operator_table(const Results& r, const Labels& l, Report& report) {
  Table ops =
      table("Operators on this machine (FasterNet Table 1 style)", {"operator", "MACs", "latency (us)", "MACpS"});
  if (r.operator_table) {
    for (const auto& o : *r.operator_table)
      ops.rows.push_back({o.operator_name, si(static_cast<double>(o.macs)), fixed(o.latency_us, 1), si(o.macps)});
  } else {
    ops.note = "No operator table: " + l.device + " has no device profile measured on this machine.";
    report.missing.push_back("operator table: no device profile measured for " + l.device);
  }
  report.tables.push_back(ops);
}

// The feature sets the fit tried, then the fit itself point by point.
void add_accuracy_model_tables(const Results& r, const Labels& l, Report& report) {
  const results::AccuracyModel& a = r.accuracy_model;
  Table am = table(
      "Accuracy model: " + l.acc,
      {"model", "family", "published top-1 (%)", "fitted (%)", "leave-one-out (%)", "family held out (%)",
       "nearest other point"},
      a.description + " Kind: " + named(results::accuracy_kind_names, a.kind) +
          "; mean absolute error leave-one-model-out " +
          (!a.loo_mae_pp ? std::string("not available") : fixed(a.loo_mae_pp, 2) + " pp") + ", leave-one-family-out " +
          (!a.lofo_mae_pp ? std::string("not available") : fixed(a.lofo_mae_pp, 2) + " pp") +
          (a.interval
               ? "; interval ±" + interval_width_text(*a.interval) + " at " + l.level + " (" + a.interval->method + ")"
               : std::string()) +
          (a.support ? "; support: " + a.support->distance + ", threshold " + fixed(a.support->threshold, 2) +
                           " (last column: each point's distance)"
                     : std::string()) +
          ".");
  for (const auto& pt : a.points)
    am.rows.push_back({pt.model, pt.family, fixed(pt.published_top1, 2), fixed(pt.fitted_top1, 2),
                       fixed(pt.loo_top1, 2), fixed(pt.lofo_top1, 2), fixed(pt.support_nn_distance, 2)});
  if (!a.loo_mae_pp) report.missing.push_back("accuracy model " + l.acc + ": no leave-one-out error");
  am.folded = true;
  Table sets = table("Accuracy model: feature sets tried",
                     {"features", "leave-one-model-out MAE (pp)", "leave-one-family-out MAE (pp)", "chosen"},
                     "Every feature set the fit tried; the one with the lowest family-held-out error is chosen.");
  for (const auto& f : a.feature_sets_tried) {
    std::string names;
    for (const auto& n : f.features) names += (names.empty() ? "" : " + ") + n;
    sets.rows.push_back({names, fixed(f.loo_mae_pp, 2), fixed(f.lofo_mae_pp, 2), f.chosen ? "chosen" : ""});
  }
  report.tables.push_back(sets);
  report.tables.push_back(am);
}

void add_emulated_ops_table(const Results& r, Report& report) {
  Table em =
      table("Emulated operators", {"operator", "how"},
            "Operators XNNPACK (2022-02-16) lacks, built from its primitives or Eigen; their timings describe our "
            "emulation, not a native kernel.");
  for (const auto& e : r.emulated_ops) em.rows.push_back({e.op, e.how});
  if (r.emulated_ops.empty()) em.note = "No operator was emulated.";
  report.tables.push_back(em);
}

// What the predictor's provenance and the environment say (results::MachineNotes, read from them with the
// document) the page must name in the missing-data box.
void note_machine_warnings(const results::MachineNotes& notes, Report& report) {
  // A predictor fitted on a profile during which the machine changed speed mixes two machines in every prediction.
  if (notes.slowed_spread)
    report.missing.push_back(
        "steady machine: the device profile's speed reference spread by " + fixed(100 * *notes.slowed_spread, 0) +
        "% while profiling, so the machine changed speed under its measurements and the predictions mix "
        "both speeds; profile again on a quiet machine");
  // Times measured under an emulator are the emulator's, not the CPU's.
  if (notes.emulated)
    report.missing.push_back(
        "real timings: this run measured under an emulator (" + notes.emulation_signs.value_or("signs not recorded") +
        "), so its measured figures are the emulator's, not a CPU's; measure on the device itself");
  // Measured figures behind which too many measurements were noisy are named in the missing-data box.
  for (const results::NoisyMeasurements& n : notes.noisy)
    report.missing.push_back(
        "quiet measurements: the " + n.source + "'s measurements are noisy, " + n.summary +
        ", above the threshold: the machine was busy, so figures measured there read slower than this "
        "machine is; measure again on a quiet machine");
}

void add_environment_table(const Results& r, Report& report) {
  Table env = table("Environment and provenance", {"field", "value"},
                    "Where every figure comes from: the tool run, the device and its predictor's provenance, and the "
                    "environment of this machine when anything was measured.");
  env.folded = true;
  env.rows.push_back({"created", r.created});
  env.rows.push_back({"tool.name", r.tool.name});
  env.rows.push_back({"tool.version", r.tool.version});
  env.rows.push_back({"tool.command", r.tool.command});
  env.rows.push_back({"device.name", r.device.name});
  env.rows.push_back({"device.runtime", r.device.runtime});
  env.rows.push_back({"device.measured", yes_no(r.device.measured)});
  env.rows.push_back({"device.threads", std::to_string(r.device.threads)});
  flatten(r.device.provenance, "device.provenance", env);
  note_machine_warnings(r.machine_notes, report);
  if (r.environment.is_null()) {
    env.rows.push_back({"environment", "none: nothing was measured on this machine"});
    report.missing.push_back("environment: nothing was measured on this machine for this run");
  } else {
    flatten(r.environment, "environment", env);
  }
  report.tables.push_back(env);
}

// One sentence per capacity-matched tier and per baseline's proposals.
void add_tier_and_proposal_sentences(const Results& r, const Labels& l, Report& report) {
  auto& sum = report.summary;
  for (const auto& t : r.capacity_matched) {
    if (t.configurations.empty()) continue;
    const results::MatchedConfiguration& m = t.configurations[0];
    sum.push_back("Capacity-matched " + t.baseline + ": " + m.id + " takes " + ms(m.predicted_latency_us, 2) +
                  " ms instead of " + ms(t.baseline_latency_us, 2) + " ms (" + fixed(m.speedup, 2) + "x) at " +
                  fixed(m.macs_ratio, 2) + "x the MACs and " + fixed(m.params_ratio, 2) +
                  "x the params; estimated top-1 " + interval(m) + " % vs " + fixed(t.baseline_published_top1, 2) +
                  " % published: " +
                  (m.domination == results::Domination::earned ? "it earns domination" : "domination not earned") +
                  (!m.measured_latency_us ? std::string(".")
                                          : "; measured " + ms(m.measured_latency_us, 2) + " ms vs " +
                                                ms(t.baseline_measured_latency_us, 2) + " ms."));
  }
  for (const auto& b : r.proposals) {
    const results::ProposalRow* best = fastest_dominating(b);
    if (!best) {
      sum.push_back("No proposal earns domination over " + b.baseline + " on " + l.device +
                    " (top-1 interval at or above its published top-1).");
      continue;
    }
    sum.push_back(std::to_string(b.dominating.size()) + " proposal(s) earn domination over " + b.baseline +
                  "; the fastest, " + best->id + ", takes " + ms(best->latency_us, 2) + " ms instead of " +
                  ms(b.baseline_latency_us, 2) + " ms (" + fixed(best->delta_latency_pct, 1) +
                  " %) at estimated top-1 " + interval(*best) + " % vs " + fixed(b.baseline_published_top1, 2) +
                  " % published" +
                  (!best->measured_latency_us ? std::string(".")
                                              : "; measured " + ms(best->measured_latency_us, 2) + " ms vs " +
                                                    ms(b.baseline_measured_latency_us, 2) + " ms."));
  }
}

// What to build, in one line: the fastest proposal that earns domination over a baseline, with the command
// that exports it; else keep the baseline, and the fastest at its capacity is the one to train to find out.
std::string verdict(const Results& r, const Labels& l) {
  auto file_of = [&](const std::string& id) {
    const results::ParetoRow* p = pareto_row(r, id);
    return p ? p->file : id + ".json";
  };
  const results::ProposalRow* best = nullptr;
  const results::BaselineProposals* best_baseline = nullptr;
  for (const auto& b : r.proposals)
    if (const results::ProposalRow* d = fastest_dominating(b);
        d && (!best || d->delta_latency_pct < best->delta_latency_pct)) {
      best = d;
      best_baseline = &b;
    }
  if (best)
    return "Build " + best->id + " on " + l.device + ": it earns domination over " + best_baseline->baseline + " (" +
           fixed(best->delta_latency_pct, 1) + " % latency, estimated top-1 " + interval(*best) + " % vs " +
           fixed(best_baseline->baseline_published_top1, 2) +
           " % published); train it to confirm: cpubone-explore export " + file_of(best->id) + " --torch " + best->id +
           ".py (in this report's folder)";
  for (const auto& t : r.capacity_matched) {
    if (t.configurations.empty()) continue;
    const results::MatchedConfiguration& m = t.configurations[0];
    return "Keep " + t.baseline + " on " + l.device + ": no proposal earns domination. Fastest at " + t.baseline +
           "'s capacity: " + m.id + ", " + fixed(m.speedup, 2) +
           "x predicted; train it to find out whether it keeps the accuracy: cpubone-explore export " + m.file +
           " --torch " + m.id + ".py (in this report's folder)";
  }
  return "Keep the baselines on " + l.device +
         ": no proposal earns domination, and no capacity-matched configuration was found.";
}

// The search, the rank correlations, the predictor's error and the fused crossover, one sentence each.
void add_search_and_device_sentences(const Results& r, const Labels& l, Report& report) {
  auto& sum = report.summary;
  const results::SearchRun& s = r.search;
  sum.push_back(s.algorithm + " evaluated " + thousands(s.evaluations) + " candidates (" +
                thousands(std::llround(s.evaluations_per_second)) + " per second); hypervolume " +
                fixed(s.hypervolume.ratio, 2) + "x that of random search with the same evaluations.");
  const results::RankCorrelations& rc = r.rank_correlations;
  sum.push_back("Spearman rank correlation of " + named(results::latency_source_names, rc.latency_source) +
                " latency with MACs " + fixed(rc.macs, 2) + ", with params " + fixed(rc.params, 2) +
                ", with our prediction " + fixed(rc.prediction, 2) + ".");
  if (r.predictor_accuracy) {
    const results::PredictorAccuracy& pa = *r.predictor_accuracy;
    sum.push_back("Predictor vs " + pa.against + ": MAPE " + fixed(pa.mape, 1) + " %, " + fixed(100 * pa.within_10, 0) +
                  " % of points within ±10 %.");
  }
  // The same words as the fused_crossover rule and the channels chart (results.fused_vs_unfused).
  sum.push_back("Fused vs unfused local blocks on " + l.device + ": " + r.fused_vs_unfused.statement + ".");
}

}  // namespace

void build_tables(const Results& r, Report& report) {
  const Labels l = labels(r);
  add_capacity_matched_table(r, l, report);
  add_proposal_tables(r, l, report);
  add_search_table(r, report);
  add_proof_table(r, l, report);
  add_zoo_table(r, l, report);
  add_design_rules_table(r, l, report);
  add_operator_table(r, l, report);
  add_accuracy_model_tables(r, l, report);
  add_emulated_ops_table(r, report);
  add_environment_table(r, report);
  // Summary sentences: the key numbers a reader wants before the charts.
  report.verdict = verdict(r, l);
  add_tier_and_proposal_sentences(r, l, report);
  add_search_and_device_sentences(r, l, report);
}

}  // namespace cpx::reports
