#include "predictor/validate/validate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "predictor/devices.hpp"
#include "predictor/validate/ood_networks.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/machine_speed.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/profile/cpus.hpp"
#include "profiler/profile/interference.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "profiler/profile/profile_file.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

using profiler::median;

namespace {

// Predictor and baseline scores of the rows whose set is in `sets`, and the worst predictions; with a
// `speed`, also the predictor's scores with every prediction multiplied by its ratio.
SetSummary set_summary(const std::vector<ValidationRow>& rows, std::initializer_list<HeldOutSet> sets,
                       const std::optional<SpeedVsProfile>& speed) {
  std::vector<double> measured, ours, by_quadratic, by_macs, by_params;
  std::vector<const ValidationRow*> mine;
  for (const ValidationRow& r : rows) {
    if (std::find(sets.begin(), sets.end(), r.set) == sets.end()) continue;
    mine.push_back(&r);
    measured.push_back(r.measured_us);
    ours.push_back(r.predicted_us);
    by_quadratic.push_back(r.quadratic_baseline_us);
    by_macs.push_back(r.macs_baseline_us);
    by_params.push_back(r.params_baseline_us);
  }
  SetSummary out;
  out.networks = mine.size();
  if (mine.empty()) return out;
  out.predictor = accuracy_of(ours, measured);
  // How often the measured time fell inside the predicted interval (rows without one are left out).
  double inside = 0, with_interval = 0;
  for (const ValidationRow* r : mine)
    if (r->predicted_interval_us) {
      ++with_interval;
      inside += r->measured_us >= (*r->predicted_interval_us)[0] && r->measured_us <= (*r->predicted_interval_us)[1];
    }
  if (with_interval > 0) out.interval_coverage = inside / with_interval;
  // The instrument: how often this run's own measurements of the same networks agree with themselves.
  std::vector<std::vector<double>> round_medians;
  for (const ValidationRow* r : mine) round_medians.push_back(r->measured_round_medians_us);
  out.instrument = repeatability(round_medians);
  out.verdict = instrument_verdict(*out.predictor, out.instrument);
  if (speed) {
    std::vector<double> scaled = ours;
    for (double& v : scaled) v *= speed->ratio;
    out.predictor_at_measured_speed = accuracy_of(scaled, measured);
    // Each round's time brought to the profile's speed by the reference timed around it: the machine's
    // drift within the run taken out, as far as the reference sees it (within a run it can move more than
    // the run's median is off the profile's: docs/log/predictor.md, moved from code comments).
    std::vector<double> at_profile_speed;
    for (const ValidationRow* r : mine) {
      std::vector<double> rounds;
      for (size_t k = 0; k < r->measured_round_medians_us.size(); ++k)
        rounds.push_back(r->measured_round_medians_us[k] * speed->profile_median_us /
                         r->measured_round_reference_us[k]);
      at_profile_speed.push_back(median(rounds));
    }
    out.predictor_at_local_speed = accuracy_of(ours, at_profile_speed);
  }
  out.baseline_quadratic = accuracy_of(by_quadratic, measured);
  out.baseline_macs = accuracy_of(by_macs, measured);
  out.baseline_params = accuracy_of(by_params, measured);
  std::sort(mine.begin(), mine.end(),
            [](const ValidationRow* a, const ValidationRow* b) { return std::abs(a->error) > std::abs(b->error); });
  for (size_t i = 0; i < std::min<size_t>(5, mine.size()); ++i) out.worst.push_back(*mine[i]);
  return out;
}

void check_options(const std::string& device, const ValidateOptions& o) {
  if (!resolve_device(device).is_host())
    throw FieldError(Field::device, "\"" + device + "\"", "validation measures, so it runs on the host only");
  if (o.samples < 0 || o.samples > 10000)
    throw FieldError(Field::samples, std::to_string(o.samples), "out of range [0, 10000]");
  if (o.rounds < 1 || o.rounds > 100)
    throw FieldError(Field::rounds, std::to_string(o.rounds), "out of range [1, 100]");
  if (!(o.min_time_s >= 0 && o.min_time_s <= 60))
    throw FieldError(Field::min_time_s, std::to_string(o.min_time_s), "out of range [0, 60]");
  if (o.ood < 0 || o.ood > 10000) throw FieldError(Field::ood, std::to_string(o.ood), "out of range [0, 10000]");
  profiler::check_threads(o.threads);
  if (o.seed + static_cast<uint64_t>(o.samples) > profiler::training_seed_base)
    throw FieldError(Field::seed, std::to_string(o.seed),
                     "sampled seeds must stay below " + std::to_string(profiler::training_seed_base) +
                         ", where the profile's training networks start");
}

// The baselines, fitted on the same training measurements as the predictor (the profile's blocks and ops).
struct Baselines {
  double const_macps = 0, us_per_param = 0;
  // The model issue 16 started from (per class a quadratic in log features with boosted residuals, no
  // roofline), fitted on the same profile: scored on the same measurements as the predictor, it is the
  // "before" of a before-and-after that machine drift between two validate runs cannot blur.
  Predictor quadratic;
};

Baselines fit_baselines(const profiler::Profile& profile, const std::string& profile_path, int64_t threads) {
  std::vector<double> log_macps, log_us_per_param;
  for (const profiler::ProfileSection section : {profiler::ProfileSection::configs, profiler::ProfileSection::ops})
    for (const profiler::ProfileRecord& r : profile[section]) {
      if (r.threads != threads) continue;
      const double us = r.median_us();
      // Records without a parameter count (hand-made profiles) stay out of the params baseline only.
      const double macs = static_cast<double>(r.macs), params = static_cast<double>(r.params_inference);
      if (macs > 0) log_macps.push_back(std::log(macs / (us * 1e-6)));
      if (params > 0) log_us_per_param.push_back(std::log(us / params));
    }
  if (log_macps.empty() || log_us_per_param.empty())
    throw InputError(profile_path + ": no measurements " + (log_macps.empty() ? "" : "with params_inference ") + "at " +
                     std::to_string(threads) + " thread(s) to fit the baselines");
  FitOptions quadratic_options;
  quadratic_options.roofline = false;
  quadratic_options.allow_noisy = true;                            // the predictor was fitted from this very profile
  quadratic_options.zoo_families = FitOptions::ZooFamilies::none;  // as it was: on the sampled networks alone
  return {std::exp(median(log_macps)), std::exp(median(log_us_per_param)),
          fit(profile, profile_path, quadratic_options)};
}

struct HeldOut {
  std::string name;
  Network net;
  HeldOutSet set;      // zoo, sampled or ood
  std::string blocks;  // ood: what the network is made of
  std::string family;  // zoo: its family
};

std::vector<HeldOut> held_out_networks(const ValidateOptions& o) {
  std::vector<HeldOut> held_out;
  for (const auto& e : zoo()) held_out.push_back({e.name, e.build(0), HeldOutSet::zoo, "", e.family});
  for (int64_t i = 0; i < o.samples; ++i) {
    Macro m = sample_cpubone_like(o.seed + static_cast<uint64_t>(i));
    held_out.push_back({m.name, expand(m, m.name), HeldOutSet::sampled, "", ""});
  }
  for (int64_t i = 0; i < o.ood; ++i) {
    OodNetwork n = ood_network(o.ood_seed + static_cast<uint64_t>(i));
    held_out.push_back({n.network.name, std::move(n.network), HeldOutSet::ood, std::move(n.blocks), ""});
  }
  return held_out;
}

// One network's measurements, measured now or read back from a validation file.
struct NetworkRounds {
  std::vector<double> medians_us, cvs;  // one per round
  // Per round: the mean of the reference's times just before and just after that measurement.
  std::vector<double> round_reference_us;
  // With ValidateOptions::layers: each op's median time inside the network (nullopt: fused into another
  // op's kernel), and the pass's additivity (Σ op medians / whole-network median).
  std::vector<std::optional<double>> op_us;
  std::optional<double> additivity;
  // Read back from a validation file (rescore): the baselines' times it was scored with (quadratic, MACs,
  // params); none when measured now.
  std::optional<std::array<double, 3>> baselines_us;
};

struct Rounds {
  std::vector<NetworkRounds> networks;  // one per held-out network, in its order
  std::vector<double> reference_us;     // before every round, after every validate_reference_every-th network
                                        // and after the last round
  profiler::Interference interference;  // every network in every round is one measurement
  double baseline_constant_macps = 0;   // read back (rescore), as baselines_us
  std::string reference;                // what reference_us timed and when, as machine_noise says it
};

// Every network once per round, each round in its own shuffled order; each round re-creates the plans
// (keeping every zoo plan alive would hold gigabytes of weights).
Rounds measure_rounds(const std::vector<HeldOut>& held_out, const ValidateOptions& o, const std::string& reference) {
  profiler::pin_to_cpus(o.threads);
  profiler::NetworkRun run{o.threads, o.seed, false, {}};
  run.timing.min_time_s = o.min_time_s;
  run.timing.min_runs = 5;
  run.timing.warmup_runs = 2;
  // The machine's own speed through every round (profiler/measure/machine_speed.hpp), as the profile timed it.
  auto time_reference = [&] {
    return profiler::time_speed_reference_us(reference, o.threads, std::min(o.min_time_s, 0.05));
  };
  Rounds r;
  r.reference = reference + ", timed before every round, after every " +
                std::to_string(profiler::validate_reference_every) + "th network and after the last round";
  r.networks.resize(held_out.size());
  std::mt19937_64 rng(o.seed);
  std::vector<size_t> order(held_out.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<std::vector<size_t>> reference_before(held_out.size());  // index into reference_us
  for (int64_t round = 0; round < o.rounds; ++round) {
    r.reference_us.push_back(time_reference());
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t i = order[k];
      if (k > 0 && k % profiler::validate_reference_every == 0) r.reference_us.push_back(time_reference());
      const profiler::Timing t = profiler::time_network(held_out[i].net, run).timings.network;
      r.networks[i].medians_us.push_back(t.stats_us.median);
      r.networks[i].cvs.push_back(t.stats_us.cv);
      reference_before[i].push_back(r.reference_us.size() - 1);
      r.interference.add(std::string(to_string(held_out[i].set)), t);
    }
  }
  r.reference_us.push_back(time_reference());
  for (size_t i = 0; i < held_out.size(); ++i)
    for (size_t b : reference_before[i])
      r.networks[i].round_reference_us.push_back((r.reference_us[b] + r.reference_us[b + 1]) / 2);
  if (o.layers) {
    run.layers = true;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const profiler::NetworkTimings m = profiler::time_network(held_out[i].net, run);
      r.interference.add(std::string(to_string(held_out[i].set)), m.timings.network);
      for (size_t k = 0; k < m.timings.ops.size(); ++k)
        r.networks[i].op_us.push_back(
            m.implementations[k].fused_into ? std::nullopt : std::optional<double>(m.timings.ops[k].stats_us.median));
      r.networks[i].additivity = m.timings.additivity;
    }
  }
  return r;
}

// How much the machine itself moved while measuring: each network's spread between its rounds, and the
// speed reference's.
// `reference`: what was timed and when, as machine_noise's "reference" says.
MachineNoise machine_noise(const std::vector<ValidationRow>& rows, const std::string& reference,
                           const std::vector<double>& reference_us) {
  std::vector<double> spreads;
  std::vector<std::vector<double>> medians;
  for (const ValidationRow& r : rows) {
    spreads.push_back(r.measured_round_spread);
    medians.push_back(r.measured_round_medians_us);
  }
  std::sort(spreads.begin(), spreads.end());
  MachineNoise out;
  out.median_round_spread = spreads.empty() ? 0.0 : median(spreads);
  out.p90_round_spread =
      spreads.empty() ? 0.0 : spreads[static_cast<size_t>(0.9 * static_cast<double>(spreads.size() - 1))];
  out.reference = reference;
  out.reference_us = reference_us;
  out.reference_spread = profiler::spread_of(reference_us);  // p90 / p10 - 1 (max / min - 1 below ten)
  out.machine_slowed = out.reference_spread > profiler::max_speed_spread;
  out.repeatability = repeatability(medians);
  return out;
}

Json or_null(const auto& optional) { return optional ? to_json(*optional) : Json(nullptr); }

Json accuracy_list(const std::vector<std::pair<HeldOutSet, Accuracy>>& by_set) {
  Json out = Json::object();
  for (const auto& [set, a] : by_set) out[std::string(to_string(set))] = to_json(a);
  return out;
}

}  // namespace

std::vector<OpClassScore> op_class_scores(const std::vector<OpScore>& ops, const std::vector<ValidationRow>& rows,
                                          std::initializer_list<HeldOutSet> sets) {
  const auto in_sets = [&](HeldOutSet set) { return std::find(sets.begin(), sets.end(), set) != sets.end(); };
  struct Class {
    std::vector<double> predicted, measured;
    std::map<std::string, double> excess_us;  // per network: Σ (predicted - measured) of the class's ops
  };
  std::map<std::string, Class> classes;
  double total_us = 0;
  for (const OpScore& o : ops) {
    if (!in_sets(o.set) || !(o.measured_us > 0) || !(o.predicted_us > 0)) continue;
    Class& c = classes[o.op_class];
    c.predicted.push_back(o.predicted_us);
    c.measured.push_back(o.measured_us);
    c.excess_us[o.network] += o.predicted_us - o.measured_us;
    total_us += o.measured_us;
  }
  const auto if_exact = [&](const Class& c) {
    std::vector<double> predicted, measured;
    for (const ValidationRow& r : rows) {
      if (!in_sets(r.set)) continue;
      const auto it = c.excess_us.find(r.network);
      predicted.push_back(r.predicted_us - (it == c.excess_us.end() ? 0.0 : it->second));
      measured.push_back(r.measured_us);
    }
    return accuracy_of(predicted, measured);
  };
  std::vector<OpClassScore> out;
  for (const auto& [name, c] : classes) {
    const double predicted = std::accumulate(c.predicted.begin(), c.predicted.end(), 0.0);
    const double measured = std::accumulate(c.measured.begin(), c.measured.end(), 0.0);
    std::vector<double> ratios;
    double abs_error_us = 0;
    for (size_t i = 0; i < c.measured.size(); ++i) {
      ratios.push_back(c.predicted[i] / c.measured[i]);
      abs_error_us += std::abs(c.predicted[i] - c.measured[i]);
    }
    out.push_back({name, c.measured.size(), measured / total_us, predicted / measured, median(ratios),
                   abs_error_us / measured, if_exact(c)});
  }
  std::sort(out.begin(), out.end(), [](const OpClassScore& a, const OpClassScore& b) { return a.share > b.share; });
  return out;
}

std::optional<Repeatability> repeatability(const std::vector<std::vector<double>>& round_medians_us) {
  std::vector<double> abs_differences;
  for (const auto& rounds : round_medians_us) {
    if (rounds.size() < 2) continue;
    std::vector<double> even, odd;
    for (size_t i = 0; i < rounds.size(); ++i) (i % 2 ? odd : even).push_back(rounds[i]);
    abs_differences.push_back(std::abs(median(even) / median(odd) - 1));
  }
  if (abs_differences.empty()) return std::nullopt;
  auto share_within = [&](double limit) {
    return static_cast<double>(
               std::count_if(abs_differences.begin(), abs_differences.end(), [&](double d) { return d <= limit; })) /
           static_cast<double>(abs_differences.size());
  };
  return Repeatability{abs_differences.size(), share_within(0.05), share_within(0.10), median(abs_differences)};
}

std::optional<Verdict> instrument_verdict(const Accuracy& predictor, const std::optional<Repeatability>& instrument) {
  if (!instrument) return std::nullopt;
  const auto share = [](double p, double i) { return Verdict::Share{p, i, 100 * (i - p)}; };
  Verdict out{share(predictor.within_10pct, instrument->within_10pct),
              share(predictor.within_5pct, instrument->within_5pct), false};
  out.at_instrument_floor = instrument->within_10pct - predictor.within_10pct <= instrument_floor_points / 100 &&
                            instrument->within_5pct - predictor.within_5pct <= instrument_floor_points / 100;
  return out;
}

std::optional<SpeedVsProfile> speed_vs_profile(const profiler::Profile& profile, int64_t threads,
                                               const std::vector<double>& reference_us) {
  if (!profile.machine_speed || reference_us.empty()) return std::nullopt;
  const auto medians = profiler::speed_medians_us(profile.machine_speed->samples);
  const auto it = medians.find(threads);
  if (it == medians.end()) return std::nullopt;
  const double now = median(reference_us);
  return SpeedVsProfile{profiler::profile_speed_reference(profile), it->second, now, now / it->second};
}

Json to_json(const ValidationRow& r) {
  Json j = {{"network", r.network},
            {"set", to_string(r.set)},
            {"macs", r.macs},
            {"params_inference", r.params_inference},
            {"measured_us", r.measured_us},
            {"measured_round_medians_us", r.measured_round_medians_us},
            {"measured_round_spread", r.measured_round_spread},
            {"measured_cv", r.measured_cv},
            {"predicted_us", r.predicted_us},
            {"quadratic_baseline_us", r.quadratic_baseline_us},
            {"macs_baseline_us", r.macs_baseline_us},
            {"params_baseline_us", r.params_baseline_us},
            {"error", r.error},
            {"ops_outside_profile", r.ops_outside_profile},
            {"outside_profile_features", r.outside_profile_features}};
  if (r.predicted_interval_us) {
    j["predicted_low_us"] = (*r.predicted_interval_us)[0];
    j["predicted_high_us"] = (*r.predicted_interval_us)[1];
  }
  if (!r.blocks.empty()) j["blocks"] = r.blocks;
  j["measured_round_reference_us"] = r.measured_round_reference_us;
  if (r.layers) {
    // One array per field, each op's entry at its index: the file's parallel arrays from the one row.
    const auto column = [&](OpField f) {
      Json out = Json::array();
      for (const OpRow& op : r.layers->ops) out.push_back(to_json(op, {f}).front());
      return out;
    };
    j["layers_additivity"] = r.layers->additivity;
    j["ops_measured_us"] = column(OpField::measured_us);
    j["ops_predicted_us"] = column(OpField::predicted_us);
    if (!r.layers->ops.empty()) {
      j["ops_name"] = column(OpField::name);
      j["ops_class"] = column(OpField::op_class);
    }
  }
  return j;
}

Json to_json(const OpClassScore& c) {
  return {{"op_class", c.op_class},
          {"ops", c.ops},
          {"share", c.share},
          {"sum_ratio", c.sum_ratio},
          {"median_ratio", c.median_ratio},
          {"weighted_abs_error", c.weighted_abs_error},
          {"networks_if_exact", to_json(c.networks_if_exact)}};
}

Json to_json(const Repeatability& r) {
  return {
      {"method", "each network's median over its even rounds against its median over its odd rounds (even / odd - 1)"},
      {"networks", r.networks},
      {"within_5pct", r.within_5pct},
      {"within_10pct", r.within_10pct},
      {"median_abs_difference", r.median_abs_difference}};
}

Json to_json(const Verdict& v) {
  const auto share = [](const Verdict::Share& s) {
    return Json{{"predictor", s.predictor}, {"instrument", s.instrument}, {"gap_points", s.gap_points}};
  };
  return {
      {"within_10pct", share(v.within_10pct)},
      {"within_5pct", share(v.within_5pct)},
      {"at_instrument_floor", v.at_instrument_floor},
      {"rule",
       "at the instrument's floor when the predictor's shares within 10% and 5% are each within " +
           std::to_string(static_cast<int>(instrument_floor_points)) +
           " points of how often the run's own measurements of the same networks agree with themselves (even rounds "
           "against odd rounds): no finer check is possible on this machine"}};
}

Json to_json(const SpeedVsProfile& s) {
  return {{"reference", s.reference},
          {"profile_median_us", s.profile_median_us},
          {"validate_median_us", s.validate_median_us},
          {"ratio", s.ratio},
          {"note",
           "ratio > 1: the machine ran slower than while profiled, and every prediction is low by about that much; "
           "predictor_at_measured_speed scores the predictions multiplied by the ratio"}};
}

Json to_json(const SetSummary& s) {
  Json out = {{"networks", s.networks}};
  if (s.predictor) {
    out["predictor"] = to_json(*s.predictor);
    if (s.interval_coverage) out["interval_coverage"] = *s.interval_coverage;
    out["instrument"] = or_null(s.instrument);
    out["verdict"] = or_null(s.verdict);
    if (s.predictor_at_measured_speed) out["predictor_at_measured_speed"] = to_json(*s.predictor_at_measured_speed);
    if (s.predictor_at_local_speed) out["predictor_at_local_speed"] = to_json(*s.predictor_at_local_speed);
    out["baseline_quadratic"] = to_json(s.baseline_quadratic);
    out["baseline_macs"] = to_json(s.baseline_macs);
    out["baseline_params"] = to_json(s.baseline_params);
    Json worst = Json::array();
    for (const ValidationRow& r : s.worst) {
      Json w = {{"network", r.network},
                {"error", r.error},
                {"measured_us", r.measured_us},
                {"predicted_us", r.predicted_us},
                {"ops_outside_profile", r.ops_outside_profile}};
      if (!r.blocks.empty()) w["blocks"] = r.blocks;
      worst.push_back(std::move(w));
    }
    out["worst"] = std::move(worst);
  }
  if (!s.by_set.empty()) out["by_set"] = accuracy_list(s.by_set);
  if (s.op_classes) {
    out["op_classes"] = Json::array();
    for (const OpClassScore& c : *s.op_classes) out["op_classes"].push_back(to_json(c));
  }
  return out;
}

Json to_json(const MachineNoise& m) {
  return {{"median_round_spread", m.median_round_spread},
          {"p90_round_spread", m.p90_round_spread},
          {"reference", m.reference},
          {"reference_us", m.reference_us},
          {"reference_spread", m.reference_spread},
          {"machine_slowed", m.machine_slowed},
          {"repeatability", or_null(m.repeatability)}};
}

Json to_json(const Validation& v) {
  Json rows = Json::array();
  for (const ValidationRow& r : v.rows) rows.push_back(to_json(r));
  Json out = {
      {"schema", validation_schema},
      {"machine_noise", to_json(v.machine_noise)},
      {"interference", v.interference.to_json()},
      {"device", "host"},
      {"threads", v.options.threads},
      {"networks", v.rows.size()},
      {"zoo_networks", v.zoo_networks},
      {"zoo_networks_fitted", v.zoo_networks_fitted},
      {"sampled_networks", v.options.samples},
      {"seed", v.options.seed},
      {"ood_networks", v.options.ood},
      {"ood_seed", v.options.ood_seed},
      {"rounds", v.options.rounds},
      {"min_time_s_per_round", v.options.min_time_s},
      {"predictor", v.predictor},
      {"speed_vs_profile", or_null(v.speed_vs_profile)},
      {"in_distribution", to_json(v.in_distribution)},
      {"out_of_distribution", to_json(v.out_of_distribution)},
      {"zoo_fitted", to_json(v.zoo_fitted)},
      {"layers", v.options.layers},
      {"layers_median_additivity", v.layers_median_additivity ? Json(*v.layers_median_additivity) : Json(nullptr)},
      {"baseline_constant_macps", v.baseline_constant_macps},
      {"environment", v.environment},
      {"rows", std::move(rows)}};
  if (!v.rescored_from.empty())
    out["rescored"] = {
        {"from", v.rescored_from},
        {"note",
         "times measured by that run (its environment, machine_noise, interference) and the baselines it "
         "was scored with (fitted on its predictor's profile); predictions and speed_vs_profile of the "
         "predictor named in \"predictor\""}};
  return out;
}

namespace {

// What scoring needs besides the measurements: the predictor, the profile it was fitted on (for the
// baselines and the machine's speed then) and the speed reference that profile names.
struct Scoring {
  Predictor predictor;
  std::string profile_path;
  profiler::Profile profile;
  std::string reference;
};

Scoring load_scoring(const std::string& device) {
  const DeviceRef d = resolve_device(device);
  Scoring s{load_predictor(d), "", {}, ""};
  s.profile_path = s.predictor.provenance.profile.value_or(d.profile_path);
  s.profile = profiler::read_profile_file(s.profile_path);
  try {
    s.reference = profiler::profile_speed_reference(s.profile);
  } catch (const InputError& e) { throw InputError(s.profile_path + ": " + e.what()); }
  return s;
}

// One network's row: its times from `m`, its prediction from `p`, its baselines' times `baselines_us`
// (quadratic, MACs, params); with `op_scores`, each op with a time of its own is scored there too.
ValidationRow score_row(const Predictor& p, const HeldOut& h, HeldOutSet set, const NetworkRounds& m,
                        const std::array<double, 3>& baselines_us, int64_t threads, std::vector<OpScore>* op_scores) {
  const NetworkCount c = count(h.net);
  const std::vector<double>& medians = m.medians_us;
  const NetworkPrediction pred = predict(p, h.net, threads);
  const Json outside = prediction_to_json(p, h.net, pred, threads, false);
  const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
  ValidationRow row;
  row.network = h.name;
  row.set = set;
  row.macs = c.total.macs;
  row.params_inference = c.total.params_inference;
  row.measured_us = median(medians);
  row.measured_round_medians_us = medians;
  row.measured_round_spread = *hi / *lo - 1;
  row.measured_cv = median(m.cvs);
  row.predicted_us = pred.latency_us;
  row.quadratic_baseline_us = baselines_us[0];
  row.macs_baseline_us = baselines_us[1];
  row.params_baseline_us = baselines_us[2];
  row.error = pred.latency_us / row.measured_us - 1;
  row.ops_outside_profile = outside["ops_outside_profile"].get<int64_t>();
  row.outside_profile_features = outside["outside_profile_features"].get<std::vector<std::string>>();
  row.predicted_interval_us = pred.interval_us;
  row.blocks = h.blocks;
  row.measured_round_reference_us = m.round_reference_us;
  if (op_scores) {
    ValidationRow::Layers& layers = row.layers.emplace();
    for (size_t k = 0; k < pred.ops.size(); ++k) {
      const bool own = !pred.ops[k].fused_into && m.op_us[k];
      OpRow& op = layers.ops.emplace_back();
      op.name = h.net.ops[k].name;
      op.op_class = to_string(pred.ops[k].op_class);
      if (own) {
        op.measured_us = m.op_us[k];
        op.predicted_us = pred.ops[k].latency_us;
      }
      if (own)
        op_scores->push_back(
            {set, h.name, std::string(to_string(pred.ops[k].op_class)), pred.ops[k].latency_us, *m.op_us[k]});
    }
    layers.additivity = m.additivity.value_or(0);
  }
  return row;
}

// The baselines' times of every held-out network (quadratic, MACs, params) and the constant MACpS: read
// back from `rounds` when it holds them (rescore), or else fitted on `s`'s profile.
std::pair<std::vector<std::array<double, 3>>, double> baseline_times(const Scoring& s,
                                                                     const std::vector<HeldOut>& held_out,
                                                                     const Rounds& rounds, int64_t threads) {
  std::vector<std::array<double, 3>> baselines_us;
  for (const NetworkRounds& n : rounds.networks)
    if (n.baselines_us) baselines_us.push_back(*n.baselines_us);
  if (!baselines_us.empty()) return {baselines_us, rounds.baseline_constant_macps};
  const Baselines b = fit_baselines(s.profile, s.profile_path, threads);
  for (const HeldOut& h : held_out) {
    const NetworkCount c = count(h.net);
    baselines_us.push_back({predict(b.quadratic, h.net, threads).latency_us,
                            static_cast<double>(c.total.macs) / b.const_macps * 1e6,
                            static_cast<double>(c.total.params_inference) * b.us_per_param});
  }
  return {baselines_us, b.const_macps};
}

// The validation of `rounds`, measured on `held_out` in `environment`: every prediction comes from `s`,
// every time from `rounds`, the baselines as baseline_times says.
Validation score(const Scoring& s, const ValidateOptions& options, const std::vector<HeldOut>& held_out,
                 const Rounds& rounds, Json environment,
                 const std::function<void(const ValidationRow& row)>& progress) {
  const int64_t threads = options.threads;
  const Predictor& p = s.predictor;
  Validation v;
  v.options = options;
  const auto [baselines_us, constant_macps] = baseline_times(s, held_out, rounds, threads);
  v.baseline_constant_macps = constant_macps;
  // A file (rescore) may have timed another reference than the predictor's profile did: no ratio then.
  try {
    if (rounds.reference.rfind(s.reference, 0) == 0)
      v.speed_vs_profile = speed_vs_profile(s.profile, threads, rounds.reference_us);
  } catch (const InputError& e) { throw InputError(s.profile_path + ": " + e.what()); }
  // Zoo networks of the families the predictor was fitted on (fit --zoo-families half) are not held out:
  // they are scored as a set of their own, zoo_fitted, and in neither of the two.
  const std::set<std::string> fitted_families = fitted_zoo_families(p);
  std::vector<OpScore> op_scores;
  for (size_t i = 0; i < held_out.size(); ++i) {
    const HeldOut& h = held_out[i];
    const bool fitted = h.set == HeldOutSet::zoo && fitted_families.count(h.family);
    v.zoo_networks_fitted += fitted;
    v.rows.push_back(score_row(p, h, fitted ? HeldOutSet::zoo_fitted : h.set, rounds.networks[i], baselines_us[i],
                               threads, options.layers ? &op_scores : nullptr));
    if (progress) progress(v.rows.back());
  }
  v.zoo_networks = static_cast<int64_t>(zoo().size()) - v.zoo_networks_fitted;
  const auto& speed = v.speed_vs_profile;
  v.in_distribution = set_summary(v.rows, {HeldOutSet::zoo, HeldOutSet::sampled}, speed);
  v.out_of_distribution = set_summary(v.rows, {HeldOutSet::ood}, speed);
  // Its two parts on their own: a fit can trade one for the other (fit --zoo-families).
  for (HeldOutSet part : {HeldOutSet::zoo, HeldOutSet::sampled})
    if (const SetSummary one = set_summary(v.rows, {part}, speed); one.predictor)
      v.in_distribution.by_set.emplace_back(part, *one.predictor);
  if (options.layers) {
    v.in_distribution.op_classes = op_class_scores(op_scores, v.rows, {HeldOutSet::zoo, HeldOutSet::sampled});
    v.out_of_distribution.op_classes = op_class_scores(op_scores, v.rows, {HeldOutSet::ood});
  }
  v.zoo_fitted = set_summary(v.rows, {HeldOutSet::zoo_fitted}, speed);
  std::vector<double> additivity;  // of the layers pass, every network's
  for (const NetworkRounds& n : rounds.networks)
    if (n.additivity) additivity.push_back(*n.additivity);
  if (options.layers && !additivity.empty()) v.layers_median_additivity = median(additivity);
  v.predictor = fit_summary_to_json(p.provenance);
  v.machine_noise = machine_noise(v.rows, rounds.reference, rounds.reference_us);
  v.interference = rounds.interference;
  v.environment = std::move(environment);
  return v;
}

// A finite time in microseconds, as every measured time in a validation file must be: above 0, or at least 0
// for an op (a view's timer may read 0).
double time_us(const Json& j, const Where& where, bool zero_allowed = false) {
  if (!j.is_number() || !std::isfinite(j.get<double>()) || !(zero_allowed ? j.get<double>() >= 0 : j.get<double>() > 0))
    where.fail(j, zero_allowed ? "expected a time in us, 0 or above" : "expected a time in us above 0");
  return j.get<double>();
}

std::vector<double> times_us(const Json& j, const Where& where, size_t min_size) {
  if (!j.is_array() || j.size() < min_size)
    where.fail(j, "expected an array of at least " + std::to_string(min_size) + " time(s) in us");
  std::vector<double> out;
  for (size_t i = 0; i < j.size(); ++i) out.push_back(time_us(j[i], where[i]));
  return out;
}

// The options a validation file was measured with, read back from it.
ValidateOptions options_of(const Json& run, const Where& where) {
  ObjectReader r(run, where);
  check_file_version(r.at("schema"), r.raw("schema"), {validation_version});
  if (const std::string device = r.string("device"); !resolve_device(device).is_host())
    r.at("device").fail(device, "expected \"host\": only host is measured");
  ValidateOptions o;
  o.threads = r.integer("threads", 1, 256);
  o.samples = r.integer("sampled_networks", 0, 10000);
  o.seed = static_cast<uint64_t>(r.integer("seed", 0, static_cast<int64_t>(profiler::training_seed_base)));
  if (o.seed + static_cast<uint64_t>(o.samples) > profiler::training_seed_base)
    r.at("seed").fail(o.seed, "with sampled_networks " + std::to_string(o.samples) +
                                  ", sampled seeds reach the profile's training seeds (" +
                                  std::to_string(profiler::training_seed_base) + ")");
  o.ood = r.integer("ood_networks", 0, 10000);
  o.ood_seed = static_cast<uint64_t>(r.integer("ood_seed", 0, std::numeric_limits<int64_t>::max()));
  o.rounds = r.integer("rounds", 1, 100);
  o.min_time_s = r.number("min_time_s_per_round", 0, 60);
  o.layers = r.boolean("layers", false);
  return o;
}

// The measurements of a validation file, network by network as `held_out` (which must be the networks the
// file measured: same names, same MACs, same number of ops).
Rounds rounds_of(const Json& run, const std::vector<HeldOut>& held_out, const ValidateOptions& o, const Where& where) {
  ObjectReader top(run, where);
  const Json& rows = top.raw("rows");
  if (!rows.is_array() || rows.size() != held_out.size())
    (where / "rows")
        .fail(rows.is_array() ? Json(rows.size()) : rows,
              "expected " + std::to_string(held_out.size()) +
                  " rows: the zoo and the networks of its seeds now (did the zoo change?)");
  Rounds r;
  for (size_t i = 0; i < held_out.size(); ++i) {
    const Where w = (where / "rows")[i];
    NetworkRounds& n = r.networks.emplace_back();
    ObjectReader row(rows[i], w);
    if (const std::string name = row.string("network"); name != held_out[i].name)
      (w / "network")
          .fail(name,
                "expected network \"" + held_out[i].name + "\" here: the zoo or a generator changed since this run");
    if (const int64_t macs = row.integer("macs", 0, std::numeric_limits<int64_t>::max());
        macs != count(held_out[i].net).total.macs)
      (w / "macs")
          .fail(macs, "network \"" + held_out[i].name + "\" has " + std::to_string(count(held_out[i].net).total.macs) +
                          " MACs now: it changed since this run");
    n.medians_us = times_us(row.raw("measured_round_medians_us"), w / "measured_round_medians_us", 1);
    n.cvs = {row.number("measured_cv", 0, 1e3)};
    n.round_reference_us = times_us(row.raw("measured_round_reference_us"), w / "measured_round_reference_us", 1);
    if (n.round_reference_us.size() != n.medians_us.size())
      (w / "measured_round_reference_us")
          .fail(Json(n.round_reference_us.size()), "expected one time per round, as measured_round_medians_us has");
    n.baselines_us = std::array<double, 3>{time_us(row.raw("quadratic_baseline_us"), w / "quadratic_baseline_us"),
                                           time_us(row.raw("macs_baseline_us"), w / "macs_baseline_us"),
                                           time_us(row.raw("params_baseline_us"), w / "params_baseline_us")};
    if (!o.layers) continue;
    const Json& ops = row.raw("ops_measured_us");
    if (!ops.is_array() || ops.size() != held_out[i].net.ops.size())
      (w / "ops_measured_us")
          .fail(ops.is_array() ? Json(ops.size()) : ops, "expected one entry per op (" +
                                                             std::to_string(held_out[i].net.ops.size()) +
                                                             "), null for an op without a time of its own");
    for (size_t k = 0; k < ops.size(); ++k)
      n.op_us.push_back(ops[k].is_null() ? std::nullopt
                                         : std::optional<double>(time_us(ops[k], (w / "ops_measured_us")[k], true)));
    n.additivity = row.number("layers_additivity", 0, 1e3);
  }
  const Where noise = where / "machine_noise";
  ObjectReader n(top.raw("machine_noise"), noise);
  r.reference = n.string("reference");
  r.reference_us = times_us(n.raw("reference_us"), noise / "reference_us", 0);
  r.baseline_constant_macps = top.number("baseline_constant_macps", 1, 1e18);
  r.interference = profiler::Interference::from_json(run.value("interference", Json::object()));
  if (top.has("environment") && !run["environment"].is_object())
    top.at("environment").fail(run["environment"], "expected an object");
  return r;
}

}  // namespace

Validation validate(const std::string& device, const ValidateOptions& options,
                    const std::function<void(const ValidationRow& row)>& progress) {
  check_options(device, options);
  const Scoring s = load_scoring(device);
  const std::vector<HeldOut> held_out = held_out_networks(options);
  const Rounds rounds = measure_rounds(held_out, options, s.reference);
  return score(s, options, held_out, rounds, to_json(profiler::capture_environment(options.threads)), progress);
}

Validation rescore(const std::string& device, const std::string& validation_path,
                   const std::function<void(const ValidationRow& row)>& progress) {
  if (!resolve_device(device).is_host())
    throw FieldError(Field::device, "\"" + device + "\"",
                     "validation files hold this machine's measurements, so only host rescores them");
  const Json run = read_json_file(validation_path);
  const Where where(validation_path);
  const ValidateOptions options = options_of(run, where);
  const std::vector<HeldOut> held_out = held_out_networks(options);
  const Rounds rounds = rounds_of(run, held_out, options, where);
  const Scoring s = load_scoring(device);
  Validation out = score(s, options, held_out, rounds, run.value("environment", Json::object()), progress);
  out.rescored_from = validation_path;
  return out;
}

}  // namespace cpx::predictor
