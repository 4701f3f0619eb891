// The main job (`cpubone-explore --device pi5`) and `space` (the search space and its points).
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "explorer/cli/commands.hpp"
#include "explorer/job.hpp"
#include "predictor/devices.hpp"
#include "profiler/measure/sweep.hpp"
#include "reports/report.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/results.hpp"
#include "space/results_schema.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

struct JobArgs {
  explorer::JobOptions job;
  double max_latency_ms = 0, max_params = 0, max_macs = 0;
  double budget_s = 60;
  bool no_prove = false;
  bool allow_noisy = false;
  QuietMachine quiet;
};

// 0 (the default) is "no limit"; anything else the job validates.
std::optional<double> limit(double v) { return v == 0 ? std::nullopt : std::optional<double>(v); }

// Every output of the job is written at its end (temp file + rename), so stopping it is always safe.
void on_job_interrupt(int) {
  static const char msg[] =
      "\ncpubone-explore: interrupted; results are written only when the job completes (temp file + rename), none "
      "were\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(130);
}

// The summary's cells: a figure or "-" where the document has none; latencies in ms.
std::string num(std::optional<double> v, const char* f) {
  if (!v) return "-";
  char b[32];
  std::snprintf(b, sizeof b, f, *v);
  return b;
}
std::optional<double> scaled(std::optional<double> v, double by) {
  return v ? std::optional<double>(*v * by) : std::nullopt;
}
std::optional<double> ms(std::optional<double> us) { return scaled(us, 1e-3); }
std::string top1_interval(std::optional<double> top1, std::optional<double> low, std::optional<double> high) {
  return top1 ? num(top1, "%.2f") + " [" + num(low, "%.1f") + ", " + num(high, "%.1f") + "]" : std::string("unknown");
}

// The measured column exists only when something was measured (host): never an unlabelled column of dashes.
struct MeasuredColumn {
  bool shown = false;
  std::string cell(const std::string& text) const {
    if (!shown) return std::string();
    char b[32];
    std::snprintf(b, sizeof b, "%10s ", text.c_str());
    return b;
  }
  std::string cell(std::optional<double> us) const { return cell(num(ms(us), "%.2f")); }
};

const char* domination_cell(results::Domination d) {
  return d == results::Domination::earned ? "earned" : d == results::Domination::none ? "no" : "unproven";
}

void print_capacity_matched(const Results& r, const MeasuredColumn& meas) {
  std::printf(
      "\ncapacity-matched: same resolution, widths and depths; MACs and params within +-10%% of the baseline; only "
      "choices that move MACpS differ\n");
  std::printf("%-6s %-6s %9s %8s %6s %6s %22s %s%-9s %s\n", "base", "id", "pred_ms", "speedup", "MACs", "params",
              "top1 [interval]", meas.cell("meas_ms").c_str(), "dominates", "config");
  for (const results::MatchedTier& t : r.capacity_matched) {
    std::printf("%-6s %-6s %9s %8s %6s %6s %22s %s%-9s %s\n", t.baseline.c_str(), "-",
                num(ms(t.baseline_latency_us), "%.2f").c_str(), "", "", "",
                (num(t.baseline_published_top1, "%.2f") + " published").c_str(),
                meas.cell(t.baseline_measured_latency_us).c_str(), "", "(baseline)");
    if (t.not_a_point) std::printf("%-6s %s\n", "", t.not_a_point->c_str());
    else if (t.configurations.empty())
      std::printf("%-6s no capacity-matched configuration found (%s, %lld evaluated)\n", "",
                  t.method ? std::string(results::matched_method_names.name_of(*t.method)).c_str() : "-",
                  static_cast<long long>(t.evaluations));
    for (const results::MatchedConfiguration& m : t.configurations)
      std::printf("%-6s %-6s %9s %8s %6s %6s %22s %s%-9s %s\n", "", m.id.c_str(),
                  num(ms(m.predicted_latency_us), "%.2f").c_str(), num(m.speedup, "%.2fx").c_str(),
                  num(m.macs_ratio, "%.2f").c_str(), num(m.params_ratio, "%.2f").c_str(),
                  top1_interval(m.top1, m.top1_low, m.top1_high).c_str(), meas.cell(m.measured_latency_us).c_str(),
                  domination_cell(m.domination), m.summary.c_str());
  }
}

void print_proposals(const Results& r, const MeasuredColumn& meas) {
  std::printf(
      "\nproposals (capacity may change) that earn domination: faster with the lower end of the top-1 interval at or "
      "above the baseline's published top-1\n");
  std::printf("%-6s %-5s %9s %9s %10s %22s %s %s\n", "base", "id", "params_M", "MACs_M", "pred_ms", "top1 [interval]",
              meas.cell("meas_ms").c_str(), "config");
  auto summary_of = [&](const std::string& id) {
    for (const results::ParetoRow& x : r.pareto)
      if (x.id == id) return x.summary;
    return std::string();
  };
  for (const results::BaselineProposals& pr : r.proposals) {
    std::printf("%-6s %-5s %9s %9s %10s %22s %s (baseline)\n", pr.baseline.c_str(), "-",
                num(scaled(pr.baseline_params, 1e-6), "%.2f").c_str(),
                num(scaled(pr.baseline_macs, 1e-6), "%.0f").c_str(), num(ms(pr.baseline_latency_us), "%.2f").c_str(),
                (num(pr.baseline_published_top1, "%.2f") + " published").c_str(),
                meas.cell(pr.baseline_measured_latency_us).c_str());
    size_t shown = 0;
    for (const results::ProposalRow& d : pr.dominating) {
      if (++shown > 3) break;
      std::printf("%-6s %-5s %9s %9s %10s %22s %s %s\n", "", d.id.c_str(), num(scaled(d.params, 1e-6), "%.2f").c_str(),
                  num(scaled(d.macs, 1e-6), "%.0f").c_str(), num(ms(d.latency_us), "%.2f").c_str(),
                  top1_interval(d.top1, d.top1_low, d.top1_high).c_str(), meas.cell(d.measured_latency_us).c_str(),
                  summary_of(d.id).c_str());
    }
    if (pr.dominating.size() > 3) std::printf("%-6s ... %zu earned in all\n", "", pr.dominating.size());
    if (pr.dominating.empty()) std::printf("%-6s no configuration earns domination over it\n", "");
    if (!pr.promising_unproven.empty())
      std::printf("%-6s + %zu promising, unproven (dominating at the point estimate only; listed in the report)\n", "",
                  pr.promising_unproven.size());
  }
}

void print_search_and_rules(const Results& r) {
  const results::SearchRun& s = r.search;
  std::printf("search: %lld evaluations, %.0f / s; hypervolume x%.3f of random search with the same evaluations\n",
              static_cast<long long>(s.evaluations), s.evaluations_per_second, s.hypervolume.ratio.value_or(NAN));
  for (const results::DesignRule& rule : r.design_rules)
    std::printf("rule (%s): %s%s\n", std::string(results::rule_source_names.name_of(rule.source)).c_str(),
                rule.statement.c_str(),
                rule.proposals_follow ? ("; followed by " + *rule.proposals_follow).c_str() : "");
  if (r.proof) std::printf("proof: predicted vs measured ranking on this machine, Spearman %.3f\n", r.proof->spearman);
  for (const std::string& m : r.missing) std::printf("missing: %s\n", m.c_str());
}

void run_job(JobArgs a, const std::string& command) {
  explorer::JobOptions& o = a.job;
  o.command = command;
  o.constraints = {limit(a.max_latency_ms * 1e3), limit(a.max_params), limit(a.max_macs), std::nullopt, std::nullopt};
  o.search.max_seconds = a.budget_s;
  o.prove = !a.no_prove;
  explorer::validate(o);  // before fitting a host predictor for options that would fail anyway

  const predictor::DeviceRef device = predictor::resolve_device(o.device);
  predictor::FitOptions fit_options;
  fit_options.allow_noisy = a.allow_noisy;
  if (device.is_host()) a.quiet.run("cpubone-explore", o.threads.value_or(1));
  // run_fit profiles first (saying how long) when there is no profile yet.
  if (device.is_host() && !std::filesystem::exists(device.profile_path)) {
    run_fit(device.name, "", true, fit_options);
  } else if (device.is_host() && (!std::filesystem::exists(device.predictor_path) ||
                                  std::filesystem::last_write_time(device.predictor_path) <
                                      std::filesystem::last_write_time(device.profile_path))) {
    std::fprintf(stderr, "the host predictor is missing or older than the host profile: fitting it\n");
    run_fit(device.name, "", true, fit_options);
  }
  const predictor::Predictor p = predictor::load_predictor(device);
  std::signal(SIGINT, on_job_interrupt);
  std::signal(SIGTERM, on_job_interrupt);
  const std::optional<profiler::Profile> profile = predictor::measured_profile(device);
  const Results results = explorer::run_job(o, p, profile ? &*profile : nullptr);

  // Summary: the capacity-matched tier first, then the proposals that earned domination over B0-B3.
  std::printf("\n%s on %s, %lld thread(s); accuracy: %s (top-1 intervals at %.0f%%)\n", "cpubone-explore",
              o.device.c_str(), static_cast<long long>(results.device.threads), results.accuracy_model.name.c_str(),
              results.accuracy_model.interval ? 100 * results.accuracy_model.interval->level : 0.0);
  const MeasuredColumn meas{results.proof.has_value()};
  print_capacity_matched(results, meas);
  print_proposals(results, meas);
  print_search_and_rules(results);
  const std::string results_file = (std::filesystem::path(o.out_dir) / "results.json").string();
  std::printf("results: %s\n", results_file.c_str());
  const reports::Rendered r = reports::render(results, results_file, o.out_dir);
  std::printf("report: %s\n", std::filesystem::absolute(r.files.front()).string().c_str());
  if (results.proof && results.proof->interference)
    finish_measuring(profiler::Interference::from_json(*results.proof->interference), "proof");
}

void run_space(const std::string& file, bool defaults, const std::string& encode, bool explain) {
  const explorer::SearchSpace space =
      file.empty() ? explorer::SearchSpace::defaults() : explorer::SearchSpace::from_json(read_json_file(file), file);
  if (!encode.empty()) {
    const auto macro = load_macro(encode);
    if (!macro) throw InputError(encode + ": not a macro network (only macro networks can be points of the space)");
    if (explain) std::printf("%s", explorer::explain(*macro).c_str());
    const auto g = space.encode(*macro);
    std::printf("%s = %s\n", encode.c_str(), space.summary(g).c_str());
    if (explain) std::printf("legend: %s\n", std::string(configuration_legend).c_str());
    return;
  }
  if (defaults) {
    std::cout << space.to_json().dump(2) << "\n";
    return;
  }
  std::printf("search space \"%s\": %zu dimensions, %.3g points\n", space.name().c_str(), space.dimensions().size(),
              space.size());
  for (const auto& d : space.dimensions()) std::printf("  %-28s %s\n", d.name.c_str(), Json(d.values).dump().c_str());
}

}  // namespace

void add_explore_commands(CLI::App& app) {
  auto a = std::make_shared<JobArgs>();
  app.add_option("--device", a->job.device,
                 "Target device: a shipped one (" + comma_joined(predictor::shipped_device_names()) +
                     "), host, one you calibrated, or the path of a device file (e.g. one `calibrate --out` wrote)")
      ->capture_default_str();
  app.add_option("--out", a->job.out_dir, "Output directory")->capture_default_str();
  app.add_option("--budget", a->budget_s,
                 "Time limit of the search in seconds, 0 for none (it stops earlier at --evaluations)")
      ->capture_default_str();
  app.add_option("--evaluations", a->job.search.evaluations,
                 "Distinct candidates the search evaluates (the reproducible budget)")
      ->capture_default_str();
  app.add_option("--population", a->job.search.population, "NSGA-II population")->capture_default_str();
  app.add_option("--seed", a->job.search.seed, "Seed of the search")->capture_default_str();
  app.add_option_function<int64_t>(
      "--threads,--num_threads", [a](const int64_t& t) { a->job.threads = t; },
      "Threads the latencies are for (default: 1 on the host; a calibrated device predicts only at its own)");
  app.add_option("--space", a->job.space_file, "Search-space JSON (default: CPUBone's macro design)");
  app.add_option("--accuracy", a->job.accuracy,
                 "proxy (fitted on every zoo model's published top-1), macs, or a CSV of model,top1 (measured "
                 "accuracies, refitted with the published ones)")
      ->capture_default_str();
  app.add_option("--max-latency", a->max_latency_ms, "Constraint: predicted latency in ms");
  app.add_option("--max-params", a->max_params, "Constraint: parameters");
  app.add_option("--max-macs", a->max_macs, "Constraint: MACs");
  app.add_option("--layers-model", a->job.layers_model, "Zoo model of the per-layer breakdown")->capture_default_str();
  app.add_flag("--no-prove", a->no_prove, "On the host, do not measure the proposals");
  app.add_flag("--allow-noisy", a->allow_noisy,
               "On the host, fit the predictor even from a mostly noisy profile (see fit --help)");
  add_measuring_options(&app, a->quiet);
  app.final_callback([&app, a] {
    if (!app.get_subcommands().empty()) return;
    std::string command = "cpubone-explore";
    run_job(*a, command + " --device " + a->job.device);
  });

  auto* cmd =
      app.add_subcommand("space", "Print the search space (dimensions and values), or where a network lies in it");
  auto file = std::make_shared<std::string>();
  auto encode = std::make_shared<std::string>();
  auto defaults = std::make_shared<bool>(false);
  cmd->add_option("--space", *file, "Search-space JSON (default: the built-in one)");
  cmd->add_flag("--json", *defaults, "Print the space as a search-space JSON file (a starting point to edit)");
  cmd->add_option("--point", *encode, "A zoo name or macro file: print its point of the space");
  auto explain = std::make_shared<std::string>();
  cmd->add_option("--explain", *explain,
                  "A zoo name or macro file (a proposal's pareto/*.json): its stages as a table, its point "
                  "of the space and the legend of that notation");
  cmd->callback([=] { run_space(*file, *defaults, explain->empty() ? *encode : *explain, !explain->empty()); });
}

}  // namespace cpx::cli
