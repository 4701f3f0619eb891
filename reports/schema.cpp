#include "reports/schema.hpp"

#include <string>

namespace cpx::reports {

namespace {

// A table cell: no line breaks, and a "|" that does not end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string type_text(const ResultsField& f) {
  std::string t(expected_of(f.type));
  if (f.type == ResultsType::open_object) t += " (keys not listed)";
  if (f.type == ResultsType::choice) {
    std::string_view options = f.choices;
    const char* separator = " `";
    while (true) {
      const size_t bar = options.find('|');
      t += separator + std::string(options.substr(0, bar)) + "`";
      separator = ", `";
      if (bar == std::string_view::npos) break;
      options.remove_prefix(bar + 1);
    }
  }
  return t + (f.nullable ? ", or null" : "");
}

}  // namespace

std::string results_schema_markdown() {
  std::string md =
      std::string("# Results JSON: `") + results_schema + "`\n\n" +
      "<!-- Generated from space/results_fields.cpp by `cpubone-explore report --schema`; "
      "a test fails when the two differ. -->\n\n"
      "The explorer's main job writes `DIR/results.json`; `cpubone-explore report RESULTS.json` renders it.\n"
      "This file is the contract between the two, generated from the one field table both use: the job's\n"
      "output is tested against it field for field, and the report checks every file it reads against it.\n"
      "Every field is always written; a figure that does not exist for this device is `null` and is named in\n"
      "`missing`. A required field is one the report reads: a file without it is refused; the others are\n"
      "checked when present. Units are in the field names (`_us`, `_pp` = percentage points, `macps` =\n"
      "multiply-accumulates per second); every latency is in microseconds, the report shows milliseconds.\n"
      "A path's `[]` is every element of an array. v1 had most latencies in milliseconds (`_ms`); v2 counted\n"
      "a proposal as dominating at the point estimate of top-1 and had no capacity-matched tier; the report\n"
      "rejects both with a message that says so.\n";
  for (const ResultsField& f : results_fields()) {
    if (f.path.find_first_of(".[") == std::string_view::npos)
      md +=
          "\n## `" + std::string(f.path) + "`\n\n| field | type | unit | required | meaning |\n|---|---|---|---|---|\n";
    md += "| `" + cell(f.path) + "` | " + cell(type_text(f)) + " | " + cell(f.unit) + " | " +
          (f.required ? "yes" : "no") + " | " + cell(f.meaning) + " |\n";
  }
  return md;
}

}  // namespace cpx::reports
