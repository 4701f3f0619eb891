#include "profiler/profile/igemm_work.hpp"

#include <algorithm>

namespace cpx::profiler {

std::vector<IgemmBlock> igemm_reduction_blocks(int64_t taps, int64_t channels, int64_t panel) {
  const int64_t rows_per_block = std::max<int64_t>(16, igemm_block_bytes / (panel * 4));
  std::vector<IgemmBlock> blocks;
  if (channels <= rows_per_block) {
    const int64_t taps_per_block = std::max<int64_t>(1, rows_per_block / channels);
    for (int64_t t = 0; t < taps; t += taps_per_block)
      blocks.push_back({t, std::min(taps_per_block, taps - t), 0, channels});
  } else {
    const int64_t parts = (channels + rows_per_block - 1) / rows_per_block;
    const int64_t per_part = (channels + parts - 1) / parts;
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t c0 = 0; c0 < channels; c0 += per_part)
        blocks.push_back({t, 1, c0, std::min(per_part, channels - c0)});
  }
  return blocks;
}

double igemm_computed_share(const Conv2d& c, const ShapeNhwc& in, const ShapeNhwc& out, int64_t panel) {
  const int64_t kw = c.kernel[1], taps = c.kernel[0] * kw, channels = in.c / c.groups;
  const int64_t pixels = out.n * out.h * out.w;
  if (pixels <= 0 || taps <= 0 || channels <= 0) return 1.0;
  const std::vector<IgemmBlock> blocks = igemm_reduction_blocks(taps, channels, panel);
  // Whether tap t reads an input pixel for output pixel p (batch-major, then rows, then columns, as the tiles).
  auto inside = [&](int64_t p, int64_t t) {
    const int64_t oy = p / out.w % out.h, ox = p % out.w;
    const int64_t iy = oy * c.stride[0] - c.padding.top + t / kw * c.dilation[0];
    const int64_t ix = ox * c.stride[1] - c.padding.left + t % kw * c.dilation[1];
    return iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
  };
  double computed = 0;
  for (int64_t p0 = 0; p0 < pixels; p0 += igemm_tile_pixels) {
    const int64_t rows = std::min(igemm_tile_pixels, pixels - p0);
    for (const IgemmBlock& b : blocks) {
      const LiveTaps live = live_taps(b.taps, [&](int64_t t) {
        for (int64_t r = 0; r < rows; ++r)
          if (inside(p0 + r, b.tap0 + t)) return true;
        return false;
      });
      computed += static_cast<double>(live.taps * rows * b.channels);
    }
  }
  return computed / (static_cast<double>(pixels) * static_cast<double>(taps) * static_cast<double>(channels));
}

}  // namespace cpx::profiler
