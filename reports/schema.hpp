// The results JSON contract (reports/results-schema.md) as a checkable shape.
#pragma once

#include <string>

#include "space/error.hpp"
#include "space/results_schema.hpp"

namespace cpx::reports {

// Throws InputError "<file>: <field path> = <value>: <reason>" for another schema version (the version gate,
// check_file_version: "regenerate it with the main job"), a missing field, a wrong type or an impossible
// value (negative latency, top-1 above 100 %). Fields the contract does not list are ignored, so a newer
// explorer may add some without breaking older reports.
void validate_results(const Json& results, const std::string& results_file);

}  // namespace cpx::reports
