#include "explorer/job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "explorer/known_latencies.hpp"
#include "explorer/matched.hpp"
#include "explorer/option_checks.hpp"
#include "explorer/proposal_rows.hpp"
#include "explorer/rules.hpp"
#include "predictor/devices.hpp"
#include "predictor/fit.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/profile/cpus.hpp"
#include "profiler/profile/interference.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "profiler/profile/progress.hpp"
#include "profiler/profile/rules.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::explorer {

namespace {

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

struct Evaluated : Candidate {
  std::string name;
  std::optional<double> published_top1;  // the standard a proposal must earn (explorer::domination)
  std::optional<Genome> point;           // in the search space, when it is one
};

// Macro networks name ops "s<stage>.<block>..." (space/macro.cpp); stem and head keep their names.
std::string stage_of(const std::string& op_name) {
  const std::string head = op_name.substr(0, op_name.find('.'));
  if (head.size() > 1 && head[0] == 's' &&
      std::all_of(head.begin() + 1, head.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "stage " + head.substr(1);
  return head;
}

// What the job knows besides its predictor; `missing` collects, in order, every figure it cannot give.
struct Context {
  const JobOptions& o;
  const predictor::Predictor& pred;
  const profiler::Profile* profile;  // the host's measured profile, or nullptr
  bool host;
  int64_t t;
  std::vector<std::string>& missing;
};

AccuracyModel accuracy_model(const JobOptions& o) {
  return o.accuracy == "proxy" ? fit_proxy() : o.accuracy == "macs" ? macs_capacity() : fit_user(o.accuracy);
}

// After the space is read too, so that bad input fails with its one line alone on stderr.
void announce(const JobOptions& o, const AccuracyModel& acc) {
  if (!o.progress) return;
  if (!acc.loo_mae_pp) {
    std::fprintf(stderr, "accuracy model: %s (no top-1)\n", acc.name.c_str());
    return;
  }
  std::fprintf(stderr, "accuracy model: %s (MAE leave one model out %.2f pp, leave one family out %.2f pp)\n",
               acc.name.c_str(), *acc.loo_mae_pp, acc.lofo_mae_pp.value_or(NAN));
}

struct ZooTable {
  std::vector<results::ZooRow> rows;
  results::RankCorrelations rank_correlations;
};

std::optional<double> finite(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

std::optional<double> find_us(const std::map<std::string, double>& by_model, const std::string& model) {
  const auto it = by_model.find(model);
  return it != by_model.end() ? std::optional<double>(it->second) : std::nullopt;
}

// Every zoo model counted and predicted, and how well MACs, params and the prediction rank the latencies
// known without the predictor (MobileOne's analysis).
ZooTable zoo_table(const Context& c, const AccuracyModel& acc, const KnownLatencies& known) {
  ZooTable z;
  std::vector<double> z_macs, z_params, z_pred, z_actual;
  for (const ZooEntry& e : zoo()) {
    const Network net = load_model(e.name);
    const Capacity cap = capacity(net, count(net));
    double us = NAN;
    try {
      us = predictor::predict(c.pred, net, c.t).latency_us;
    } catch (const InputError& err) {
      // e.g. a quick profile without transposed convs: say so instead of guessing.
      c.missing.push_back("no prediction for " + e.name + ": " + err.what());
    }
    results::ZooRow& row = z.rows.emplace_back();
    row.name = e.name, row.family = e.family, row.resolution = net.input.h, row.params = cap.params,
    row.macs = cap.macs;
    row.published_top1 = e.top1();
    // Every model is estimated, published or not; outside the support the estimate is unknown (null).
    if (acc.kind != AccuracyKind::macs) {
      const Estimate x = acc.estimate(cap);
      row.support_distance = x.support_distance, row.inside_support = x.inside;
      if (x.inside) row.estimated_top1 = x.top1, row.estimated_top1_low = x.low, row.estimated_top1_high = x.high;
    }
    row.predicted_latency_us = finite(us);
    row.published_latency_us = find_us(known.published_us, e.name);
    row.measured_latency_us = find_us(known.measured_us, e.name);
    row.predicted_macps = finite(cap.macs / (us * 1e-6));
    const std::optional<double> actual = c.host ? row.measured_latency_us : row.published_latency_us;
    if (actual && std::isfinite(us)) {
      z_macs.push_back(cap.macs);
      z_params.push_back(cap.params);
      z_pred.push_back(c.host ? us : known.held_out.at(e.name).predicted_us);
      z_actual.push_back(*actual);
    }
  }
  if (z_actual.size() >= 3) {
    z.rank_correlations = {c.host ? results::LatencySource::measured : results::LatencySource::published,
                           static_cast<int64_t>(z_actual.size()), profiler::spearman(z_macs, z_actual),
                           profiler::spearman(z_params, z_actual), profiler::spearman(z_pred, z_actual)};
  } else {
    std::vector<double> m, p, l;
    for (const results::ZooRow& r : z.rows)
      if (r.predicted_latency_us) m.push_back(r.macs), p.push_back(r.params), l.push_back(*r.predicted_latency_us);
    z.rank_correlations = {results::LatencySource::predicted, static_cast<int64_t>(l.size()), profiler::spearman(m, l),
                           profiler::spearman(p, l), std::nullopt};
    c.missing.push_back(
        "rank correlations use predicted latencies: no measured or published latencies of zoo models on " + c.o.device);
  }
  return z;
}

struct DesignRules {
  profiler::DesignRules derived;                 // profiler::derive_rules of the measured or predicted profile
  std::vector<results::BlockMacps> block_macps;  // MACpS vs channels of the CPUBone block variants
  FusedVsUnfused fused;                          // the fused_crossover rule, the channels chart and its table
};

// Design rules: measured on the host, predicted elsewhere.
DesignRules design_rules(const Context& c) {
  if (c.o.progress) std::fprintf(stderr, "design rules from the %s\n", c.profile ? "measured profile" : "predictor");
  const profiler::Profile predicted = c.profile ? profiler::Profile{} : predicted_profile(c.pred, c.t);
  const profiler::Profile& rule_profile = c.profile ? *c.profile : predicted;
  DesignRules d{profiler::derive_rules(rule_profile), {}, fused_vs_unfused(rule_profile, c.t)};
  for (const profiler::ProfileRecord& cfg : rule_profile[profiler::ProfileSection::configs])
    if (const std::optional<LocalBlock> b = local_block(cfg, c.t))
      d.block_macps.push_back(
          {b->name, cfg.channels, cfg.resolution, cfg.macps, cfg.median_us(), c.profile ? "measured" : "predicted"});
  if (c.profile && !c.profile->complete)
    c.missing.push_back("the host profile is incomplete; rules rest on part of the grid");
  return d;
}

// B0-B3 evaluated as networks (they need not be points of a user's restricted space); those that are
// points of the space seed the search.
std::vector<Evaluated> evaluate_baselines(const Context& c, const AccuracyModel& acc, const SearchSpace& space,
                                          SearchOptions& so) {
  std::vector<Evaluated> baselines;
  for (const std::string_view baseline : cpubone_baselines) {
    const std::string name(baseline);
    baselines.push_back(
        {evaluate_network(load_model(name), c.pred, acc, c.t), name, find_zoo(name)->top1(), std::nullopt});
    try {
      baselines.back().point = space.encode(*find_zoo(name)->macro);
      so.seeds.push_back(*baselines.back().point);
    } catch (const InputError& err) {
      if (c.o.progress)
        std::fprintf(stderr, "note: %s is not a point of the search space, not used as a seed (%s)\n", name.c_str(),
                     err.what());
    }
  }
  return baselines;
}

struct Searched {
  SearchOptions options;
  SearchResult nsga, random;
  double hv = 0, hv_random = 0, lat_ref = 0, obj_ref = INFINITY;
  double evaluations_per_s = 0;
};

// NSGA-II, then random search with the same number of distinct evaluations, compared by hypervolume.
Searched run_search(const Context& c, const SearchSpace& space, const AccuracyModel& acc,
                    const std::vector<Evaluated>& baselines, const SearchOptions& so) {
  Searched s;
  s.options = so;
  Evaluator ev(space, c.pred, acc, c.t, c.o.constraints);
  if (c.o.progress)
    s.options.progress = [bar = std::shared_ptr<profiler::Progress>()](int64_t done, int64_t total) mutable {
      if (!bar) bar = std::make_shared<profiler::Progress>("search", "evaluated", static_cast<size_t>(total));
      bar->update(static_cast<size_t>(done));
    };
  s.nsga = nsga2(ev, s.options);
  Evaluator ev_random(space, c.pred, acc, c.t, c.o.constraints);
  SearchOptions ro = s.options;
  ro.evaluations = s.nsga.evaluations;
  ro.progress = nullptr;
  s.random = random_search(ev_random, ro);
  for (const auto& b : baselines) s.lat_ref = std::max(s.lat_ref, 1.1 * b.latency_us);
  if (c.o.constraints.max_latency_us) s.lat_ref = *c.o.constraints.max_latency_us;
  for (const auto* f : {&s.nsga.front, &s.random.front})
    for (const auto& x : *f) s.obj_ref = std::min(s.obj_ref, x.objective);
  for (const auto& b : baselines) s.obj_ref = std::min(s.obj_ref, b.objective);
  s.hv = hypervolume(s.nsga.front, s.lat_ref, s.obj_ref);
  s.hv_random = hypervolume(s.random.front, s.lat_ref, s.obj_ref);
  s.evaluations_per_s = static_cast<double>(s.nsga.evaluations) / std::max(1e-9, s.nsga.seconds);
  if (c.o.progress)
    std::fprintf(
        stderr,
        "search: %lld evaluations in %.2f s (%.0f / s), front of %zu; hypervolume %.4g vs random %.4g (x%.3f)\n",
        static_cast<long long>(s.nsga.evaluations), s.nsga.seconds, s.evaluations_per_s, s.nsga.front.size(),
        s.hv / 1e3, s.hv_random / 1e3, s.hv / s.hv_random);
  return s;
}

struct Proposals {
  std::vector<std::string> ids;  // of the front members, p000 fastest
  std::vector<results::ParetoRow> pareto;
  std::vector<results::BaselineProposals> proposals;
  std::vector<std::pair<std::string, std::string>> files;  // path, macro JSON text (pareto/ and matched/)
  std::vector<Macro> macros;                               // of the proposed front members, earned or not
  std::vector<size_t> to_prove;  // front index of each baseline's fastest earned proposal, once each
  struct Matched {
    std::string id;
    Macro macro;
    double predicted_us;
  };
  std::vector<Matched> matched_to_prove;  // each baseline's fastest capacity-matched configuration
};

// On a calibrated device: the share of a network's time in work its calibration networks barely exercised,
// and those kinds ("attention 22%, norm 8%; 30% of the interval's width"); left unset on the host and for
// devices calibrated before it.
void fill_uncalibrated(const Context& c, const Network& net, results::ParetoRow& row) {
  if (!c.pred.calibrated) return;
  const predictor::NetworkPrediction pred = predictor::predict(c.pred, net, c.t);
  if (!pred.uncalibrated) return;
  std::string kinds;
  for (const auto& [kind, share] : pred.uncalibrated->kinds)
    if (std::lround(100 * share) > 0)
      kinds += (kinds.empty() ? "" : ", ") + to_string(kind) + " " + std::to_string(std::lround(100 * share)) + "%";
  // The pooled interval method says how much of the interval's width that work adds (predictor/interval.hpp).
  if (!kinds.empty() && pred.widening && pred.widening->width_share_unseen)
    kinds += "; " + std::to_string(std::lround(100 * *pred.widening->width_share_unseen)) + "% of the interval's width";
  row.uncalibrated_share = pred.uncalibrated->share;
  row.uncalibrated_kinds = kinds;
}

// The Pareto front as macro files, and for each baseline the front members that dominate it: earned (by
// the lower end of the top-1 interval) or promising but unproven (by the point estimate only).
Proposals propose(const Context& c, const SearchSpace& space, const std::vector<Candidate>& front,
                  const std::vector<Evaluated>& baselines) {
  Proposals p;
  for (size_t i = 0; i < front.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "p%03zu", i);
    p.ids.push_back(id);
    const Candidate& x = front[i];
    const std::string file = std::string("pareto/") + id + ".json";
    const Macro macro = space.decode(x.genome, id);
    p.files.emplace_back((std::filesystem::path(c.o.out_dir) / file).string(), to_json(macro).dump(2) + "\n");
    p.pareto.push_back(pareto_row(id, file, space.summary(x.genome), x));
    fill_uncalibrated(c, expand(macro, file), p.pareto.back());
  }
  std::set<size_t> proposed;
  for (const Evaluated& b : baselines) {
    results::BaselineProposals row = baseline_proposals(b.name, b, b.published_top1);
    std::optional<size_t> fastest;
    for (size_t i = 0; i < front.size(); ++i) {
      const Candidate& x = front[i];
      const Domination d = b.published_top1 ? domination(x, b.latency_us, *b.published_top1) : Domination::none;
      if (d == Domination::none) continue;
      proposed.insert(i);
      const results::ProposalRow r = proposal_row(p.ids[i], x, b.latency_us, *b.published_top1);
      if (d == Domination::earned) {
        if (!fastest) fastest = i;  // the front is fastest first
        row.dominating.push_back(r);
      } else {
        row.promising_unproven.push_back(r);
      }
    }
    if (fastest && std::find(p.to_prove.begin(), p.to_prove.end(), *fastest) == p.to_prove.end())
      p.to_prove.push_back(*fastest);
    p.proposals.push_back(std::move(row));
  }
  for (size_t i : proposed) p.macros.push_back(space.decode(front[i].genome, p.ids[i]));
  return p;
}

// For each baseline that is a point of the space, its capacity-matched tier (explorer/matched.hpp); the
// configurations' macro files go to DIR/matched/.
std::vector<results::MatchedTier> capacity_matched_tier(const Context& c, const SearchSpace& space,
                                                        const AccuracyModel& acc,
                                                        const std::vector<Evaluated>& baselines, Proposals& p) {
  std::vector<results::MatchedTier> out;
  MatchedOptions mo;
  mo.evaluations = c.o.matched_evaluations;
  mo.seed = c.o.search.seed;
  mo.constraints = c.o.constraints;
  for (const Evaluated& b : baselines) {
    results::MatchedTier row;
    row.baseline = b.name;
    row.baseline_latency_us = b.latency_us, row.baseline_params = b.params, row.baseline_macs = b.macs;
    row.baseline_published_top1 = b.published_top1;
    row.tolerance = mo.tolerance;
    row.fixed = "resolution, head, stage widths, stage depths, attention on/off";
    row.seed = mo.seed;
    if (!b.point) {
      row.not_a_point = b.name + " is not a point of the search space";
      c.missing.push_back("no capacity-matched tier for " + b.name + ": it is not a point of the search space");
      out.push_back(row);
      continue;
    }
    const MatchedTier t = capacity_matched(space, *b.point, b.name, c.pred, acc, c.t, mo);
    row.varied = t.varied;
    row.space_points = t.space.size();
    row.method = t.method;
    row.evaluations = t.evaluations;
    row.front_size = static_cast<int64_t>(t.front_size);
    for (size_t k = 0; k < t.fastest.size(); ++k) {
      const Candidate& x = t.fastest[k];
      const std::string id = b.name + "-m" + std::to_string(k), file = "matched/" + id + ".json";
      p.files.emplace_back((std::filesystem::path(c.o.out_dir) / file).string(),
                           to_json(t.space.decode(x.genome, id)).dump(2) + "\n");
      const Domination d = b.published_top1 ? domination(x, b.latency_us, *b.published_top1) : Domination::none;
      row.configurations.push_back(matched_configuration(id, file, t.space.summary(x.genome), x, b, d));
      if (k == 0) p.matched_to_prove.push_back({id, t.space.decode(x.genome, id), x.latency_us});
    }
    if (c.o.progress)
      std::fprintf(stderr, "capacity-matched %s: %s over %.3g points, %lld evaluated, %zu on its front\n",
                   b.name.c_str(), std::string(results::matched_method_names.name_of(t.method)).c_str(), t.space.size(),
                   static_cast<long long>(t.evaluations), t.front_size);
    out.push_back(row);
  }
  return out;
}

// Operators the executor runs without an XNNPACK microkernel, each kind and way once.
struct EmulatedOps {
  std::vector<results::EmulatedOp> list;
  std::set<std::string> seen;
  void note(const Network& net, const std::vector<profiler::Implementation>& impl) {
    for (size_t i = 0; i < impl.size(); ++i)
      if (impl[i].emulated && seen.insert(std::string(net.ops[i].kind()) + impl[i].how).second)
        list.push_back({std::string(net.ops[i].kind()), impl[i].how});
  }
};

// What the executor would do with B0-B3, where nothing is measured.
void note_baselines_emulated(EmulatedOps& emulated) {
  for (const std::string_view name : cpubone_baselines) {
    const Network net = load_model(std::string(name));
    emulated.note(net, profiler::plan_implementations(net, 1));
  }
}

struct Proof {
  std::optional<results::Proof> proof;           // the results' "proof" object
  Json environment;                              // of this machine, with the CPU pinning
  std::optional<profiler::LayerTimings> layers;  // of the layers model, when it was measured
};

// Proof on this machine: B0-B3, each baseline's fastest earned proposal and its fastest capacity-matched
// configuration, measured; their measured latencies are filled into the Pareto, proposal and tier tables.
Proof prove_on_host(const Context& c, const SearchSpace& space, const std::vector<Evaluated>& baselines,
                    const std::vector<Candidate>& front, Proposals& p, std::vector<results::MatchedTier>& matched,
                    EmulatedOps& emulated) {
  Proof proof;
  results::Proof& out = proof.proof.emplace();
  out.threads = c.t;
  const std::string pinned = profiler::pin_to_cpus(c.t);
  proof.environment = profiler::to_json(profiler::capture_environment(c.t));
  proof.environment["pinning"] = pinned;
  struct Row {
    std::string name;
    Network net;
    double predicted_us;
  };
  std::vector<Row> rows;
  for (const auto& b : baselines) rows.push_back({b.name, load_model(b.name), b.latency_us});
  for (size_t i : p.to_prove)
    rows.push_back({p.ids[i], expand(space.decode(front[i].genome, p.ids[i]), p.ids[i]), front[i].latency_us});
  for (const auto& m : p.matched_to_prove) rows.push_back({m.id, expand(m.macro, m.id), m.predicted_us});
  // A baseline without an earned proposal is measured alone: no unproven one stands in for it.
  std::vector<std::string>& unmeasured = out.not_measured.emplace();
  for (const auto& pr : p.proposals)
    if (pr.dominating.empty())
      unmeasured.push_back(
          pr.baseline + ": no earned proposal, so none was measured against it" +
          (pr.promising_unproven.empty() ? "" : " (promising, unproven ones are not measured in its place)"));
  std::vector<double> predicted, measured;
  profiler::Interference noise;
  std::optional<profiler::Progress> bar;
  if (c.o.progress) bar.emplace("measure", "measured", rows.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    if (bar) bar->update(k);
    profiler::NetworkRun run{c.t, 1, rows[k].name == c.o.layers_model, {}};
    run.timing.min_time_s = c.o.measure_min_time_s;
    run.timing.min_runs = c.o.measure_min_runs, run.timing.warmup_runs = c.o.measure_warmup_runs;
    const profiler::NetworkTimings r = profiler::time_network(rows[k].net, run);
    if (run.layers) proof.layers = r.timings;
    emulated.note(rows[k].net, r.implementations);
    const profiler::Timing& t = r.timings.network;
    predicted.push_back(rows[k].predicted_us);
    measured.push_back(t.stats_us.median);
    out.rows.push_back(
        {rows[k].name, rows[k].predicted_us, measured.back(), t.stats_us.cv, t.noisy, profiler::to_json(t), 0, 0});
    noise.add(k < baselines.size() ? "baselines" : "proposals", t);
  }
  if (bar) bar->update(rows.size());
  const auto rp = profiler::ranks(predicted, profiler::Ties::lowest_rank),
             rm = profiler::ranks(measured, profiler::Ties::lowest_rank);
  std::map<std::string, double> by_name;
  for (size_t k = 0; k < out.rows.size(); ++k) {
    out.rows[k].predicted_rank = static_cast<int64_t>(rp[k]);  // places: whole numbers with lowest_rank
    out.rows[k].measured_rank = static_cast<int64_t>(rm[k]);
    by_name[rows[k].name] = measured[k];
  }
  auto fill = [&](std::optional<double>& target, const std::string& name) {
    const auto it = by_name.find(name);
    if (it != by_name.end()) target = it->second;
  };
  for (auto& x : p.pareto) fill(x.measured_latency_us, x.id);
  for (auto& pr : p.proposals) {
    fill(pr.baseline_measured_latency_us, pr.baseline);
    for (auto& d : pr.dominating) fill(d.measured_latency_us, d.id);
  }
  for (auto& tier : matched) {
    fill(tier.baseline_measured_latency_us, tier.baseline);
    for (auto& m : tier.configurations) fill(m.measured_latency_us, m.id);
  }
  out.spearman = profiler::spearman(predicted, measured);
  out.note =
      "B0-B3, each baseline's fastest earned proposal and its fastest capacity-matched configuration, measured on this "
      "machine (medians)";
  // What the machine did to these measurements and to the profile's, behind every measured figure.
  c.missing.insert(c.missing.end(), unmeasured.begin(), unmeasured.end());
  out.interference = noise.to_json();
  proof.environment["noisy_measurements"]["proof"] = noise.brief();
  if (c.profile)
    proof.environment["noisy_measurements"]["profile"] = profiler::profile_interference(*c.profile).brief();
  return proof;
}

struct Layers {
  results::Layers layers;                           // the results' "layers" object
  std::vector<results::RooflinePoint> roof_points;  // roofline points of the same ops
};

// Per-layer breakdown and roofline points of one model; measured times where it was measured.
Layers layer_breakdown(const Context& c, const std::optional<profiler::LayerTimings>& measured) {
  const Network net = load_model(c.o.layers_model);
  const auto lp = predictor::predict(c.pred, net, c.t);
  const NetworkCount lc = count(net);
  Layers out;
  out.layers.model = net.name;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const double measured_us = measured ? measured->ops[i].stats_us.median : NAN;
    OpRow op = op_row(net, i, lc.layers[i]);
    op.op_class = to_string(lp.ops[i].op_class);
    op.predicted_us = lp.ops[i].latency_us;
    if (std::isfinite(measured_us)) op.measured_us = measured_us;
    out.layers.ops.push_back({std::move(op), stage_of(net.ops[i].name)});
    const double bytes = static_cast<double>(lc.layers[i].bytes);
    if (lp.ops[i].macs <= 0 || bytes <= 0) continue;
    const double us = std::isfinite(measured_us) ? measured_us : lp.ops[i].latency_us;
    out.roof_points.push_back(
        {net.name, net.ops[i].name, std::string(to_string(lp.ops[i].op_class)), lp.ops[i].macs / bytes,
         lp.ops[i].macs / (us * 1e-6),
         std::isfinite(measured_us) ? results::TimeSource::measured : results::TimeSource::predicted});
  }
  return out;
}

// The roofline's ceilings: the profile's measured peaks on the host, a calibrated device's stated ones
// (its hardware description: the fp32 peak of the cores its runtime used, and DRAM bandwidth); else none.
results::Roofline roofline(const Context& c, const std::vector<results::RooflinePoint>& points) {
  results::Roofline roof{std::nullopt, std::nullopt, std::nullopt, points};
  if (c.profile)
    for (const profiler::ProfilePeak& pk : c.profile->peaks)
      if (pk.threads == c.t) roof = {pk.peak_macps, pk.bandwidth_bytes_per_s, results::CeilingSource::profile, points};
  if (!roof.peak_macps && c.pred.calibrated) {
    const predictor::Hardware& hw = c.pred.calibrated->hardware;
    roof = {hw.peak_macps(), hw.dram_bytes_per_s, results::CeilingSource::hardware, points};
  }
  if (!roof.peak_macps)
    c.missing.push_back("no measured peak MACpS or bandwidth for " + c.o.device + " (roofline without ceilings)");
  return roof;
}

// FasterNet's Table 1 as measured in the profile.
std::optional<std::vector<results::OperatorRow>> operator_table(const Context& c,
                                                                const profiler::DesignRules& derived) {
  if (!c.profile) {
    c.missing.push_back("no FasterNet operator table: it needs measurements on " + c.o.device);
    return std::nullopt;
  }
  std::vector<results::OperatorRow> table;
  for (const profiler::FasternetRow& r : derived.fasternet_table1)
    if (r.threads == c.t)  // profiler/profile/rules.cpp's table is in milliseconds
      table.push_back({r.op, r.channels, r.resolution, r.macs, r.latency_ms * 1e3, r.macps});
  return table;
}

results::SearchRun search_summary(const JobOptions& o, const SearchSpace& space, const AccuracyModel& acc,
                                  const Searched& s) {
  results::SearchRun r;
  r.algorithm = "NSGA-II", r.seed = s.options.seed, r.space = o.space_file.empty() ? "default" : o.space_file;
  r.space_points = space.size(), r.evaluations = s.nsga.evaluations, r.lookups = s.nsga.lookups;
  r.evaluations_per_second = s.evaluations_per_s, r.seconds = s.nsga.seconds, r.population = s.options.population;
  r.generations = s.nsga.generations, r.stopped_by_time = s.nsga.stopped_by_time;
  r.constraints = {o.constraints.max_latency_us, o.constraints.max_params, o.constraints.max_macs};
  const bool top1 = acc.kind != AccuracyKind::macs;
  r.hypervolume = {s.hv,
                   s.hv_random,
                   s.hv_random > 0 ? std::optional<double>(s.hv / s.hv_random) : std::nullopt,
                   {s.lat_ref, s.obj_ref, top1 ? std::optional<double>(s.obj_ref) : std::nullopt},
                   s.random.evaluations};
  for (const auto& x : s.random.front) r.random_front.push_back({x.latency_us, x.top1, x.objective});
  return r;
}

// Pareto files and results.json, written only now, so an interrupted job leaves no partial set behind.
void write_results(const JobOptions& o, const Results& results,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  std::filesystem::create_directories(std::filesystem::path(o.out_dir) / "pareto");
  for (const auto& [path, text] : files) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    write_file_atomic(path, text);
  }
  write_file_atomic((std::filesystem::path(o.out_dir) / "results.json").string(), cpx::to_json(results).dump(1) + "\n");
}

// Whose timings a calibrated device rests on; null on the host.
std::optional<results::TimedBy> timed_by(const predictor::Predictor& pred) {
  if (!pred.calibrated) return std::nullopt;
  switch (pred.calibrated->timed_by) {
    case predictor::TimedBy::published: return results::TimedBy::published;
    case predictor::TimedBy::user: return results::TimedBy::user;
    case predictor::TimedBy::project: return results::TimedBy::project;
    case predictor::TimedBy::zero_shot: return results::TimedBy::zero_shot;
  }
  return std::nullopt;
}

}  // namespace

void validate(const JobOptions& o) {
  // On the host the threads run here (the proof measures, the predictor is this machine's); a calibrated
  // device's are its runtime's, checked against its own (predictor::prediction_threads).
  if (o.threads && predictor::resolve_device(o.device).is_host()) check_threads_option(*o.threads);
  else if (o.threads && (*o.threads < 1 || *o.threads > 256))
    throw FieldError(Field::threads, std::to_string(*o.threads), "out of range [1, 256]");
  if (o.search.evaluations < 10 || o.search.evaluations > 100'000'000)
    throw FieldError(Field::evaluations, std::to_string(o.search.evaluations), "out of range [10, 100000000]");
  if (o.matched_evaluations < 1 || o.matched_evaluations > 100'000'000)
    throw InputError("matched_evaluations = " + std::to_string(o.matched_evaluations) +
                     ": out of range [1, 100000000]");
  if (o.search.population < 4 || o.search.population > 10000)
    throw FieldError(Field::population, std::to_string(o.search.population), "out of range [4, 10000]");
  if (!(o.search.max_seconds >= 0) || o.search.max_seconds > 86400)
    throw FieldError(Field::budget_s, std::to_string(o.search.max_seconds),
                     "out of range [0, 86400] (0: no time limit)");
  if (o.accuracy != "proxy" && o.accuracy != "macs" && !std::filesystem::exists(o.accuracy))
    throw FieldError(Field::accuracy, "\"" + o.accuracy + "\"", "not proxy, macs or an existing CSV file");
  if (!o.space_file.empty() && !std::filesystem::exists(o.space_file))
    throw FieldError(Field::space, "\"" + o.space_file + "\"", "cannot open file");
  // The latency limit in milliseconds, as the command line and the Python module take it.
  const std::pair<std::optional<double>, Field> limits[] = {
      {o.constraints.max_latency_us ? std::optional<double>(*o.constraints.max_latency_us / 1e3) : std::nullopt,
       Field::max_latency_ms},
      {o.constraints.max_params, Field::max_params},
      {o.constraints.max_macs, Field::max_macs}};
  for (const auto& [v, field] : limits)
    if (v && !(*v > 0 && std::isfinite(*v))) throw FieldError(field, std::to_string(*v), "must be positive");
  if (!find_zoo(o.layers_model)) throw FieldError(Field::layers_model, "\"" + o.layers_model + "\"", "not a zoo model");
}

Results run_job(const JobOptions& o, const predictor::Predictor& pred, const profiler::Profile* profile) {
  const auto job_start = std::chrono::steady_clock::now();
  validate(o);
  std::vector<std::string> missing;
  const int64_t threads = predictor::prediction_threads(pred, o.threads);
  const Context c{o, pred, profile, predictor::resolve_device(o.device).is_host(), threads, missing};

  // The --space file before the accuracy model: a bad file is refused at once, not after the proxy's fit
  // (seconds under the sanitizers, where the bad-input table's --space rows paid it each).
  const SearchSpace space = o.space_file.empty() ? SearchSpace::defaults()
                                                 : SearchSpace::from_json(read_json_file(o.space_file), o.space_file);
  const AccuracyModel acc = accuracy_model(o);
  announce(o, acc);
  const KnownLatencies known = known_latencies(c.pred, c.profile, c.t);
  const ZooTable zoo_rows = zoo_table(c, acc, known);
  const DesignRules rules = design_rules(c);
  SearchOptions so = o.search;
  const std::vector<Evaluated> baselines = evaluate_baselines(c, acc, space, so);
  const Searched searched = run_search(c, space, acc, baselines, so);
  Proposals proposals = propose(c, space, searched.nsga.front, baselines);
  if (acc.kind == AccuracyKind::macs)
    missing.push_back("no proposal can earn domination: the second objective is MACs, so there is no top-1 interval");
  std::vector<results::MatchedTier> matched = capacity_matched_tier(c, space, acc, baselines, proposals);

  EmulatedOps emulated;
  Proof proof;
  if (c.host && o.prove) {
    proof = prove_on_host(c, space, baselines, searched.nsga.front, proposals, matched, emulated);
  } else {
    if (!c.host)
      missing.push_back("no measured latencies: " + o.device + " is not this machine (" + pred.runtime + ")");
    note_baselines_emulated(emulated);
  }
  const Layers layers = layer_breakdown(c, proof.layers);
  const results::Roofline roof = roofline(c, layers.roof_points);
  std::optional<results::PredictorAccuracy> accuracy =
      predictor_accuracy(c.pred, c.o.device, c.host, zoo_rows.rows, known, c.missing);
  std::optional<std::vector<results::OperatorRow>> operators = operator_table(c, rules.derived);
  if (acc.kind == AccuracyKind::macs) missing.push_back("no top-1 estimates: the second objective is MACs");
  if (searched.nsga.stopped_by_time)
    missing.push_back(
        "the search stopped at its time limit before its evaluation budget; rerun for a reproducible result");

  Results r;
  r.schema = results_schema;
  r.created = now_utc();
  r.tool = {"cpubone-explore", CPX_VERSION, o.command};
  r.device = {o.device, pred.runtime, c.host, timed_by(pred), c.t, pred.provenance.document};
  r.environment = proof.environment;
  r.machine_notes = machine_notes_from_json(r.device.provenance, r.environment);
  r.accuracy_model = to_results(acc);
  r.zoo = zoo_rows.rows;
  r.design_rules =
      state_rules(rules.derived, rules.fused, c.t,
                  profile ? results::RuleSource::profile : results::RuleSource::predictor, proposals.macros);
  r.design_rules_detail = profiler::to_json(rules.derived);
  r.block_macps = rules.block_macps;
  r.fused_crossover_channels = rules.fused.crossover_channels;
  r.fused_vs_unfused = to_results(rules.fused);
  r.roofline = roof;
  r.search = search_summary(o, space, acc, searched);
  r.capacity_matched = std::move(matched);
  r.pareto = std::move(proposals.pareto);
  r.proposals = std::move(proposals.proposals);
  r.proof = std::move(proof.proof);
  r.layers = layers.layers;
  r.predictor_accuracy = std::move(accuracy);
  r.rank_correlations = zoo_rows.rank_correlations;
  r.operator_table = std::move(operators);
  r.emulated_ops = emulated.list;
  r.missing = missing;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - job_start).count();
  write_results(o, r, proposals.files);
  return r;
}

}  // namespace cpx::explorer
