// The speed-accuracy report: renders the explorer's results JSON (reports/results-schema.md) into a directory
//   report.html   one self-contained page (Vega-Lite charts and their libraries embedded; works offline)
//   report.md     the same findings as Markdown tables
//   data/*.csv    every data set a chart plots, plus the raw tables, for notebooks
//   results.json  a copy of the input
// The input is validated and every file is built in memory before the first write; each file is written
// atomically, so bad input leaves the directory as it was.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reports/rendered.hpp"
#include "space/advice_doc.hpp"
#include "space/error.hpp"
#include "space/results.hpp"

namespace cpx::reports {

// Throws InputError naming `results_file` and the field path for anything the contract does not allow
// (results_from_json); results.json beside the page is `results` as given.
Rendered render(const Json& results, const std::string& results_file, const std::filesystem::path& out_dir);
// The same from the document itself; `results_file` names its source on the page.
Rendered render(const Results& results, const std::string& results_file, const std::filesystem::path& out_dir);

// The advice report from the advice document (space/advice_doc.hpp; `advise --json`, read by advice_from_json):
// advice.html, advice.md, data/advice_*.csv and advice.json; the network's per-block losses, the suggestions
// and the local front. `advice_file` names where it came from, on the page.
Rendered render_advice(const AdviceDocument& advice, const std::string& advice_file,
                       const std::filesystem::path& out_dir);

// Library versions embedded into report.html, e.g. "vega 5.33.1, vega-lite 5.23.0, vega-embed 6.29.0".
std::string embedded_libraries();

}  // namespace cpx::reports
