// measure: run a network on XNNPACK and report honest latency statistics, whole and per layer.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/device_ref.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/measure/compare_networks.hpp"
#include "profiler/measure/emulation.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/measure/sweep.hpp"
#include "profiler/profile/cpus.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/rules.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

using namespace profiler;

struct MeasureArgs {
  ModelArgs model;
  bool json = false;
  NetworkRun options = measure_defaults();
  bool seed_given = false;  // --seed: seeded weights even for a model file that has its own
  QuietMachine quiet;
  std::string against;  // --against: a second model, timed in turn with the first
};

void print_measurement(const Network& net, const Measurement& m);

void run_compare(const MeasureArgs& a);

void run_measure(const MeasureArgs& a) {
  if (!a.against.empty()) return run_compare(a);
  const LoadedNetwork loaded = cli::load_network(a.model, true);
  const Network& net = loaded.net;
  NetworkRun options = a.options;
  if (loaded.weights && !a.seed_given) options.weights = &*loaded.weights;
  explorer::check_measure_options(options);
  a.quiet.run("measure", options.threads);
  const Measurement m = measure_network(net, options);
  Interference noise;
  noise.add("network", m.timing);
  if (a.json) {
    Json j = to_json(m);
    j["interference"] = noise.to_json();
    add_skipped(j, loaded);
    std::cout << j.dump(2) << "\n";  // environment.emulated and emulation_signs say it there
  } else {
    print_measurement(net, m);
    print_skipped(loaded);
  }
  // On stderr too, so that it is seen whatever becomes of stdout.
  if (detect_emulation().emulated) std::fprintf(stderr, "measure: %s\n", emulated_warning(detect_emulation()).c_str());
  finish_measuring(noise, "measure");
}

// `measure A --against B`: the two timed in turn (profiler/measure/compare_networks.hpp), and B's gain over A.
void run_compare(const MeasureArgs& a) {
  ModelArgs other = a.model;
  other.model = a.against;
  const LoadedNetwork first = cli::load_network(a.model, true), second = cli::load_network(other, true);
  NetworkRun options = a.options;
  explorer::check_measure_options(options);
  a.quiet.run("measure", options.threads);
  pin_to_cpus(options.threads);
  const auto weights_of = [&](const LoadedNetwork& n) { return n.weights && !a.seed_given ? &*n.weights : nullptr; };
  const Comparison c = compare_networks(first.net, weights_of(first), second.net, weights_of(second), options);
  Interference noise;
  noise.add(first.net.name, c.a);
  noise.add(second.net.name == first.net.name ? second.net.name + " (--against)" : second.net.name, c.b);
  const Environment env = capture_environment(options.threads);
  if (a.json) {
    Json j{{"schema", comparison_schema}, {"model", first.net.name},        {"against", second.net.name},
           {"threads", options.threads},  {"seed", options.seed},           {"comparison", to_json(c)},
           {"environment", to_json(env)}, {"interference", noise.to_json()}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("%s against %s, %lld thread(s) pinned to CPUs %s, %zu pairs of runs taken in turn\n",
                first.net.name.c_str(), second.net.name.c_str(), static_cast<long long>(options.threads),
                env.affinity.empty() ? "(not pinned)" : env.affinity.c_str(), c.ratios.size());
    for (const auto& [net, t] : {std::pair{&first.net, &c.a}, std::pair{&second.net, &c.b}})
      std::printf("  %-28s median %.3f ms  (p10 %.3f, p90 %.3f, cv %.1f%%%s)\n", net->name.c_str(),
                  t->stats_us.median / 1e3, t->stats_us.p10 / 1e3, t->stats_us.p90 / 1e3, 100 * t->stats_us.cv,
                  t->noisy ? ", NOISY" : "");
    std::printf(
        "gain      %+.1f%% [%+.1f%%, %+.1f%%]: 1 - the median of the pairs' time ratios, with its 95%% interval "
        "(the runs' noise only)\n",
        100 * (1 - c.ratio_median), 100 * (1 - c.ratio_high), 100 * (1 - c.ratio_low));
    std::printf("env       %s (%s), XNNPACK %s, %s, %s\n", env.cpu.c_str(), env.microarchitecture.c_str(),
                env.xnnpack_version.c_str(), env.build_type.c_str(), env.date_utc.c_str());
  }
  finish_measuring(noise, "measure");
}

void print_layers(const Measurement& m) {
  std::printf("%-28s %-16s %10s %8s %10s %7s %6s  %s\n", "name", "op", "median_us", "cv", "GMACpS", "%peak", "share",
              "implementation");
  for (const MeasuredOp& r : m.layers) {
    const Stats& st = r.timing.stats_us;
    const std::string& how = r.implementation;
    // Most of our own kernels already begin their label with "emulated:"; the tag marks the others.
    const bool tag = r.emulated && how.rfind("emulated", 0) != 0;
    std::printf("%-28s %-16s %10.1f %7.1f%% %10.2f %6.1f%% %5.1f%%  %s%s\n", r.row.name.c_str(), r.row.op.c_str(),
                st.median, 100 * st.cv, r.macps / 1e9, 100 * r.macps / m.peak.peak_macps, 100 * r.share,
                tag ? "[emulated] " : "", how.c_str());
  }
  std::printf("additivity (sum of per-op medians / whole-network median): %.3f\n", m.additivity);
}

void print_measurement(const Network& net, const Measurement& m) {
  const Environment& env = m.environment;
  const NetworkRun& o = m.run;
  if (env.emulated) std::printf("%s\n", emulated_warning(detect_emulation()).c_str());
  const double peak_macps = m.peak.peak_macps;
  std::printf("%s, input %s (NHWC), %lld thread(s) pinned to CPUs %s, seed %llu%s\n", net.name.c_str(),
              net.input.str().c_str(), static_cast<long long>(o.threads),
              env.affinity.empty() ? "(not pinned)" : env.affinity.c_str(), static_cast<unsigned long long>(o.seed),
              o.weights ? " (input; weights: the model file's)" : "");
  if (o.layers) print_layers(m);
  const Stats& s = m.timing.stats_us;
  std::printf("latency   median %.3f ms  (p10 %.3f, p90 %.3f, mean %.3f, cv %.1f%%, n=%lld%s)\n", s.median / 1e3,
              s.p10 / 1e3, s.p90 / 1e3, s.mean / 1e3, 100 * s.cv, static_cast<long long>(s.count),
              m.timing.noisy ? ", NOISY" : "");
  std::printf("macs      %s\n", thousands(m.macs).c_str());
  std::printf("macps     %.2f G  (%.1f%% of this machine's measured peak %.2f G, %s)\n", m.macps / 1e9,
              100 * m.macps / peak_macps, peak_macps / 1e9, m.peak.peak_source.c_str());
  // The conv probes' peak is the executor's; the FMA probe's is the machine's.
  const double fma_peak_macps = m.peak.fma_peak_macps;
  std::printf("fma peak  %.2f G  (%.1f%% of it reached here, the conv probes %.1f%%; %s)\n", fma_peak_macps / 1e9,
              100 * m.macps / fma_peak_macps, 100 * peak_macps / fma_peak_macps, m.peak.fma_peak_source.c_str());
  std::printf("emulated  %lld of %lld ops (not single XNNPACK operators; see --layers)\n",
              static_cast<long long>(m.emulated_ops), static_cast<long long>(m.op_count));
  std::printf("env       %s (%s), %lld cores, XNNPACK %s, %s, %s\n", env.cpu.c_str(), env.microarchitecture.c_str(),
              static_cast<long long>(env.physical_cores), env.xnnpack_version.c_str(), env.build_type.c_str(),
              env.date_utc.c_str());
}

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

struct ProfileArgs {
  std::string device{predictor::host_device};
  SweepOptions options;
  QuietMachine quiet;
  bool allow_emulated = false;
};

void run_profile(const ProfileArgs& a) {
  // A profile is what `fit` turns into a device's predictor: an emulator's times would pass for the CPU's.
  const Emulation& emulation = detect_emulation();
  if (emulation.emulated && !a.allow_emulated)
    throw InputError("profile: refused: running under an emulator (" + emulation.signs +
                     "), whose times are not this CPU's; profile on the device itself, or pass --allow-emulated "
                     "(or CPX_ALLOW_EMULATED=1) to record a profile marked emulated");
  SweepOptions o = a.options;
  explorer::check_threads_option(o.threads);
  if (a.quiet.check) {
    int64_t threads = o.threads.empty() ? usable_cpus().count() : 1;
    for (int64_t t : o.threads) threads = std::max(threads, t);
    a.quiet.run("profile", threads);
  }
  interrupted = false;
  auto previous_int = std::signal(SIGINT, on_interrupt);
  auto previous_term = std::signal(SIGTERM, on_interrupt);
  if (o.out_path.empty()) o.out_path = predictor::resolve_device(a.device).profile_path;
  const Profile profile = profile_device(a.device, o, interrupted);
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  if (!profile.complete) {
    std::fprintf(stderr,
                 "profile: interrupted; the measurements so far are in %s; run again with --resume to continue\n",
                 o.out_path.c_str());
    std::exit(130);
  }
  std::printf("device profile: %s (%zu configurations, %zu zoo networks, %.0f s)\n", o.out_path.c_str(),
              profile[ProfileSection::configs].size(), profile[ProfileSection::zoo].size(),
              profile.elapsed_s.value_or(0.0));
  if (profile.coverage) {
    const auto& rounds = profile.coverage->rounds;
    std::printf("coverage: %lld space-filling + %lld adaptive single convs of %lld candidates (%.0f + %.0f s)\n",
                static_cast<long long>(rounds[0].measured), static_cast<long long>(rounds[1].measured),
                static_cast<long long>(profile.coverage->candidates), rounds[0].spent_s, rounds[1].spent_s);
  }
  for (const ProfilePeak& p : profile.peaks) {
    // 0: the FMA probe could not run (profile_file.hpp's read_peak).
    char fma[256] = "";
    if (p.fma_peak_macps > 0)
      std::snprintf(fma, sizeof fma, "; %.0f%% of the FMA peak %.1f GMACpS, %s", 100 * p.peak_macps / p.fma_peak_macps,
                    p.fma_peak_macps / 1e9, p.fma_peak_source.c_str());
    std::printf("peak: %lld thread(s): %.1f GMACpS (%s%s), copy bandwidth %.1f GB/s\n",
                static_cast<long long>(p.threads), p.peak_macps / 1e9, p.peak_source.c_str(), fma,
                p.bandwidth_bytes_per_s / 1e9);
  }
  std::printf("%s", format_rules(derive_rules(profile)).c_str());
  // Last, with the results (a bad input's error stays one line): the profile's environment says it too.
  if (emulation.emulated) std::printf("%s\n", emulated_warning(emulation).c_str());
  finish_measuring(profile_interference(profile), "profile");
  finish_speed("profile", profile.machine_speed ? profile.machine_speed->spread.value_or(0.0) : 0.0);
}

void run_rules(const std::string& device, const std::string& file, bool as_json) {
  const std::string path = file.empty() ? predictor::resolve_device(device).profile_path : file;
  if (file.empty() && !std::filesystem::exists(path))
    throw InputError("--device = \"" + device + "\": no device profile at " + path +
                     " (run `cpubone-explore profile --device host` first)");
  const DesignRules rules = derive_rules(read_profile_file(path));
  if (as_json) std::cout << to_json(rules).dump(2) << "\n";
  else std::printf("%s", format_rules(rules).c_str());
}

}  // namespace

void add_profiler_commands(CLI::App& app) {
  {
    auto* cmd =
        app.add_subcommand("profile", "Sweep the CPUBone design space on this machine and write a device profile");
    auto a = std::make_shared<ProfileArgs>();
    cmd->add_option("--device", a->device,
                    "Name to store this machine's profile under (host; or pi5 when run on a Raspberry Pi 5, replacing "
                    "the calibrated pi5)");
    cmd->add_option("--threads,--num_threads", a->options.threads,
                    "Thread counts to measure (default: 1 and every CPU this process may use)");
    cmd->add_flag("--quick", a->options.quick, "A small grid in about a minute");
    cmd->add_option("--budget", a->options.budget_s,
                    "Time budget in seconds (default 600, or 60 with --quick): 70% for the grid, ops, networks and "
                    "zoo, 15% + 15% for the coverage set's space-filling and adaptive rounds (an equal part of what is "
                    "left when the rest overran, at least 5% each)");
    cmd->add_option("--out", a->options.out_path,
                    "Profile path (default $CPX_HOME or ~/.cache/cpubone-explore, devices/DEVICE.json)");
    cmd->add_flag("--resume", a->options.resume, "Continue an interrupted profile at --out");
    cmd->add_option("--seed", a->options.seed,
                    "Seed of weights, inputs, the measurement order and the coverage set's candidates");
    cmd->add_flag("--allow-emulated", a->allow_emulated,
                  "Profile even under an emulator such as qemu-user (refused otherwise: its times are the emulator's); "
                  "the profile's environment records it as emulated")
        ->envname("CPX_ALLOW_EMULATED");
    add_measuring_options(cmd, a->quiet);
    cmd->callback([a] { run_profile(*a); });
  }
  {
    auto* cmd = app.add_subcommand("rules", "Design rules from a device profile, next to the CPUBone paper's claims");
    auto device = std::make_shared<std::string>(predictor::host_device);
    auto file = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    cmd->add_option("--device", *device, "Device whose cached profile to read");
    cmd->add_option("--profile", *file, "A device profile JSON file");
    cmd->add_flag("--json", *as_json, "Print JSON");
    cmd->callback([=] { run_rules(*device, *file, *as_json); });
  }
  auto* cmd = app.add_subcommand(
      "measure", "Measure latency on this machine with XNNPACK (batch 1; a model file's own weights, else seeded)");
  auto a = std::make_shared<MeasureArgs>();
  add_model_options(cmd, a->model);
  cmd->add_option("--threads,--num_threads", a->options.threads, "Threads (the process is pinned to as many CPUs)");
  cmd->add_flag("--layers", a->options.layers, "Per-operator median time, MACpS, share and the additivity gap");
  cmd->add_flag("--json", a->json, "Print JSON with raw samples and the environment");
  cmd->add_option("--seed", a->options.seed,
                  "Seed of the input, and of the weights (given, it replaces a model file's own weights)")
      ->each([a](const std::string&) { a->seed_given = true; });
  cmd->add_option("--min-time", a->options.timing.min_time_s, "Keep measuring for at least this many seconds");
  cmd->add_option("--min-runs", a->options.timing.min_runs, "And for at least this many runs");
  // Spelled also as TFLite's benchmark_model and ONNX Runtime's perf_test spell it.
  cmd->add_option("--warmup,--warmup_runs", a->options.timing.warmup_runs, "Untimed runs before the timed ones")
      ->check(CLI::Range(int64_t{0}, int64_t{1000}))
      ->capture_default_str();
  cmd->add_flag("--cold-caches", a->options.cold_caches,
                "Before every run, each thread reads a buffer twice the last-level cache (32 MiB if unknown), as "
                "profile does for single ops and blocks: their time inside a network larger than the caches");
  cmd->add_option("--against", a->against,
                  "A second model (zoo name, network JSON or ONNX: what advise --apply wrote) timed in turn with "
                  "the first, run by run, for the gain of the second over the first")
      ->excludes(cmd->get_option("--layers"))
      ->excludes(cmd->get_option("--cold-caches"));
  add_measuring_options(cmd, a->quiet);
  cmd->callback([a] { run_measure(*a); });
}

}  // namespace cpx::cli
