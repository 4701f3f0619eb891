// measure: run a network on XNNPACK and report honest latency statistics, whole and per layer.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <iostream>

#include "explorer/cli/commands.hpp"
#include "profiler/environment.hpp"
#include "profiler/measure.hpp"
#include "profiler/probes.hpp"
#include "profiler/rules.hpp"
#include "profiler/sweep.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

using namespace profiler;

struct MeasureArgs {
  std::string model;
  int64_t threads = 1;
  bool layers = false;
  bool json = false;
  int64_t resolution = 0;
  uint64_t seed = 0;
  double min_time_s = 1.0;
  int64_t min_runs = 20;
};

double macps_of(int64_t macs, double latency_us) { return latency_us > 0 ? static_cast<double>(macs) / (latency_us * 1e-6) : 0; }

void run_measure(const MeasureArgs& a) {
  if (a.threads < 1 || a.threads > 256) throw InputError("--threads = " + std::to_string(a.threads) + ": out of range [1, 256]");
  if (!(a.min_time_s >= 0 && a.min_time_s <= 600)) throw InputError("--min-time = " + std::to_string(a.min_time_s) + ": out of range [0, 600]");
  if (a.min_runs < 1 || a.min_runs > 100000) throw InputError("--min-runs = " + std::to_string(a.min_runs) + ": out of range [1, 100000]");
  const Network net = load_model(a.model, a.resolution);
  const NetworkCount counts = count(net);
  const std::string pinned = pin_to_cpus(a.threads);
  MeasureOptions options;
  options.min_runs = a.min_runs;
  options.min_time_s = a.min_time_s;
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = 0.2;
  const PeakProbe peak = probe_peak(a.threads, probe_options);

  Plan plan(net, make_weights(net, a.seed), {static_cast<size_t>(a.threads), false});
  const auto input = make_input(net.input, a.seed);
  std::copy(input.begin(), input.end(), plan.input().begin());
  LayerTimings t;
  if (a.layers) t = time_layers(plan, options);
  else t.network = time_runs([&] { plan.run(); }, options);
  const double median_us = t.network.stats_us.median;
  const double macps = macps_of(counts.total.macs, median_us);
  int64_t emulated = 0;
  for (size_t i = 0; i < plan.size(); ++i) emulated += plan.implementation(i).emulated;

  if (a.json) {
    Json j;
    j["schema"] = "cpubone-explore/measurement/v1";
    j["model"] = net.name;
    j["resolution"] = net.input.h;
    j["input_nhwc"] = net.input.to_json();
    j["threads"] = a.threads;
    j["seed"] = a.seed;
    j["macs"] = counts.total.macs;
    j["latency_us"] = to_json(t.network);
    j["macps"] = macps;
    j["peak"] = to_json(peak);
    j["fraction_of_peak"] = macps / peak.peak_macps;
    j["arena_bytes"] = plan.arena_bytes();
    j["environment"] = to_json(capture_environment(a.threads));
    j["emulated_ops"] = emulated;
    if (a.layers) {
      Json rows = Json::array();
      for (size_t i = 0; i < plan.size(); ++i) {
        const auto& imp = plan.implementation(i);
        const double us = t.ops[i].stats_us.median;
        rows.push_back({{"name", net.ops[i].name},
                        {"op", net.ops[i].kind()},
                        {"implementation", imp.how},
                        {"xnnpack", !imp.emulated},
                        {"emulated", imp.emulated ? Json(imp.how) : Json(false)},
                        {"macs", counts.layers[i].cost.macs},
                        {"latency_us", to_json(t.ops[i])},
                        {"macps", macps_of(counts.layers[i].cost.macs, us)},
                        {"fraction_of_peak", macps_of(counts.layers[i].cost.macs, us) / peak.peak_macps},
                        {"share", us / median_us}});
      }
      j["layers"] = std::move(rows);
      j["additivity"] = t.additivity;
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  const Stats& s = t.network.stats_us;
  std::printf("%s, input %s (NHWC), %lld thread(s) pinned to CPUs %s, seed %llu\n", net.name.c_str(), net.input.str().c_str(),
              static_cast<long long>(a.threads), pinned.empty() ? "(not pinned)" : pinned.c_str(),
              static_cast<unsigned long long>(a.seed));
  if (a.layers) {
    std::printf("%-28s %-16s %10s %8s %10s %7s %6s  %s\n", "name", "op", "median_us", "cv", "GMACpS", "%peak", "share",
                "implementation");
    for (size_t i = 0; i < plan.size(); ++i) {
      const auto& imp = plan.implementation(i);
      const double us = t.ops[i].stats_us.median;
      const double m = macps_of(counts.layers[i].cost.macs, us);
      std::printf("%-28s %-16s %10.1f %7.1f%% %10.2f %6.1f%% %5.1f%%  %s%s\n", net.ops[i].name.c_str(),
                  std::string(net.ops[i].kind()).c_str(), us, 100 * t.ops[i].stats_us.cv, m / 1e9,
                  100 * m / peak.peak_macps, 100 * us / median_us, imp.emulated ? "[emulated] " : "", imp.how.c_str());
    }
    std::printf("additivity (sum of per-op medians / whole-network median): %.3f\n", t.additivity);
  }
  std::printf("latency   median %.3f ms  (p10 %.3f, p90 %.3f, mean %.3f, cv %.1f%%, n=%lld%s)\n", s.median / 1e3, s.p10 / 1e3,
              s.p90 / 1e3, s.mean / 1e3, 100 * s.cv, static_cast<long long>(s.count), t.network.noisy ? ", NOISY" : "");
  std::printf("macs      %s\n", thousands(counts.total.macs).c_str());
  std::printf("macps     %.2f G  (%.1f%% of this machine's measured peak %.2f G, %s)\n", macps / 1e9,
              100 * macps / peak.peak_macps, peak.peak_macps / 1e9, peak.peak_source.c_str());
  std::printf("emulated  %lld of %zu ops (not single XNNPACK operators; see --layers)\n", static_cast<long long>(emulated), plan.size());
  const Environment env = capture_environment(a.threads);
  std::printf("env       %s (%s), %lld cores, XNNPACK %s, %s, %s\n", env.cpu.c_str(), env.microarchitecture.c_str(),
              static_cast<long long>(env.physical_cores), env.xnnpack_version.c_str(), env.build_type.c_str(), env.date_utc.c_str());
}

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

struct ProfileArgs {
  std::string device = "host";
  std::vector<int64_t> threads;
  bool quick = false;
  double budget_s = 0;
  std::string out;
  bool resume = false;
  uint64_t seed = 0;
};

void run_profile(const ProfileArgs& a) {
  if (a.device != "host")
    throw InputError("--device = \"" + a.device + "\": only \"host\" can be measured here; other devices are predicted or calibrated");
  for (int64_t t : a.threads)
    if (t < 1 || t > 256) throw InputError("--threads = " + std::to_string(t) + ": out of range [1, 256]");
  if (a.budget_s < 0 || a.budget_s > 86400) throw InputError("--budget = " + std::to_string(a.budget_s) + ": out of range [0, 86400]");
  SweepOptions o;
  o.quick = a.quick;
  o.threads = a.threads;
  o.budget_s = a.budget_s;
  o.seed = a.seed;
  o.resume = a.resume;
  o.out_path = a.out.empty() ? default_profile_path(a.device) : a.out;
  interrupted = false;
  auto previous_int = std::signal(SIGINT, on_interrupt);
  auto previous_term = std::signal(SIGTERM, on_interrupt);
  const Json profile = run_sweep(o, interrupted);
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  if (!profile["complete"].get<bool>()) {
    std::fprintf(stderr, "profile: interrupted; the measurements so far are in %s; run again with --resume to continue\n",
                 o.out_path.c_str());
    std::exit(130);
  }
  std::printf("device profile: %s (%zu configurations, %zu zoo networks, %.0f s)\n", o.out_path.c_str(),
              profile["configs"].size(), profile["zoo"].size(), profile["elapsed_s"].get<double>());
  for (const auto& p : profile["peaks"])
    std::printf("peak: %lld thread(s): %.1f GMACpS (%s), copy bandwidth %.1f GB/s\n", static_cast<long long>(p["threads"].get<int64_t>()),
                p["peak_macps"].get<double>() / 1e9, p["peak_source"].get<std::string>().c_str(),
                p["bandwidth_bytes_per_s"].get<double>() / 1e9);
  std::printf("%s", format_rules(derive_rules(profile)).c_str());
}

void run_rules(const std::string& device, const std::string& file, bool as_json) {
  const std::string path = file.empty() ? default_profile_path(device) : file;
  if (file.empty() && !std::filesystem::exists(path))
    throw InputError("--device = \"" + device + "\": no device profile at " + path + " (run `cpubone-explore profile --device host` first)");
  const Json rules = derive_rules(load_profile(path));
  if (as_json) std::cout << rules.dump(2) << "\n";
  else std::printf("%s", format_rules(rules).c_str());
}

}  // namespace

void add_profiler_commands(CLI::App& app) {
  {
    auto* cmd = app.add_subcommand("profile", "Sweep the CPUBone design space on this machine and write a device profile");
    auto a = std::make_shared<ProfileArgs>();
    cmd->add_option("--device", a->device, "Device to profile (only \"host\": this machine)");
    cmd->add_option("--threads", a->threads, "Thread counts to measure (default: 1 and all cores)");
    cmd->add_flag("--quick", a->quick, "A small grid in about a minute");
    cmd->add_option("--budget", a->budget_s, "Time budget in seconds (default 600, or 60 with --quick)");
    cmd->add_option("--out", a->out, "Profile path (default $CPX_HOME or ~/.cache/cpubone-explore, devices/host.json)");
    cmd->add_flag("--resume", a->resume, "Continue an interrupted profile at --out");
    cmd->add_option("--seed", a->seed, "Seed of weights, inputs and the measurement order");
    cmd->callback([a] { run_profile(*a); });
  }
  {
    auto* cmd = app.add_subcommand("rules", "Design rules from a device profile, next to the CPUBone paper's claims");
    auto device = std::make_shared<std::string>("host");
    auto file = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    cmd->add_option("--device", *device, "Device whose cached profile to read");
    cmd->add_option("--profile", *file, "A device profile JSON file");
    cmd->add_flag("--json", *as_json, "Print JSON");
    cmd->callback([=] { run_rules(*device, *file, *as_json); });
  }
  auto* cmd = app.add_subcommand("measure", "Measure latency on this machine with XNNPACK (batch 1, seeded weights)");
  auto a = std::make_shared<MeasureArgs>();
  cmd->add_option("model", a->model, "Zoo name or a macro/network JSON file")->required();
  cmd->add_option("--threads", a->threads, "Threads (the process is pinned to as many CPUs)");
  cmd->add_flag("--layers", a->layers, "Per-operator median time, MACpS, share and the additivity gap");
  cmd->add_flag("--json", a->json, "Print JSON with raw samples and the environment");
  cmd->add_option("--resolution", a->resolution, "Input height and width (default: the network's own)");
  cmd->add_option("--seed", a->seed, "Seed of weights and input");
  cmd->add_option("--min-time", a->min_time_s, "Keep measuring for at least this many seconds");
  cmd->add_option("--min-runs", a->min_runs, "And for at least this many runs");
  cmd->callback([a] { run_measure(*a); });
}

}  // namespace cpx::cli
