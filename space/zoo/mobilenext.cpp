// MobileNeXt x1.0 and x1.4 (Zhou et al., "Rethinking Bottleneck Structure for Efficient Mobile Network
// Design", ECCV 2020, arXiv 2007.02269) as the official code builds them: yitu-opensource/MobileNeXt,
// mobilenext/codebase/models/mnext.py (MXNet, SGBlock); zhoudaquan/rethinking_bottleneck_design is adapted
// from that repo. Stem 3x3/s2 + BN + ReLU6, 20 sandglass blocks (t, c, n, s: 2-96-1-2, 6-144-1-1,
// 6-192-3-2, 6-288-3-2, 6-384-4-1, 6-576-4-2, 6-960-3-1, 6-1280-1-1; widths make_divisible(c·w, 8)),
// average pool, dropout (nothing at inference), linear; no 1x1 head conv: the last block outputs 1280·w.
// A sandglass block (inp -> oup, stride s, reduction t): dw 3x3/s1 + BN + ReLU6; 1x1 inp -> hidden + BN
// (linear); 1x1 hidden -> oup + BN + ReLU6; dw 3x3/s + BN (linear); identity added when inp = oup.
// hidden = inp // t, raised to make_divisible(ceil(oup/6), 16) when below oup/6. SGBlock drops the dw
// convs where the width changes: the first dw exists only if t = 2, inp = oup or keep_3x3, the second
// also when s = 2, so the first block of the 384 and 960 stages is just the two 1x1 convs and the
// stride-2 t = 6 blocks start with the 1x1 pair. keep_3x3 marks the single-block stride-1 stages (144,
// 1280). The code's partial identity (identity_div: shortcut on the first C/div channels, the paper's
// identity tensor multiplier) is fixed at div = 1, the full identity, which is what is built here.
// No substitutions.
#include <algorithm>
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mobilenext_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* label;
  double width;
};

constexpr Config configs[] = {
    {"mobilenext-1.0", "MobileNeXt-x1.0", "x1.0", 1.0},
    {"mobilenext-1.4", "MobileNeXt-x1.4", "x1.4", 1.4},
};

std::string description_of(const Config& c) {
  return std::string("MobileNeXt ") + c.label +
         " (official mnext.py): sandglass blocks dw-pw(linear)-pw-dw(linear), full identity shortcut "
         "(the code's identity_div = 1)";
}

std::string sandglass(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t oup, int64_t stride,
                      int64_t t, bool keep_3x3) {
  const int64_t inp = b.shape(x).c;
  int64_t hidden = inp / t;
  if (static_cast<double>(hidden) < static_cast<double>(oup) / 6.0)
    hidden = make_divisible(std::ceil(static_cast<double>(oup) / 6.0), 16);
  const bool first_dw = t == 2 || inp == oup || keep_3x3;
  std::string h = x;
  if (first_dw) h = b.add(p + ".dw1", {h}, same_conv(inp, 3, 1, inp, false, true, Activation::relu6));
  h = b.add(p + ".reduce", {h}, same_conv(hidden, 1, 1, 1, false, true, Activation::none));
  h = b.add(p + ".expand", {h}, same_conv(oup, 1, 1, 1, false, true, Activation::relu6));
  if (first_dw || stride == 2)
    h = b.add(p + ".dw2", {h}, same_conv(oup, 3, stride, oup, false, true, Activation::none));
  if (stride == 1 && inp == oup) h = b.add(p + ".add", {x, h}, Add{});
  return h;
}

Network build_mobilenext(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MobileNeXt", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  struct Setting {
    int64_t t, c, n, s;
  };
  const Setting settings[] = {{2, 96, 1, 2},  {6, 144, 1, 1}, {6, 192, 3, 2}, {6, 288, 3, 2},
                              {6, 384, 4, 1}, {6, 576, 4, 2}, {6, 960, 3, 1}, {6, 1280, 1, 1}};
  std::string x = b.add("stem", {std::string(input_tensor)},
                        same_conv(make_divisible(32 * cfg.width, 8), 3, 2, 1, false, true, Activation::relu6));
  int64_t block = 0;
  for (const Setting& st : settings) {
    const int64_t out = make_divisible(static_cast<double>(st.c) * cfg.width, 8);
    for (int64_t i = 0; i < st.n; ++i)
      x = sandglass(b, x, "block" + std::to_string(block++), out, i == 0 ? st.s : 1, st.t,
                    st.n == 1 && st.s == 1 && i == 0);
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mobilenext_family

void add_mobilenext(std::vector<ZooEntry>& out) {
  using namespace mobilenext_family;
  add_entries(out, configs, "MobileNeXt", 224, build_mobilenext);
}

}  // namespace cpx::zoo_families
