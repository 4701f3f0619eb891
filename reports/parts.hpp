// Internal pieces of a report, built from validated results before anything is written.
#pragma once

#include <string>
#include <vector>

#include "reports/report.hpp"
#include "space/error.hpp"

namespace cpx::reports {

// One flat table of numbers and strings: what a chart plots, written as data/<name>.csv.
struct Dataset {
  std::string name;
  std::vector<std::string> columns;
  Json rows = Json::array();  // objects with exactly `columns` as keys; null where a figure is missing
};

// A table of formatted cells, rendered both as HTML and as Markdown so that the two say the same.
struct Table {
  std::string heading;
  std::string note;  // one or two sentences under the heading; may be empty
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  bool folded = false;  // long and rarely read (provenance): collapsed on the page, whole in report.md
};

struct Chart {
  std::string id;       // HTML element id
  std::string heading;
  std::string caption;  // what the chart shows and how to read it
  Json spec;            // Vega-Lite; null when there is nothing to plot (caption then says why)
  int64_t min_marks = 0;  // data marks the rendered SVG must hold at least (checked in the browser test)
  std::vector<Table> findings;  // the chart's key numbers, shown under it and in report.md
};

struct Report {
  std::string title;
  std::vector<std::string> context;  // device, runtime, threads, accuracy model: printed at the top
  std::string verdict;                // what to build, one line above everything else ("" for none)
  std::vector<std::string> summary;  // key findings, one sentence each
  std::vector<std::string> missing;
  std::vector<Dataset> datasets;
  std::vector<Chart> charts;
  std::vector<Table> tables;
  std::string input_file = "results.json";  // the copy of the input written beside the page
};

// `results` must have passed validate_results. Each builder appends to report.missing what it could not show.
void build_datasets(const Json& results, Report& report);
void build_charts(const Json& results, Report& report);
void build_tables(const Json& results, Report& report);

const Dataset& dataset(const Report& report, const std::string& name);
std::string to_csv(const Dataset& d);
std::string to_html(const Report& report);
std::string to_markdown(const Report& report);
// Writes STEM.html, STEM.md, data/*.csv and report.input_file (a copy of `input`) into out_dir, each atomically,
// after all of them are built in memory.
Rendered write_report(const Report& report, const Json& input, const std::string& stem, const std::filesystem::path& out_dir);

// The fastest of the proposals dominating one baseline (an element of results.proposals); null if none.
const Json* fastest_dominating(const Json& proposal);

// Formatting shared by charts and tables. A null value formats as an em dash.
std::string fixed(const Json& v, int digits);
std::string ms(const Json& us, int digits);           // a latency in microseconds, shown in milliseconds
std::string si(const Json& v, int significant = 3);  // 4.62 M, 530 M, 74.0 G
std::string plain(const Json& v);
// The accuracy model's top-1 interval level as printed ("80 %"), or "no" when it has none.
std::string interval_level_text(const Json& results);                    // strings as they are, numbers in shortest form
// The accuracy model's interval half width ("2.00 pp", or "(0.63 + 1.04 x support distance) pp").
std::string interval_width_text(const Json& interval);
// Where the accuracy model's support stops in MACs and params ("" when the results do not say).
std::string accuracy_range_text(const Json& results);

}  // namespace cpx::reports
