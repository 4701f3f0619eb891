// advise: where the user's own network loses MACpS on a device, which rewrites win there, and --apply.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "explorer/advise.hpp"
#include "explorer/advise_apply.hpp"
#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/devices.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/interop/torch.hpp"
#include "reports/report.hpp"
#include "space/count.hpp"
#include "space/io.hpp"

namespace cpx::cli {

namespace {

struct AdviseArgs {
  ModelArgs model;
  std::string device, apply, out, weights,
      report;  // device "": the default device; weights "": the model file's own, else seed 0
  int64_t threads = 0, evaluations = 1500, top = 15;
  double max_params = 0, max_macs = 0;
  bool threads_given = false, as_json = false, no_batch_norm = false;
};

std::string pct(std::optional<double> v) {
  if (!v) return "?";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100 * *v);
  return buf;
}

std::string gain_text(const Gain& g) {
  std::string s = pct(g.point);
  if (g.low) s += " [" + pct(*g.low) + ", " + pct(*g.high) + "]";
  return s;
}

std::string joined_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

// A text column as wide as its longest entry (at least `min_width`): a table never cuts two names to the same text.
int column_width(const std::vector<std::string_view>& entries, size_t min_width) {
  size_t w = min_width;
  for (std::string_view e : entries) w = std::max(w, e.size());
  return static_cast<int>(w);
}

void print_blocks(const AdviceDocument& a, int64_t top) {
  const auto ms = [](double us) { return us / 1000; };
  std::vector<const AdviceBlock*> blocks;
  for (const AdviceBlock& b : a.blocks) blocks.push_back(&b);
  std::stable_sort(blocks.begin(), blocks.end(), [](const auto* x, const auto* y) { return x->lost_us > y->lost_us; });
  std::printf("blocks, by time lost to low MACpS (their MACs at the MACpS of the block's best variant on %s):\n",
              a.device.c_str());
  std::vector<std::string_view> names;
  for (size_t i = 0; i < blocks.size() && static_cast<int64_t>(i) < top; ++i) names.push_back(blocks[i]->name);
  const int width = column_width(names, 28);
  std::printf("%-*s %-20s %8s %9s %7s %11s %8s  %s\n", width, "block", "kind", "ms", "MACs(M)", "GMACpS", "best GMACpS",
              "lost ms", "suggestions");
  for (size_t i = 0; i < blocks.size() && static_cast<int64_t>(i) < top; ++i) {
    const AdviceBlock& b = *blocks[i];
    const std::string ids = joined_ids(b.suggestions);
    std::printf("%-*s %-20s %8.3f %9.2f %7.2f %11.2f %8.3f  %s\n", width, b.name.c_str(),
                std::string(to_string(b.kind)).c_str(), ms(b.latency_us), static_cast<double>(b.macs) / 1e6,
                b.macps / 1e9, b.best_macps / 1e9, ms(b.lost_us), ids.empty() ? "-" : ids.c_str());
  }
  if (static_cast<int64_t>(blocks.size()) > top)
    std::printf("... %zu more blocks (--top, or --json)\n", blocks.size() - top);
  double unrecognised_us = 0;
  std::string unnamed;
  for (const UnrecognisedOp& u : a.unrecognised) {
    unrecognised_us += u.latency_us;
    if (unnamed.size() < 160) unnamed += (unnamed.empty() ? "" : ", ") + u.name + " (" + u.op + ")";
  }
  std::printf("recognised: %zu blocks; not recognised: %zu ops, %.3f ms (%.0f%% of the time): %s%s\n\n",
              a.blocks.size(), a.unrecognised.size(), unrecognised_us / 1000,
              100 * unrecognised_us / std::max(1e-9, a.latency_us), unnamed.c_str(),
              unnamed.size() >= 160 ? ", ..." : "");
}

void print_suggestions(const AdviceDocument& a, int64_t top) {
  std::printf("suggestions (gain: %s; interval: %s):\n", a.gain_definition.c_str(), a.gain_interval_method.c_str());
  std::vector<std::string_view> ops;
  for (size_t i = 0; i < a.suggestions.size() && static_cast<int64_t>(i) < top; ++i)
    ops.push_back(a.suggestions[i].rewrite.ops[0]);
  const int width = column_width(ops, 30);
  std::printf("%-4s %-16s %-*s %-24s %15s %17s  %s\n", "id", "rewrite", width, "op", "gain [interval]", "MACs(M) after",
              "params(M) after", "weights");
  int64_t shown = 0;
  for (const AdviceSuggestion& s : a.suggestions) {
    if (shown++ >= top) {
      std::printf("... %zu more suggestions (--top, or --json)\n", a.suggestions.size() - static_cast<size_t>(top));
      break;
    }
    std::printf("%-4s %-16s %-*s %-24s %7.1f->%-7.1f %8.2f->%-8.2f  %s\n", s.id.c_str(),
                std::string(to_string(s.rewrite.kind)).c_str(), width, s.rewrite.ops[0].c_str(),
                gain_text(s.gain).c_str(), static_cast<double>(s.macs_before) / 1e6,
                static_cast<double>(s.macs_after) / 1e6, static_cast<double>(s.params_before) / 1e6,
                static_cast<double>(s.params_after) / 1e6,
                !s.keeps_function                               ? "needs training"
                : s.rewrite.kind == RewriteKind::reparameterize ? "kept (merged)"
                                                                : "kept (zero-padded)");
  }
  std::printf("accuracy evidence, per rewrite kind:\n");
  std::set<RewriteKind> kinds;
  for (const AdviceSuggestion& s : a.suggestions)
    if (kinds.insert(s.rewrite.kind).second)
      std::printf("  %-16s %s\n", std::string(to_string(s.rewrite.kind)).c_str(), s.accuracy_evidence.c_str());
}

void print_local_search(const AdviceDocument& a, int64_t top) {
  std::string budget;
  const auto millions = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);  // three figures: a small network's budget is not 0.00M
    return std::string(buf);
  };
  const AdviceBudget& b = a.local_search.budget;
  for (const auto& [value, label] :
       {std::pair{b.min_params, "params >= "}, {b.max_params, "params <= "}, {b.max_macs, "MACs <= "}})
    if (value) budget += (budget.empty() ? "" : ", ") + std::string(label) + millions(*value);
  std::printf(
      "\nlocal search (NSGA-II over combinations, %lld variants evaluated; %s; budget %s): Pareto front, fastest "
      "first\n",
      static_cast<long long>(a.local_search.evaluations), a.local_search.objectives.c_str(), budget.c_str());
  int64_t rows = 0;
  for (const AdviceVariant& v : a.local_search.front) {
    if (rows++ >= top) {
      std::printf("... %zu more variants (--top, or --json)\n", a.local_search.front.size() - static_cast<size_t>(top));
      break;
    }
    std::printf("%-4s %8.2f ms  %-24s MACs %7.1fM  params %6.2fM  %s\n", v.id.c_str(), v.latency_us / 1000,
                gain_text(v.gain).c_str(), static_cast<double>(v.macs) / 1e6, static_cast<double>(v.params) / 1e6,
                joined_ids(v.suggestions).c_str());
  }
  if (a.local_search.front.empty())
    std::printf("  no variant within the budget is predicted faster than the original\n");
}

void print_text(const AdviceDocument& a, int64_t top) {
  std::printf("advise: %s on %s (%s), %lld thread(s), input %s NHWC\n", a.model.c_str(), a.device.c_str(),
              a.runtime.c_str(), static_cast<long long>(a.threads), a.input_nhwc.to_json().dump().c_str());
  std::printf("predicted %.2f ms", a.latency_us / 1000);
  if (a.interval_us) std::printf(" [%.2f, %.2f]", (*a.interval_us)[0] / 1000, (*a.interval_us)[1] / 1000);
  std::printf(", %s MACs, %s params, vector width %lld floats\n\n", thousands(a.macs).c_str(),
              thousands(a.params).c_str(), static_cast<long long>(a.vector_channels));
  print_blocks(a, top);
  print_suggestions(a, top);
  print_local_search(a, top);
  if (const std::optional<std::string> w = interval_warning(a)) std::printf("warning: %s\n", w->c_str());
  for (const std::string& w : a.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("apply: cpubone-explore advise MODEL --device %s --apply ID[,ID...] --out DIR\n", a.device.c_str());
}

void run_advise(const AdviseArgs& a) {
  if (a.threads_given && (a.threads < 1 || a.threads > 256))
    throw InputError("--threads = " + std::to_string(a.threads) + ": out of range [1, 256]");
  if (a.evaluations < 1 || a.evaluations > 1000000)
    throw InputError("--evaluations = " + std::to_string(a.evaluations) + ": out of range [1, 1000000]");
  if (a.max_params < 0) throw InputError("--max-params = " + std::to_string(a.max_params) + ": must be positive");
  if (a.max_macs < 0) throw InputError("--max-macs = " + std::to_string(a.max_macs) + ": must be positive");
  LoadedNetwork loaded = load_network(a.model, true);
  const Network& net = loaded.net;
  const predictor::DeviceRef device =
      predictor::resolve_device(a.device.empty() ? predictor::default_device : a.device);
  const predictor::Predictor p = predictor::load_predictor(device);
  explorer::AdviceOptions o;
  if (a.threads_given) o.threads = a.threads;
  if (a.max_params > 0) o.max_params = a.max_params;
  if (a.max_macs > 0) o.max_macs = a.max_macs;
  o.evaluations = a.evaluations;
  explorer::Advice advice = explorer::advise(net, p, o);
  explorer::note_skipped(advice, std::move(loaded.skipped), explorer::flag_of);
  if (!a.apply.empty())
    advice.applied =
        explorer::apply_advice(advice, {a.apply, a.out, a.weights, loaded.weights ? &*loaded.weights : nullptr,
                                        &loaded.seeded_ops, &loaded.folding, !a.no_batch_norm});
  if (!a.report.empty())
    advice.report = reports::render_advice(advice, "advise " + a.model.model, a.report).files.front().string();
  if (a.as_json) {
    std::cout << to_json(static_cast<const AdviceDocument&>(advice)).dump(2) << "\n";
    return;
  }
  if (a.device.empty()) std::printf("%s\n", predictor::default_device_note().spelled(explorer::flag_of).c_str());
  print_text(advice, a.top);
  if (advice.report) std::printf("report: %s\n", advice.report->c_str());
  if (const std::optional<AppliedAdvice>& ap = advice.applied) {
    const std::string folded = ap->params_batch_norm_folded
                                   ? " (BatchNorm separate; " + thousands(*ap->params_batch_norm_folded) + " folded)"
                                   : "";
    std::printf("\napplied %s: wrote %s; MACs %s, params %s%s (the PyTorch module's: %s)\n", a.apply.c_str(),
                Json(ap->files).dump().c_str(), thousands(ap->macs).c_str(), thousands(ap->params).c_str(),
                folded.c_str(), thousands(ap->torch_params).c_str());
    for (const std::string& note : ap->notes) std::printf("%s\n", note.c_str());
    // The next step, as the apply line above is: the predicted gain checked by timing both networks in turn.
    std::printf("measure: cpubone-explore measure %s --against %s --threads %lld   # the gain, timed in turn on %s\n",
                a.model.model.c_str(), (std::filesystem::path(a.out) / "advised.json").string().c_str(),
                static_cast<long long>(advice.threads),
                device.is_host() ? "this machine" : "the device itself (where the tool runs)");
  }
}

}  // namespace

void add_advise_commands(CLI::App& app) {
  auto a = std::make_shared<AdviseArgs>();
  auto* cmd = app.add_subcommand(
      "advise", "Where your network loses MACpS on a device, which rewrites win there, and --apply them");
  add_model_options(cmd, a->model, {.help = "An ONNX file, a macro or network JSON file, or a zoo name"});
  cmd->add_option("--device", a->device,
                  "Device: a shipped or calibrated device's name, host (this machine, once `fit --device host` "
                  "has profiled it), or the path of a device file; default " +
                      std::string(predictor::default_device));
  auto* threads = cmd->add_option("--threads,--num_threads", a->threads,
                                  "Threads (default 1 on the host; a calibrated device predicts only at its own)");
  cmd->add_option("--max-params", a->max_params,
                  "The local search's params budget (default: within +-10% of the original's)");
  cmd->add_option("--max-macs", a->max_macs, "The local search's MACs budget");
  cmd->add_option("--evaluations", a->evaluations, "Variants the local search may evaluate")->capture_default_str();
  cmd->add_option("--top", a->top, "Rows of the blocks and suggestions tables")->capture_default_str();
  cmd->add_flag("--json", a->as_json, "Print the advice as JSON (cpubone-explore/advice/v1)");
  cmd->add_option("--apply", a->apply, "Suggestion or variant ids to apply (s1,s3 or v1)");
  cmd->add_option("--out", a->out,
                  "With --apply: directory for advised.json, advised.onnx, advised.py and advised.f32");
  cmd->add_option(
      "--report", a->report,
      "Also write advice.html (offline charts), advice.md, data/advice_*.csv and advice.json into this directory");
  cmd->add_option(
      "--weights", a->weights,
      "With --apply: the original network's weights, a seed or a raw float32 file (as `export --weights` takes); "
      "default: the model file's own weights, else seed 0");
  cmd->add_flag(
      "--no-batch-norm", a->no_batch_norm,
      "With --apply: keep the BatchNorms the exporter folded into convs folded (default: written as conv + BatchNorm, "
      "the same function in eval mode, to fine-tune)");
  cmd->callback([a, threads] {
    a->threads_given = threads->count() > 0;
    run_advise(*a);
  });
}

}  // namespace cpx::cli
