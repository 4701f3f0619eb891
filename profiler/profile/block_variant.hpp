#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "space/macro_block.hpp"

namespace cpx::profiler {

// The grid's block variants of the CPUBone design study: plain, grouped, depthwise and pointwise convs,
// FasterNet's partial conv, and the (grouped) fused and unfused MBConv. A profile's configs name them as
// to_string spells them; a new variant is a new enumerator and a row, and every switch over them (the
// network it builds) fails to compile until it is handled.
enum class BlockVariant { conv, gconv, dwconv, pwconv, pconv, fumbconv, grfumbconv, mbconv, grmbconv, count_ };

// A variant that is a block of the macro form is that block kind (grouped or not) and takes its
// spelling; the plain convs are no block and have their own name.
struct BlockVariantRow {
  BlockVariant variant;
  std::string_view conv_name;       // the plain convs' name ("" for a block)
  std::optional<MacroBlock> block;  // the macro block kind it is
  bool grouped = false;
};

inline constexpr std::array<BlockVariantRow, static_cast<size_t>(BlockVariant::count_)> block_variants{{
    {BlockVariant::conv, "conv", std::nullopt},
    {BlockVariant::gconv, "gconv", std::nullopt},
    {BlockVariant::dwconv, "dwconv", std::nullopt},
    {BlockVariant::pwconv, "pwconv", std::nullopt},
    {BlockVariant::pconv, "", MacroBlock::pconv},
    {BlockVariant::fumbconv, "", MacroBlock::fumbconv},
    {BlockVariant::grfumbconv, "", MacroBlock::fumbconv, true},
    {BlockVariant::mbconv, "", MacroBlock::mbconv},
    {BlockVariant::grmbconv, "", MacroBlock::mbconv, true},
}};

constexpr bool block_variants_in_order() {
  for (size_t i = 0; i < block_variants.size(); ++i)
    if (static_cast<size_t>(block_variants[i].variant) != i) return false;
  return true;
}
static_assert(block_variants_in_order());

constexpr const BlockVariantRow& row_of(BlockVariant v) { return block_variants[static_cast<size_t>(v)]; }
constexpr std::string_view to_string(BlockVariant v) {
  const BlockVariantRow& r = row_of(v);
  return r.block ? to_string(*r.block, r.grouped) : r.conv_name;
}
// The variant `name` spells; nullopt for a name that is none.
constexpr std::optional<BlockVariant> block_variant_from_string(std::string_view name) {
  for (const BlockVariantRow& r : block_variants)
    if (to_string(r.variant) == name) return r.variant;
  return std::nullopt;
}

}  // namespace cpx::profiler
