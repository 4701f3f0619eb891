// The block kinds of the macro form: one per alternative of BlockSpec (space/blocks.hpp), in its order.
// A new kind is one enumerator, one row of macro_block_names and its struct in BlockSpec; every switch
// over MacroBlock and visit over BlockSpec then asks for it (-Wswitch, or the visit's overloads).
// The names are read only at the JSON edge (macro_block_from_string); everything else compares kinds.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "space/error.hpp"

namespace cpx {

enum class MacroBlock { fumbconv, mbconv, dsconv, cpubone, pconv };

struct MacroBlockNames {
  MacroBlock kind;
  std::string_view name;             // the macro JSON's "type"
  std::string_view grouped_name;     // the "type" that defaults groups to 2 ("" where the kind has no groups)
  std::string_view display;          // as the paper writes it
  std::string_view grouped_display;  // the grouped form as the paper writes it
  std::string_view abbreviation;     // in the explorer's one-line summaries
};

inline constexpr auto macro_block_names = std::to_array<MacroBlockNames>({
    {MacroBlock::fumbconv, "fumbconv", "grfumbconv", "FuMBConv", "GrFuMBConv", "fu"},
    {MacroBlock::mbconv, "mbconv", "grmbconv", "MBConv", "GrMBConv", "mb"},
    {MacroBlock::dsconv, "dsconv", "", "DSConv", "", "ds"},
    {MacroBlock::cpubone, "cpubone", "", "CPUBone", "", "cb"},
    {MacroBlock::pconv, "pconv", "", "PConv", "", "pc"},
});

// Rows are looked up by index: the table lists the kinds in their order.
constexpr bool macro_block_names_in_order() {
  for (size_t i = 0; i < macro_block_names.size(); ++i)
    if (static_cast<size_t>(macro_block_names[i].kind) != i) return false;
  return true;
}
static_assert(macro_block_names_in_order());

constexpr const MacroBlockNames& names_of(MacroBlock kind) { return macro_block_names[static_cast<size_t>(kind)]; }
constexpr std::string_view to_string(MacroBlock kind) { return names_of(kind).name; }
constexpr std::string_view to_string(MacroBlock kind, bool grouped) {
  return grouped ? names_of(kind).grouped_name : names_of(kind).name;
}
constexpr std::string_view display_name(MacroBlock kind, bool grouped) {
  return grouped ? names_of(kind).grouped_display : names_of(kind).display;
}

// Exactly the kinds with a "groups" field have a grouped spelling.
constexpr bool has_groups(MacroBlock kind) { return !names_of(kind).grouped_name.empty(); }

// A macro JSON "type": the kind, and whether it was the grouped spelling.
struct MacroBlockType {
  MacroBlock kind;
  bool grouped = false;
};

// The one lookup from a name; nullopt for a name that is no block type.
constexpr std::optional<MacroBlockType> macro_block_from_string(std::string_view name) {
  for (const MacroBlockNames& n : macro_block_names) {
    if (name == n.name) return MacroBlockType{n.kind, false};
    if (!n.grouped_name.empty() && name == n.grouped_name) return MacroBlockType{n.kind, true};
  }
  return std::nullopt;
}

// Every block type spelling, comma-separated, for error messages.
inline std::string macro_block_type_list() {
  std::string list;
  for (const MacroBlockNames& n : macro_block_names)
    for (std::string_view name : {n.name, n.grouped_name})
      if (!name.empty()) list += (list.empty() ? "" : ", ") + std::string(name);
  return list;
}

// A kind as a JSON value is its name; reading a name that is no kind (or a grouped spelling) throws:
// callers check values at the edge first (see SearchSpace::from_json).
inline void to_json(Json& j, MacroBlock kind) { j = to_string(kind); }
inline void from_json(const Json& j, MacroBlock& kind) {
  const auto type = j.is_string() ? macro_block_from_string(j.get<std::string>()) : std::nullopt;
  if (!type || type->grouped) throw std::invalid_argument("not a block kind: " + j.dump());
  kind = type->kind;
}

}  // namespace cpx
