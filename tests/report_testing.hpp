// What the report's tests share: the sample results, fresh output directories, and readers of what the
// report wrote (the chart specs embedded in report.html, data/*.csv).
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "processes.hpp"
#include "reports/report.hpp"
#include "space/io.hpp"

namespace cpx::test {

inline const Json& sample() {
  static const Json j = read_json_file(CPX_RESULTS_SAMPLE);
  return j;
}

inline Json sample_with(const std::function<void(Json&)>& edit) {
  Json j = sample();
  edit(j);
  return j;
}

// A fresh directory per call: ctest runs test cases in parallel processes.
inline std::filesystem::path fresh_dir(const std::string& tag) {
  static int calls = 0;
  std::filesystem::path d = std::filesystem::temp_directory_path() /
                            ("cpx_report_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++calls));
  std::filesystem::remove_all(d);
  return d;
}

inline std::string render_error(const Json& j) {
  try {
    reports::render(j, "results.json", fresh_dir("err"));
  } catch (const InputError& e) { return e.what(); }
  return "(no error)";
}

inline std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      out.push_back(std::filesystem::relative(e.path(), dir));
  std::sort(out.begin(), out.end());
  return out;
}

// The chart specs embedded in report.html.
inline Json specs_of(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"cpx-specs\">";
  const size_t a = html.find(open);
  REQUIRE(a != std::string::npos);
  const size_t b = html.find("</script>", a);
  return Json::parse(html.substr(a + open.size(), b - a - open.size()));
}

// One chart's Vega-Lite spec from report.html's specs, by its element id.
inline Json chart_spec(const Json& specs, const std::string& id) {
  for (const auto& c : specs)
    if (c["id"] == id) return c["spec"];
  FAIL("no chart " << id);
  return nullptr;
}

// "#b4b4b4" and the like: red, green and blue equal.
inline bool is_grey(const std::string& hex) {
  return hex.size() == 7 && hex.substr(1, 2) == hex.substr(3, 2) && hex.substr(3, 2) == hex.substr(5, 2);
}

// Rows of a CSV as column -> cell.
inline std::vector<std::map<std::string, std::string>> csv_rows(const std::filesystem::path& p) {
  const auto rows = parse_csv(slurp(p));
  REQUIRE(!rows.empty());
  std::vector<std::map<std::string, std::string>> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == rows[0].size());
    std::map<std::string, std::string> m;
    for (size_t c = 0; c < rows[0].size(); ++c) m[rows[0][c]] = rows[i][c];
    out.push_back(m);
  }
  return out;
}

// A CSV cell against the JSON value it was written from: numbers exactly (shortest round-trip form), null
// as an empty cell.
inline void check_cell(const std::string& cell, const Json& value, const std::string& what) {
  INFO(what << ": cell \"" << cell << "\" vs " << value.dump());
  if (value.is_null()) CHECK(cell.empty());
  else if (value.is_string()) CHECK(cell == value.get<std::string>());
  else if (value.is_boolean()) CHECK(cell == (value.get<bool>() ? "true" : "false"));
  else CHECK(std::stod(cell) == value.get<double>());
}

}  // namespace cpx::test
