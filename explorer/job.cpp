#include "explorer/job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "explorer/rules.hpp"
#include "profiler/environment.hpp"
#include "profiler/interference.hpp"
#include "profiler/measure.hpp"
#include "profiler/plan.hpp"
#include "profiler/rules.hpp"
#include "profiler/weights.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::explorer {

namespace {

const std::array<std::string, 4> baseline_names{"b0", "b1", "b2", "b3"};

Json or_null(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// One line that rewrites itself: "search  [#######.....] 12000/20000".
void progress_bar(const char* what, int64_t done, int64_t total) {
  // At most a few updates a second: logs of non-interactive runs stay short.
  static auto last = std::chrono::steady_clock::time_point{};
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last < std::chrono::milliseconds(500)) return;
  last = now;
  const int width = 30;
  const int filled = total > 0 ? static_cast<int>(width * std::min<int64_t>(done, total) / total) : width;
  std::fprintf(stderr, "\r%-10s [%s%s] %lld/%lld", what, std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), '.').c_str(), static_cast<long long>(done),
               static_cast<long long>(total));
  if (done >= total) std::fputc('\n', stderr);
}

struct Measured {
  profiler::Timing timing;
  std::vector<profiler::Implementation> implementations;
};

Measured measure(const Network& net, int64_t threads, double min_time_s, bool layers, profiler::LayerTimings* per_layer) {
  profiler::Plan plan(net, profiler::make_weights(net, 1), {static_cast<size_t>(threads), false});
  const auto input = profiler::make_input(net.input, 1);
  std::copy(input.begin(), input.end(), plan.input().begin());
  profiler::MeasureOptions o;
  o.min_time_s = min_time_s;
  o.min_runs = 10;
  Measured m;
  if (layers) {
    *per_layer = profiler::time_layers(plan, o);
    m.timing = per_layer->network;
  } else {
    m.timing = profiler::time_runs([&] { plan.run(); }, o);
  }
  for (size_t i = 0; i < plan.size(); ++i) m.implementations.push_back(plan.implementation(i));
  return m;
}

struct Evaluated : Candidate {
  std::string name;
};

// Macro networks name ops "s<stage>.<block>..." (space/macro.cpp); stem and head keep their names.
std::string stage_of(const std::string& op_name) {
  const std::string head = op_name.substr(0, op_name.find('.'));
  if (head.size() > 1 && head[0] == 's' && std::all_of(head.begin() + 1, head.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "stage " + head.substr(1);
  return head;
}

}  // namespace

Json run_job(const JobOptions& o, const predictor::Predictor& pred, const Json* profile) {
  const auto job_start = std::chrono::steady_clock::now();
  const bool host = o.device == "host";
  const int64_t t = o.threads;
  Json missing = Json::array();

  // Accuracy model and space.
  const AccuracyModel acc = o.accuracy == "proxy" ? fit_proxy() : o.accuracy == "macs" ? macs_capacity() : fit_user(o.accuracy);
  const SearchSpace space = o.space_file.empty() ? SearchSpace::defaults() : SearchSpace::from_json(read_json_file(o.space_file), o.space_file);
  if (o.progress) std::fprintf(stderr, "accuracy model: %s (%s)\n", acc.name.c_str(),
               acc.loo_mae_pp ? ("leave-one-out MAE " + std::to_string(*acc.loo_mae_pp).substr(0, 4) + " pp").c_str() : "no top-1");

  // Published latencies of this device (calibrated devices list the points they rest on).
  std::map<std::string, double> published_ms, loo_ms;
  for (const auto& pt : pred.provenance.value("published", Json::array())) {
    published_ms[pt["model"].get<std::string>()] = pt["latency_ms"].get<double>();
    loo_ms[pt["model"].get<std::string>()] = pt["latency_ms"].get<double>() * (1 + pt["leave_one_out_error"].get<double>());
  }
  std::map<std::string, double> measured_zoo_ms;  // host profile's zoo section, never used in fitting
  if (profile)
    for (const auto& z : profile->value("zoo", Json::array()))
      if (z["threads"] == t) measured_zoo_ms[z["model"].get<std::string>()] = z["latency_us"]["stats_us"]["median"].get<double>() / 1e3;

  // Zoo.
  Json zoo_rows = Json::array();
  std::vector<double> z_macs, z_params, z_pred, z_actual;
  for (const ZooEntry& e : zoo()) {
    const Network net = load_model(e.name);
    const NetworkCount c = count(net);
    const Capacity cap = capacity(net, c);
    double ms = NAN;
    try {
      ms = predictor::predict(pred, net, t).latency_us / 1e3;
    } catch (const InputError& err) {
      // e.g. a quick profile without transposed convs: say so instead of guessing.
      missing.push_back("no prediction for " + e.name + ": " + err.what());
    }
    auto or_nan = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
    const bool estimable = e.family == "CPUBone" || e.family == "LowFormer";
    const auto pub = published_ms.find(e.name);
    const auto meas = measured_zoo_ms.find(e.name);
    zoo_rows.push_back({{"name", e.name}, {"family", e.family}, {"resolution", net.input.h}, {"params", cap.params},
                        {"macs", cap.macs}, {"published_top1", or_null(e.top1())},
                        {"estimated_top1", estimable ? or_null(acc.top1(cap)) : Json(nullptr)},
                        {"predicted_latency_ms", or_nan(ms)},
                        {"published_latency_ms", pub != published_ms.end() ? Json(pub->second) : Json(nullptr)},
                        {"measured_latency_ms", meas != measured_zoo_ms.end() ? Json(meas->second) : Json(nullptr)},
                        {"predicted_macps", or_nan(cap.macs / (ms * 1e-3))}});
    const auto actual = host ? (meas != measured_zoo_ms.end() ? std::optional<double>(meas->second) : std::nullopt)
                             : (pub != published_ms.end() ? std::optional<double>(pub->second) : std::nullopt);
    if (actual && std::isfinite(ms)) {
      z_macs.push_back(cap.macs);
      z_params.push_back(cap.params);
      z_pred.push_back(host ? ms : loo_ms.at(e.name));
      z_actual.push_back(*actual);
    }
  }
  Json rank_correlations;
  if (z_actual.size() >= 3) {
    rank_correlations = {{"latency_source", host ? "measured" : "published"}, {"models", z_actual.size()},
                         {"macs", profiler::spearman(z_macs, z_actual)}, {"params", profiler::spearman(z_params, z_actual)},
                         {"prediction", profiler::spearman(z_pred, z_actual)}};
  } else {
    std::vector<double> m, p, l;
    for (const auto& r : zoo_rows)
      if (r["predicted_latency_ms"].is_number())
        m.push_back(r["macs"].get<double>()), p.push_back(r["params"].get<double>()), l.push_back(r["predicted_latency_ms"].get<double>());
    rank_correlations = {{"latency_source", "predicted"}, {"models", l.size()}, {"macs", profiler::spearman(m, l)},
                         {"params", profiler::spearman(p, l)}, {"prediction", nullptr}};
    missing.push_back("rank correlations use predicted latencies: no measured or published latencies of zoo models on " + o.device);
  }

  // Design rules: measured on the host, predicted elsewhere.
  if (o.progress) std::fprintf(stderr, "design rules from the %s\n", profile ? "measured profile" : "predictor");
  const Json rule_profile = profile ? *profile : predicted_profile(pred, t);
  const Json derived = profiler::derive_rules(rule_profile);
  Json block_macps = Json::array();
  for (const auto& c : rule_profile["configs"]) {
    const std::string v = c["variant"];
    if (c["threads"] != t || c["stride"] != 1 || (v != "fumbconv" && v != "grfumbconv" && v != "mbconv" && v != "grmbconv")) continue;
    if ((v.starts_with("gr") && c["groups"] != 2)) continue;
    block_macps.push_back({{"variant", std::string(v.starts_with("gr") ? "Gr" : "") + (v.ends_with("fumbconv") ? "FuMBConv" : "MBConv") +
                                           " k" + std::to_string(c["kernel"].get<int64_t>())},
                           {"channels", c["channels"]}, {"resolution", c["resolution"]}, {"macps", c["macps"]},
                           {"latency_us", c["latency_us"]["stats_us"]["median"]}, {"source", profile ? "measured" : "predicted"}});
  }
  if (profile && !profile->value("complete", false)) missing.push_back("the host profile is incomplete; rules rest on part of the grid");

  // Baselines, evaluated as networks (they need not be points of a user's restricted space).
  std::vector<Evaluated> baselines;
  SearchOptions so = o.search;
  for (const auto& name : baseline_names) {
    const ZooEntry* e = find_zoo(name);
    baselines.push_back({evaluate_network(load_model(name), pred, acc, t), name});
    try {
      so.seeds.push_back(space.encode(*e->macro));
    } catch (const InputError& err) {
      if (o.progress) std::fprintf(stderr, "note: %s is not a point of the search space, not used as a seed (%s)\n", name.c_str(), err.what());
    }
  }

  // Search, then random search with the same number of distinct evaluations.
  Evaluator ev(space, pred, acc, t, o.constraints);
  if (o.progress) so.progress = [](int64_t done, int64_t total) { progress_bar("search", done, total); };
  const SearchResult nsga = nsga2(ev, so);
  Evaluator ev_random(space, pred, acc, t, o.constraints);
  SearchOptions ro = so;
  ro.evaluations = nsga.evaluations;
  ro.progress = nullptr;
  const SearchResult rnd = random_search(ev_random, ro);
  double obj_ref = INFINITY, lat_ref = 0;
  for (const auto& b : baselines) lat_ref = std::max(lat_ref, 1.1 * b.latency_ms);
  if (o.constraints.max_latency_ms) lat_ref = *o.constraints.max_latency_ms;
  for (const auto* f : {&nsga.front, &rnd.front})
    for (const auto& c : *f) obj_ref = std::min(obj_ref, c.objective);
  for (const auto& b : baselines) obj_ref = std::min(obj_ref, b.objective);
  const double hv = hypervolume(nsga.front, lat_ref, obj_ref), hv_random = hypervolume(rnd.front, lat_ref, obj_ref);
  const double eps = static_cast<double>(nsga.evaluations) / std::max(1e-9, nsga.seconds);
  if (o.progress) std::fprintf(stderr, "search: %lld evaluations in %.2f s (%.0f / s), front of %zu; hypervolume %.4g vs random %.4g (x%.3f)\n",
               static_cast<long long>(nsga.evaluations), nsga.seconds, eps, nsga.front.size(), hv, hv_random, hv / hv_random);

  // Pareto front as macro files.
  // Written together with results.json at the end, so an interrupted job leaves no partial set behind.
  std::vector<std::pair<std::string, std::string>> pareto_files;
  Json pareto = Json::array();
  std::vector<std::string> ids;
  for (size_t i = 0; i < nsga.front.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "p%03zu", i);
    ids.push_back(id);
    const Candidate& c = nsga.front[i];
    const Macro m = space.decode(c.genome, id);
    const std::string file = std::string("pareto/") + id + ".json";
    pareto_files.emplace_back((std::filesystem::path(o.out_dir) / file).string(), to_json(m).dump(2) + "\n");
    pareto.push_back({{"id", id}, {"file", file}, {"summary", space.summary(c.genome)}, {"params", c.params}, {"macs", c.macs},
                      {"predicted_latency_ms", c.latency_ms}, {"estimated_top1", or_null(c.top1)}, {"objective", c.objective},
                      {"outside_trust", c.outside_trust}, {"measured_latency_ms", nullptr}});
  }

  // Proposals: front members that dominate each baseline.
  Json proposals = Json::array();
  std::vector<Macro> proposal_macros;
  std::set<size_t> proposed;
  std::vector<std::pair<std::string, size_t>> to_prove;  // baseline, front index of its best (fastest) dominating proposal
  for (const Evaluated& b : baselines) {
    Json dom = Json::array();
    std::optional<size_t> fastest;
    for (size_t i = 0; i < nsga.front.size(); ++i) {
      const Candidate& c = nsga.front[i];
      const bool faster = c.latency_ms < b.latency_ms && c.objective >= b.objective;
      const bool better = c.objective > b.objective && c.latency_ms <= b.latency_ms;
      if (!faster && !better) continue;
      if (!fastest) fastest = i;  // the front is fastest first
      proposed.insert(i);
      dom.push_back({{"id", ids[i]}, {"latency_ms", c.latency_ms}, {"top1", or_null(c.top1)}, {"objective", c.objective},
                     {"params", c.params}, {"macs", c.macs}, {"delta_latency_pct", 100 * (c.latency_ms / b.latency_ms - 1)},
                     {"delta_top1_pp", c.top1 && b.top1 ? Json(*c.top1 - *b.top1) : Json(nullptr)},
                     {"delta_objective", c.objective - b.objective}, {"outside_trust", c.outside_trust},
                     {"measured_latency_ms", nullptr}});
    }
    if (fastest) to_prove.emplace_back(b.name, *fastest);
    proposals.push_back({{"baseline", b.name}, {"baseline_latency_ms", b.latency_ms}, {"baseline_top1", or_null(b.top1)},
                         {"baseline_objective", b.objective}, {"baseline_params", b.params}, {"baseline_macs", b.macs},
                         {"baseline_measured_latency_ms", nullptr}, {"dominating", dom}});
  }
  for (size_t i : proposed) proposal_macros.push_back(space.decode(nsga.front[i].genome, ids[i]));

  Json rules = state_rules(derived, t, profile ? "profile" : "predictor", proposal_macros);

  // Proof on this machine: baselines and each baseline's fastest dominating proposal, measured.
  Json proof = nullptr;
  Json emulated = Json::array();
  std::set<std::string> emulated_seen;
  auto note_emulated = [&](const Network& net, const std::vector<profiler::Implementation>& impl) {
    for (size_t i = 0; i < impl.size(); ++i)
      if (impl[i].emulated && emulated_seen.insert(std::string(net.ops[i].kind()) + impl[i].how).second)
        emulated.push_back({{"op", net.ops[i].kind()}, {"how", impl[i].how}});
  };
  Json env = nullptr;
  Json layers_measured = nullptr;
  profiler::LayerTimings layer_timings;
  const Network layers_net = load_model(o.layers_model);
  if (host && o.prove) {
    const std::string pinned = profiler::pin_to_cpus(t);
    env = profiler::to_json(profiler::capture_environment(t));
    env["pinning"] = pinned;
    struct Row {
      std::string name;
      Network net;
      double predicted_ms;
    };
    std::vector<Row> rows;
    for (const auto& b : baselines) rows.push_back({b.name, load_model(b.name), b.latency_ms});
    std::set<size_t> chosen;
    for (const auto& [b, i] : to_prove)
      if (chosen.insert(i).second) rows.push_back({ids[i], expand(space.decode(nsga.front[i].genome, ids[i]), ids[i]), nsga.front[i].latency_ms});
    Json out = Json::array();
    std::vector<double> p, m;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (o.progress) progress_bar("measure", static_cast<int64_t>(k), static_cast<int64_t>(rows.size()));
      const bool with_layers = rows[k].name == o.layers_model;
      const Measured r = measure(rows[k].net, t, o.measure_min_time_s, with_layers, &layer_timings);
      note_emulated(rows[k].net, r.implementations);
      p.push_back(rows[k].predicted_ms);
      m.push_back(r.timing.stats_us.median / 1e3);
      out.push_back({{"name", rows[k].name}, {"predicted_ms", rows[k].predicted_ms}, {"measured_ms", m.back()},
                     {"cv", r.timing.stats_us.cv}, {"noisy", r.timing.noisy}, {"timing", profiler::to_json(r.timing)}});
      if (with_layers) layers_measured = true;
    }
    if (o.progress) progress_bar("measure", static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.size()));
    auto ranks = [](const std::vector<double>& v) {
      std::vector<int64_t> r(v.size());
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = 0; j < v.size(); ++j) r[i] += v[j] < v[i];
      return r;
    };
    const auto rp = ranks(p), rm = ranks(m);
    for (size_t k = 0; k < out.size(); ++k) {
      out[k]["predicted_rank"] = rp[k] + 1;
      out[k]["measured_rank"] = rm[k] + 1;
    }
    // Fill measured latencies into the pareto and proposal tables.
    std::map<std::string, double> measured;
    for (const auto& r : out) measured[r["name"].get<std::string>()] = r["measured_ms"].get<double>();
    auto fill = [&](Json& target, const Json& name) {
      const auto it = measured.find(name.get<std::string>());
      if (it != measured.end()) target = it->second;
    };
    for (auto& x : pareto) fill(x["measured_latency_ms"], x["id"]);
    for (auto& pr : proposals) {
      fill(pr["baseline_measured_latency_ms"], pr["baseline"]);
      for (auto& d : pr["dominating"]) fill(d["measured_latency_ms"], d["id"]);
    }
    proof = {{"threads", t}, {"rows", out}, {"spearman", profiler::spearman(p, m)},
             {"note", "each baseline's fastest dominating proposal and B0-B3, measured on this machine (medians)"}};
    // What the machine did to these measurements and to the profile's, behind every measured figure.
    profiler::Interference noise;
    for (size_t k = 0; k < out.size(); ++k) noise.add(k < baselines.size() ? "baselines" : "proposals", out[k]["timing"]);
    proof["interference"] = noise.to_json();
    env["noisy_measurements"]["proof"] = noise.brief();
    if (profile) env["noisy_measurements"]["profile"] = profiler::profile_interference(*profile).brief();
  } else {
    if (!host) missing.push_back("no measured latencies: " + o.device + " is not this machine (" + pred.runtime + ")");
    // Emulated ops still matter for what the executor would do with these networks.
    for (const auto& name : baseline_names) {
      const Network net = load_model(name);
      profiler::Plan plan(net, profiler::make_weights(net, 1), {1, false});
      std::vector<profiler::Implementation> impl;
      for (size_t i = 0; i < plan.size(); ++i) impl.push_back(plan.implementation(i));
      note_emulated(net, impl);
    }
  }

  // Per-layer breakdown and roofline points of one model.
  const auto lp = predictor::predict(pred, layers_net, t);
  const NetworkCount lc = count(layers_net);
  Json layer_rows = Json::array(), roof_points = Json::array();
  for (size_t i = 0; i < layers_net.ops.size(); ++i) {
    const double measured_us = layers_measured.is_null() ? NAN : layer_timings.ops[i].stats_us.median;
    layer_rows.push_back({{"name", layers_net.ops[i].name}, {"stage", stage_of(layers_net.ops[i].name)},
                          {"op", layers_net.ops[i].kind()}, {"op_class", to_string(lp.ops[i].op_class)}, {"macs", lp.ops[i].macs},
                          {"predicted_us", lp.ops[i].latency_us},
                          {"measured_us", std::isfinite(measured_us) ? Json(measured_us) : Json(nullptr)}});
    const double bytes = static_cast<double>(lc.layers[i].bytes);
    if (lp.ops[i].macs <= 0 || bytes <= 0) continue;
    const double us = std::isfinite(measured_us) ? measured_us : lp.ops[i].latency_us;
    roof_points.push_back({{"model", layers_net.name}, {"op", layers_net.ops[i].name}, {"op_class", to_string(lp.ops[i].op_class)},
                           {"intensity_macs_per_byte", lp.ops[i].macs / bytes}, {"macps", lp.ops[i].macs / (us * 1e-6)},
                           {"source", std::isfinite(measured_us) ? "measured" : "predicted"}});
  }
  Json roofline = {{"peak_macps", nullptr}, {"bandwidth_bytes_per_s", nullptr}, {"source", nullptr}, {"points", roof_points}};
  if (profile)
    for (const auto& pk : profile->value("peaks", Json::array()))
      if (pk["threads"] == t)
        roofline = {{"peak_macps", pk["peak_macps"]}, {"bandwidth_bytes_per_s", pk["bandwidth_bytes_per_s"]}, {"source", "profile"},
                    {"points", roof_points}};
  if (roofline["peak_macps"].is_null()) missing.push_back("no measured peak MACpS or bandwidth for " + o.device + " (roofline without ceilings)");

  // Predictor accuracy: against measurements here, or the calibration's leave-one-out predictions.
  Json predictor_accuracy = nullptr;
  {
    Json pts = Json::array();
    std::vector<double> p, a;
    if (host) {
      for (const auto& r : zoo_rows)
        if (r["measured_latency_ms"].is_number() && r["predicted_latency_ms"].is_number()) {
          pts.push_back({{"model", r["name"]}, {"predicted_ms", r["predicted_latency_ms"]}, {"actual_ms", r["measured_latency_ms"]}});
          p.push_back(r["predicted_latency_ms"].get<double>());
          a.push_back(r["measured_latency_ms"].get<double>());
        }
    } else {
      for (const auto& [model, ms] : published_ms) {
        pts.push_back({{"model", model}, {"predicted_ms", loo_ms[model]}, {"actual_ms", ms}});
        p.push_back(loo_ms[model]);
        a.push_back(ms);
      }
    }
    if (!a.empty()) {
      double mape = 0, within10 = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        const double e = std::abs(p[i] / a[i] - 1);
        mape += 100 * e / static_cast<double>(a.size());
        within10 += (e <= 0.10) / static_cast<double>(a.size());
      }
      predictor_accuracy = {{"against", host ? "measured on this machine (zoo models of the profile, not used in fitting)"
                                             : "published latencies (leave-one-model-out predictions)"},
                            {"points", pts}, {"mape", mape}, {"within_10", within10}, {"spearman", profiler::spearman(p, a)}};
    } else {
      missing.push_back("no predicted-vs-actual points for " + o.device);
    }
  }

  Json operator_table = nullptr;
  if (profile) {
    operator_table = Json::array();
    for (const auto& r : derived["fasternet_table1"])
      if (r["threads"] == t)
        operator_table.push_back({{"operator", r["op"]}, {"channels", r["channels"]}, {"resolution", r["resolution"]}, {"macs", r["macs"]},
                                  {"latency_us", r["latency_ms"].get<double>() * 1e3}, {"macps", r["macps"]}});
  } else {
    missing.push_back("no FasterNet operator table: it needs measurements on " + o.device);
  }
  if (acc.kind == "macs") missing.push_back("no top-1 estimates: the second objective is MACs");
  if (nsga.stopped_by_time) missing.push_back("the search stopped at its time limit before its evaluation budget; rerun for a reproducible result");

  Json crossover = nullptr;
  for (const auto& r : rules)
    if (r["id"] == "fused_crossover") crossover = r["value"];

  Json results;
  results["schema"] = results_schema;
  results["created"] = now_utc();
  results["tool"] = {{"name", "cpubone-explore"}, {"version", "0.1"}, {"command", o.command}};
  results["device"] = {{"name", o.device}, {"runtime", pred.runtime}, {"measured", host}, {"threads", t}, {"provenance", pred.provenance}};
  results["environment"] = env;
  results["accuracy_model"] = acc.to_json();
  results["zoo"] = zoo_rows;
  results["design_rules"] = rules;
  results["design_rules_detail"] = derived;
  results["block_macps"] = block_macps;
  results["fused_crossover_channels"] = crossover;
  results["roofline"] = roofline;
  Json random_front = Json::array();
  for (const auto& c : rnd.front) random_front.push_back({{"latency_ms", c.latency_ms}, {"top1", or_null(c.top1)}, {"objective", c.objective}});
  results["search"] = {{"algorithm", "NSGA-II"}, {"seed", so.seed}, {"space", o.space_file.empty() ? "default" : o.space_file},
                       {"space_points", space.size()}, {"evaluations", nsga.evaluations}, {"lookups", nsga.lookups},
                       {"evaluations_per_second", eps}, {"seconds", nsga.seconds}, {"population", so.population},
                       {"generations", nsga.generations}, {"stopped_by_time", nsga.stopped_by_time},
                       {"constraints", {{"max_latency_ms", or_null(o.constraints.max_latency_ms)},
                                        {"max_params", or_null(o.constraints.max_params)}, {"max_macs", or_null(o.constraints.max_macs)}}},
                       {"hypervolume", {{"nsga2", hv}, {"random", hv_random}, {"ratio", hv_random > 0 ? Json(hv / hv_random) : Json(nullptr)},
                                        {"reference_point", {{"latency_ms", lat_ref}, {"objective", obj_ref}, {"top1", acc.kind == "macs" ? Json(nullptr) : Json(obj_ref)}}},
                                        {"random_evaluations", rnd.evaluations}}},
                       {"random_front", random_front}};
  results["pareto"] = pareto;
  results["proposals"] = proposals;
  results["proof"] = proof;
  results["layers"] = {{"model", layers_net.name}, {"ops", layer_rows}};
  results["predictor_accuracy"] = predictor_accuracy;
  results["rank_correlations"] = rank_correlations;
  results["operator_table"] = operator_table;
  results["emulated_ops"] = emulated;
  results["missing"] = missing;
  results["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - job_start).count();
  std::filesystem::create_directories(std::filesystem::path(o.out_dir) / "pareto");
  for (const auto& [path, text] : pareto_files) write_file_atomic(path, text);
  write_file_atomic((std::filesystem::path(o.out_dir) / "results.json").string(), results.dump(1) + "\n");
  return results;
}

}  // namespace cpx::explorer
