// Internal pieces of a report, built from validated results before anything is written.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/dataset_rows.hpp"
#include "reports/rendered.hpp"
#include "space/error.hpp"
#include "space/results.hpp"

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
inline Table table(std::string heading, std::vector<std::string> header, std::string note = "") {
  Table t;
  t.heading = std::move(heading);
  t.header = std::move(header);
  t.note = std::move(note);
  return t;
}

struct Chart {
  std::string id;  // HTML element id
  std::string heading;
  std::string caption;          // what the chart shows and how to read it
  Json spec;                    // Vega-Lite; null when there is nothing to plot (caption then says why)
  int64_t min_marks = 0;        // data marks the rendered SVG must hold at least (checked in the browser test)
  std::vector<Table> findings;  // the chart's key numbers, shown under it and in report.md
};

struct Report {
  std::string title;
  std::vector<std::string> context;  // device, runtime, threads, accuracy model: printed at the top
  std::string verdict;               // what to build, one line above everything else ("" for none)
  std::vector<std::string> summary;  // key findings, one sentence each
  std::vector<std::string> missing;
  DataSets data;                  // what the charts and tables read (the results report's; empty in the advice report)
  std::vector<Dataset> datasets;  // the same as JSON rows, as the page embeds them and data/*.csv holds them
  std::vector<Chart> charts;
  std::vector<Table> tables;
  std::string input_file = "results.json";  // the copy of the input written beside the page
};

// The family the zoo's CPUBone models carry (space/zoo/cpubone.cpp): read only where the zoo rows enter the data sets.
inline constexpr std::string_view cpubone_family = "CPUBone";

// The channels chart's MACpS series (results.fused_vs_unfused): the legend and the data set's "kind" column.
inline constexpr const char* best_fused_label = "fused, highest MACpS";
inline constexpr const char* best_unfused_label = "unfused, highest MACpS";

// Where a speed-accuracy point's top-1 comes from: the one legend that tells measured results from this run's
// estimates.
enum class Top1Kind { published, estimated };
inline constexpr std::array<std::string_view, 2> top1_kind_names = {"published (measured)", "estimated (this run)"};
constexpr std::string_view label_of(Top1Kind k) { return top1_kind_names[static_cast<size_t>(k)]; }

// The builders read the results document (space/results.hpp). Each appends to report.missing what it could not show.
void build_datasets(const Results& results, Report& report);
void build_charts(const Results& results, Report& report);
void build_tables(const Results& results, Report& report);

// The data sets as JSON rows, in their order (reports/datasets_json.cpp).
std::vector<Dataset> datasets_to_json(const DataSets& data);
const Dataset& dataset(const Report& report, const std::string& name);
std::string to_csv(const Dataset& d);
std::string to_html(const Report& report);
std::string to_markdown(const Report& report);
// Writes STEM.html, STEM.md, data/*.csv and report.input_file (a copy of `input`) into out_dir, each atomically,
// after all of them are built in memory.
Rendered write_report(const Report& report, const Json& input, const std::string& stem,
                      const std::filesystem::path& out_dir);

// The fastest of the proposals dominating one baseline; null if none.
const results::ProposalRow* fastest_dominating(const results::BaselineProposals& proposal);

// A figure the results may not have, as a cell of a data set's row: null (an empty CSV cell) when unset.
template <class T>
Json value_or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// A choice of the results (results::Domination, ...) by the name its table gives it.
template <class E, size_t N>
std::string named(const Names<E, N>& names, E value) {
  return std::string(names.name_of(value));
}

// Formatting shared by charts and tables. A null value (or an unset figure) formats as an em dash.
std::string fixed(const Json& v, int digits);
std::string fixed(double v, int digits);
std::string fixed(const std::optional<double>& v, int digits);
std::string ms(const Json& us, int digits);  // a latency in microseconds, shown in milliseconds
std::string ms(double us, int digits);
std::string ms(const std::optional<double>& us, int digits);
std::string si(const Json& v, int significant = 3);  // 4.62 M, 530 M, 74.0 G
std::string si(double v, int significant = 3);
std::string si(const std::optional<double>& v, int significant = 3);
std::string plain(const Json& v);  // strings as they are, numbers in shortest form
// The accuracy model's top-1 interval level as printed ("80 %"), or "no" when it has none.
std::string interval_level_text(const Results& results);
// The accuracy model's interval half width ("2.00 pp", or "(0.63 + 1.04 x support distance) pp").
std::string interval_width_text(const results::AccuracyInterval& interval);
// Where the accuracy model's support stops in MACs and params ("" when the results do not say).
std::string accuracy_range_text(const Results& results);

}  // namespace cpx::reports
