// The compact "macro" form of a network: a stem, stages (width, an optional downsampling block, and
// `depth` repeated blocks) and a head. JSON schema "cpubone-explore/macro/v1". CPUBone's configs are
// points of this form, and so are the explorer's candidates.
#pragma once

#include <optional>

#include "space/blocks.hpp"

namespace cpx {

inline constexpr std::string_view macro_schema = "cpubone-explore/macro/v1";
inline constexpr FileVersion macro_version{macro_schema,
                                           "the main job, `cpubone-explore` (its pareto/ and matched/ folders)"};

struct Stem {
  int64_t width = 16;
  int64_t kernel = 3;
  int64_t stride = 2;
  Activation activation = Activation::hardswish;
};

struct Stage {
  int64_t width = 0;
  std::optional<BlockSpec> down;  // stride-2 block from the previous width; none keeps width and size
  int64_t down_stride = 2;
  std::optional<BlockSpec> block;  // repeated `depth` times with a residual
  int64_t depth = 0;
};

// CPUBone head: 1x1 conv to widths[0] (BN, act), global average pool, linear to widths[1] (no bias),
// LayerNorm, act, linear to num_classes (bias).
struct Head {
  std::array<int64_t, 2> widths{1536, 1600};
  Activation activation = Activation::hardswish;
};

struct Macro {
  std::string name;
  std::string family;
  int64_t resolution = 224;
  int64_t in_channels = 3;
  int64_t batch = 1;
  int64_t num_classes = 1000;
  Stem stem;
  std::vector<Stage> stages;
  Head head;
};

Macro read_macro(const Json& j, const std::string& file);
Json to_json(const Macro& m);

// Expands to ops. Errors name the macro field responsible, e.g. "stages[2].block.groups".
// `file` names the source in those errors.
Network expand(const Macro& m, const std::string& file);

// The stem conv and the head, as expand() appends them; each returns its output tensor. They exist on their
// own so that a network can also be evaluated unit by unit (stem, blocks, head), as the explorer does.
std::string expand_stem(NetworkBuilder& b, const Macro& m, const std::string& x);
std::string expand_head(NetworkBuilder& b, const Macro& m, const Where& top, std::string x);

}  // namespace cpx
