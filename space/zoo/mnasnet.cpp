// MnasNet-A1 (Tan et al., CVPR 2019, arXiv 1807.11626) as timm builds it (huggingface/pytorch-image-models,
// timm/models/efficientnet.py: _gen_mnasnet_a1 / mnasnet_a1, blocks in _efficientnet_blocks.py), which
// follows the TF reference (tensorflow/tpu, models/official/mnasnet/mnasnet_models.py: mnasnet_a1). A
// 3x3/s2 stem to 32; a depthwise-separable block to 16 without residual; inverted residuals (1x1 expand,
// kxk depthwise, optional squeeze-excite, linear 1x1 project; residual at stride 1 and equal width);
// 1x1 head conv to 1280, global average pool, 1280 -> 1000 classifier with bias. ReLU throughout, SE
// with ReLU and a sigmoid gate, squeezing to round(0.25 x the block's input width). Every conv except the
// SE ones has no bias and folds its BatchNorm. Symmetric padding (k-1)/2, as timm pads (TF pads "SAME",
// same cost). No substitutions. Not torchvision's mnasnet1_0, which is the SE-free B1.
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mnasnet_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
};

constexpr Config configs[] = {
    {"mnasnet-a1", "MNASNet-A1",
     "MnasNet-A1 1.0 (timm mnasnet_a1 / TF mnasnet_models.py mnasnet_a1): inverted residuals with SE in "
     "three stages, ReLU, symmetric padding"},
};

// timm's arch_def: {expansion, kernel, stride, width, blocks, SE}; stage 1 is the depthwise-separable block.
struct Stage {
  int64_t expansion, kernel, stride, width, blocks;
  bool se;
};
constexpr Stage stages[] = {{1, 3, 1, 16, 1, false}, {6, 3, 2, 24, 2, false}, {3, 5, 2, 40, 3, true},
                            {6, 3, 2, 80, 4, false}, {6, 3, 1, 112, 2, true}, {6, 5, 2, 160, 3, true},
                            {6, 3, 1, 320, 1, false}};

Network build_mnasnet(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MNASNet", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  constexpr Activation act = Activation::relu;
  std::string x = b.add("stem", {std::string(input_tensor)}, same_conv(32, 3, 2, 1, false, true, act));
  for (size_t s = 0; s < std::size(stages); ++s) {
    const Stage& st = stages[s];
    for (int64_t i = 0; i < st.blocks; ++i) {
      const int64_t in = b.shape(x).c;
      InvertedResidual r;
      r.expanded = in * st.expansion;
      r.out = st.width;
      r.kernel = st.kernel;
      r.stride = i == 0 ? st.stride : 1;
      r.activation = act;
      // timm: rd_ratio 0.25 / expansion of the expanded width, i.e. a quarter of the input width.
      if (st.se) r.se_squeeze = std::max<int64_t>(1, in / 4);
      r.se_activation = act;
      r.se_gate = Activation::sigmoid;
      x = inverted_residual(b, x, "stage" + std::to_string(s + 1) + ".block" + std::to_string(i), r);
    }
  }
  x = b.add("head.conv", {x}, same_conv(1280, 1, 1, 1, false, true, act));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mnasnet_family

void add_mnasnet(std::vector<ZooEntry>& out) {
  using namespace mnasnet_family;
  add_entries(out, configs, "MNASNet", 224, build_mnasnet);
}

}  // namespace cpx::zoo_families
