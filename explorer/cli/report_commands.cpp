// report: the speed-accuracy report (HTML, Markdown, CSV) from the explorer's results JSON.
#include <cstdio>
#include <filesystem>

#include "explorer/cli/commands.hpp"
#include "reports/report.hpp"
#include "reports/schema.hpp"
#include "space/network.hpp"
#include "space/results_schema.hpp"

namespace cpx::cli {

namespace {

void run_report(const std::string& results_file, const std::string& out) {
  const Json results = read_json_file(results_file);
  // Beside the results by default, where the main job puts them.
  const std::filesystem::path dir =
      out.empty() ? std::filesystem::absolute(results_file).parent_path() : std::filesystem::path(out);
  const bool advice = results.is_object() && is_file_version(results.value("schema", Json()), advice_version);
  const reports::Rendered r = advice
                                  ? reports::render_advice(advice_from_json(results, results_file), results_file, dir)
                                  : reports::render(results, results_file, dir);
  for (const auto& f : r.files) std::printf("wrote %s\n", f.string().c_str());
  if (!r.missing.empty()) std::printf("missing data, stated on the page: %zu item(s)\n", r.missing.size());
  std::printf("report: %s\n", r.files.front().string().c_str());
}

}  // namespace

void add_report_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("report",
                                 "Write report.html (offline charts), report.md, data/*.csv and results.json from a "
                                 "results JSON, or advice.html and advice.md from `advise --json`");
  auto results = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto schema = std::make_shared<bool>(false);
  auto* file = cmd->add_option("results", *results,
                               std::string("The explorer's results JSON (schema ") + results_schema +
                                   ") or an advice JSON (" + advice_schema + ")");
  cmd->add_option("--out", *out, "Directory to write into (default: the results file's directory)");
  cmd->add_flag("--schema", *schema, "Print the results JSON's fields (reports/results-schema.md) instead")
      ->excludes(file);
  cmd->callback([=] {
    if (*schema) return (void)std::fputs(reports::results_schema_markdown().c_str(), stdout);
    if (results->empty()) throw CLI::RequiredError("results");
    run_report(*results, *out);
  });
}

}  // namespace cpx::cli
