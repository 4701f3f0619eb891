#include "predictor/fit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "predictor/ceilings.hpp"
#include "predictor/fit_classes.hpp"
#include "predictor/statistics.hpp"
#include "profiler/profile/order_statistics.hpp"

namespace cpx::predictor {

namespace {

using namespace fit_detail;
using profiler::median;

// One whole network's held-out prediction before the network scale: Σ predicted ops, and each op's weight
// bytes and own predicted time (less its activation pass) for the warm-weights credit.
struct NetworkSum {
  const Whole* whole;
  double sum_us = 0;
  std::vector<std::array<double, 2>> weight_bytes_own_us;
};
using NetworkSums = std::vector<NetworkSum>;

// The Σ predicted ops of each whole network of the "networks" section, by class models fitted without that
// network's samples (at any thread count): the scale is meant for networks the models never saw, and
// in-sample sums are optimistic by construction (on this project's machine both scales came out about the
// same, for four times the fit time: docs/log/predictor.md).
// Networks are dealt into options.folds folds. Blocks and single ops timed alone are left out: each is the
// sum of its own ops almost by construction, and their thousands of records outvoted the networks.
NetworkSums held_out_network_sums(const Gathered& g, const FitOptions& options,
                                  const std::map<int64_t, Ceilings>* ceilings, const std::string& no_ceilings) {
  std::vector<const Whole*> nets;
  std::map<std::string, int> fold_of;
  auto group = [&](const Whole* w) { return g.samples[w->sample_index.front()].group; };
  for (const Whole& w : g.wholes)
    if (w.network && !w.sample_index.empty()) {
      nets.push_back(&w);
      fold_of.emplace(group(&w), static_cast<int>(fold_of.size()) % std::max(1, options.folds));
    }
  NetworkSums sums;
  for (int fold = 0; fold < std::max(1, options.folds); ++fold) {
    std::vector<char> held(g.samples.size(), 0);
    bool any = false;
    for (const Whole* w : nets)
      if (fold_of[group(w)] == fold) {
        any = true;
        for (size_t i : w->sample_index) held[i] = 1;
      }
    if (!any) continue;
    std::vector<Sample> train;
    for (size_t i = 0; i < g.samples.size(); ++i)
      if (!held[i]) train.push_back(g.samples[i]);
    Predictor pf;
    NoisyTally ignored;
    fit_classes(pf, train, options, ignored, ceilings, no_ceilings);
    for (const Whole* w : nets) {
      if (fold_of[group(w)] != fold) continue;
      NetworkSum sum{w, 0.0, {}};
      bool ok = true;
      for (size_t i : w->sample_index) {
        const OpFeatures& f = g.samples[i].f;
        if (!pf.classes[static_cast<size_t>(f.op_class)] ||
            (f.has_activation && !pf.classes[static_cast<size_t>(OpClass::elementwise)])) {
          ok = false;
          continue;
        }
        const Predictor::OpTime t = pf.predict_op(f);
        sum.sum_us += t.latency_us;
        sum.weight_bytes_own_us.push_back({f.weight_bytes, t.latency_us - t.activation_us});
      }
      if (ok && sum.sum_us > 0) sums.push_back(std::move(sum));
    }
  }
  return sums;
}

// The held-out sums the scale, the overhead and the interval are fitted on: noisy networks count only at a
// thread count where no quiet one exists.
NetworkSums usable_network_sums(const NetworkSums& all) {
  std::set<int64_t> quiet_threads;
  for (const NetworkSum& n : all)
    if (!n.whole->noisy) quiet_threads.insert(n.whole->threads);
  NetworkSums sums;
  for (const NetworkSum& n : all)
    if (!n.whole->noisy || !quiet_threads.count(n.whole->threads)) sums.push_back(n);
  return sums;
}

// A whole network as predict would make it from its held-out pieces (NetworkSum).
double network_prediction_us(const Predictor& p, const NetworkSum& n) {
  const int64_t t = n.whole->threads;
  double credit_us = 0;
  if (const Predictor::WarmWeights* warm = p.warm_weights_for(t, n.whole->bytes))
    for (const auto& [weight_bytes, own_us] : n.weight_bytes_own_us) credit_us += warm->credit_us(weight_bytes, own_us);
  return nearest_threads(p.network_scale, t, 1.0) * (n.sum_us - credit_us) +
         nearest_threads(p.network_overhead_us, t, 0.0);
}

// The warm-weights credit's candidate rates: 1 GB/s to 1 TB/s of weights, log-spaced.
constexpr int warm_rate_steps = 31;
double warm_us_per_byte(int step) { return 1e6 / (1e9 * std::pow(1e3, step / double(warm_rate_steps - 1))); }
// A credit needs this many networks small enough to earn it.
constexpr size_t min_networks_warm = 4;

// One thread count's network law fitted on some of its networks: scale and overhead (medians: a few
// networks measured while the machine was disturbed must not move every prediction) and, with max_share
// > 0, the warm-weights credit (rate and network size) of least mean absolute relative error.
// credits[i][k]: network i's full credit at rate step k.
struct NetworkLaw {
  double scale = 1, overhead_us = 0;
  std::optional<Predictor::WarmWeights> warm;
};
NetworkLaw fit_network_law(const std::vector<const NetworkSum*>& nets, const std::vector<std::vector<double>>& credits,
                           const std::vector<size_t>& use, double max_share) {
  // No network to fit on (a thread count measured on one network, held out): a law predicting 0, so the
  // held-out error is -1, the worst there is, and the thread count's figures say so.
  if (use.empty()) return {0, 0, std::nullopt};
  auto fit_at = [&](const std::function<double(size_t)>& effective_us, double& loss) {
    std::vector<double> ratios, residuals;
    for (size_t i : use) ratios.push_back(nets[i]->whole->measured_us / effective_us(i));
    NetworkLaw l;
    l.scale = median(ratios);
    for (size_t i : use) residuals.push_back(nets[i]->whole->measured_us - l.scale * effective_us(i));
    l.overhead_us = median(residuals);
    loss = 0;
    for (size_t i : use)
      loss += std::abs((l.scale * effective_us(i) + l.overhead_us) / nets[i]->whole->measured_us - 1);
    return l;
  };
  double best_loss = 0;
  if (max_share <= 0 || use.size() < min_networks_warm)
    return fit_at([&](size_t i) { return nets[i]->sum_us; }, best_loss);
  NetworkLaw best;
  best_loss = std::numeric_limits<double>::infinity();
  std::vector<double> sizes;
  for (size_t i : use) sizes.push_back(nets[i]->whole->bytes);
  std::sort(sizes.begin(), sizes.end());
  for (size_t c = min_networks_warm - 1; c < sizes.size(); ++c)
    for (int k = 0; k < warm_rate_steps; ++k) {
      const double below = sizes[c];
      double loss = 0;
      NetworkLaw l = fit_at(
          [&](size_t i) {
            return nets[i]->sum_us - (nets[i]->whole->bytes <= below ? credits[i][static_cast<size_t>(k)] : 0.0);
          },
          loss);
      if (loss < best_loss) {
        l.warm = Predictor::WarmWeights{below, warm_us_per_byte(k), max_share};
        best = l, best_loss = loss;
      }
    }
  return best;
}

// Per thread count, on the whole networks' held-out sums (usable_network_sums): the scale and the
// overhead, and the warm-weights credit if it predicts the networks clearly better, each left out of its
// own law's fit, than the scale alone does (absolute relative errors, paired). max_share per thread count: 1 -
// DRAM / cache bandwidth as probed (none: no credit). Returns both held-out errors and the choice, and
// sets each network's relative error (predicted / measured - 1) with the chosen law fitted without it.
std::map<int64_t, FitReport::WarmChoice> fit_network_scale(Predictor& p, const NetworkSums& sums,
                                                           const std::map<int64_t, double>& max_share,
                                                           std::map<const NetworkSum*, double>& held_out_error) {
  std::map<int64_t, std::vector<const NetworkSum*>> by_threads;
  for (const NetworkSum& n : sums) by_threads[n.whole->threads].push_back(&n);
  std::map<int64_t, FitReport::WarmChoice> choice;
  for (const auto& entry : by_threads) {
    const int64_t t = entry.first;  // a structured binding: clang's fuzz build cannot capture one in a lambda
    const std::vector<const NetworkSum*>& nets = entry.second;
    const double share = max_share.count(t) ? max_share.at(t) : 0.0;
    std::vector<std::vector<double>> credits(nets.size(), std::vector<double>(warm_rate_steps, 0.0));
    for (size_t i = 0; i < nets.size(); ++i)
      for (int k = 0; k < warm_rate_steps; ++k)
        for (const auto& [weight_bytes, own_us] : nets[i]->weight_bytes_own_us)
          credits[i][static_cast<size_t>(k)] +=
              Predictor::WarmWeights{0, warm_us_per_byte(k), share}.credit_us(weight_bytes, own_us);
    std::vector<size_t> all(nets.size());
    std::iota(all.begin(), all.end(), 0);
    auto apply = [&](Predictor& q, const NetworkLaw& l) {
      q.network_scale[t] = l.scale;
      q.network_overhead_us[t] = l.overhead_us;
      if (l.warm) q.warm_weights[t] = *l.warm;
      else q.warm_weights.erase(t);
    };
    const bool can_warm =
        share > 0 && nets.size() > 2 * min_networks_warm &&
        std::all_of(nets.begin(), nets.end(), [](const NetworkSum* n) { return n->whole->bytes > 0; });
    // Each network's error with the law fitted without it: the scale alone, and with the credit.
    std::vector<double> scale_error, warm_error;
    for (size_t i = 0; i < nets.size(); ++i) {
      std::vector<size_t> others;
      for (size_t j : all)
        if (j != i) others.push_back(j);
      for (const bool w : {false, true}) {
        if (w && !can_warm) continue;
        Predictor q;
        apply(q, fit_network_law(nets, credits, others, w ? share : 0.0));
        (w ? warm_error : scale_error).push_back(network_prediction_us(q, *nets[i]) / nets[i]->whole->measured_us - 1);
      }
    }
    bool warm = false;
    if (can_warm) {
      double scale_ape = 0, warm_ape = 0;
      std::vector<double> gain;  // per network: |error| with the scale alone - |error| with the credit
      for (size_t i = 0; i < nets.size(); ++i) {
        scale_ape += std::abs(scale_error[i]), warm_ape += std::abs(warm_error[i]);
        gain.push_back(std::abs(scale_error[i]) - std::abs(warm_error[i]));
      }
      const double n = static_cast<double>(nets.size());
      // The credit must win by more than 2 standard errors of the paired gain: two more parameters do
      // not earn their place on a tie (on synthetic networks without the effect, the credit came out
      // ahead by a hair for 3 seeds of 8 when any gain counted).
      const double mean_gain = std::accumulate(gain.begin(), gain.end(), 0.0) / n;
      double var = 0;
      for (double g : gain) var += (g - mean_gain) * (g - mean_gain);
      const double standard_error = std::sqrt(var / (n - 1) / n);
      warm = mean_gain > 2 * standard_error;
      choice[t] = {nets.size(), scale_ape / n, warm_ape / n, standard_error, warm};
    }
    apply(p, fit_network_law(nets, credits, all, warm ? share : 0.0));
    for (size_t i = 0; i < nets.size(); ++i) held_out_error[nets[i]] = (warm ? warm_error : scale_error)[i];
  }
  return choice;
}

// The host model's interval (Predictor::interval) from the networks' held-out errors (fit_network_scale:
// class models and network law both fitted without the network: the law's size and rate, chosen on
// these networks, would make their in-sample errors optimistic); each network's coverage is checked
// against the quantiles of the others' errors, as a calibrated device's is.
// The machine's speed moves too, and a prediction is for a later hour: each error is combined with every
// machine_speed sample of its thread count the profile took (error' = (1 + error) * median / sample - 1).
// Without them the interval covered far fewer of later validate runs' networks than it claimed
// (docs/log/predictor.md, moved from code comments).
std::optional<HostInterval> network_interval(const Gathered& g,
                                             const std::map<const NetworkSum*, double>& held_out_error,
                                             const profiler::Profile& profile) {
  std::map<int64_t, std::vector<double>> speed_factors;  // median / sample, per thread count
  if (profile.machine_speed) {
    const std::vector<profiler::SpeedSample>& samples = profile.machine_speed->samples;
    const std::map<int64_t, double> medians = profiler::speed_medians_us(samples);
    for (const auto& [t, us] : profiler::speed_by_threads(samples))
      for (double u : us) speed_factors[t].push_back(medians.at(t) / u);
  }
  std::map<int64_t, std::pair<std::vector<double>, std::vector<std::string>>> by_threads;
  for (const auto& [n, error] : held_out_error) {
    auto& [errors, groups] = by_threads[n->whole->threads];
    const auto factors = speed_factors.find(n->whole->threads);
    for (double f : factors == speed_factors.end() ? std::vector<double>{1.0} : factors->second) {
      errors.push_back((1 + error) * f - 1);
      groups.push_back(g.samples[n->whole->sample_index.front()].group);
    }
  }
  HostInterval out;
  const double lo_q = (1 - interval_level) / 2, hi_q = 1 - lo_q;
  for (const auto& [t, eg] : by_threads) {
    const auto& [errors, groups] = eg;
    const size_t networks = std::set<std::string>(groups.begin(), groups.end()).size();
    if (networks < min_networks_for_interval) continue;
    const auto bounds = held_out_error_bounds(errors, groups);
    double covered = 0;
    for (size_t i = 0; i < errors.size(); ++i) covered += errors[i] >= bounds[i][0] && errors[i] <= bounds[i][1];
    out.by_threads[t] = {quantile(errors, lo_q), quantile(errors, hi_q), static_cast<int64_t>(networks),
                         covered / static_cast<double>(errors.size())};
  }
  if (out.by_threads.empty()) return std::nullopt;
  out.level = interval_level;
  out.method =
      "10th to 90th percentile of the relative errors (predicted / measured - 1) of the profile's whole networks "
      "(sampled, and zoo ones of the fitted families), "
      "each predicted by class models fitted without it (k folds) and a network scale (and warm-weights credit) "
      "fitted without it (leave one out), at the prediction's thread count, each combined with the machine's speed "
      "at every check the profile made of it (machine_speed); "
      "latency_us_low = latency_us / (1 + error_high), latency_us_high = latency_us / (1 + error_low); "
      "in-distribution networks: validate measures how much wider the errors of other networks are";
  return out;
}

// The predictor's provenance, written from the fit's report and options.
Json fit_provenance(const profiler::Profile& profile, const std::string& profile_path, const FitOptions& options,
                    const Gathered& g, const FitReport& r) {
  Json class_stats = Json::object();
  for (const FitReport::Class& c : r.classes)
    class_stats[std::string(to_string(c.op_class))] = {{"samples", c.samples},
                                                       {"train_mape", c.train_mape},
                                                       {"noisy_dropped", c.noisy_dropped},
                                                       {"noisy_used", c.noisy_used},
                                                       {"held_out", held_out_json(c.held_out, options)}};
  Json warm_choice = Json::object();
  for (const auto& [t, w] : r.warm_weights)
    warm_choice[std::to_string(t)] = {{"networks", w.networks},
                                      {"held_out_mape_scale", w.held_out_mape_scale},
                                      {"held_out_mape_warm_weights", w.held_out_mape_warm_weights},
                                      {"gain_standard_error", w.gain_standard_error},
                                      {"chosen", w.warm ? "warm_weights" : "scale"}};
  Json provenance = {
      {"profile", profile_path},
      {"environment", profile.environment},
      {"profile_complete", profile.complete},
      {"fitted_on", options.zoo_families == FitOptions::ZooFamilies::none
                        ? "profile sections configs, ops and networks (block grid, operator micro-benchmarks, networks "
                          "sampled with seeds >= 1e6); zoo held out"
                        : "profile sections configs, ops, networks (block grid, operator micro-benchmarks, networks "
                          "sampled with seeds >= 1e6) "
                          "and zoo, the networks of the families in zoo_families_fitted (the others held out)"},
      {"zoo_families", to_string(options.zoo_families)},
      {"speed_correction", to_string(options.speed_correction)},
      {"zoo_families_fitted", g.zoo_families},
      {"samples", g.samples.size()},
      {"selection", to_string(options.selection)},
      {"ridge", options.ridge},
      {"residual_trees", options.residual_trees ? Json{{"trees", options.boost.trees},
                                                       {"depth", options.boost.depth},
                                                       {"min_leaf", options.boost.min_leaf},
                                                       {"learning_rate", options.boost.learning_rate}}
                                                : Json(false)},
      {"classes", class_stats},
      {"noise",
       {{"policy", noisy_sample_policy},
        {"allow_noisy", options.allow_noisy},
        {"samples_noisy", r.samples_noisy},
        {"samples_dropped", r.samples_dropped},
        {"samples_used", r.samples_used},
        {"measurements", g.noise.to_json()}}}};
  provenance["warm_weights"] = warm_choice;
  provenance["weight_streaming"] = r.weight_streaming;
  provenance["gemm_tiles"] = r.gemm_tiles;
  if (r.machine_speed)
    provenance["machine_speed"] = {{"spread", r.machine_speed->spread}, {"slowed", r.machine_speed->slowed}};
  return provenance;
}

// What fit says of the GEMM tile's two effects, padding and weight streaming, and why either is not
// modelled. `c`: the fitted ceilings (any thread count: the tile and caches are the machine's), or null.
void add_gemm_notes(FitReport& r, const Ceilings* c) {
  if (!c) {
    r.weight_streaming = r.gemm_tiles = "not modelled: no roofline ceilings";
    return;
  }
  r.weight_streaming =
      c->last_level_cache_bytes > 0
          ? "modelled: weights past the last-level cache are read from DRAM again for every further GEMM row tile "
            "(weight_stream_bytes in predictor/roofline.hpp)"
          : "not modelled: the profile's peak probe measured no DRAM read bandwidth, last-level cache or GEMM tile "
            "(cpuinfo could not read the caches, as on VMs that hide them, or XNNPACK names no tile for this CPU)";
  r.gemm_tiles =
      c->gemm_tile_cols > 0
          ? "modelled: convs and linear ops on XNNPACK compute whole GEMM tiles of " +
                std::to_string(c->gemm_tile_cols) + " output channels x " + std::to_string(c->gemm_tile_rows) +
                " rows (padded_macs in predictor/roofline.hpp)"
          : std::string("not modelled: the profile's peak probe found no GEMM tile (XNNPACK names none for this CPU)");
}

}  // namespace

Predictor fit(const profiler::Profile& profile, const std::string& profile_path, const FitOptions& options,
              FitReport* report) {
  Predictor p;
  p.device = profile.device.empty() ? "host" : profile.device;
  p.runtime = "cpubone-explore XNNPACK executor on this machine (measured)";
  const Where where(profile_path);
  const Gathered g = gather_samples(profile, where, options);
  refuse_empty_or_noisy(g, where, profile_path, options);
  FitReport r;
  r.machine_speed = speed_change(profile, profile_path, options);
  const Json& environment = profile.environment;
  r.emulated = environment.is_object() && environment.value("emulated", false) == true;
  r.emulation_signs = environment.is_object() ? environment.value("emulation_signs", std::string("signs not recorded"))
                                              : "signs not recorded";
  // The roofline model needs the probed ceilings at every thread count the profile measured at.
  std::map<int64_t, Ceilings> ceilings;
  std::string no_ceilings;
  try {
    for (const auto& w : g.wholes) ceilings.emplace(w.threads, roofline_ceilings(profile, profile_path, w.threads));
  } catch (const InputError& e) { no_ceilings = std::string("no roofline model: ") + e.what(); }
  NoisyTally tally;
  r.classes = fit_classes(p, g.samples, options, tally, no_ceilings.empty() ? &ceilings : nullptr, no_ceilings);
  for (const auto& smp : g.samples) r.samples_noisy += smp.noisy;
  r.samples_dropped = tally.dropped;
  r.samples_used = tally.used;
  const NetworkSums network_sums =
      usable_network_sums(held_out_network_sums(g, options, no_ceilings.empty() ? &ceilings : nullptr, no_ceilings));
  // What cached weights save at most: the time of reading them from memory rather than from the caches.
  std::map<int64_t, double> warm_max_share;
  if (no_ceilings.empty())
    for (const auto& [t, c] : ceilings)
      warm_max_share[t] =
          std::max(0.0, 1 - host_ceilings(profile, profile_path, t).bandwidth_bytes_per_s / c.bandwidth_bytes_per_s);
  std::map<const NetworkSum*, double> held_out_error;
  r.warm_weights = fit_network_scale(p, network_sums, warm_max_share, held_out_error);
  // A predictor the loader would refuse is not written: say which figure, and why it can be so, now.
  for (const auto& [t, k] : p.network_scale)
    if (!(k >= 0.1 && k <= 10))
      throw InputError(profile_path + ": network_scale at " + std::to_string(t) + " thread(s) = " + std::to_string(k) +
                       ": its whole networks ran outside 0.1x-10x the sum of their ops (measured while the machine was "
                       "busy?); profile again on a quiet machine");
  p.interval = network_interval(g, held_out_error, profile);
  add_gemm_notes(r, no_ceilings.empty() ? &ceilings.begin()->second : nullptr);
  p.provenance =
      provenance_from_json(fit_provenance(profile, profile_path, options, g, r), Where(profile_path, "provenance"));
  if (report) *report = std::move(r);
  return p;
}

}  // namespace cpx::predictor
