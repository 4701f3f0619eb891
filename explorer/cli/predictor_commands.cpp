// fit, predict, validate, calibrate: latency predictions from a device's predictor.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/calibrate.hpp"
#include "predictor/devices.hpp"
#include "predictor/fit.hpp"
#include "predictor/prediction_notes.hpp"
#include "predictor/validate/validate.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/measure/emulation.hpp"
#include "profiler/measure/sweep.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

// What `fit` prints of a fit: its warnings, per class its samples and held-out comparison, the network law
// per thread count, and the noise.
void print_fit(const predictor::Predictor& p, const predictor::FitReport& r) {
  if (r.emulated)
    std::fprintf(
        stderr,
        "fit: WARNING: the profile was measured under an emulator (%s): this predictor predicts the emulator's "
        "times, not a CPU's\n",
        r.emulation_signs.c_str());
  if (r.machine_speed && r.machine_speed->slowed)
    std::fprintf(
        stderr,
        "fit: WARNING: the profile's speed reference spread by %.0f%%: the machine changed speed while profiling, "
        "and the fit mixes both speeds (refused above %.0f%%)\n",
        100 * r.machine_speed->spread, 100 * predictor::max_speed_spread_to_fit);
  for (const predictor::FitReport::Class& c : r.classes)
    std::printf("  %-16s %6lld samples, training MAPE %5.1f%%, noisy: %lld dropped, %lld used%s\n",
                std::string(to_string(c.op_class)).c_str(), static_cast<long long>(c.samples), 100 * c.train_mape,
                static_cast<long long>(c.noisy_dropped), static_cast<long long>(c.noisy_used),
                c.noisy_used > 0 ? " (too few quiet samples in this class)" : "");
  // Per class: held-out MAPE of each model kind, k folds (selects) and largest shapes (reported only).
  std::printf(
      "  held-out MAPE per class, k-fold / largest shapes (top fifth by work held out); \"not monotone\": a conv "
      "class's\n"
      "  efficiency must not fall as its channels or pixels grow, so the quadratic is scored there but not chosen:\n");
  for (const predictor::FitReport::Class& c : r.classes) {
    const predictor::ClassHeldOut& h = c.held_out;
    std::string line;
    for (size_t i = 0; i < h.kinds.size(); ++i) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "  %s %5.1f%% / %5.1f%%%s", std::string(to_string(h.kinds[i])).c_str(),
                    100 * h.kfold_mape[i], 100 * h.largest_mape[i], h.eligible[i] ? "" : " (not monotone)");
      line += buf;
    }
    if (line.empty()) line = "  (" + (h.note.empty() ? std::string("no comparison") : h.note) + ")";
    std::printf("  %-22s %6lld samples%s  -> %s%s\n", std::string(to_string(c.op_class)).c_str(),
                static_cast<long long>(c.samples), line.c_str(), std::string(to_string(h.chosen)).c_str(),
                h.won_tie ? " (k-fold tie within 2 standard errors: the better extrapolator)" : "");
  }
  for (const auto& [t, us] : p.network_overhead_us) {
    std::printf("  whole networks at %lld thread(s): ops x %.3f, overhead %.1f us", static_cast<long long>(t),
                p.network_scale.count(t) ? p.network_scale.at(t) : 1.0, us);
    if (p.warm_weights.count(t)) {
      const predictor::Predictor::WarmWeights& w = p.warm_weights.at(t);
      std::printf("; in networks of at most %.0f MB, each op less its weights at %.1f GB/s (at most %.0f%% of it)",
                  w.network_bytes_below / 1e6, 1e-3 / w.us_per_weight_byte, 100 * w.max_share);
    }
    if (const auto choice = r.warm_weights.find(t); choice != r.warm_weights.end())
      std::printf(" [held out, networks: %.1f%% with warm weights, %.1f%% with the scale alone]",
                  100 * choice->second.held_out_mape_warm_weights, 100 * choice->second.held_out_mape_scale);
    std::printf("\n");
  }
  std::printf("weight streaming: %s\n", r.weight_streaming.c_str());
  std::printf("gemm tiles: %s\n", r.gemm_tiles.c_str());
  std::printf("noisy samples: %lld of %lld dropped, %lld used; %s\n", static_cast<long long>(r.samples_dropped),
              static_cast<long long>(r.samples_noisy), static_cast<long long>(r.samples_used),
              std::string(predictor::noisy_sample_policy).c_str());
}

}  // namespace

void run_fit(const std::string& device_name, const std::string& profile_file, bool quick,
             const predictor::FitOptions& options, bool allow_emulated) {
  const predictor::DeviceRef device = predictor::resolve_device(device_name);
  const std::string path = profile_file.empty() ? device.profile_path : profile_file;
  if (profile_file.empty() && device.is_host() && !std::filesystem::exists(path)) {
    // The same refusal as `profile`'s: an emulator's times would become this machine's predictor.
    const profiler::Emulation& emulation = profiler::detect_emulation();
    const char* allowed = std::getenv("CPX_ALLOW_EMULATED");  // the main job has no flag of its own
    if (emulation.emulated && !allow_emulated && !(allowed && *allowed && std::string(allowed) != "0"))
      throw InputError(
          "fit: refused to profile this machine first: running under an emulator (" + emulation.signs +
          "), whose times are not this CPU's; pass --allow-emulated (or CPX_ALLOW_EMULATED=1) to do so anyway");
    // Never a long run without saying how long first.
    std::fprintf(stderr, "fit: no device profile at %s; profiling this machine first, %s\n", path.c_str(),
                 profiler::profile_duration_estimate(quick).c_str());
    profiler::SweepOptions o;
    o.quick = quick;
    o.out_path = path;
    std::atomic<bool> never{false};
    profiler::run_sweep(o, never);
  }
  const auto start = std::chrono::steady_clock::now();
  predictor::FitReport report;
  const predictor::Predictor p = predictor::fit_device(device, profile_file, options, &report);
  std::printf("predictor for %s: %s (fitted in %.2f s from %s)\n", device.name.c_str(), device.predictor_path.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), path.c_str());
  print_fit(p, report);
}

namespace {

// Which interval a prediction carries and whose held-out figures sized it, in words.
std::string interval_in_words(const predictor::Predictor& p, const predictor::NetworkPrediction& pred) {
  if (!p.calibrated) return "from held-out sampled networks of the profile (in-distribution)";
  if (!p.calibrated->held_out)
    return "from " + predictor::interval_source_in_words(*p.calibrated);  // zero-shot: no family seen
  return std::string(pred.seen_family_interval ? "for a family the calibration saw"
                                               : "for a family the calibration never saw") +
         ", from " + predictor::interval_source_in_words(*p.calibrated);
}

// `device` empty: none named, the default device (said in the text).
void run_predict(const ModelArgs& m, const std::string& device, std::optional<int64_t> requested, bool layers,
                 bool as_json) {
  if (requested && (*requested < 1 || *requested > 256))
    throw InputError("--threads = " + std::to_string(*requested) + ": out of range [1, 256]");
  const LoadedNetwork loaded = load_network(m);
  const Network& net = loaded.net;
  const std::string& model = m.model;
  const predictor::Predictor p =
      predictor::load_predictor(predictor::resolve_device(device.empty() ? predictor::default_device : device));
  const int64_t threads = predictor::prediction_threads(p, requested);
  const auto pred = predictor::predict(p, net, threads);
  const double macs = static_cast<double>(count(net).total.macs);
  // A zoo network that leaves out timed work of its original: the prediction is of this network, not of that.
  const ZooEntry* entry = find_zoo(model);
  Json j = predictor::prediction_to_json(p, net, pred, threads, layers);
  if (entry && !entry->unmodelled_work.empty()) j["unmodelled_work"] = entry->unmodelled_work;
  add_skipped(j, loaded);
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (device.empty()) std::printf("%s\n", predictor::default_device_note().spelled(explorer::flag_of).c_str());
  std::printf("%s on %s (%s), %lld thread(s), input %s\n", net.name.c_str(), p.device.c_str(), p.runtime.c_str(),
              static_cast<long long>(threads), net.input.str().c_str());
  if (layers) {
    std::printf("%-28s %-16s %-16s %14s %10s %10s\n", "name", "op", "op_class", "macs", "GMACpS", "time_us");
    for (size_t i = 0; i < net.ops.size(); ++i) {
      const auto& o = pred.ops[i];
      std::printf("%-28s %-16s %-16s %14s %10s %10.1f\n", net.ops[i].name.c_str(),
                  std::string(net.ops[i].kind()).c_str(), std::string(to_string(o.op_class)).c_str(),
                  thousands(static_cast<int64_t>(o.macs)).c_str(),
                  o.macs > 0 ? std::to_string(o.macs / (o.latency_us * 1e3)).substr(0, 6).c_str() : "-", o.latency_us);
    }
    std::printf("network overhead %.1f us\n", pred.overhead_us);
  }
  std::printf("predicted latency %.3f ms, MACs %s, %.2f GMACpS\n", pred.latency_us / 1e3,
              thousands(static_cast<int64_t>(macs)).c_str(), macs / (pred.latency_us * 1e3));
  if (pred.interval_us)
    std::printf("interval (%.0f%%, %s): %.3f to %.3f ms\n", 100 * pred.interval.value().level,
                interval_in_words(p, pred).c_str(), (*pred.interval_us)[0] / 1e3, (*pred.interval_us)[1] / 1e3);
  // What prediction_to_json writes as device_warnings, from the struct it writes them from.
  if (p.calibrated && p.calibrated->held_out)
    for (const std::string& w : p.calibrated->held_out->warnings)
      std::printf("device warning (from calibrate): %s\n", w.c_str());
  // Every caveat of the JSON document, so that the text form says no less.
  for (const std::string& note : predictor::prediction_notes(pred, predictor::outside_profile(p, net, pred, threads),
                                                             net.name, entry ? entry->unmodelled_work : ""))
    std::printf("%s\n", note.c_str());
  print_skipped(loaded);
}

void print_worst(const char* set, const predictor::SetSummary& summary) {
  for (const predictor::ValidationRow& w : summary.worst) {
    std::printf(
        "  worst %-20s %-18s %+6.1f%%  measured %9.3f ms  predicted %9.3f ms  %lld ops outside the profile%s%s\n", set,
        w.network.c_str(), 100 * w.error, w.measured_us / 1e3, w.predicted_us / 1e3,
        static_cast<long long>(w.ops_outside_profile), w.blocks.empty() ? "" : "\n      ", w.blocks.c_str());
  }
}

// The interference line, then, when the speed reference says the machine changed speed, a warning and
// exit_interfered: the run queue cannot show a neighbour outside this VM.
void finish_validate(const predictor::Validation& result) {
  finish_measuring(result.interference, "validate");
  finish_speed("validate", result.machine_noise.reference_spread);
}

// The two sets of a validation, as the text names them.
std::array<std::pair<const char*, const predictor::SetSummary*>, 2> validation_sets(const predictor::Validation& v) {
  return {std::pair{"in-distribution", &v.in_distribution}, std::pair{"out-of-distribution", &v.out_of_distribution}};
}

// One row of the scores table; `width`: the set column's.
void print_scores(const char* set, const char* model, const predictor::Accuracy& a, int width = 20) {
  std::printf("%-*s %-18s %7.1f%% %9.1f%% %9.1f%% %9.3f", width, set, model, 100 * a.mape, 100 * a.within_5pct,
              100 * a.within_10pct, a.spearman);
}

// The header line and the scores of the predictor and the baselines per set.
void print_validation_scores(const predictor::Validation& result) {
  std::printf(
      "held-out, none used in fitting: in-distribution %lld zoo (families the fit never saw) + %lld sampled networks; "
      "out-of-distribution %lld "
      "generated plain CNNs (seed %llu); %lld thread(s), measured in %lld interleaved rounds %s\n",
      static_cast<long long>(result.zoo_networks), static_cast<long long>(result.options.samples),
      static_cast<long long>(result.options.ood), static_cast<unsigned long long>(result.options.ood_seed),
      static_cast<long long>(result.options.threads), static_cast<long long>(result.options.rounds),
      // A rescored file may come from another machine: its CPU is on the line above.
      result.rescored_from.empty() ? "on this machine" : "by the run rescored");
  std::printf("%-20s %-18s %8s %10s %10s %9s\n", "set", "model", "MAPE", "within 5%", "within 10%", "Spearman");
  for (const auto& [set, summary] : validation_sets(result)) {
    if (!summary->predictor) continue;
    for (const auto& [model, a] :
         {std::pair{"predictor", &*summary->predictor}, std::pair{"baseline_quadratic", &summary->baseline_quadratic},
          std::pair{"baseline_macs", &summary->baseline_macs},
          std::pair{"baseline_params", &summary->baseline_params}}) {
      print_scores(a == &*summary->predictor ? set : "", model, *a);  // the set named on its first row
      std::printf("\n");
    }
    // The in-distribution set's two parts, the predictor alone.
    for (const auto& [part, a] : summary->by_set) {
      std::printf("  ");
      print_scores(part == predictor::HeldOutSet::zoo ? "zoo, held out" : std::string(to_string(part)).c_str(),
                   "predictor", a, 18);
      std::printf("\n");
    }
  }
  if (const predictor::SetSummary& z = result.zoo_fitted; z.predictor) {
    print_scores("zoo, fitted", "predictor", *z.predictor);
    std::printf("   (%lld networks of the families fitted on: not held out)\n", static_cast<long long>(z.networks));
  }
  for (const auto& [set, summary] : validation_sets(result))
    if (summary->interval_coverage)
      std::printf("%s: %.0f%% of the networks measured inside their predicted %.0f%% interval\n", set,
                  100 * *summary->interval_coverage, 100 * predictor::interval_level);
  print_worst("in-distribution", result.in_distribution);
  print_worst("out-of-distribution", result.out_of_distribution);
}

// validate --layers: per op class, each op timed inside its network.
void print_op_classes(const predictor::Validation& result) {
  std::printf(
      "per op class, each op timed inside its network (median additivity of that pass %.3f: Σ ops / whole network):\n",
      result.layers_median_additivity.value_or(std::nan("")));
  std::printf("%-20s %-24s %6s %7s %13s %13s %13s  %s\n", "set", "op class", "ops", "share", "Σpred/Σmeas",
              "median ratio", "|error|/time", "networks within ±10% / ±5% if this class were exact");
  for (const auto& [set, summary] : validation_sets(result)) {
    const char* label = set;
    for (const predictor::OpClassScore& c : summary->op_classes.value_or(std::vector<predictor::OpClassScore>{})) {
      std::printf("%-20s %-24s %6lld %6.1f%% %13.3f %13.3f %12.1f%%  %3.0f%% / %3.0f%%\n", label, c.op_class.c_str(),
                  static_cast<long long>(c.ops), 100 * c.share, c.sum_ratio, c.median_ratio, 100 * c.weighted_abs_error,
                  100 * c.networks_if_exact.within_10pct, 100 * c.networks_if_exact.within_5pct);
      label = "";
    }
  }
}

// The verdict, the machine's noise and its speed against the profile's.
void print_validation_noise(const predictor::Validation& result) {
  // The verdict: the predictor beside how well this run's measurements repeat themselves, per set.
  for (const auto& [set, summary] : validation_sets(result)) {
    if (!summary->verdict) continue;
    const predictor::Verdict& v = *summary->verdict;
    std::printf(
        "verdict, %s: within 10%% predictor %.0f%% vs instrument %.0f%%, within 5%% predictor %.0f%% vs instrument "
        "%.0f%%: %s\n",
        set, 100 * v.within_10pct.predictor, 100 * v.within_10pct.instrument, 100 * v.within_5pct.predictor,
        100 * v.within_5pct.instrument,
        v.at_instrument_floor ? "at the instrument's floor" : "short of the instrument's floor (more than 5 points)");
  }
  const predictor::MachineNoise& noise = result.machine_noise;
  std::printf("machine noise: a network's slowest round vs its fastest, median %.1f%%, p90 %.1f%%%s\n",
              100 * noise.median_round_spread, 100 * noise.p90_round_spread,
              noise.median_round_spread > 0.05 ? " (noisy: errors above include the machine's drift)" : "");
  std::printf("speed reference (%s): p90 vs p10 %+.1f%%\n", noise.reference.c_str(), 100 * noise.reference_spread);
  if (const auto& rep = noise.repeatability)
    std::printf(
        "repeatability: each network's even rounds against its odd rounds agree within 5%% for %.0f%% of them, within "
        "10%% "
        "for %.0f%% (median difference %.1f%%); no prediction can be checked more finely than that here\n",
        100 * rep->within_5pct, 100 * rep->within_10pct, 100 * rep->median_abs_difference);
  // One line of the predictor's scores under a speed correction (`of` picks it from each set), if the sets have them.
  auto print_corrected = [&](const char* what, const std::optional<predictor::Accuracy> predictor::SetSummary::*of) {
    if (!(result.in_distribution.*of)) return;
    std::printf("%s", what);
    for (const auto& [set, summary] :
         {std::pair{"in-distribution", &result.in_distribution}, std::pair{"OOD", &result.out_of_distribution}}) {
      if (!(summary->*of)) continue;
      const predictor::Accuracy& a = *(summary->*of);
      std::printf("  %s MAPE %.1f%%, within 5%% %.1f%%, within 10%% %.1f%%", set, 100 * a.mape, 100 * a.within_5pct,
                  100 * a.within_10pct);
    }
    std::printf("\n");
  };
  if (const auto& speed = result.speed_vs_profile) {
    std::printf("machine speed vs the profile: the speed reference took %.1f%% %s than while profiling\n",
                100 * std::abs(speed->ratio - 1), speed->ratio >= 1 ? "longer" : "less");
    print_corrected("predictions scaled by it:", &predictor::SetSummary::predictor_at_measured_speed);
    print_corrected("each round at the profile's speed, by the reference timed around it:",
                    &predictor::SetSummary::predictor_at_local_speed);
  }
}

// validate, or with `rescore_path` validate --rescore: the same figures, from new measurements or from a
// file's.
void run_validate(const predictor::ValidateOptions& options, const std::string& device, const std::string& rescore_path,
                  bool as_json, const QuietMachine& quiet) {
  if (predictor::resolve_device(device).is_host() && rescore_path.empty()) quiet.run("validate", options.threads);
  auto progress = [&](const predictor::ValidationRow& r) {
    if (as_json) return;
    std::fprintf(stderr, "%-22s measured %9.3f ms  predicted %9.3f ms  error %+6.1f%%\n", r.network.c_str(),
                 r.measured_us / 1e3, r.predicted_us / 1e3, 100 * r.error);
  };
  const predictor::Validation result = rescore_path.empty() ? predictor::validate(device, options, progress)
                                                            : predictor::rescore(device, rescore_path, progress);
  if (as_json) {
    std::cout << to_json(result).dump(2) << "\n";
    finish_validate(result);
    return;
  }
  if (!result.rescored_from.empty())
    std::printf("rescored: the times measured by %s (%s), predicted by the predictor fitted on %s\n",
                result.rescored_from.c_str(),
                result.environment.contains("cpu") ? result.environment["cpu"].dump().c_str() : "cpu not recorded",
                result.predictor.value("profile", "a profile not recorded").c_str());
  print_validation_scores(result);
  if (result.options.layers) print_op_classes(result);
  print_validation_noise(result);
  finish_validate(result);
}

// calibrate's side-by-side table of every candidate held out, and what its coverage columns are about.
void print_held_out_table(const predictor::CalibrationHeldOut& h, const predictor::Calibrated& d) {
  std::printf("%-18s %10s %10s %10s %10s %10s %10s %11s %12s\n", "held-out", "model MAPE", "family MAPE", "model 10%",
              "family 10%", "model rho", "family rho", "model cover", "family cover");
  using Figures = std::optional<predictor::HeldOutFigures>;
  auto cell = [](const Figures& f, double predictor::HeldOutFigures::*field, double k, const char* fmt) {
    char b[32];
    if (!f) return std::string("-");
    std::snprintf(b, sizeof b, fmt, k * (*f).*field);
    return std::string(b);
  };
  auto row = [&](const std::string& name, const Figures& lomo, const Figures& lofo, const char* mark) {
    using F = predictor::HeldOutFigures;
    std::printf("%-18s %10s %10s %10s %10s %10s %10s %11s %12s%s\n", name.c_str(),
                cell(lomo, &F::mape, 100, "%.1f%%").c_str(), cell(lofo, &F::mape, 100, "%.1f%%").c_str(),
                cell(lomo, &F::within_10pct, 100, "%.0f%%").c_str(),
                cell(lofo, &F::within_10pct, 100, "%.0f%%").c_str(), cell(lomo, &F::spearman, 1, "%.3f").c_str(),
                cell(lofo, &F::spearman, 1, "%.3f").c_str(), cell(lomo, &F::coverage, 100, "%.0f%%").c_str(),
                cell(lofo, &F::coverage, 100, "%.0f%%").c_str(), mark);
  };
  for (const predictor::MethodHeldOut& m : h.methods)
    row(std::string(predictor::to_string(m.method)), m.lomo, m.lofo, m.method == h.chosen ? "  <- the device" : "");
  if (h.nested)
    row("the choice, nested", h.nested->by_family ? Figures() : h.nested->figures,
        h.nested->by_family ? h.nested->figures : Figures(), "  (each group by the candidate chosen without it)");
  const bool by_family = h.methods.front().lofo.has_value();
  std::printf(
      "cover: the share of the networks inside the %.0f%% interval of the device's interval method (%s) sized without "
      "their "
      "model (model cover) or their family (family cover); the device's %s cover is its own interval's coverage\n",
      100 * d.interval.level, std::string(predictor::to_string(d.interval.interval_method)).c_str(),
      by_family ? "family" : "model");
}

// The device's intervals, each named by the networks it is for, and its coverage as the table's column says it.
void print_device_interval(const predictor::Calibrated& d) {
  const predictor::CalibrationHeldOut& h = d.held_out.value();
  const bool by_family = h.methods.front().lofo.has_value();
  std::printf(
      "interval for a network of a family the calibration never saw: %.0f%%, errors %+.1f%% to %+.1f%% (%s); its "
      "coverage, each "
      "%s held out: %.0f%% (the %s cover of %s above)\n",
      100 * d.interval.level, 100 * d.interval.error_low, 100 * d.interval.error_high, d.interval.method.c_str(),
      by_family ? "family" : "model", 100 * d.interval.coverage.share, by_family ? "family" : "model",
      std::string(predictor::to_string(d.method)).c_str());
  if (const auto& seen = d.interval.seen_family)
    std::printf("interval for a network of a family the calibration saw: %.0f%%, errors %+.1f%% to %+.1f%% (%s)\n",
                100 * d.interval.level, 100 * seen->error_low, 100 * seen->error_high, seen->how.c_str());
}

// calibrate --zero-shot: the prior, what it says of each learning device left out, and the interval.
void print_zero_shot(const predictor::CalibrationRequest& request, const predictor::CalibrationResult& r) {
  const predictor::Predictor& p = r.calibration.device;
  const predictor::Calibrated& d = *p.calibrated;
  const predictor::Provenance::ZeroShot& z = p.provenance.zero_shot.value();
  // The covariate's values as the figures themselves (covariate_shown: a log covariate's exp).
  std::printf(
      "prior: %s learned over %s; %s; efficiency exponent %.2f, dispatch %.3g us per op; covariate %s (slope %.3f; "
      "this device %.3g, "
      "theirs %.3g to %.3g)\n",
      predictor::to_string(d.method).data(), Json(z.devices).dump().c_str(), z.form.c_str(), d.efficiency_exponent,
      z.dispatch_us_per_op, z.covariate.c_str(), z.slope, z.covariate_shown[0], z.covariate_shown[1],
      z.covariate_shown[2]);
  if (!z.runtime_level.empty()) std::printf("prior level: %s\n", z.runtime_level.c_str());
  std::printf("each learning device predicted by the prior learned without it (MAPE):");
  for (const predictor::Provenance::ZeroShot::LeftOut& l : z.left_out)
    std::printf(" %s %.1f%%;", l.device.c_str(), 100 * l.mape);
  std::printf("\ngroup factors:");
  for (size_t g = 0; g < predictor::op_group_count; ++g) {
    const std::string name(predictor::to_string(static_cast<predictor::OpGroup>(g)));
    std::printf(" %s %.3f;", name.substr(0, name.find(' ')).c_str(), d.group_factor[g]);
  }
  std::printf("\ninterval: %.0f%%, errors %+.1f%% to %+.1f%% (%s); coverage %.0f%% (%s)\n", 100 * d.interval.level,
              100 * d.interval.error_low, 100 * d.interval.error_high, d.interval.method.c_str(),
              100 * d.interval.coverage.share, d.interval.coverage.how.c_str());
  for (const predictor::Provenance::Timing& t : p.provenance.timings)
    std::printf("  %-22s timed %8.2f ms  zero-shot %8.2f ms  updated %8.2f ms\n", t.model.c_str(), t.latency_ms,
                t.zero_shot_ms, t.updated_ms);
  for (const std::string& o : p.provenance.outside_learning_devices)
    std::printf("warning: %s: the prior extrapolates, and its interval may be too narrow\n", o.c_str());
  (void)request;
}

void run_calibrate(const predictor::CalibrationRequest& request) {
  const auto r = predictor::calibrate_device(request);
  const auto& d = *r.calibration.device.calibrated;
  if (!r.host_note.empty()) std::printf("%s\n", r.host_note.spelled(explorer::flag_of).c_str());
  std::printf(
      "device %s: %zu timed networks (%s); %s, %lld thread(s): fp32 peak %.1f GMACpS, DRAM %.1f GB/s (hardware "
      "description)\n",
      request.device.c_str(), r.points.size(), predictor::timings_in_words(d).c_str(), d.hardware.description.c_str(),
      static_cast<long long>(d.hardware.threads), d.hardware.peak_macps() / 1e9, d.hardware.dram_bytes_per_s / 1e9);
  std::printf("host ceilings at 1 thread (profile probes): %.1f GMACpS, %.1f GB/s\n", r.host.peak_macps / 1e9,
              r.host.bandwidth_bytes_per_s / 1e9);
  if (request.zero_shot) {
    print_zero_shot(request, r);
    std::printf("written to %s\n", r.path.c_str());
    return;
  }
  for (const auto& p : r.not_fitted)
    std::printf("not fitted or scored: %s (published %.2f ms): its network leaves out %s\n", p.model.c_str(),
                p.latency_ms, find_zoo(p.model)->unmodelled_work.c_str());
  const predictor::CalibrationHeldOut& h = d.held_out.value();
  std::printf("families (held out together): ");
  for (const auto& [f, n] : h.families) std::printf("%s %d  ", f.c_str(), static_cast<int>(n));
  std::printf("\n\n");
  print_held_out_table(h, d);
  if (!h.sureness.warning.empty()) std::printf("note: %s\n", h.sureness.warning.c_str());
  // A host model fitted on zoo networks (fit --zoo-families half) has seen those models' host timings: held
  // out of the device's parameters, they are not held out of the host model.
  if (const auto& host_model = r.calibration.device.provenance.host_model;
      host_model && !host_model->zoo_families_fitted.empty())
    std::printf(
        "note: the host model was fitted on the host timings of the zoo families %s; their held-out figures above hold "
        "them "
        "out of the device's parameters only (fit --zoo-families none for figures that hold them out of both)\n",
        Json(host_model->zoo_families_fitted).dump().c_str());
  const predictor::DevicePricing pricing = predictor::pricing_of(d.method);
  if (pricing == predictor::DevicePricing::transferred || pricing == predictor::DevicePricing::group_scaled) {
    std::printf("group factors:");
    for (size_t g = 0; g < predictor::op_group_count; ++g) {
      const std::string name(predictor::to_string(static_cast<predictor::OpGroup>(g)));
      std::printf(" %s %.3f;", name.substr(0, name.find(' ')).c_str(), d.group_factor[g]);
    }
    std::printf("\n");
  }
  if (pricing == predictor::DevicePricing::linear)
    std::printf("per MAC %.3g us (%.2f GMACpS), per byte %.3g us, per op %.3g us\n", d.linear[0],
                d.linear[0] > 0 ? 1e-3 / d.linear[0] : 0.0, d.linear[1], d.linear[2]);
  print_device_interval(d);
  std::string exercised;
  for (const auto& [kind, share] : d.kind_share)
    if (share >= predictor::calibrated_kind_share)
      exercised += (exercised.empty() ? "" : ", ") + predictor::to_string(kind) + " " +
                   std::to_string(static_cast<int>(std::lround(100 * share))) + "%";
  if (!d.kind_spread.empty())
    std::printf(
        "calibration networks exercise: %s; other work is the host's relative cost, transferred, its share of a "
        "prediction "
        "widening the interval by how much devices differ on that kind (%zu shipped devices)\n",
        exercised.c_str(), d.uncalibrated && d.uncalibrated->spread ? d.uncalibrated->spread->devices.size() : 0);
  else
    std::printf(
        "calibration networks exercise: %s; other work is the host's relative cost, transferred, its share of a "
        "prediction "
        "widening the interval by up to %.2gx (%s)\n",
        exercised.c_str(), d.uncalibrated_factor,
        d.uncalibrated && d.uncalibrated->factor && d.uncalibrated->factor->sized
            ? "sized from held-out cases"
            : "assumed: too few held-out cases to size it");
  for (const predictor::Provenance::Published& pt : r.calibration.device.provenance.published) {
    const double held_out_ms = pt.held_out_ms.value_or(std::nan(""));  // calibrate writes one for every point
    std::printf("  %-22s %-14s timed %8.2f ms  held out %8.2f ms (%+6.1f%%)\n", pt.model.c_str(), pt.family.c_str(),
                pt.latency_ms, held_out_ms, 100 * (held_out_ms / pt.latency_ms - 1));
  }
  // What calibrate found wrong and wrote all the same (the file's held_out.warnings, word for word).
  for (const std::string& w : h.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("written to %s\n", r.path.c_str());
}

void add_calibrate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("calibrate",
                                 "Fit a device you do not own from whole-network latencies: published, or your own");
  auto request = std::make_shared<predictor::CalibrationRequest>();
  cmd->add_option("--device", request->device, "Name of the device to create")->required();
  cmd->add_option(
      "--published", request->published,
      "CSV of model,latency_ms[,family][,threads]: model = a zoo name or a network file (network or macro JSON, or "
      ".onnx; relative to the CSV); or the published-figures format with --column (required, unless --zero-shot)");
  cmd->add_flag(
      "--zero-shot", request->zero_shot,
      "A device from its hardware description alone: the parameters learned over the shipped calibrated devices "
      "(not this one), its interval from their errors each left out in turn; with --published (1 network or more), "
      "that prior updated by your timings");
  cmd->add_option("--column", request->column, "Latency column of a published-figures CSV, e.g. rpi5_ms");
  cmd->add_option(
      "--hardware", request->hardware,
      "A shipped device's name, whose hardware description is used under --device's name (e.g. --device mypi "
      "--hardware pi5), or a hardware description JSON file (see predictor/devices/hardware/); default: the "
      "shipped one of --device");
  cmd->add_option("--out", request->out, "Output predictor file (default: the device cache)");
  cmd->add_option(
      "--runtime", request->runtime,
      "Your own timings (a CSV without --column): the runtime and version you timed with, e.g. \"ONNX Runtime 1.17\" "
      "(required; predict and the reports name it)");
  cmd->add_option_function<std::string>(
      "--runtime-class",
      [request](const std::string& name) {
        request->runtime_class = predictor::runtime_class_names.parse(name, "--runtime-class");
      },
      "The runtime the device's figures are for, instead of its hardware description's runtime_class: " +
          predictor::runtime_class_names.joined() +
          " (the runtimes the calibrated devices' timings ran on; a zero-shot prior may "
          "take the level of the devices of that runtime)");
  cmd->add_option_function<int64_t>(
      "--threads", [request](int64_t t) { request->threads = t; },
      "Your own timings: the threads you timed with (required, unless the CSV has a threads column)");
  cmd->add_option_function<std::string>(
      "--timed-by",
      [request](const std::string& name) {
        const std::optional<predictor::TimedBy> t = predictor::find_timed_by(name);
        if (!t || !predictor::timed_by_someone(*t))
          throw InputError("--timed-by = \"" + name + "\": expected user or project");
        request->own_timings = *t;
      },
      "Whose timings a CSV without --column holds: user (default) or project (this project's benchmark machine, "
      "for a shipped device: scripts/calibrate-devices)");
  const std::vector<std::string> methods = predictor::calibration_method_names();
  cmd->add_option_function<std::string>(
         "--method",
         [request](const std::string& name) { request->method = predictor::calibration_method_from(name, "--method"); },
         "Use this candidate instead of choosing (every candidate is still scored)")
      ->check(CLI::IsMember(methods));
  const std::vector<std::string> interval_methods = predictor::interval_method_names.all();
  cmd->add_option_function<std::string>(
         "--interval-method",
         [request](const std::string& name) {
           request->interval = predictor::interval_method_from(name, "--interval-method");
         },
         "How the 80% interval is sized: pooled_t (default: the device's held-out errors, their spread pooled with the "
         "shipped "
         "devices', Student-t; unseen work widened per kind by how devices differ on it) or percentile (the 10th to "
         "90th "
         "percentile of its own held-out errors, as before)")
      ->check(CLI::IsMember(interval_methods));
  cmd->add_option(
      "--host-from", request->host_from,
      "Take the host model and host ceilings from this calibrated device (a shipped name or a device file) "
      "instead of this machine's fitted host predictor and profile (without a fitted host predictor, the one "
      "the shipped device of --hardware or --device carries, and it says so)");
  std::string listed = methods.front() + " (the floor)";
  for (size_t k = 1; k < methods.size(); ++k) listed += ", " + methods[k];
  cmd->footer(
      "Scores every candidate held out by network and by family (MAPE, share within 10%, Spearman, 80% interval "
      "coverage): " +
      listed +
      ". The device keeps the simplest whose family-held-out error is within one standard "
      "error of the best, never one worse than MACs alone, and scores that choice nested. Takes 3 networks or more, 5 "
      "or more recommended; fewer families, less sure (it says so).");
  cmd->callback([=] { run_calibrate(*request); });
}

void add_validate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate",
                                 "Measure held-out networks (zoo + sampled; generated out-of-distribution CNNs) "
                                 "and score the predictor against baselines, each set on its own");
  auto device = std::make_shared<std::string>(predictor::host_device);
  auto options = std::make_shared<predictor::ValidateOptions>();
  auto as_json = std::make_shared<bool>(false);
  auto rescore = std::make_shared<std::string>();
  cmd->add_option("--device", *device, "Only host: validation measures");
  cmd->add_option("--samples", options->samples, "Networks sampled from the CPUBone-like space (in-distribution)")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the sampled networks, weights and inputs")->capture_default_str();
  cmd->add_option(
         "--ood", options->ood,
         "Out-of-distribution networks: plain CNNs (ResNet, ResNeXt, MBConv, fused, 1xk/kx1, VGG blocks) from a "
         "generator sharing nothing with the sampler or the search space (a default validate, zoo included, took "
         "11 minutes at 1 thread and 5 at 2 on a 2-core machine)")
      ->capture_default_str();
  cmd->add_option("--ood-seed", options->ood_seed, "First seed of the out-of-distribution networks")
      ->capture_default_str();
  cmd->add_option("--threads,--num_threads", options->threads, "Threads")->capture_default_str();
  cmd->add_option("--min-time", options->min_time_s, "Seconds of timing per network and round")->capture_default_str();
  cmd->add_option("--rounds", options->rounds,
                  "Interleaved rounds (shuffled order each); a network's figure is its median round")
      ->capture_default_str();
  cmd->add_flag(
      "--layers", options->layers,
      "After the rounds, time every op inside its network once more (about two rounds longer) and score each op's "
      "prediction per op class: where a network's errors cancel between classes");
  cmd->add_flag("--json", *as_json, "Print JSON with every network");
  auto* rescore_option =
      cmd->add_option("--rescore", *rescore,
                      "Measure nothing: score the predictor as it is now on the times of an earlier "
                      "`validate --json` file (its networks, seeds, threads and rounds), so that two fits "
                      "are compared on the same measurements");
  for (const char* measuring :
       {"--samples", "--seed", "--ood", "--ood-seed", "--threads", "--min-time", "--rounds", "--layers"})
    rescore_option->excludes(measuring);
  auto quiet = std::make_shared<QuietMachine>();
  add_measuring_options(cmd, *quiet);
  cmd->callback([=] { run_validate(*options, *device, *rescore, *as_json, *quiet); });
}

void add_fit_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("fit", "Fit the latency predictor of a device from its profile (profiling first if needed)");
  auto device = std::make_shared<std::string>(predictor::host_device);
  auto profile = std::make_shared<std::string>();
  auto quick = std::make_shared<bool>(false);
  cmd->add_option("--device", *device, "Device name (host = this machine)");
  cmd->add_option("--profile", *profile, "Device profile JSON (default: the cached profile of the device)");
  cmd->add_flag("--quick", *quick, "If profiling is needed, the quick sweep");
  auto no_trees = std::make_shared<bool>(false);
  cmd->add_flag("--no-residual-trees", *no_trees,
                "Only the per-class quadratic regressions (to compare; the trees are the default)");
  auto allow_noisy = std::make_shared<bool>(false);
  cmd->add_flag(
      "--allow-noisy", *allow_noisy,
      "Fit even when most of the profile's measurements are flagged noisy (the machine was busy while profiling), "
      "or its speed reference says the machine changed speed while profiling (machine_speed); noisy samples are "
      "still dropped wherever a class has enough quiet ones");
  cmd->footer(
      "Noisy samples (measured while the machine interfered) are dropped, not down-weighted: interference only slows "
      "a run, so a noisy median is biased, not just spread. A profile with most measurements noisy is refused (exit "
      "2) "
      "unless --allow-noisy. Another fit writing the same predictor is refused at once (exit 2).");
  auto no_roofline = std::make_shared<bool>(false);
  cmd->add_flag("--no-roofline", *no_roofline,
                "Only the quadratic class models (to compare; by default each class keeps the "
                "quadratic or the roofline model, whichever has the lower held-out error)");
  auto select = std::make_shared<std::string>("kfold");
  cmd->add_option("--select", *select,
                  "How a class's model kind is chosen: kfold (lowest k-fold held-out MAPE, "
                  "folds grouped by profile record) or balanced (mean of the k-fold and the largest-shapes held-out "
                  "MAPE); either way "
                  "dense, grouped and pointwise convs choose among the roofline kinds, whose efficiency cannot fall "
                  "as channels grow")
      ->capture_default_str();
  auto zoo_families = std::make_shared<std::string>(predictor::to_string(predictor::FitOptions{}.zoo_families));
  cmd->add_option(
         "--zoo-families", *zoo_families,
         "none: fit on the profile's sampled CPUBone-like networks only; half: also on its zoo networks of half the "
         "zoo's families (a fixed hash of the family name), so that validate scores the other half as unseen "
         "families")
      ->capture_default_str();
  auto speed_correction = std::make_shared<std::string>(predictor::to_string(predictor::FitOptions{}.speed_correction));
  cmd->add_option(
         "--speed-correction", *speed_correction,
         "local: each measured time at the profile's median speed, by the speed reference timed around it (a record "
         "measured while the machine ran slow is then kept, corrected, not dropped); none: the times as measured")
      ->capture_default_str();
  auto allow_emulated = std::make_shared<bool>(false);
  cmd->add_flag(
         "--allow-emulated", *allow_emulated,
         "When the device is host and it has no profile yet: profile it even under an emulator such as qemu-user "
         "(refused otherwise)")
      ->envname("CPX_ALLOW_EMULATED");
  cmd->callback([=] {
    predictor::FitOptions options;
    options.residual_trees = !*no_trees;
    options.allow_noisy = *allow_noisy;
    options.roofline = !*no_roofline;
    options.selection = predictor::selection_from_string(*select, "--select");
    options.zoo_families = predictor::zoo_families_from_string(*zoo_families, "--zoo-families");
    options.speed_correction = predictor::speed_correction_from_string(*speed_correction, "--speed-correction");
    run_fit(*device, *profile, *quick, options, *allow_emulated);
  });
}

void add_predict_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("predict", "Predict latency of a zoo model or a network file (JSON or ONNX) on a device");
  auto model = std::make_shared<ModelArgs>();
  auto device = std::make_shared<std::string>();  // "": not given, the default device
  auto threads = std::make_shared<int64_t>(0);
  auto layers = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  add_model_options(cmd, *model);
  cmd->add_option("--device", *device,
                  "Device: a shipped or calibrated device's name, host (this machine, once "
                  "`fit --device host` has profiled it), or the path of a device file (e.g. one `calibrate --out` "
                  "wrote); default " +
                      std::string(predictor::default_device));
  auto* threads_option =
      cmd->add_option("--threads,--num_threads", *threads,
                      "Threads (default 1 on the host; a calibrated device predicts only at its own)");
  cmd->add_flag("--layers", *layers, "Per operator: class, MACs, predicted MACpS and time");
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->callback([=] {
    run_predict(*model, *device, threads_option->count() ? std::optional<int64_t>(*threads) : std::nullopt, *layers,
                *as_json);
  });
}

}  // namespace

void add_predictor_commands(CLI::App& app) {
  add_calibrate_command(app);
  add_validate_command(app);
  add_fit_command(app);
  add_predict_command(app);
}

}  // namespace cpx::cli
