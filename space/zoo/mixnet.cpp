// MixNet-S (MixConv, Tan & Le, BMVC 2019, arXiv 1907.09595) as timm builds mixnet_s
// (huggingface/pytorch-image-models, timm/models/efficientnet.py _gen_mixnet_s, with the blocks of
// timm/models/_efficientnet_blocks.py and MixedConv2d of timm/layers/mixed_conv2d.py). Stem 3x3/s2 to 16,
// one depthwise-separable block, fifteen inverted residuals, a 1x1 head to 1536, average pool, linear.
// A mixed depthwise conv splits its channels into one group per kernel (3, 5, 7, ...; timm's
// _split_channels: equal parts, the remainder to the first) with symmetric (k-1)/2 padding and
// concatenates the results: here a Slice per group, a depthwise conv each and a Concat (exact, no cost).
// The arch string's a1.1 / p1.1 make the expansion / projection 1x1 convs two-way mixed convs, i.e.
// block-diagonal: a grouped conv when the channel split is even, which it is everywhere in MixNet-S.
// SE (on the expanded width, squeeze = round(in·se_ratio), bias on both 1x1, the block's activation,
// sigmoid gate); ReLU in the stem, the first two stages and the head, Swish (SiLU) from stage 2.
// Every conv is bias-free with a BatchNorm, folded here. No substitutions.
#include <cmath>
#include <vector>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mixnet_family {
namespace {

constexpr Activation RE = Activation::relu, SW = Activation::silu;

// One arch-string entry of _gen_mixnet_s: repeats, depthwise kernels (one per channel group), groups of
// the expansion (a) and projection (p) 1x1 convs, stride, expansion, output width, SE ratio, activation.
struct Row {
  int64_t repeats;
  std::vector<int64_t> kernels;
  int64_t exp_groups, pw_groups, stride;
  int64_t expansion, out;
  double se;
  Activation act;
};

const std::vector<std::vector<Row>>& stages() {
  static const std::vector<std::vector<Row>> s = {
      {},  // stage 0 is the depthwise-separable block
      {{1, {3}, 2, 2, 2, 6, 24, 0, RE}, {1, {3}, 2, 2, 1, 3, 24, 0, RE}},
      {{1, {3, 5, 7}, 1, 1, 2, 6, 40, 0.5, SW}, {3, {3, 5}, 2, 2, 1, 6, 40, 0.5, SW}},
      {{1, {3, 5, 7}, 1, 2, 2, 6, 80, 0.25, SW}, {2, {3, 5}, 1, 2, 1, 6, 80, 0.25, SW}},
      {{1, {3, 5, 7}, 2, 2, 1, 6, 120, 0.5, SW}, {2, {3, 5, 7, 9}, 2, 2, 1, 3, 120, 0.5, SW}},
      {{1, {3, 5, 7, 9, 11}, 1, 1, 2, 6, 200, 0.5, SW}, {2, {3, 5, 7, 9}, 1, 2, 1, 6, 200, 0.5, SW}},
  };
  return s;
}

// timm's _split_channels: n equal parts, the remainder added to the first.
std::vector<int64_t> split_channels(int64_t channels, int64_t n) {
  std::vector<int64_t> parts(static_cast<size_t>(n), channels / n);
  parts[0] += channels - channels / n * n;
  return parts;
}

bool even(const std::vector<int64_t>& parts) { return parts.front() == parts.back(); }

// A 1x1 MixedConv2d with `groups` parts + folded BN + act: block-diagonal, so one grouped conv when both
// splits are even, else slice, conv and concat per part.
std::string mixed_pointwise(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t out, int64_t groups,
                            Activation act) {
  const std::vector<int64_t> in_parts = split_channels(b.shape(x).c, groups), out_parts = split_channels(out, groups);
  if (groups == 1 || (even(in_parts) && even(out_parts)))
    return b.add(p, {x}, same_conv(out, 1, 1, groups, false, true, act));
  std::vector<std::string> outs;
  int64_t begin = 0;
  for (size_t g = 0; g < in_parts.size(); ++g) {
    const std::string q = p + ".g" + std::to_string(g);
    const std::string part = b.add(q + ".split", {x}, Slice{begin, begin + in_parts[g]});
    outs.push_back(b.add(q, {part}, same_conv(out_parts[g], 1, 1, 1, false, true, act)));
    begin += in_parts[g];
  }
  return b.add(p + ".concat", outs, Concat{});
}

// A depthwise MixedConv2d + folded BN + act: one kernel per channel group.
std::string mixed_depthwise(NetworkBuilder& b, const std::string& x, const std::string& p,
                            const std::vector<int64_t>& kernels, int64_t stride, Activation act) {
  const int64_t c = b.shape(x).c;
  if (kernels.size() == 1) return b.add(p, {x}, same_conv(c, kernels[0], stride, c, false, true, act));
  const std::vector<int64_t> parts = split_channels(c, static_cast<int64_t>(kernels.size()));
  std::vector<std::string> outs;
  int64_t begin = 0;
  for (size_t g = 0; g < kernels.size(); ++g) {
    const std::string q = p + ".k" + std::to_string(kernels[g]);
    const std::string part = b.add(q + ".split", {x}, Slice{begin, begin + parts[g]});
    outs.push_back(b.add(q, {part}, same_conv(parts[g], kernels[g], stride, parts[g], false, true, act)));
    begin += parts[g];
  }
  return b.add(p + ".concat", outs, Concat{});
}

std::string mixnet_block(NetworkBuilder& b, const std::string& x, const std::string& p, const Row& r, int64_t stride) {
  const int64_t in = b.shape(x).c;
  const int64_t mid = in * r.expansion;
  std::string h = mixed_pointwise(b, x, p + ".expand", mid, r.exp_groups, r.act);
  h = mixed_depthwise(b, h, p + ".dw", r.kernels, stride, r.act);
  if (r.se > 0) {
    // timm sizes the squeeze from the block input: round(mid · se / expansion).
    const auto squeeze =
        static_cast<int64_t>(std::nearbyint(static_cast<double>(mid) * (r.se / static_cast<double>(r.expansion))));
    h = squeeze_excite(b, h, p + ".se", squeeze, r.act, Activation::sigmoid);
  }
  h = mixed_pointwise(b, h, p + ".project", r.out, r.pw_groups, Activation::none);
  if (stride == 1 && in == r.out) h = b.add(p + ".add", {x, h}, Add{});
  return h;
}

struct Config {
  const char* name;
  const char* published_name;
};

constexpr Config configs[] = {{"mixnet-s", "MixNet-S"}};

std::string description_of(const Config& c) {
  return std::string(c.published_name) +
         ": timm mixnet_s; mixed depthwise kernels 3-11 as channel slices + concat, two-way mixed 1x1 convs as "
         "grouped convs, SE, ReLU then Swish stages";
}

Network build_mixnet(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MixNet", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("stem", {std::string(input_tensor)}, same_conv(16, 3, 2, 1, false, true, RE));
  {  // ds_r1_k3_s1_e1_c16: dw 3x3 + BN + ReLU, 1x1 + BN, identity shortcut
    const std::string h = b.add("stage0.block0.dw", {x}, same_conv(16, 3, 1, 16, false, true, RE));
    const std::string y = b.add("stage0.block0.project", {h}, same_conv(16, 1, 1, 1, false, true, Activation::none));
    x = b.add("stage0.block0.add", {x, y}, Add{});
  }
  for (size_t s = 1; s < stages().size(); ++s) {
    int64_t i = 0;
    for (const Row& r : stages()[s])
      for (int64_t k = 0; k < r.repeats; ++k, ++i)
        x = mixnet_block(b, x, "stage" + std::to_string(s) + ".block" + std::to_string(i), r, k == 0 ? r.stride : 1);
  }
  x = b.add("head.conv", {x}, same_conv(1536, 1, 1, 1, false, true, RE));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mixnet_family

void add_mixnet(std::vector<ZooEntry>& out) {
  using namespace mixnet_family;
  add_entries(out, configs, "MixNet", 224, build_mixnet);
}

}  // namespace cpx::zoo_families
