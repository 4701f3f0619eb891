// fit, predict: latency predictions from a device's predictor.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "explorer/cli/commands.hpp"
#include "predictor/calibrate.hpp"
#include "predictor/predictor.hpp"
#include "profiler/measure.hpp"
#include "profiler/sweep.hpp"
#include "profiler/environment.hpp"
#include "space/sample.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

std::string predictor_path(const std::string& device) {
  std::string p = profiler::default_profile_path(device);
  return p.substr(0, p.size() - 5) + ".predictor.json";
}

extern const std::map<std::string, const char*> shipped_devices;  // generated from predictor/devices/*.json

predictor::Predictor load_predictor(const std::string& device) {
  const std::string path = predictor_path(device);
  // A device measured or calibrated on this machine wins over the shipped calibration of the same name.
  if (!std::filesystem::exists(path) && shipped_devices.count(device))
    return predictor::predictor_from_json(Json::parse(shipped_devices.at(device)), "shipped device " + device);
  if (!std::filesystem::exists(path))
    throw InputError("--device = \"" + device + "\": no predictor at " + path +
                     (device == "host" ? " (run `cpubone-explore fit --device host` first)" : " (not a known device)"));
  return predictor::predictor_from_json(read_json_file(path), path);
}

namespace {

void run_fit(const std::string& device, const std::string& profile_file, bool quick) {
  if (device != "host" && profile_file.empty())
    throw InputError("--device = \"" + device + "\": give --profile FILE measured on that device (only host is measured here)");
  std::string path = profile_file.empty() ? profiler::default_profile_path(device) : profile_file;
  if (!std::filesystem::exists(path)) {
    if (!profile_file.empty()) throw InputError(path + ": cannot open file");
    std::fprintf(stderr, "fit: no device profile at %s; profiling this machine first\n", path.c_str());
    profiler::SweepOptions o;
    o.quick = quick;
    o.out_path = path;
    std::atomic<bool> never{false};
    profiler::run_sweep(o, never);
  }
  const auto start = std::chrono::steady_clock::now();
  predictor::Predictor p = predictor::fit(profiler::load_profile(path), path);
  p.device = device;
  const std::string out = predictor_path(device);
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  write_file_atomic(out, to_json(p).dump(2) + "\n");
  std::printf("predictor for %s: %s (fitted in %.2f s from %s)\n", device.c_str(), out.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), path.c_str());
  for (const auto& [name, s] : p.provenance["classes"].items())
    std::printf("  %-16s %6lld samples, training MAPE %5.1f%%\n", name.c_str(), static_cast<long long>(s["samples"].get<int64_t>()),
                100 * s["train_mape"].get<double>());
  for (const auto& [t, us] : p.network_overhead_us)
    std::printf("  network overhead at %lld thread(s): %.1f us\n", static_cast<long long>(t), us);
}

void run_predict(const std::string& model, const std::string& device, int64_t threads, bool layers, bool as_json,
                 int64_t resolution) {
  if (threads < 1 || threads > 256) throw InputError("--threads = " + std::to_string(threads) + ": out of range [1, 256]");
  const Network net = load_model(model, resolution);
  const predictor::Predictor p = load_predictor(device);
  const auto pred = predictor::predict(p, net, threads);
  const double macs = static_cast<double>(count(net).total.macs);
  if (as_json) {
    Json j = {{"model", net.name}, {"device", p.device}, {"runtime", p.runtime}, {"threads", threads},
              {"resolution", net.input.h}, {"macs", macs}, {"latency_us", pred.latency_us},
              {"macps", macs / (pred.latency_us * 1e-6)}, {"overhead_us", pred.overhead_us}};
    if (layers) {
      Json rows = Json::array();
      for (size_t i = 0; i < net.ops.size(); ++i) {
        const auto& o = pred.ops[i];
        rows.push_back({{"name", net.ops[i].name}, {"op", net.ops[i].kind()}, {"class", to_string(o.op_class)},
                        {"macs", o.macs}, {"latency_us", o.latency_us},
                        {"macps", o.macs > 0 ? Json(o.macs / (o.latency_us * 1e-6)) : Json(nullptr)}});
      }
      j["layers"] = rows;
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("%s on %s (%s), %lld thread(s), input %s\n", net.name.c_str(), p.device.c_str(), p.runtime.c_str(),
              static_cast<long long>(threads), net.input.str().c_str());
  if (layers) {
    std::printf("%-28s %-16s %-16s %14s %10s %10s\n", "name", "op", "class", "macs", "GMACpS", "time_us");
    for (size_t i = 0; i < net.ops.size(); ++i) {
      const auto& o = pred.ops[i];
      std::printf("%-28s %-16s %-16s %14s %10s %10.1f\n", net.ops[i].name.c_str(), std::string(net.ops[i].kind()).c_str(),
                  std::string(to_string(o.op_class)).c_str(), thousands(static_cast<int64_t>(o.macs)).c_str(),
                  o.macs > 0 ? std::to_string(o.macs / (o.latency_us * 1e3)).substr(0, 6).c_str() : "-", o.latency_us);
    }
    std::printf("network overhead %.1f us\n", pred.overhead_us);
  }
  std::printf("predicted latency %.3f ms, MACs %s, %.2f GMACpS\n", pred.latency_us / 1e3,
              thousands(static_cast<int64_t>(macs)).c_str(), macs / (pred.latency_us * 1e3));
}

// Ranks with ties averaged, then Pearson on the ranks.
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> idx(v.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < idx.size();) {
      size_t j = i;
      while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
      for (size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * static_cast<double>(i + j);
      i = j + 1;
    }
    return r;
  };
  const auto ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += ra[i] / n, mb += rb[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

Json accuracy(const std::vector<double>& predicted, const std::vector<double>& measured) {
  double ape = 0;
  int within5 = 0, within10 = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    const double e = std::abs(predicted[i] - measured[i]) / measured[i];
    ape += e;
    within5 += e <= 0.05;
    within10 += e <= 0.10;
  }
  const double n = static_cast<double>(measured.size());
  return {{"mape", ape / n}, {"within_5pct", within5 / n}, {"within_10pct", within10 / n},
          {"spearman", spearman(predicted, measured)}};
}

void run_validate(const std::string& device, int64_t samples, uint64_t seed, int64_t threads, double min_time_s, bool as_json) {
  if (device != "host") throw InputError("--device = \"" + device + "\": validation measures, so it runs on the host only");
  if (samples < 0 || samples > 10000) throw InputError("--samples = " + std::to_string(samples) + ": out of range [0, 10000]");
  if (threads < 1 || threads > 256) throw InputError("--threads = " + std::to_string(threads) + ": out of range [1, 256]");
  if (seed + static_cast<uint64_t>(samples) > profiler::training_seed_base)
    throw InputError("--seed = " + std::to_string(seed) + ": sampled seeds must stay below " +
                     std::to_string(profiler::training_seed_base) + ", where the profile's training networks start");
  const predictor::Predictor p = load_predictor(device);
  // Baselines, fitted on the same training measurements as the predictor (the profile's blocks and ops).
  const std::string profile_path = p.provenance.value("profile", profiler::default_profile_path(device));
  const Json profile = profiler::load_profile(profile_path);
  std::vector<double> log_macps, log_us_per_param;
  for (const char* section : {"configs", "ops"})
    for (const auto& r : profile.value(section, Json::array())) {
      if (r["threads"].get<int64_t>() != threads) continue;
      const double us = r["latency_us"]["stats_us"]["median"].get<double>();
      const double macs = r["macs"].get<double>(), params = r["params_inference"].get<double>();
      if (macs > 0) log_macps.push_back(std::log(macs / (us * 1e-6)));
      if (params > 0) log_us_per_param.push_back(std::log(us / params));
    }
  if (log_macps.empty()) throw InputError(profile_path + ": no measurements at " + std::to_string(threads) + " thread(s) to fit the baselines");
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double const_macps = std::exp(median(log_macps));
  const double us_per_param = std::exp(median(log_us_per_param));

  std::vector<std::pair<std::string, Network>> held_out;
  for (const auto& e : zoo()) held_out.emplace_back(e.name, e.build(0));
  for (int64_t i = 0; i < samples; ++i) {
    Macro m = sample_cpubone_like(seed + static_cast<uint64_t>(i));
    held_out.emplace_back(m.name, expand(m, m.name));
  }
  profiler::pin_to_cpus(threads);
  profiler::MeasureOptions o;
  o.min_time_s = min_time_s;
  o.min_runs = 5;
  o.warmup_runs = 2;
  std::vector<double> measured, ours, by_macs, by_params;
  Json rows = Json::array();
  for (const auto& [name, net] : held_out) {
    const NetworkCount c = count(net);
    profiler::Plan plan(net, profiler::make_weights(net, seed), {static_cast<size_t>(threads), false});
    const auto input = profiler::make_input(net.input, seed);
    std::copy(input.begin(), input.end(), plan.input().begin());
    const profiler::Timing t = profiler::time_runs([&] { plan.run(); }, o);
    measured.push_back(t.stats_us.median);
    ours.push_back(predictor::predict(p, net, threads).latency_us);
    by_macs.push_back(static_cast<double>(c.total.macs) / const_macps * 1e6);
    by_params.push_back(static_cast<double>(c.total.params_inference) * us_per_param);
    rows.push_back({{"network", name}, {"macs", c.total.macs}, {"params_inference", c.total.params_inference},
                    {"measured_us", measured.back()}, {"measured_cv", t.stats_us.cv}, {"predicted_us", ours.back()},
                    {"macs_baseline_us", by_macs.back()}, {"params_baseline_us", by_params.back()},
                    {"error", ours.back() / measured.back() - 1}});
    if (!as_json)
      std::fprintf(stderr, "%-22s measured %9.3f ms  predicted %9.3f ms  error %+6.1f%%\n", name.c_str(), measured.back() / 1e3,
                   ours.back() / 1e3, 100 * (ours.back() / measured.back() - 1));
  }
  Json result = {{"schema", "cpubone-explore/validation/v1"},
                 {"device", device},
                 {"threads", threads},
                 {"networks", rows.size()},
                 {"zoo_networks", zoo().size()},
                 {"sampled_networks", samples},
                 {"seed", seed},
                 {"predictor", accuracy(ours, measured)},
                 {"baseline_macs", accuracy(by_macs, measured)},
                 {"baseline_params", accuracy(by_params, measured)},
                 {"baseline_constant_macps", const_macps},
                 {"environment", to_json(profiler::capture_environment(threads))},
                 {"rows", rows}};
  if (as_json) {
    std::cout << result.dump(2) << "\n";
    return;
  }
  std::printf("held-out: %zu zoo + %lld sampled networks, %lld thread(s), none used in fitting\n", zoo().size(),
              static_cast<long long>(samples), static_cast<long long>(threads));
  std::printf("%-24s %8s %10s %10s %9s\n", "model", "MAPE", "within 5%", "within 10%", "Spearman");
  for (const char* k : {"predictor", "baseline_macs", "baseline_params"}) {
    const Json& a = result[k];
    std::printf("%-24s %7.1f%% %9.1f%% %9.1f%% %9.3f\n", k, 100 * a["mape"].get<double>(), 100 * a["within_5pct"].get<double>(),
                100 * a["within_10pct"].get<double>(), a["spearman"].get<double>());
  }
}

// Published whole-network latencies from a CSV: either the project's published-figures format (columns
// "model" and `column`, model names as the sources write them) or a plain "model,latency_ms" file with
// zoo names.
std::vector<predictor::PublishedPoint> read_published(const std::string& path, const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rows = parse_csv(text);
  if (rows.empty()) throw InputError(path + ": empty CSV");
  const auto& header = rows[0];
  auto col = [&](const std::string& name) -> size_t {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw InputError(path + ": header = \"" + name + "\": no such column");
  };
  const size_t model = col("model"), value = col(column.empty() ? "latency_ms" : column);
  std::vector<predictor::PublishedPoint> points;
  std::vector<std::pair<std::string, int>> seen;  // zoo name, rank of the row used (0 = reported)
  const size_t kind = column.empty() ? SIZE_MAX : col("value_kind");
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size())
      throw InputError(path + ": row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) + " fields, header has " + std::to_string(header.size()));
    if (row[value].empty()) continue;
    double ms = 0;
    try {
      size_t used = 0;
      ms = std::stod(row[value], &used);
      if (used != row[value].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = \"" + row[value] + "\": not a number");
    }
    if (!(ms > 0) || !std::isfinite(ms))
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = " + row[value] + ": must be positive");
    std::string name;
    if (find_zoo(row[model])) name = row[model];
    for (const auto& e : zoo())
      if (name.empty() && !e.published_name.empty() && e.published_name == row[model]) name = e.name;
    if (name.empty()) {
      if (column.empty()) throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": not a zoo model");
      continue;  // the published file covers many models the zoo does not build
    }
    const int rank = kind != SIZE_MAX && row[kind] == "reported" ? 0 : 1;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == name; });
    if (it != seen.end()) {
      // A plain file is the user's own list: two figures for one model is a mistake, not a choice.
      if (column.empty())
        throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": duplicate model");
      if (rank >= it->second) continue;  // keep the reported figure over a digitised one
      const size_t idx = static_cast<size_t>(it - seen.begin());
      points[idx].latency_ms = ms;
      it->second = rank;
      continue;
    }
    seen.emplace_back(name, rank);
    points.push_back({name, ms});
  }
  return points;
}

void run_calibrate(const std::string& device, const std::string& published, const std::string& column,
                   const std::string& runtime, const std::string& out_file) {
  if (device.empty() || device == "host" || device.find('/') != std::string::npos)
    throw InputError("--device = \"" + device + "\": name a device other than host, without '/'");
  const predictor::Predictor host = load_predictor("host");
  const auto points = read_published(published, column);
  const auto c = predictor::calibrate(host, device, runtime.empty() ? "published latencies from " + published : runtime, points,
                                      published);
  const std::string out = out_file.empty() ? predictor_path(device) : out_file;
  if (std::filesystem::path(out).has_parent_path()) std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  write_file_atomic(out, to_json(c.device).dump(2) + "\n");
  std::printf("device %s: %zu published points, common factor %.3f, leave-one-model-out MAPE %.1f%%\n", device.c_str(),
              points.size(), c.common_factor, 100 * c.loo_mape);
  for (size_t i = 0; i < points.size(); ++i)
    std::printf("  %-22s published %8.2f ms  leave-one-out error %+6.1f%%\n", points[i].model.c_str(), points[i].latency_ms,
                100 * c.loo_errors[i]);
  std::printf("written to %s\n", out.c_str());
}

}  // namespace

void add_predictor_commands(CLI::App& app) {
  {
    auto* cmd = app.add_subcommand("calibrate", "Fit a device you do not own from published whole-network latencies");
    auto device = std::make_shared<std::string>();
    auto published = std::make_shared<std::string>();
    auto column = std::make_shared<std::string>();
    auto runtime = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("--device", *device, "Name of the device to create")->required();
    cmd->add_option("--published", *published, "CSV with model,latency_ms (zoo names), or the published-figures format with --column")->required();
    cmd->add_option("--column", *column, "Latency column of a published-figures CSV, e.g. rpi5_ms");
    cmd->add_option("--runtime", *runtime, "What the figures describe, e.g. \"ONNX Runtime on RPi 5, published\"");
    cmd->add_option("--out", *out, "Output predictor file (default: the device cache)");
    cmd->callback([=] { run_calibrate(*device, *published, *column, *runtime, *out); });
  }
  {
    auto* cmd = app.add_subcommand("validate", "Measure held-out networks (zoo + sampled) and score the predictor against baselines");
    auto device = std::make_shared<std::string>("host");
    auto samples = std::make_shared<int64_t>(30);
    auto seed = std::make_shared<uint64_t>(1);
    auto threads = std::make_shared<int64_t>(1);
    auto min_time = std::make_shared<double>(0.3);
    auto as_json = std::make_shared<bool>(false);
    cmd->add_option("--device", *device, "Only host: validation measures");
    cmd->add_option("--samples", *samples, "Networks sampled from the CPUBone-like space");
    cmd->add_option("--seed", *seed, "Seed of the sampled networks, weights and inputs");
    cmd->add_option("--threads", *threads, "Threads");
    cmd->add_option("--min-time", *min_time, "Seconds of timing per network");
    cmd->add_flag("--json", *as_json, "Print JSON with every network");
    cmd->callback([=] { run_validate(*device, *samples, *seed, *threads, *min_time, *as_json); });
  }
  {
    auto* cmd = app.add_subcommand("fit", "Fit the latency predictor of a device from its profile (profiling first if needed)");
    auto device = std::make_shared<std::string>("host");
    auto profile = std::make_shared<std::string>();
    auto quick = std::make_shared<bool>(false);
    cmd->add_option("--device", *device, "Device name (host = this machine)");
    cmd->add_option("--profile", *profile, "Device profile JSON (default: the cached profile of the device)");
    cmd->add_flag("--quick", *quick, "If profiling is needed, the quick sweep");
    cmd->callback([=] { run_fit(*device, *profile, *quick); });
  }
  {
    auto* cmd = app.add_subcommand("predict", "Predict latency of a zoo model or network file on a device");
    auto model = std::make_shared<std::string>();
    auto device = std::make_shared<std::string>("host");
    auto threads = std::make_shared<int64_t>(1);
    auto layers = std::make_shared<bool>(false);
    auto as_json = std::make_shared<bool>(false);
    auto resolution = std::make_shared<int64_t>(0);
    cmd->add_option("model", *model, "Zoo name or a macro/network JSON file")->required();
    cmd->add_option("--device", *device, "Device (host, or a calibrated one)");
    cmd->add_option("--threads", *threads, "Threads");
    cmd->add_flag("--layers", *layers, "Per operator: class, MACs, predicted MACpS and time");
    cmd->add_flag("--json", *as_json, "Print JSON");
    cmd->add_option("--resolution", *resolution, "Input height and width");
    cmd->callback([=] { run_predict(*model, *device, *threads, *layers, *as_json, *resolution); });
  }
}

}  // namespace cpx::cli
