// The results JSON contract: the field table (space/results_schema.hpp) checked, measured against a file and
// written out as reports/results-schema.md.
#pragma once

#include <set>
#include <string>

#include "space/error.hpp"
#include "space/results_schema.hpp"

namespace cpx::reports {

// Throws InputError "<file>: <field path> = <value>: <reason>" for another schema version (the version gate,
// check_file_version: "regenerate it with the main job"), a missing required field, a wrong type or an
// impossible value (negative latency, top-1 above 100 %). Fields the table does not list are ignored, so a
// newer explorer may add some without breaking older reports.
void validate_results(const Json& results, const std::string& results_file);

// The fields a results object holds, as table paths ("zoo[].macs"): those the table lists, and those it does
// not (inside objects whose fields it lists; an open object's keys are not fields).
struct SchemaCoverage {
  std::set<std::string> listed, unlisted;
};
SchemaCoverage schema_coverage(const Json& results);

// reports/results-schema.md: the table as Markdown, one section per top-level field.
std::string results_schema_markdown();

}  // namespace cpx::reports
