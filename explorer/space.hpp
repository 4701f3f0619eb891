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

namespace cpx::explorer {

inline constexpr std::string_view space_schema = "cpubone-explore/search-space/v1";

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
struct Dimension {
  std::string name;
  std::vector<Json> values;  // allowed values, in the order the space file lists them
};

using Genome = std::vector<uint16_t>;  // one index into Dimension::values per dimension

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

  // Short human-readable description: "w 16-32-64-128-256 b 0-0-0-3-4 fu k3 g2 ..."
  std::string summary(const Genome& g) const;

 private:
  std::string name_ = "default";
  std::vector<Dimension> dims_;  // always every known dimension, in decoding order
  std::vector<size_t> stem_genes_, head_genes_;
  std::array<std::vector<size_t>, 5> down_genes_, block_genes_;
  void index_genes();
};

}  // namespace cpx::explorer
