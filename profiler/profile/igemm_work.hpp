// What our igemm (profiler/executor/kernels/igemm.cpp) computes of a conv, stated once for the executor, which
// runs it, and the host predictor, which prices it. Free of the executor, as fusion.hpp is.
//
// igemm runs a conv as tiles of igemm_tile_pixels output pixels times reduction blocks of taps x input
// channels. Within a tile's block it leaves out the taps at either end that read only padding (their products
// are 0), so a padded conv's border tiles, and a dilated conv whose dilation reaches past the map, compute
// fewer products than its MACs count: DeepLabV3's ASPP convs at dilation 12, 24 and 36 on a 33x33 map compute
// 62%, 30% and 11% of them (docs/log/predictor.md, session 89).
#pragma once

#include <cstdint>
#include <vector>

#include "space/ops/conv2d.hpp"
#include "space/shape.hpp"

namespace cpx::profiler {

inline constexpr int64_t igemm_tile_pixels = 6;           // output pixels per register tile
inline constexpr int64_t igemm_block_bytes = 192 * 1024;  // one reduction block's weights: well inside a 1-2 MB L2

// A reduction block of a product over K = taps x channels: taps [tap0, tap0 + taps) and, within them,
// channels [c0, c0 + channels). Either several whole taps or part of one, so its packed rows are contiguous.
struct IgemmBlock {
  int64_t tap0, taps, c0, channels;
};

// The blocks of K = taps x channels for panels of `panel` columns: whole taps while their weights fit
// igemm_block_bytes, else parts of one tap.
std::vector<IgemmBlock> igemm_reduction_blocks(int64_t taps, int64_t channels, int64_t panel);

// The taps of a tile's block that read an input pixel in some valid row: `skip` taps from the block's first
// read only padding, then `taps` taps up to the last one that reads a pixel (0 when none does). `reads(t)`:
// whether the block's t-th tap reads a pixel in some row of the tile.
struct LiveTaps {
  int64_t skip, taps;
};
template <class Reads>
LiveTaps live_taps(int64_t taps, Reads reads) {
  int64_t first = 0, end = taps;
  while (first < end && !reads(first)) ++first;
  while (end > first && !reads(end - 1)) --end;
  return {first, end - first};
}

// The share of a conv's products (output pixels x taps x input channels per group) that igemm computes with
// panels of `panel` output columns (IgemmRule::panel_floats): 1 without padding.
double igemm_computed_share(const Conv2d& c, const ShapeNhwc& in, const ShapeNhwc& out, int64_t panel);

}  // namespace cpx::profiler
