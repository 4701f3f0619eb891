// The executor's igemm (profiler/executor/kernels/igemm.cpp) against the naive reference: the shapes that reach
// it, every row count and width around its tiles, at every tile this CPU has (AVX-512 6x64, AVX2 6x16), its
// fused residual add, clamp and hardswish, dilated convs and taps that read only padding. The other kernels'
// sweeps are in test_executor.cpp.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>

#include "executor_testers.hpp"
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/vector.hpp"
#include "profiler/profile/fusion.hpp"
#include "profiler/profile/xnnpack_caps.hpp"
#include "space/blocks.hpp"

using namespace cpx;
using namespace cpx::profiler;
using namespace cpx::testing;

// On machines with AVX-512, or AVX2 with FMA, convs with two vectors of output channels per group (32 or 16;
// grouped ones on several threads from 8, profiler::IgemmRule) run on our igemm (profiler/executor/kernels/igemm.cpp),
// in the widest tile the CPU has: odd channel counts (masked last vector, partial last panel), several panels, groups,
// every padding side, and reductions long enough to be cut into blocks (accumulating through the output tile).
TEST_CASE("executor conv2d: igemm shapes: odd widths, panels, groups, paddings and blocked reductions") {
  struct Shape {
    int64_t cin, cout, groups;
  };
  const Shape shapes[] = {{3, 32, 1},  {5, 33, 1},   {16, 47, 1},  {7, 17, 1},   {64, 24, 1},
                          {24, 65, 1}, {17, 129, 1}, {40, 100, 2}, {64, 130, 2}, {96, 96, 3}};
  const std::array<int64_t, 2> images[] = {{7, 7}, {9, 14}};
  AlternateThreads threads;
  for (const Shape& sh : shapes)
    for (int64_t kernel : {1, 2, 3, 5})
      for (int64_t stride : {1, 2})
        for (const auto& [h, w] : images) {
          const int64_t p = kernel / 2;
          ConvTester()
              .input(h, w, sh.cin)
              .output_channels(sh.cout)
              .groups(sh.groups)
              .kernel(kernel)
              .stride(stride)
              .padding(Padding{p, kernel - 1 - p, kernel - 1 - p, p})
              .bias(kernel != 2)
              .threads(threads())
              .test();
        }
  // Fewer than 16 input channels take whole kernel rows as taps, copying rows that cross the padding:
  // ResNet's 7x7/2 stem, images narrower than the kernel (rows cut on both sides), rectangular kernels,
  // batch 2, a fused clamp.
  for (size_t n : thread_counts) {
    ConvTester().input(23, 21, 3).output_channels(64).kernel(7).stride(2).padding(3).bias(true).threads(n).test();
    ConvTester().batch(2).input(5, 4, 2).output_channels(40).kernel(7).padding(3).threads(n).test();
    ConvTester()
        .input(9, 3, 15)
        .output_channels(36)
        .kernel(3, 5)
        .padding(Padding{1, 1, 2, 2})
        .activation(Activation::relu6)
        .input_scale(4)
        .threads(n)
        .test();
    ConvTester().input(8, 11, 6).output_channels(48).kernel(5, 1).padding(Padding{2, 2, 0, 0}).threads(n).test();
  }
  // On several threads grouped convs take igemm from 8 output channels per group (XNNPACK splits them
  // by group): one masked vector per group, many groups, odd widths.
  for (size_t n : {size_t{2}, size_t{3}})
    for (const Shape& sh : {Shape{16, 40, 2}, Shape{64, 64, 8}, Shape{27, 36, 3}, Shape{48, 120, 4}})
      for (int64_t kernel : {1, 3})
        ConvTester()
            .input(9, 14, sh.cin)
            .output_channels(sh.cout)
            .groups(sh.groups)
            .kernel(kernel)
            .padding(kernel / 2)
            .stride(kernel == 3 ? 2 : 1)
            .bias(kernel == 1)
            .threads(n)
            .test();
  // Reductions past one 192 KiB weight block: 1000 channels of one tap (split within the tap), and 520
  // channels x 9 taps (one tap per block); with relu6 fused into the last block's store.
  for (size_t n : thread_counts) {
    ConvTester().input(5, 6, 1000).output_channels(70).kernel(1).activation(Activation::relu6).threads(n).test();
    ConvTester()
        .input(6, 5, 520)
        .output_channels(64)
        .kernel(3)
        .padding(1)
        .activation(Activation::relu)
        .threads(n)
        .test();
  }
}

namespace {

// input -> conv a (1x1, relu) -> conv b (no activation) -> add(a, b) -> relu6: igemm's fused epilogue
// (residual add, then clamp in the last store) where b runs on igemm.
class ResidualTester : public Tester<ResidualTester> {
 public:
  ResidualTester& input(int64_t h, int64_t w, int64_t c) {
    input_ = {1, h, w, c};
    return *this;
  }
  ResidualTester& channels(int64_t c) {
    channels_ = c;
    return *this;
  }
  ResidualTester& kernel(int64_t k) {
    kernel_ = k;
    return *this;
  }
  ResidualTester& groups(int64_t g) {
    groups_ = g;
    return *this;
  }
  ResidualTester& fully_connected(bool f) {
    fully_connected_ = f;
    return *this;
  }

  void test() const {
    NetworkBuilder nb("residual", "", input_, Where("test"));
    const std::string a = nb.add("a", {"input"}, same_conv(channels_, 1, 1, 1, true, false, Activation::relu));
    const std::string b =
        fully_connected_ ? nb.add("b", {a}, FullyConnected{channels_, true, false, Activation::none})
                         : nb.add("b", {a}, same_conv(channels_, kernel_, 1, groups_, true, false, Activation::none));
    const std::string sum = nb.add("add", {a, b}, Add{});
    const std::string y = nb.add("post", {sum}, ActivationOp{Activation::relu6});
    check(std::move(nb).finish(y));
  }

 private:
  ShapeNhwc input_{1, 5, 7, 8};
  int64_t channels_ = 40, kernel_ = 3, groups_ = 1;
  bool fully_connected_ = false;
};

}  // namespace

// Whichever igemm tile this CPU runs (AVX-512 6x64 or AVX2 6x16; XNNPACK elsewhere, against the same
// reference): every count of valid rows in a tile of 6 pixels (1-7 and 13 output pixels), output widths
// on both sides of the 8- and 16-float vectors and of the 16- and 64-column panels (the masked last
// vector), odd input widths, padding, stride 2, groups, the fused residual add and clamp, and fully
// connected layers of odd widths on few rows.
TEST_CASE(
    "executor igemm tile: every row count, widths around vectors and panels, stride 2, groups, fused residual and "
    "clamp, odd fully connected widths",
    "[igemm]") {
  AlternateThreads threads;
  for (int64_t pixels : {1, 2, 3, 4, 5, 6, 7, 13})
    for (int64_t cout : {32, 33, 39, 47, 48, 65, 72})
      for (int64_t cin : {3, 17, 31}) {
        ConvTester()
            .input(1, pixels, cin)
            .output_channels(cout)
            .kernel(1)
            .bias(cout % 2 == 1)
            .input_scale(2)
            .threads(threads())
            .test();
        ConvTester()
            .input(pixels, 2, cin)
            .output_channels(cout)
            .kernel(3)
            .padding(1)
            .stride(pixels % 2 + 1)
            .activation(cin == 17 ? Activation::relu6 : Activation::none)
            .input_scale(4)
            .threads(threads())
            .test();
      }
  for (int64_t cout : {34, 46, 80, 129})
    for (int64_t groups : {2, 3})
      ConvTester()
          .input(7, 5, 6 * groups)
          .output_channels(cout * groups)
          .groups(groups)
          .kernel(3)
          .padding(Padding{0, 1, 1, 0})
          .stride(2)
          .bias(true)
          .threads(threads())
          .test();
  for (size_t n : thread_counts) {
    for (int64_t c : {32, 37, 48, 72})
      for (int64_t k : {1, 3}) ResidualTester().input(5, 3, 9).channels(c).kernel(k).input_scale(4).threads(n).test();
    ResidualTester().input(6, 5, 16).channels(64).groups(2).input_scale(4).threads(n).test();  // 32 per group
    ResidualTester().input(1, 7, 5).channels(41).fully_connected(true).input_scale(4).threads(n).test();
    for (int64_t rows : {1, 2, 5, 7})
      for (const auto& [in, out] : {std::array<int64_t, 2>{23, 40}, {9, 33}, {100, 57}, {257, 1000}})
        OpTester().input({1, 1, rows, in}).threads(n).test(FullyConnected{out, rows % 2 == 1, false, Activation::none});
  }
  if (igemm_available()) {  // the label names the tile that ran
    NetworkBuilder b("conv", "", {1, 4, 4, 8}, Where("test"));
    Conv2d c;
    c.out_channels = 64;  // one whole panel of either tile
    const std::string y = b.add("op", {"input"}, c);
    const Network net = std::move(b).finish(y);
    const Plan plan(net, make_weights(net, 1));
    CHECK_THAT(plan.implementation(0).how, Catch::StartsWith("emulated: igemm " + igemm_tile() + " (ours"));
  }
}

TEST_CASE(
    "executor conv2d: dilated, as DeepLab's atrous convs: dense, grouped, depthwise, dilations 2 to 6, strides, odd "
    "images") {
  // igemm's widths (64 and 32 out) go to igemm, whose indirection takes the dilation; the rest to XNNPACK's
  // convolution (our depthwise loops take adjacent taps only): 4 per group, depthwise 3x3 and 7x7.
  AlternateThreads threads;
  for (int64_t d : {2, 3, 6})
    for (int64_t stride : {1, 2}) {
      ConvTester()
          .input(13, 17, 24)
          .output_channels(64)
          .kernel(3)
          .dilation(d)
          .padding(d)
          .stride(stride)
          .bias(true)
          .threads(threads())
          .test();
      ConvTester()
          .input(13, 17, 24)
          .output_channels(24)
          .groups(6)
          .kernel(3)
          .dilation(d)
          .padding(d)
          .stride(stride)
          .batch_norm(true)
          .activation(Activation::relu)
          .threads(threads())
          .test();
      ConvTester()
          .input(13, 17, 23)
          .depthwise()
          .kernel(3)
          .dilation(d)
          .padding(d)
          .stride(stride)
          .activation(Activation::hardswish)
          .input_scale(4)
          .threads(threads())
          .test();
    }
  // Rectangular dilations, uneven padding, a 7x7 depthwise, a channel multiplier, a batch of 2, a window
  // wider than the unpadded image (2·6 + 1 = 13 > 9).
  for (size_t n : thread_counts) {
    ConvTester().input(11, 14, 8).output_channels(16).kernel(3).dilation(2, 3).padding({2, 1, 3, 0}).threads(n).test();
    ConvTester().input(11, 14, 8).output_channels(32).kernel(3).dilation(2, 3).padding({2, 1, 3, 0}).threads(n).test();
    ConvTester()
        .batch(2)
        .input(10, 9, 40)
        .output_channels(96)
        .kernel(3)
        .dilation(4)
        .padding(4)
        .stride(2)
        .bias(true)
        .activation(Activation::hardswish)
        .threads(n)
        .test();
    ConvTester().input(15, 15, 16).depthwise().kernel(7).dilation(2).padding(6).bias(true).threads(n).test();
    ConvTester().input(9, 9, 5).depthwise(2).kernel(3).dilation(2).padding(2).threads(n).test();
    ConvTester()
        .batch(2)
        .input(9, 9, 12)
        .output_channels(12)
        .kernel(3)
        .dilation(6)
        .padding(6)
        .activation(Activation::silu)
        .threads(n)
        .test();
  }
}

TEST_CASE("executor: a dilated conv feeding a residual add computes the add, fused in igemm's store as undilated") {
  // Fusion plans a residual epilogue only for convs igemm runs; igemm runs dilated convs of its widths too, so
  // the residual is planned into its store and the reference says whether it was applied.
  auto aspp = [](int64_t dilation) {
    NetworkBuilder b("aspp", "", {1, 12, 12, 64}, Where("test"));
    Conv2d c;
    c.out_channels = 64, c.kernel = {3, 3}, c.dilation = {dilation, dilation}, c.bias = true;
    c.padding = {dilation, dilation, dilation, dilation};
    const std::string y = b.add("conv", {"input"}, c);
    const std::string sum = b.add("add", {y, "input"}, Add{});
    return std::move(b).finish(b.add("relu", {sum}, ActivationOp{Activation::relu}));
  };
  const profiler::IgemmRule every_conv{true, 1};
  for (size_t n : thread_counts) {
    CHECK(profiler::plan_fusions(aspp(1), every_conv, n).epilogue[0].residual_add);
    CHECK(profiler::plan_fusions(aspp(2), every_conv, n).epilogue[0].residual_add);
    ReferenceCheck check;
    check.threads = {n};
    check_against_reference(aspp(2), check);
  }
}

// Runs body(threads) at every level igemm has a tile for on this CPU (AVX-512, and AVX2 forced), then
// checks that the forced tile ran; the level is lifted again afterwards, also on a failure.
template <class Body>
void at_every_igemm_tile(Body&& body) {
  struct Restore {
    ~Restore() { profiler::limit_isa(profiler::detected_isa()); }
  } restore;
  for (profiler::Isa level : profiler::runnable_isas()) {
    if (level != profiler::Isa::avx2 && level != profiler::Isa::avx512) continue;
    profiler::limit_isa(level);
    CAPTURE(profiler::isa_name(level));
    profiler::clear_dispatched();
    AlternateThreads threads;
    body(threads);
    CHECK(profiler::dispatched(level));  // the forced tile ran
  }
}

// igemm's epilogue prefetch (the output rows for writing, from the first reduction block; the residual rows,
// in the last) at every tile this CPU has (AVX-512 6x64, and AVX2 6x16 forced): every row count around a
// 6-pixel tile, widths around both tiles' vectors and panels, and the fused residual after one reduction
// block and after several (3x3 over 400 channels: K = 3600 splits at either tile). A last tile of each row
// count (1-5 pixels, 11, and a 7x7 map's 49 = 8 x 6 + 1) runs a tile of exactly those rows, also across
// several reduction blocks, where its partial sums go through the output between blocks.
TEST_CASE(
    "executor igemm at every tile this CPU has: fused residual over row counts and widths, one and several reduction "
    "blocks",
    "[igemm]") {
  at_every_igemm_tile([](AlternateThreads& threads) {
    for (int64_t pixels : {1, 5, 6, 7, 13})
      for (int64_t c : {16, 33, 64, 72}) {
        ResidualTester().input(1, pixels, 9).channels(c).kernel(1).input_scale(4).threads(threads()).test();
        ResidualTester().input(pixels, 2, 9).channels(c).kernel(3).input_scale(4).threads(threads()).test();
      }
    ResidualTester().input(2, 3, 9).channels(400).kernel(3).threads(threads()).test();
    for (int64_t cout : {40, 130})
      ConvTester().input(3, 5, 400).output_channels(cout).kernel(3).padding(1).bias(true).threads(threads()).test();
    for (int64_t pixels : {1, 2, 3, 4, 11})
      ConvTester()
          .input(1, pixels, 400)
          .output_channels(72)
          .kernel(3)
          .padding(1)
          .activation(Activation::relu6)
          .input_scale(4)
          .threads(threads())
          .test();
    ConvTester().input(7, 7, 400).output_channels(40).kernel(3).padding(1).bias(true).threads(threads()).test();
  });
}

TEST_CASE(
    "executor igemm at every tile this CPU has: hardswish fused in the store over odd widths, 1-row last tiles, 1x1 "
    "maps, linears and several reduction blocks",
    "[igemm]") {
  at_every_igemm_tile([](AlternateThreads& threads) {
    // Pixels 1, 7 and 13 leave a last tile of one row; input_scale 4 spreads outputs over hardswish's
    // three pieces (below -3, between, above 3).
    for (int64_t pixels : {1, 5, 6, 7, 13})
      for (int64_t cout : {33, 47, 64, 65, 130})
        for (int64_t k : {1, 3})
          ConvTester()
              .input(pixels, 1, 17)
              .output_channels(cout)
              .kernel(k)
              .padding(k / 2)
              .bias(cout % 2 == 1)
              .activation(Activation::hardswish)
              .input_scale(4)
              .threads(threads())
              .test();
    for (int64_t cin : {3, 40, 257})  // 1x1 maps: squeeze-excite's and a classifier's one pixel
      ConvTester()
          .input(1, 1, cin)
          .output_channels(72)
          .kernel(1)
          .bias(true)
          .activation(Activation::hardswish)
          .input_scale(4)
          .threads(threads())
          .test();
    for (int64_t rows : {1, 2, 7})
      OpTester()
          .input({1, 1, rows, 61})
          .threads(threads())
          .test(FullyConnected{1000, true, false, Activation::hardswish});
    ConvTester()
        .input(3, 5, 400)
        .output_channels(40)
        .kernel(3)
        .padding(1)
        .activation(Activation::hardswish)
        .threads(threads())
        .test();  // several reduction blocks: hardswish in the last only
    NetworkBuilder b("conv", "", {1, 4, 4, 8}, Where("test"));
    Conv2d c;
    c.out_channels = 64;
    c.activation = Activation::hardswish;
    const std::string y = b.add("op", {"input"}, c);
    const Network net = std::move(b).finish(y);
    const Plan plan(net, make_weights(net, 1));
    CHECK_THAT(plan.implementation(0).how, Catch::EndsWith("fused in its store: + hardswish"));
  });
}

// Taps reading only padding are left out of a tile's reduction (igemm.cpp, live_taps), as DeepLabV3's ASPP
// needs (dilations 12-36 on a 33x33 map): here dilation 16 on 9x9 leaves only the centre tap; 24 and 800
// input channels give one block of all taps and blocks of one tap (a tile's first or last with no tap left,
// which must still start from the bias or store, the fused residual of a 1-row map included).
TEST_CASE(
    "executor igemm at every tile this CPU has: taps reading only padding are skipped, dilated past the map, over one "
    "and several reduction blocks",
    "[igemm]") {
  at_every_igemm_tile([](AlternateThreads& threads) {
    for (int64_t cin : {24, 800})
      for (int64_t d : {4, 8, 16}) {
        ConvTester()
            .input(9, 9, cin)
            .output_channels(40)
            .kernel(3)
            .dilation(d)
            .padding(d)
            .bias(true)
            .activation(Activation::relu)
            .threads(threads())
            .test();
        ConvTester()
            .batch(2)
            .input(7, 9, cin)
            .output_channels(72)
            .kernel(3)
            .dilation(d, 3)
            .padding(Padding{d, d, 3, 3})
            .stride(2)
            .activation(Activation::hardswish)
            .input_scale(4)
            .threads(threads())
            .test();
      }
    ResidualTester().input(1, 7, 9).channels(400).kernel(3).threads(threads()).test();
  });
}

TEST_CASE("executor igemm: the rule's panel is the tile's, as the predictor reads it for the taps igemm skips") {
  // predictor/features.cpp prices a dilated conv by igemm_computed_share, whose reduction blocks depend on the
  // panel; the rule carries it so that the predictor needs no executor.
  const std::string tile = igemm_tile();
  if (tile.empty()) return;  // no igemm on this CPU: nothing to hold
  const IgemmRule rule = igemm_rule();
  const int64_t v = rule.vector_floats();
  CHECK(tile.substr(tile.rfind('x') + 1) == std::to_string(rule.panel_max()));
  CHECK(rule.panel(24) == (24 + v - 1) / v * v);  // whole vectors: 32 with AVX-512, 24 with AVX2
  CHECK(rule.panel(1000) == rule.panel_max());
}

TEST_CASE(
    "executor conv2d: hardswish is a pass of its own exactly where kernel_fuses_hardswish says (the predictor's "
    "rule)") {
  // The host predictor prices no elementwise pass for a hardswish the conv's kernel applies in its store
  // (predictor/features.cpp); this holds it to the kernels the plan actually builds.
  struct Shape {
    int64_t in_c, out_c, groups, kernel;
  };
  for (const Shape& s : {Shape{16, 96, 1, 1},
                         {16, 24, 1, 1},
                         {24, 24, 24, 3},
                         {24, 24, 24, 2},
                         {32, 32, 2, 1},
                         {64, 64, 8, 3},
                         {32, 32, 8, 3},
                         {8, 48, 1, 3}})
    for (size_t threads : thread_counts) {
      NetworkBuilder b("conv", "", {1, 8, 8, s.in_c}, Where("test"));
      Conv2d c;
      c.out_channels = s.out_c;
      c.groups = s.groups;
      c.kernel = {s.kernel, s.kernel};
      c.padding = {s.kernel / 2, (s.kernel - 1) / 2, s.kernel / 2, (s.kernel - 1) / 2};
      c.activation = Activation::hardswish;
      const Network net = std::move(b).finish(b.add("op", {"input"}, c));
      const Plan plan(net, make_weights(net, 1), {threads});
      const std::string how = plan.implementation(0).how;
      INFO(how << " (" << threads << " threads)");
      CHECK((how.find("hardswish_nc_f32") == std::string::npos) ==
            profiler::kernel_fuses_hardswish(c, s.in_c, igemm_rule(), threads));
    }
}
