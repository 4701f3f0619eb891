// The executor (Plan: XNNPACK and emulated kernels) against the naive reference, in the style of
// XNNPACK's own tests: a tester object per op kind with fluent setters, swept over odd shapes, every
// padding case, groups, strides, kernels, activations and thread counts; then every block type and
// whole CPUBone networks in test_executor_networks.cpp; igemm's tiles, fused epilogues and dilations in
// test_executor_igemm.cpp.
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

// ---------------------------------------------------------------------------------------------------
// conv2d

TEST_CASE("executor conv2d: kernels 1, 2, 3, 5, strides 1 and 2, every padding case, odd and even images") {
  struct Geometry {
    int64_t kernel;
    Padding padding;
  };
  // Padding {top, bottom, left, right}: none, symmetric, CPUBone's 2x2/s1 top-left {1, 0, 1, 0}, its
  // mirror, and lopsided mixes.
  const Geometry geometries[] = {
      {1, {}},           {2, {}},           {2, {1, 0, 1, 0}}, {2, {0, 1, 0, 1}}, {2, {1, 1, 1, 1}}, {3, {}},
      {3, {1, 1, 1, 1}}, {3, {1, 0, 1, 0}}, {3, {0, 2, 2, 0}}, {5, {}},           {5, {2, 2, 2, 2}}, {5, {1, 3, 0, 4}},
  };
  const std::array<int64_t, 2> images[] = {{7, 7}, {9, 14}, {15, 8}};
  const std::array<int64_t, 2> channels[] = {{3, 5}, {5, 23}, {23, 16}};  // in, out
  AlternateThreads threads;
  for (const auto& g : geometries)
    for (int64_t stride : {1, 2})
      for (const auto& [h, w] : images)
        for (const auto& [cin, cout] : channels)
          ConvTester()
              .input(h, w, cin)
              .output_channels(cout)
              .kernel(g.kernel)
              .padding(g.padding)
              .stride(stride)
              .bias(true)
              .threads(threads())
              .test();
}

TEST_CASE("executor conv2d: groups 1, 2, 4, 8 and depthwise") {
  AlternateThreads threads;
  for (int64_t groups : {1, 2, 4, 8})
    for (const auto& [cin, cout] : {std::array<int64_t, 2>{8, 16}, {24, 24}, {40, 8}})
      for (int64_t stride : {1, 2})
        for (int64_t kernel : {1, 2, 3})
          ConvTester()
              .input(9, 14, cin)
              .output_channels(cout)
              .groups(groups)
              .kernel(kernel)
              .padding(same_padding(kernel, stride))
              .stride(stride)
              .bias(true)
              .threads(threads())
              .test();

  for (int64_t c : {3, 5, 8, 12, 23, 16, 32, 64})  // 8 and 12: fewer than an AVX-512 vector
    for (int64_t stride : {1, 2})
      for (int64_t kernel : {2, 3, 5})
        ConvTester()
            .input(15, 14, c)
            .depthwise()
            .kernel(kernel)
            .padding(same_padding(kernel, stride))
            .stride(stride)
            .batch_norm(true)
            .threads(threads())
            .test();

  // Tap counts without an XNNPACK microkernel run as our loops (7x7 FastViT/EfficientMod, 1x5 and 5x1
  // GhostNetV2): channels around and across the vectors (16 lanes on AVX-512, 8 on AVX2), strides 1 and
  // 2, uneven padding.
  for (int64_t c : {3, 16, 23, 40})
    for (const auto& [kh, kw] : {std::array<int64_t, 2>{7, 7}, {1, 5}, {5, 1}, {2, 3}})
      for (int64_t stride : {1, 2})
        ConvTester()
            .input(11, 13, c)
            .depthwise()
            .kernel(kh, kw)
            .padding({kh / 2, (kh - 1) / 2, kw / 2, (kw - 1) / 2})
            .stride(stride)
            .bias(c % 2 == 1)
            .batch_norm(c == 16)
            .threads(threads())
            .test();
  for (Activation a : {Activation::relu6, Activation::gelu, Activation::hardswish})
    ConvTester()
        .input(9, 9, 24)
        .depthwise()
        .kernel(7)
        .padding(3)
        .activation(a)
        .input_scale(4)
        .threads(threads())
        .test();
  ConvTester().batch(2).input(8, 8, 17).depthwise().kernel(7).padding(3).stride(2).threads(threads()).test();

  // Channel multipliers (groups = Cin, Cout = m·Cin; FastViT's m = 2) run as our loops for m = 2-8 at any
  // tap count, XNNPACK's grouped GEMM above: output channels across and within the vectors (Cin 8 with
  // m 2 is one whole AVX-512 vector, two AVX2 ones), border and interior pixels, batch 2, a fused clamp.
  for (size_t n : thread_counts) ConvTester().input(9, 9, 5).depthwise(2).kernel(3).padding(1).threads(n).test();
  for (int64_t m : {2, 3, 4, 8, 9})
    for (int64_t c : {3, 8, 13, 24})
      for (const auto& [k, stride] : {std::array<int64_t, 2>{7, 2}, {3, 1}, {2, 2}})
        ConvTester()
            .batch(c == 13 ? 2 : 1)
            .input(12, 17, c)
            .depthwise(m)
            .kernel(k)
            .padding(k / 2)
            .stride(stride)
            .bias(c % 2 == 0)
            .activation(m == 3 ? Activation::relu6 : Activation::none)
            .input_scale(4)
            .threads(threads())
            .test();
}

TEST_CASE(
    "executor conv2d: 2 and 4 channels per group run as our loops, each output its group's inputs rotated in the "
    "vector") {
  // Channels across and within AVX-512's 16-lane vectors (8: half a vector, 24 a vector and a tail vector
  // that overlaps it, 136 many vectors; the level sweep below covers 4 and 8 lanes), border and interior
  // pixels, rectangular and even kernels, strides 1 and 2, batch 2, a fused clamp and an activation pass,
  // 1 to 3 threads.
  AlternateThreads threads;
  for (int64_t g : {2, 4})
    for (int64_t c : {8, 24, 64, 136})
      for (const auto& [kh, kw, stride] :
           {std::array<int64_t, 3>{3, 3, 1}, {3, 3, 2}, {2, 2, 2}, {1, 5, 1}, {7, 7, 1}, {1, 1, 1}}) {
        if (c % g != 0) continue;
        ConvTester()
            .batch(c == 24 ? 2 : 1)
            .input(11, 13, c)
            .output_channels(c)
            .groups(c / g)
            .kernel(kh, kw)
            .padding({kh / 2, (kh - 1) / 2, kw / 2, (kw - 1) / 2})
            .stride(stride)
            .bias(c != 64)
            .batch_norm(c == 64)
            .activation(kh == 3 && stride == 2 ? Activation::relu6
                        : kw == 5              ? Activation::silu
                                               : Activation::none)
            .input_scale(4)
            .threads(threads())
            .test();
      }
  // The routing: these shapes and only these (same channels in and out per group, 2, 4 or 8).
  CHECK(profiler::runs_grouped_loops(2, 2, 32));
  CHECK(profiler::runs_grouped_loops(4, 4, 2));
  CHECK_FALSE(profiler::runs_grouped_loops(8, 8, 2));    // seven rotations per tap: slower than igemm
  CHECK_FALSE(profiler::runs_grouped_loops(3, 3, 32));   // a group would straddle two vectors
  CHECK_FALSE(profiler::runs_grouped_loops(2, 4, 16));   // different in and out per group
  CHECK_FALSE(profiler::runs_grouped_loops(16, 16, 4));  // wide enough for a GEMM
  CHECK_FALSE(profiler::runs_grouped_loops(4, 4, 1));    // dense
  // The loops themselves refuse a grouped shape they were not written for, rather than run it as 4 per group.
  Conv2d three;
  three.out_channels = 12, three.kernel = {3, 3}, three.padding = {1, 1, 1, 1}, three.groups = 4;
  const Op op{"conv", {"input"}, three};
  std::vector<float> in(5 * 5 * 12), out(5 * 5 * 12);
  const profiler::OpWeights weights{std::vector<float>(12 * 9 * 3, 0.5f), {}};
  const profiler::KernelArgs args{op,
                                  {profiler::dense_view(in.data(), {1, 5, 5, 12})},
                                  profiler::dense_view(out.data(), {1, 5, 5, 12}),
                                  weights,
                                  nullptr};
  CHECK_THROWS_AS(profiler::make_depthwise_loops_kernel(three, args), profiler::Unsupported);
}

TEST_CASE("executor conv2d: every activation, with and without bias and batch norm") {
  for (Activation a : op_activations())
    for (bool bias : {false, true})
      for (bool bn : {false, true})
        for (size_t threads : thread_counts) {
          // Inputs in [-4, 4) so that outputs spread past hardswish's bends at ±3.
          ConvTester()
              .input(9, 7, 23)
              .output_channels(16)
              .kernel(3)
              .padding(1)
              .bias(bias)
              .batch_norm(bn)
              .activation(a)
              .input_scale(4)
              .threads(threads)
              .test();
          ConvTester()
              .input(8, 8, 16)
              .depthwise()
              .kernel(2)
              .padding({1, 0, 1, 0})
              .bias(bias)
              .batch_norm(bn)
              .activation(a)
              .input_scale(4)
              .threads(threads)
              .test();
        }
}

TEST_CASE("executor conv2d: rectangular kernels and strides, a batch of 2, a 1x1 image") {
  for (size_t threads : thread_counts) {
    ConvTester()
        .input(9, 14, 5)
        .output_channels(7)
        .kernel(1, 3)
        .padding({0, 0, 1, 1})
        .stride(1, 2)
        .threads(threads)
        .test();
    ConvTester()
        .input(9, 14, 5)
        .output_channels(7)
        .kernel(3, 1)
        .padding({1, 1, 0, 0})
        .stride(2, 1)
        .threads(threads)
        .test();
    ConvTester()
        .batch(2)
        .input(7, 9, 6)
        .output_channels(10)
        .kernel(3)
        .padding(1)
        .stride(2)
        .groups(2)
        .threads(threads)
        .test();
    ConvTester().batch(2).input(7, 9, 6).depthwise().kernel(3).padding(1).threads(threads).test();
    ConvTester().input(1, 1, 23).output_channels(5).kernel(1).bias(true).threads(threads).test();
    ConvTester().input(7, 7, 3).output_channels(16).kernel(1).stride(2).threads(threads).test();       // 1x1/s2
    ConvTester().input(14, 14, 256).output_channels(96).kernel(1).bias(true).threads(threads).test();  // large K
  }
}

// ---------------------------------------------------------------------------------------------------
// Other op kinds

TEST_CASE("executor fully_connected: on one pixel and on every pixel, every activation") {
  for (size_t threads : thread_counts) {
    for (Activation a : op_activations())
      OpTester().input({1, 1, 1, 23}).threads(threads).input_scale(4).test(FullyConnected{5, true, false, a});
    OpTester().input({1, 1, 1, 1536}).threads(threads).test(FullyConnected{1000, true, false, Activation::none});
    OpTester().input({1, 7, 9, 5}).threads(threads).test(FullyConnected{23, false, true, Activation::hardswish});
    OpTester().input({2, 1, 1, 16}).threads(threads).test(FullyConnected{3, false, false, Activation::none});
    // Input widths not a multiple of 4 with more than 16 outputs on few rows: this XNNPACK's fully
    // connected operator got every output after the 16th wrong at 2 threads (AMD EPYC, AVX2).
    OpTester().input({1, 1, 1, 23}).threads(threads).test(FullyConnected{40, true, false, Activation::none});
    OpTester().input({1, 2, 1, 101}).threads(threads).test(FullyConnected{1000, true, false, Activation::none});
    OpTester().input({1, 1, 1, 3}).threads(threads).test(FullyConnected{17, false, false, Activation::relu});
  }
}

TEST_CASE("executor matmul: attention's QK^T and AV on one shared QKV tensor, several heads") {
  struct Case {
    int64_t heads, head_dim, h, w;
  };
  for (const Case c : {Case{1, 8, 4, 4}, Case{2, 5, 7, 9}, Case{3, 1, 3, 5}, Case{4, 16, 2, 2}})
    for (size_t threads : thread_counts) {
      INFO("heads " << c.heads << ", head dim " << c.head_dim << ", " << c.h << "x" << c.w);
      const int64_t hd = c.head_dim, tokens = c.h * c.w;
      const double scale = 1 / std::sqrt(static_cast<double>(hd));
      // scores: per head, Q (offset 0) · Kᵀ (offset hd) over the fused [q k v] segment of each head.
      OpTester()
          .input({1, c.h, c.w, 3 * c.heads * hd})
          .shared_input()
          .threads(threads)
          .test(Matmul{c.heads, {0, hd}, {hd, hd}, true, scale});
      // AV: per head, probabilities (tokens columns) · V (offset 2·hd) of a separate QKV tensor.
      OpTester()
          .input({1, c.h, c.w, c.heads * tokens})
          .input({1, c.h, c.w, 3 * c.heads * hd})
          .threads(threads)
          .test(Matmul{c.heads, {0, tokens}, {2 * hd, hd}, false, 1.0});
    }
}

TEST_CASE("executor matmul: offsets, different token counts, batch 2, no transpose with a wide B") {
  for (size_t threads : thread_counts) {
    // Queries at 8x8, keys at 4x4 (as with downsampled keys); views in the middle of each head segment.
    OpTester().input({1, 8, 8, 12}).input({1, 4, 4, 10}).threads(threads).test(Matmul{2, {1, 3}, {2, 3}, true, 0.5});
    // A_i (6 tokens x 16) · B_i (16 tokens x 7, offset 1), 2 heads.
    OpTester().input({1, 2, 3, 40}).input({1, 4, 4, 18}).threads(threads).test(Matmul{2, {2, 16}, {1, 7}, false, 2.0});
    OpTester().input({2, 3, 3, 8}).shared_input().threads(threads).test(Matmul{2, {0, 2}, {2, 2}, true, 1.0});
    OpTester().input({2, 3, 3, 18}).input({2, 3, 3, 4}).threads(threads).test(Matmul{2, {0, 9}, {0, 2}, false, 1.0});
  }
}

// Our loops are built once per x86-64 level, 4, 8 and 16 floats per vector (vector.hpp), and a machine
// runs the highest it has; this runs the others it has too, against the same reference, with channel
// counts around each width (a tail vector overlapping the last whole one, fewer channels than a vector).
TEST_CASE("executor: our loops agree with the reference at every vector width this CPU has") {
  struct Restore {
    ~Restore() { profiler::limit_isa(profiler::detected_isa()); }
  } restore;
  for (profiler::Isa level : profiler::runnable_isas()) {
    profiler::limit_isa(level);
    CAPTURE(profiler::vector_width());
    REQUIRE(profiler::active_isa() == level);
    AlternateThreads threads;
    for (int64_t c : {3, 5, 9, 16, 23, 40})
      for (const auto& [kh, kw, stride] : {std::array<int64_t, 3>{7, 7, 1}, {7, 7, 2}, {1, 5, 1}})
        ConvTester()
            .input(11, 13, c)
            .depthwise()
            .kernel(kh, kw)
            .padding({kh / 2, (kh - 1) / 2, kw / 2, (kw - 1) / 2})
            .stride(stride)
            .bias(c % 2 == 1)
            .activation(c == 23 ? Activation::relu6 : Activation::none)
            .input_scale(4)
            .threads(threads())
            .test();
    // Depthwise convs that XNNPACK has microkernels for run as our loops too (3x3, 5x5, and 2x2 followed by
    // hardswish), hardswish fused in their store: interior and border pixels, channels around each width.
    for (int64_t c : {5, 16, 23, 40})
      for (const auto& [k, stride] : {std::array<int64_t, 2>{3, 1}, {3, 2}, {5, 1}, {5, 2}, {2, 2}})
        ConvTester()
            .input(9, 11, c)
            .depthwise()
            .kernel(k)
            .padding(k == 2 ? 0 : k / 2)
            .stride(stride)
            .bias(c % 2 == 1)
            .batch_norm(c == 16)
            .activation(c == 23   ? Activation::relu6
                        : c == 40 ? Activation::none
                                  : Activation::hardswish)
            .input_scale(4)
            .threads(threads())
            .test();
    // Multipliers at stride 1 (the sliding inputs) and 2; m = 2 repeats half a vector's inputs pairwise.
    for (int64_t m : {2, 3})
      for (int64_t c : {3, 6, 13})
        for (int64_t stride : {1, 2})
          ConvTester()
              .input(9, 10, c)
              .depthwise(m)
              .kernel(7)
              .padding(3)
              .stride(stride)
              .input_scale(4)
              .threads(threads())
              .test();
    for (int64_t g : {2, 4})
      for (int64_t c : {4, 8, 12, 24, 36})
        ConvTester()
            .input(9, 11, c)
            .output_channels(c)
            .groups(c / g)
            .kernel(3)
            .padding(1)
            .bias(true)
            .activation(c == 24 ? Activation::silu : Activation::none)
            .input_scale(4)
            .threads(threads())
            .test();
    for (int64_t heads : {3, 5})
      for (int64_t keys : {3, 4, 9, 16, 49})
        OpTester().input({1, 4, 5, heads * keys}).threads(threads()).test(HeadMix{heads, true});
    for (Activation a : {Activation::silu, Activation::gelu, Activation::gelu_tanh})
      for (const ShapeNhwc& shape : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 1, 5}, ShapeNhwc{1, 1, 1, 3}})
        OpTester().input(shape).input_scale(8).threads(threads()).test(ActivationOp{a});
  }
}

TEST_CASE("executor softmax: one group and one group per head") {
  for (size_t threads : thread_counts)
    for (const auto& [c, groups] : {std::array<int64_t, 2>{5, 1}, {10, 2}, {15, 3}, {49, 7}, {64, 4}, {23, 23}})
      // Inputs in [-8, 8): logits far apart, so a missing max subtraction or a wrong segment shows.
      OpTester().input({1, 7, 9, c}).input_scale(8).threads(threads).test(Softmax{groups});
  OpTester().input({2, 1, 3, 6}).input_scale(8).test(Softmax{2});
}

TEST_CASE("executor activation: every function over its saturating range, alpha at PyTorch's default and others") {
  for (Activation a : activation_names.values()) {
    if (a == Activation::none) continue;  // not a valid standalone activation
    std::vector<double> alphas{default_alpha(a)};
    if (takes_alpha(a)) alphas.insert(alphas.end(), {0.2, 2.5, alpha_range(a).min});
    if (a == Activation::leaky_relu) alphas.push_back(-0.5);
    for (double alpha : alphas)
      for (size_t threads : thread_counts) {
        OpTester().input({1, 7, 9, 23}).input_scale(8).threads(threads).test(ActivationOp{a, alpha});
        OpTester().input({2, 3, 1, 5}).input_scale(8).threads(threads).test(ActivationOp{a, alpha});
      }
  }
}

TEST_CASE("executor activation: softplus, mish and tanh far out, where a naive formula overflows or cancels") {
  // Inputs in [-60, 60): e^x overflows float past 88, e^2x past 44; log(1 + e^x) loses e^x below -17.
  for (Activation a : {Activation::softplus, Activation::mish, Activation::tanh, Activation::elu})
    OpTester().input({1, 5, 7, 19}).input_scale(60).test(ActivationOp{a, default_alpha(a)});
}

TEST_CASE("executor prelu: a slope per channel or one for all, odd channel counts, a batch of 2") {
  for (size_t threads : thread_counts)
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 5, 6}, ShapeNhwc{1, 1, 1, 1}})
      for (bool shared : {false, true}) OpTester().input(s).input_scale(4).threads(threads).test(PRelu{shared});
}

TEST_CASE("executor affine: a scale and a shift, either alone, a negative scale") {
  for (size_t threads : thread_counts)
    for (const Affine& a : {Affine{0.5, 1}, Affine{-2, 0}, Affine{1, -3}})
      OpTester().input({1, 7, 9, 23}).threads(threads).test(a);
}

TEST_CASE("executor batch_norm, group_norm and layer_norm") {
  for (size_t threads : thread_counts) {
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 5, 6}, ShapeNhwc{1, 1, 1, 1600}}) {
      OpTester().input(s).threads(threads).test(BatchNorm{});
      OpTester().input(s).threads(threads).test(LayerNorm{1e-5});
      OpTester().input(s).threads(threads).test(GroupNorm{1, 1e-5});
    }
    for (int64_t groups : {2, 4, 16}) OpTester().input({1, 7, 9, 16}).threads(threads).test(GroupNorm{groups, 1e-5});
    OpTester().input({2, 4, 4, 6}).threads(threads).test(GroupNorm{3, 1e-5});
    OpTester().input({1, 14, 14, 64}).input_scale(3).threads(threads).test(GroupNorm{1, 1e-5});  // CPUBone's pre-norm
  }
}

TEST_CASE("executor add, subtract and multiply: same shapes, channel broadcast, one tensor twice") {
  for (size_t threads : thread_counts) {
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 5, 6}}) {
      const ShapeNhwc gate{s.n, 1, 1, s.c};
      for (const OpAttrs& op : {OpAttrs{Add{}}, OpAttrs{Subtract{}}, OpAttrs{Multiply{}}}) {
        OpTester().input(s).input(s).threads(threads).test(op);
        OpTester().input(s).input(gate).threads(threads).test(op);
        OpTester().input(s).shared_input().threads(threads).test(op);
      }
    }
  }
}

TEST_CASE("executor pooling: global average, average with padded zeros counted, max with padding ignored") {
  // Square and rectangular windows, with and without padding, with window tap counts both inside and
  // outside the set XNNPACK has depthwise microkernels for (3, 4, 9, 25), and 1x1 windows (subsampling).
  struct PoolWindow {
    std::array<int64_t, 2> kernel, stride;
    Padding padding;
  };
  const PoolWindow windows[] = {
      {{2, 2}, {2, 2}, {}},           {{3, 3}, {3, 3}, {}},           {{3, 3}, {1, 1}, {1, 1, 1, 1}},
      {{3, 3}, {2, 2}, {1, 1, 1, 1}}, {{2, 2}, {1, 1}, {1, 0, 1, 0}}, {{3, 3}, {2, 2}, {0, 1, 2, 0}},
      {{5, 5}, {1, 1}, {2, 2, 2, 2}}, {{4, 4}, {2, 2}, {1, 2, 1, 2}}, {{2, 3}, {1, 2}, {1, 0, 1, 1}},
      {{1, 3}, {1, 1}, {0, 0, 1, 1}}, {{1, 1}, {2, 2}, {}},           {{1, 1}, {1, 1}, {}},
  };
  for (size_t threads : thread_counts) {
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 14, 15, 5}, ShapeNhwc{1, 1, 1, 16}})
      OpTester().input(s).threads(threads).test(GlobalAvgPool{});
    for (const PoolWindow& win : windows)
      for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 14, 15, 5}}) {
        OpTester().input(s).threads(threads).test(AvgPool{win.kernel, win.stride, win.padding});
        OpTester().input(s).threads(threads).test(MaxPool{win.kernel, win.stride, win.padding});
      }
  }
}

namespace {

// PyTorch's AvgPool2d(kernel, stride, padding, ceil_mode) on one axis of `size` as our window: `padding`
// before, `padding` after, and with ceil_mode the extra rows its last window reaches past them (pooling
// output size ceil((size + 2·padding − kernel) / stride) + 1, less the window that would start past the
// input and its leading padding).
std::array<int64_t, 2> torch_pool_padding(int64_t size, int64_t kernel, int64_t stride, int64_t padding,
                                          bool ceil_mode) {
  const int64_t span = size + 2 * padding - kernel;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= size + padding) --out;
  return {padding, std::max<int64_t>(padding, (out - 1) * stride + kernel - size - padding)};
}

}  // namespace

TEST_CASE("executor avg_pool as PyTorch users write it: odd sizes, ceil_mode, padding counted in the divisor or not") {
  // ResNet-D's shortcut AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False), Inception's and
  // PoolFormer's AvgPool2d(3, 1, 1, count_include_pad=False), and windows of 4, 6, 9 and 25 taps (with
  // and without XNNPACK depthwise microkernels), strided and ceil_mode on odd and even sizes.
  struct TorchPool {
    std::array<int64_t, 2> kernel, stride, padding;
    bool ceil_mode;
  };
  const TorchPool pools[] = {
      {{2, 2}, {2, 2}, {0, 0}, true}, {{3, 3}, {1, 1}, {1, 1}, false}, {{3, 3}, {2, 2}, {1, 1}, true},
      {{3, 3}, {2, 2}, {0, 0}, true}, {{5, 5}, {1, 1}, {2, 2}, false}, {{5, 5}, {3, 3}, {2, 2}, true},
      {{2, 3}, {2, 2}, {1, 1}, true}, {{4, 4}, {3, 3}, {1, 2}, true},
  };
  size_t padded_past_the_pads = 0;
  for (size_t threads : thread_counts)
    for (const TorchPool& t : pools)
      for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 14, 15, 5}, ShapeNhwc{1, 5, 6, 16}})
        for (bool count_include_pad : {true, false}) {
          const auto [top, bottom] = torch_pool_padding(s.h, t.kernel[0], t.stride[0], t.padding[0], t.ceil_mode);
          const auto [left, right] = torch_pool_padding(s.w, t.kernel[1], t.stride[1], t.padding[1], t.ceil_mode);
          padded_past_the_pads += bottom > top || right > left;
          INFO("kernel " << t.kernel[0] << "x" << t.kernel[1] << " stride " << t.stride[0] << " input " << s.str());
          OpTester().input(s).threads(threads).test(
              AvgPool{t.kernel, t.stride, {top, bottom, left, right}, count_include_pad});
        }
  CHECK(padded_past_the_pads >= 10);  // the sweep reaches ceil_mode's extra windows
}

TEST_CASE("executor upsample_nearest, slice, concat, pad and reshape") {
  for (size_t threads : thread_counts) {
    for (const auto& scale : {std::array<int64_t, 2>{2, 2}, {3, 1}, {1, 2}}) {
      OpTester().input({1, 7, 9, 5}).threads(threads).test(UpsampleNearest{scale});
      OpTester().input({2, 2, 2, 16}).threads(threads).test(UpsampleNearest{scale});
    }
    for (const auto& [begin, end] : {std::array<int64_t, 2>{0, 5}, {5, 23}, {7, 8}, {0, 23}})
      OpTester().input({1, 7, 9, 23}).threads(threads).test(Slice{begin, end});
    OpTester().input({2, 3, 3, 6}).threads(threads).test(Slice{1, 4});
    OpTester().input({1, 7, 9, 5}).input({1, 7, 9, 3}).threads(threads).test(Concat{});
    OpTester().input({1, 4, 5, 1}).input({1, 4, 5, 23}).input({1, 4, 5, 8}).threads(threads).test(Concat{});
    OpTester().input({2, 3, 3, 2}).input({2, 3, 3, 5}).threads(threads).test(Concat{});
    for (const Padding& p : {Padding{1, 1, 1, 1}, Padding{1, 0, 1, 0}, Padding{0, 2, 3, 0}, Padding{}})
      OpTester().input({1, 7, 9, 5}).threads(threads).test(Pad{p});
    OpTester().input({2, 3, 3, 2}).threads(threads).test(Pad{{0, 1, 2, 1}});
    OpTester().input({1, 7, 9, 5}).threads(threads).test(Reshape{{1, 1, 1, 315}});
    OpTester().input({1, 7, 9, 5}).threads(threads).test(Reshape{{1, 9, 7, 5}});
    OpTester().input({2, 2, 2, 3}).threads(threads).test(Reshape{{2, 1, 1, 12}});
  }
}

TEST_CASE("executor channel_shuffle: groups 2 to 12, odd images, one group channel, batch 2") {
  AlternateThreads threads;
  for (const ShapeNhwc& s :
       {ShapeNhwc{1, 7, 9, 6}, ShapeNhwc{2, 3, 5, 12}, ShapeNhwc{1, 1, 1, 30}, ShapeNhwc{1, 5, 3, 2}})
    for (int64_t g = 2; g <= s.c; ++g)
      if (s.c % g == 0) OpTester().input(s).threads(threads()).test(ChannelShuffle{g});
  // ShuffleNetV2's stage-2 tensor, large enough to be split over both threads.
  OpTester().input({1, 28, 28, 116}).threads(2).test(ChannelShuffle{2});
}

TEST_CASE("executor pixel_shuffle: upscale 2 to 4, one output channel and several, odd maps, batch 2") {
  AlternateThreads threads;
  for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 12}, ShapeNhwc{2, 3, 5, 36}, ShapeNhwc{1, 5, 3, 4},
                             ShapeNhwc{1, 1, 1, 16}, ShapeNhwc{1, 4, 7, 9}, ShapeNhwc{1, 3, 7, 48}})
    for (int64_t r = 2; r <= 4; ++r)
      if (s.c % (r * r) == 0) OpTester().input(s).threads(threads()).test(PixelShuffle{r});
  // An ESPCN tail (3 colours at x2), large enough to be split over both threads.
  OpTester().input({1, 40, 40, 12}).threads(2).test(PixelShuffle{2});
}

TEST_CASE("executor clamp: both bounds, either alone, bounds outside the values, odd channel counts") {
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t threads : thread_counts)
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 5, 6}, ShapeNhwc{1, 1, 1, 1}})
      for (const Clamp& c : {Clamp{-1, 1}, Clamp{-inf, 0.5}, Clamp{-0.25, inf}, Clamp{0.1, 0.2}, Clamp{-100, 100}})
        OpTester().input(s).input_scale(3).threads(threads).test(c);
}

TEST_CASE("executor emulated kernels split large tensors over threads without gaps or overlaps") {
  // Big enough that every hand-written kernel cuts its work into several tiles per thread.
  for (size_t threads : thread_counts) {
    for (Activation a : {Activation::silu, Activation::gelu, Activation::gelu_tanh})
      OpTester().input({1, 56, 56, 33}).input_scale(6).threads(threads).test(ActivationOp{a});
    OpTester().input({1, 56, 56, 32}).input_scale(3).threads(threads).test(GroupNorm{1, 1e-5});
    OpTester().input({2, 28, 28, 48}).threads(threads).test(GroupNorm{4, 1e-5});
    OpTester().input({1, 56, 56, 24}).threads(threads).test(LayerNorm{1e-5});
    OpTester().input({1, 28, 28, 64}).threads(threads).test(UpsampleNearest{{2, 2}});
    // Attention on 14x14 tokens: 2 heads of dim 32 (heads fewer than threads splits rows too).
    OpTester().input({1, 14, 14, 192}).shared_input().threads(threads).test(Matmul{2, {0, 32}, {32, 32}, true, 0.125});
    OpTester()
        .input({1, 14, 14, 392})
        .input({1, 14, 14, 192})
        .threads(threads)
        .test(Matmul{2, {0, 196}, {64, 32}, false, 1.0});
    OpTester().input({1, 14, 14, 196}).shared_input().threads(threads).test(Matmul{1, {0, 98}, {98, 98}, true, 0.1});
  }
}

// ---------------------------------------------------------------------------------------------------
// Op kinds of the model-zoo families: conv_transpose2d, resize_bilinear, layer_scale, attention_bias,
// head_mix, upsample_nearest to a size, hardsigmoid (in the activation sweeps above)

TEST_CASE("executor conv_transpose2d: kernels 2, 3, 4, strides 1, 2, 4, paddings and output paddings") {
  // Padding {top, bottom, left, right} crops the full output; output_padding (< stride) adds rows and
  // columns at the bottom/right. Stride 4 with kernels 2 and 3 leaves gaps that hold the bias only.
  const Padding paddings[] = {{}, {1, 1, 1, 1}, {1, 0, 1, 0}, {0, 2, 1, 0}};
  const std::array<int64_t, 2> images[] = {{5, 5}, {7, 9}};
  const std::array<int64_t, 2> channels[] = {{3, 5}, {16, 8}};  // in, out
  AlternateThreads threads;
  for (int64_t kernel : {2, 3, 4})
    for (int64_t stride : {1, 2, 4})
      for (const Padding& p : paddings)
        for (const auto& [oph, opw] : {std::array<int64_t, 2>{0, 0}, {stride - 1, stride - 1}, {0, stride / 2}})
          for (const auto& [h, w] : images)
            for (const auto& [cin, cout] : channels)
              ConvTransposeTester()
                  .input(h, w, cin)
                  .output_channels(cout)
                  .kernel(kernel)
                  .stride(stride)
                  .padding(p)
                  .output_padding(oph, opw)
                  .bias(true)
                  .threads(threads())
                  .test();
}

TEST_CASE("executor conv_transpose2d: groups 2, 4 and depthwise") {
  AlternateThreads threads;
  for (int64_t groups : {2, 4})
    for (const auto& [cin, cout] : {std::array<int64_t, 2>{8, 16}, {24, 24}, {40, 8}})
      for (int64_t stride : {1, 2})
        for (int64_t kernel : {2, 3, 4})
          ConvTransposeTester()
              .input(7, 6, cin)
              .output_channels(cout)
              .groups(groups)
              .kernel(kernel)
              .stride(stride)
              .padding(kernel / 2)
              .output_padding(stride - 1, 0)
              .bias(true)
              .threads(threads())
              .test();
  for (int64_t c : {3, 16, 23})
    for (int64_t stride : {1, 2, 4})
      for (int64_t kernel : {2, 3, 4})
        ConvTransposeTester()
            .input(7, 7, c)
            .depthwise()
            .kernel(kernel)
            .stride(stride)
            .padding(kernel > 2 ? 1 : 0)
            .batch_norm(true)
            .threads(threads())
            .test();
  for (size_t n : thread_counts)
    ConvTransposeTester().input(5, 5, 5).depthwise(2).kernel(2).stride(2).threads(n).test();
}

TEST_CASE(
    "executor conv_transpose2d: every activation, bias and batch norm, batch 2, rectangular, LowFormer's 7 -> 14") {
  for (Activation a : op_activations())
    for (bool bias : {false, true})
      for (bool bn : {false, true})
        for (size_t threads : thread_counts)
          ConvTransposeTester()
              .input(5, 7, 12)
              .output_channels(10)
              .kernel(4)
              .stride(2)
              .padding(1)
              .bias(bias)
              .batch_norm(bn)
              .activation(a)
              .input_scale(4)
              .threads(threads)
              .test();
  for (size_t threads : thread_counts) {
    ConvTransposeTester()
        .batch(2)
        .input(5, 6, 6)
        .output_channels(10)
        .kernel(3)
        .stride(2)
        .padding(1)
        .output_padding(1, 1)
        .groups(2)
        .threads(threads)
        .test();
    ConvTransposeTester()
        .input(6, 5, 7)
        .output_channels(9)
        .kernel(2, 4)
        .stride(1, 2)
        .padding({0, 1, 1, 1})
        .output_padding(0, 1)
        .bias(true)
        .threads(threads)
        .test();
    ConvTransposeTester().input(1, 1, 16).output_channels(8).kernel(3).stride(2).bias(true).threads(threads).test();
    // LowFormer's upsampling in stage 3: 7x7 -> 14x14, kernel 4, stride 2, padding 1.
    ConvTransposeTester()
        .input(7, 7, 128)
        .output_channels(64)
        .kernel(4)
        .stride(2)
        .padding(1)
        .bias(true)
        .threads(threads)
        .test();
    ConvTransposeTester().input(14, 14, 64).depthwise().kernel(4).stride(2).padding(1).threads(threads).test();
  }
}

TEST_CASE("executor resize_bilinear: up and down, square and rectangular, both corner modes") {
  const std::array<int64_t, 2> sizes[] = {{1, 1}, {2, 3}, {4, 4}, {10, 14}, {14, 14}, {3, 5}, {13, 9}};
  for (size_t threads : thread_counts)
    for (bool align : {false, true})
      for (const auto& size : sizes) {
        OpTester().input({1, 5, 7, 3}).threads(threads).test(ResizeBilinear{size, align});
        OpTester().input({2, 7, 7, 16}).threads(threads).test(ResizeBilinear{size, align});
        OpTester().input({1, 1, 1, 5}).threads(threads).test(ResizeBilinear{size, align});
      }
  for (size_t threads : thread_counts)
    OpTester().input({1, 28, 28, 64}).threads(threads).test(ResizeBilinear{{56, 56}, false});
}

TEST_CASE("executor layer_scale and attention_bias") {
  for (size_t threads : thread_counts) {
    for (const ShapeNhwc& s : {ShapeNhwc{1, 7, 9, 23}, ShapeNhwc{2, 3, 5, 6}, ShapeNhwc{1, 1, 1, 1600}})
      OpTester().input(s).threads(threads).test(LayerScale{});
    // Scores N x hq x wq x (heads·Lk): query grids and key counts unequal; tables smaller and larger
    // than the scores, and a single entry.
    for (const auto& [heads, table] : {std::array<int64_t, 2>{1, 1}, {4, 49}, {4, 1000}, {8, 7}}) {
      OpTester().input({1, 7, 7, heads * 49}).threads(threads).test(AttentionBias{heads, table});
      OpTester().input({2, 4, 5, heads * 9}).threads(threads).test(AttentionBias{heads, table});
    }
    // Large enough to be split over threads (14x14 queries, 8 heads of 49 keys).
    OpTester().input({1, 14, 14, 8 * 49}).threads(threads).test(AttentionBias{8, 169});
    OpTester().input({2, 14, 14, 8 * 49}).threads(threads).test(AttentionBias{8, 169});
  }
}

TEST_CASE("executor head_mix: heads 1, 2, 3, 5, 8, query and key grids unequal, with and without bias") {
  // Keys 9 (fewer than a 16-float run), 16 (one run), 49 and 196 (runs plus an overlapping last one);
  // heads 3, 5 and 8 cover whole and partial blocks of output heads.
  for (size_t threads : thread_counts)
    for (int64_t heads : {1, 2, 3, 5, 8})
      for (bool bias : {true, false}) {
        OpTester().input({1, 7, 7, heads * 16}).threads(threads).test(HeadMix{heads, bias});  // 7x7 queries, 4x4 keys
        OpTester().input({1, 4, 5, heads * 49}).threads(threads).test(HeadMix{heads, bias});  // 4x5 queries, 7x7 keys
        OpTester().input({2, 3, 3, heads * 9}).threads(threads).test(HeadMix{heads, bias});
        OpTester().input({1, 14, 14, heads * 49}).threads(threads).test(HeadMix{heads, bias});  // many tiles
      }
}

TEST_CASE("executor upsample_nearest to a size: PyTorch's floor(dst·in/out), up, down and uneven") {
  const std::array<std::array<int64_t, 4>, 7> cases{{
      {3, 3, 7, 7},
      {7, 7, 14, 14},
      {7, 7, 3, 3},
      {5, 9, 8, 20},
      {4, 4, 4, 4},
      {2, 6, 5, 6},
      {1, 1, 3, 2},
  }};  // in h, w -> out h, w
  for (size_t threads : thread_counts) {
    for (const auto& [h, w, oh, ow] : cases) {
      OpTester().input({1, h, w, 5}).threads(threads).test(UpsampleNearest{{0, 0}, {oh, ow}});
      OpTester().input({2, h, w, 16}).threads(threads).test(UpsampleNearest{{0, 0}, {oh, ow}});
    }
    OpTester().input({1, 28, 28, 64}).threads(threads).test(UpsampleNearest{{0, 0}, {57, 57}});
  }
}

TEST_CASE("executor hardsigmoid: standalone on its whole range, and after a conv and a linear") {
  for (size_t threads : thread_counts) {
    OpTester().input({1, 56, 56, 33}).input_scale(6).threads(threads).test(ActivationOp{Activation::hardsigmoid});
    OpTester()
        .input({1, 1, 1, 23})
        .input_scale(6)
        .threads(threads)
        .test(FullyConnected{40, true, false, Activation::hardsigmoid});
    ConvTester()
        .input(7, 7, 16)
        .output_channels(16)
        .kernel(1)
        .bias(true)
        .activation(Activation::hardsigmoid)
        .input_scale(6)
        .threads(threads)
        .test();
  }
}
