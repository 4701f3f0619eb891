#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace cpx::profiler {

// The grid's block variants of the CPUBone design study: plain, grouped, depthwise and pointwise convs,
// FasterNet's partial conv, and the (grouped) fused and unfused MBConv. A profile's configs name them as
// block_variant_names spells them; a new variant is a new enumerator, and every switch over them (the
// network it builds) fails to compile until it is handled.
enum class BlockVariant { conv, gconv, dwconv, pwconv, pconv, fumbconv, grfumbconv, mbconv, grmbconv, count_ };
inline constexpr std::array<std::string_view, static_cast<size_t>(BlockVariant::count_)> block_variant_names{
    "conv", "gconv", "dwconv", "pwconv", "pconv", "fumbconv", "grfumbconv", "mbconv", "grmbconv"};
inline std::string_view to_string(BlockVariant v) { return block_variant_names[static_cast<size_t>(v)]; }
// The variant `name` spells; nullopt for a name that is none.
inline std::optional<BlockVariant> block_variant_from_string(std::string_view name) {
  for (size_t i = 0; i < block_variant_names.size(); ++i)
    if (block_variant_names[i] == name) return static_cast<BlockVariant>(i);
  return std::nullopt;
}

}  // namespace cpx::profiler
