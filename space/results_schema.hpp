// The main job's results JSON, its version and its one field table (reports/results-schema.md is generated
// from it), and the version of the advice JSON. The explorer writes them and the report reads them; they are
// siblings, so they live in the one library both link.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "space/error.hpp"

namespace cpx {

// How to read a configuration's one-line summary (explorer::SearchSpace::summary, results' "summary"): printed by
// `space --explain`, next to the report's first table of configurations, and in the user guide.
inline constexpr std::string_view configuration_legend =
    "w: the 5 stages' widths (channels); b: blocks repeated per stage after its downsampling; sN:fu/mb/pc kK gG eE: "
    "stage N's repeated block (fused MBConv, MBConv, FasterNet PConv) with kernel K, groups G, expansion E; down kK gG "
    "eE: "
    "the stride-2 downsampling blocks (once when all stages agree, else per stage); sN:att/S or noatt kK gG eE/M: "
    "CPUBone "
    "stage N with attention at stride S (or none), its local block's kernel, groups and expansion, and the MLP's "
    "expansion M; "
    "fuse<C: local blocks are fused below C channels; head H: head width; rR: input resolution";

// v3: "dominating" proposals must earn it by the lower end of their top-1 interval (others are
// "promising_unproven"), and the capacity-matched tier. v2: every latency in microseconds (`_us`); v1 had
// milliseconds in most fields.
inline constexpr const char* results_schema = "cpubone-explore/results/v3";
inline constexpr FileVersion results_version{results_schema, "the main job, `cpubone-explore`"};

// What a results field holds: the report's check of its value (reports/schema.cpp) and the "type" column of
// reports/results-schema.md. An object's fields are the table's rows below it, all of them (the tests hold
// the explorer's output to that); an open object's keys are names (families, features) or another file's
// format, and the table does not list them.
enum class ResultsType {
  string,
  boolean,
  object,
  open_object,
  array,
  any,
  integer,
  count,
  number,
  nonneg,
  positive,
  top1,
  fraction,
  correlation,
  choice
};
// The words after "expected " in the report's error and in the documentation, one per ResultsType.
inline constexpr std::array<std::string_view, 15> results_type_expected{"a string",
                                                                        "true or false",
                                                                        "an object",
                                                                        "an object",
                                                                        "an array",
                                                                        "any value",
                                                                        "an integer >= 0",
                                                                        "an integer >= 1",
                                                                        "a finite number",
                                                                        "a number >= 0",
                                                                        "a number > 0",
                                                                        "a top-1 accuracy in [0, 100] %",
                                                                        "a fraction in [0, 1]",
                                                                        "a correlation in [-1, 1]",
                                                                        "one of"};
inline std::string_view expected_of(ResultsType t) { return results_type_expected[static_cast<size_t>(t)]; }

// One field of the results JSON: the one description the explorer's output, the report's check and the
// documentation share.
struct ResultsField {
  std::string_view path;  // "zoo[].macs": "." steps into an object, "[]" to every element of an array
  ResultsType type;
  bool nullable;          // null is allowed
  bool required;          // the report reads it and refuses a file without it; else it is checked when present
  std::string_view unit;  // "us", "MACs", "pp" (percentage points), "%", "MAC/s", ...; empty: none
  std::string_view meaning;
  std::string_view choices = {};  // ResultsType::choice: the allowed strings, "a|b|c"
};

// Every field of results v3, in the order the explorer writes them (space/results_fields.cpp).
std::span<const ResultsField> results_fields();

// `advise --json`: the advice on one network for one device (explorer/advise.hpp), which the report renders too.
inline constexpr const char* advice_schema = "cpubone-explore/advice/v1";
inline constexpr FileVersion advice_version{advice_schema, "`cpubone-explore advise --json`"};

}  // namespace cpx
