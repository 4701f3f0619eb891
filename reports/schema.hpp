// The results JSON contract: the field table (space/results_schema.hpp) checked, measured against a file and
// written out as reports/results-schema.md.
#pragma once

#include <string>

#include "space/error.hpp"
#include "space/results.hpp"
#include "space/results_schema.hpp"

namespace cpx::reports {

// The check and the coverage live beside the field table in space/ (the document's reader runs the check).
using cpx::schema_coverage;
using cpx::SchemaCoverage;
using cpx::validate_results;

// reports/results-schema.md: the table as Markdown, one section per top-level field.
std::string results_schema_markdown();

}  // namespace cpx::reports
