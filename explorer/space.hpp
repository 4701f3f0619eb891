// The search space: CPUBone's macro design with every choice the explorer may change. A point of the
// space (a Genome: one index per dimension) decodes to a Macro, so candidates are ordinary networks that
// `count`, `measure` and `predict` accept. JSON schema "cpubone-explore/search-space/v1":
//   {"schema": ..., "name": "...", "dimensions": {"stages[3].local_groups": [1, 2], ...}}
// Dimensions left out keep their default values; unknown dimensions are errors.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "space/macro.hpp"
#include "space/macro_block.hpp"
#include "space/names.hpp"

namespace cpx::explorer {

inline constexpr std::string_view space_schema = "cpubone-explore/search-space/v1";
inline constexpr FileVersion space_version{space_schema, "`cpubone-explore space --json`"};

// Dimension names (5 stages; stage 0 runs at the stem's resolution, stages 1-4 start with a stride-2 fused
// downsampling block, stages 3-4 repeat CPUBone blocks):
//   resolution, head ([conv width, hidden width]), fused_threshold,
//   stages[i].width, stages[i].blocks (repeated blocks, not counting the downsampling block)      i = 0..4
//   stages[i].block ("fumbconv", "mbconv", "pconv"), .kernel, .groups, .expansion                  i = 0..2
//   stages[i].down_kernel, .down_groups, .down_expansion                                          i = 1..4
//   stages[i].attention (true/false), .attention_stride, .local_kernel, .local_groups,
//   .local_expansion, .mlp_expansion                                                              i = 3..4
// fumbconv and mbconv with groups 2 are the paper's GrFuMBConv and GrMBConv; "pconv" is the FasterNet
// block (partial conv on C/4 channels, then a 1x1 MLP with `expansion`; groups do not apply to it).
// All of it is one table, dimension_rows(): a new dimension is one row naming the field it sets, and its
// DimensionField below.

inline constexpr size_t stage_count = 5;

// What a dimension configures. The part decides which stages have it: this is the stage layout above,
// written once (in_part).
enum class Part {
  network,  // once: resolution, head, fused threshold
  stage,    // every stage: width, depth
  block,    // the repeated early block, stages 0-2
  down,     // the stride-2 fused downsampling block, stages 1-4
  cpubone,  // the repeated CPUBone block, stages 3-4
};
constexpr bool in_part(Part part, size_t stage) {
  switch (part) {
    case Part::network: return false;
    case Part::stage: return stage < stage_count;
    case Part::block: return stage <= 2;
    case Part::down: return stage >= 1 && stage < stage_count;
    case Part::cpubone: return stage >= 3 && stage < stage_count;
  }
  return false;
}

// The dimensions, one a row of dimension_rows() in its order (decoding order), and their names (a stage's
// dimension is "stages[i]." + the name).
enum class DimensionField {
  resolution,
  head,
  fused_threshold,
  width,
  blocks,
  block,
  kernel,
  groups,
  expansion,
  down_kernel,
  down_groups,
  down_expansion,
  attention,
  attention_stride,
  local_kernel,
  local_groups,
  local_expansion,
  mlp_expansion,
};
inline constexpr Names<DimensionField, 18> dimension_field_names{{
    {DimensionField::resolution, "resolution"},
    {DimensionField::head, "head"},
    {DimensionField::fused_threshold, "fused_threshold"},
    {DimensionField::width, "width"},
    {DimensionField::blocks, "blocks"},
    {DimensionField::block, "block"},
    {DimensionField::kernel, "kernel"},
    {DimensionField::groups, "groups"},
    {DimensionField::expansion, "expansion"},
    {DimensionField::down_kernel, "down_kernel"},
    {DimensionField::down_groups, "down_groups"},
    {DimensionField::down_expansion, "down_expansion"},
    {DimensionField::attention, "attention"},
    {DimensionField::attention_stride, "attention_stride"},
    {DimensionField::local_kernel, "local_kernel"},
    {DimensionField::local_groups, "local_groups"},
    {DimensionField::local_expansion, "local_expansion"},
    {DimensionField::mlp_expansion, "mlp_expansion"},
}};

enum class ValueKind { integer, number, boolean, block, pair };  // pair: [conv width, hidden width]

// When a stage's other choices leave a dimension's value without effect on the network.
enum class Moot {
  never,
  without_groups,     // the stage's block has no groups (pconv)
  without_attention,  // the stage's CPUBone block has attention off
};

// One dimension of the space: the field of the macro network it sets (read and written as JSON
// values), the range a space file may widen it to, and the default space's values.
struct DimensionRow {
  DimensionField field;  // named by dimension_field_names; a stage's dimension is "stages[i]." + the name
  Part part;
  ValueKind kind;  // follows from the field's type
  Json (*get)(const Macro& m, size_t stage);
  void (*set)(Macro& m, size_t stage, const Json& value);
  double lo = 0, hi = 0;     // range of integer and number values (pair: of both entries)
  std::vector<Json> values;  // default values: one list for every stage of the part, or one per stage
  bool capacity = false;     // fixed by the capacity-matched tier (it keeps the baseline's capacity)
  Moot moot = Moot::never;
};
// Every dimension, in decoding order (network rows, then each stage's rows in this order): row i sets
// DimensionField i.
const std::vector<DimensionRow>& dimension_rows();

struct Dimension {
  std::string name;
  std::vector<Json> values;  // allowed values, in the order the space file lists them
  const DimensionRow* row = nullptr;
  size_t stage = 0;  // for a stage's dimension
};

// Whether the value of `d` builds nothing in `m` (a point of the space): a stage's repeated-block
// choices at depth 0, or the row's Moot condition.
bool moot(const Dimension& d, const Macro& m);

using Genome = std::vector<uint16_t>;  // one index into Dimension::values per dimension

// A macro network as one row per stage: width, the downsampling block and the repeated block with every
// field, as `space --explain` prints it.
std::string explain(const Macro& m);

class SearchSpace {
 public:
  static SearchSpace defaults();
  // Reads a space file's JSON; `file` names it in errors.
  static SearchSpace from_json(const Json& j, const std::string& file);
  Json to_json() const;

  const std::vector<Dimension>& dimensions() const { return dims_; }
  const std::string& name() const { return name_; }
  double size() const;  // number of points (as a double: it overflows integers)

  Macro decode(const Genome& g, const std::string& name) const;
  // The genome of a macro network if every choice it makes is a value of this space; otherwise the
  // error says which dimension lacks which value.
  Genome encode(const Macro& m) const;

  Genome random(std::mt19937_64& rng) const;
  // Positions of the genes that decide each unit's ops, besides the unit's input shape (see Evaluator).
  const std::vector<size_t>& stem_genes() const { return stem_genes_; }
  const std::vector<size_t>& head_genes() const { return head_genes_; }
  const std::vector<size_t>& down_genes(size_t stage) const { return down_genes_[stage]; }
  const std::vector<size_t>& block_genes(size_t stage) const { return block_genes_[stage]; }

  // Short human-readable description: "w 16-32-64-128-256 b 0-0-0-3-4 fu k3 g2 ..." (configuration_legend,
  // space/results_schema.hpp).
  std::string summary(const Genome& g) const;

 private:
  std::string name_ = "default";
  std::vector<Dimension> dims_;  // always every known dimension, in decoding order
  std::vector<size_t> stem_genes_, head_genes_;
  std::array<std::vector<size_t>, stage_count> down_genes_, block_genes_;
  void index_genes();
};

}  // namespace cpx::explorer
