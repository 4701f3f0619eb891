// FasterNet T0-L (CVPR 2023, arXiv 2303.03667) as Microsoft's code builds them from
// fasternet_{t0,t1,t2,s,m,l}.yaml (see shared spec fasternet.md): a 4x4/s4 embedding, four stages of
// PConv blocks separated by 2x2/s2 merging convs, and a pooled 1x1-conv + linear head. Every BN follows
// a conv and is folded into it; all convs are dense (groups 1).
// Table 5's ablations: T0 with ReLU, T2 with GELU, and T0 with LayerNorm in place of BatchNorm. The
// released code accepts only norm_layer 'BN', so the LN variant replaces each of its norm_layer uses
// (after the embedding conv, after each merging conv, after each block's first 1x1) by a LayerNorm over
// channels (eps 1e-5, weight and bias), which does not fold: the convs keep no bias and the block's
// activation becomes a standalone op after the norm. The paper does not say more; this is the reading.
// Table 5's "T0 r=1/4 (default)" row is not linked: it repeats T0's Table 3 measurement.
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace fasternet_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* published_alias;
  const char* description;
  int64_t embed_dim;
  std::array<int64_t, 4> depths;
  Activation activation;
  bool layer_norm = false;  // LayerNorm wherever the code's norm_layer (BN) sits
};

constexpr int64_t feature_dim = 1280;
constexpr int64_t classes = 1000;

constexpr Config configs[] = {
    {"fasternet-t0",
     "FasterNet-T0",
     nullptr,
     "FasterNet-T0 (fasternet_t0.yaml): embed 40, depths 1-2-8-2, GELU (erf)",
     40,
     {1, 2, 8, 2},
     Activation::gelu},
    {"fasternet-t1",
     "FasterNet-T1",
     nullptr,
     "FasterNet-T1 (fasternet_t1.yaml): embed 64, depths 1-2-8-2, GELU (erf)",
     64,
     {1, 2, 8, 2},
     Activation::gelu},
    {"fasternet-t2",
     "FasterNet-T2",
     nullptr,
     "FasterNet-T2 (fasternet_t2.yaml): embed 96, depths 1-2-8-2, ReLU",
     96,
     {1, 2, 8, 2},
     Activation::relu},
    {"fasternet-s",
     "FasterNet-S",
     nullptr,
     "FasterNet-S (fasternet_s.yaml): embed 128, depths 1-2-13-2, ReLU",
     128,
     {1, 2, 13, 2},
     Activation::relu},
    {"fasternet-m",
     "FasterNet-M",
     nullptr,
     "FasterNet-M (fasternet_m.yaml): embed 144, depths 3-4-18-3, ReLU",
     144,
     {3, 4, 18, 3},
     Activation::relu},
    {"fasternet-l",
     "FasterNet-L",
     nullptr,
     "FasterNet-L (fasternet_l.yaml): embed 192, depths 3-4-18-3, ReLU",
     192,
     {3, 4, 18, 3},
     Activation::relu},
    // Table 5's ablations: the same networks with the other activation, or LayerNorm in place of BN.
    {"fasternet-t0-ln",
     "FasterNet-T0 w/ LN",
     nullptr,
     "FasterNet-T0 with LayerNorm (over channels, not folded) in place of every BatchNorm: after the embedding, the "
     "merging convs and each block's first 1x1 (FasterNet Table 5 ablation; the released code has only BN, placement "
     "follows its norm_layer)",
     40,
     {1, 2, 8, 2},
     Activation::gelu,
     true},
    {"fasternet-t0-relu",
     "FasterNet-T0 w/ ReLU",
     nullptr,
     "FasterNet-T0 with ReLU in place of GELU (FasterNet Table 5 ablation)",
     40,
     {1, 2, 8, 2},
     Activation::relu},
    {"fasternet-t2-gelu",
     "FasterNet-T2 w/ GELU",
     nullptr,
     "FasterNet-T2 with GELU (erf) in place of ReLU (FasterNet Table 5 ablation)",
     96,
     {1, 2, 8, 2},
     Activation::gelu},
};

// A kxk/sk conv with no padding (the embedding and merging convs tile their input exactly), no bias, then
// BN (folded) or a LayerNorm op named "<name>.norm".
std::string patch_conv(NetworkBuilder& b, const std::string& name, const std::string& x, int64_t out_channels,
                       int64_t k, bool layer_norm) {
  Conv2d c;
  c.out_channels = out_channels;
  c.kernel = {k, k};
  c.stride = {k, k};
  c.batch_norm = !layer_norm;
  const std::string y = b.add(name, {x}, c);
  return layer_norm ? b.add(name + ".norm", {y}, LayerNorm{1e-5}) : y;
}

// FasterNet block at C: PConv (3x3 on the first C/4 channels), 1x1 C -> 2C + norm + act, 1x1 2C -> C, residual.
std::string fasternet_block(NetworkBuilder& b, const std::string& x, const std::string& p, Activation act,
                            bool layer_norm) {
  const int64_t c = b.shape(x).c;
  const std::string mixed = expand_block(b, PConv{3, 4}, x, p + ".pconv", c, 1, false);
  std::string h;
  if (layer_norm) {
    h = b.add(p + ".mlp.fc1", {mixed}, same_conv(2 * c, 1, 1, 1, false, false, Activation::none));
    h = b.add(p + ".mlp.norm", {h}, LayerNorm{1e-5});
    h = b.add(p + ".mlp.act", {h}, ActivationOp{act});
  } else {
    h = b.add(p + ".mlp.fc1", {mixed}, same_conv(2 * c, 1, 1, 1, false, true, act));
  }
  const std::string y = b.add(p + ".mlp.fc2", {h}, same_conv(c, 1, 1, 1, false, false, Activation::none));
  return b.add(p + ".add", {x, y}, Add{});
}

Network build_fasternet(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "FasterNet", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  const int64_t c = cfg.embed_dim;
  std::string x = patch_conv(b, "embed", std::string(input_tensor), c, 4, cfg.layer_norm);
  for (int s = 0; s < 4; ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) x = patch_conv(b, stage + ".merge", x, c << s, 2, cfg.layer_norm);
    for (int64_t i = 0; i < cfg.depths[s]; ++i)
      x = fasternet_block(b, x, stage + ".block" + std::to_string(i), cfg.activation, cfg.layer_norm);
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.conv", {x}, same_conv(feature_dim, 1, 1, 1, false, false, cfg.activation));
  x = b.add("head.fc", {x}, FullyConnected{classes, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace fasternet_family

void add_fasternet(std::vector<ZooEntry>& out) {
  using namespace fasternet_family;
  add_entries(out, configs, "FasterNet", 224, build_fasternet);
}

}  // namespace cpx::zoo_families
