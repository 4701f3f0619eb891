// Weights and the reference: BatchNorm folding, seeded determinism, and the reference ops against values
// worked out by hand (the executor tests trust the reference, so the reference is checked here first).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "profiler/executor/reference.hpp"
#include "profiler/executor/weights.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

// A network of one op reading the input.
Network one_op(ShapeNhwc input, OpAttrs attrs) {
  NetworkBuilder b("test", "", input, Where("test"));
  const std::string y = b.add("op", {std::string(input_tensor)}, std::move(attrs));
  return std::move(b).finish(y);
}

// The reference output of a one-op network with the given weights and input.
std::vector<float> run_one(ShapeNhwc input, OpAttrs attrs, const std::vector<float>& x, OpWeights w = {}) {
  const Network net = one_op(input, std::move(attrs));
  return reference_run(net, {w}, x).at(0);
}

Conv2d conv(int64_t out, std::array<int64_t, 2> kernel, int64_t stride, Padding padding, int64_t groups = 1,
            bool bias = false, Activation act = Activation::none) {
  Conv2d c;
  c.out_channels = out;
  c.kernel = kernel;
  c.stride = {stride, stride};
  c.padding = padding;
  c.groups = groups;
  c.bias = bias;
  c.activation = act;
  return c;
}

// Elementwise comparison with a float-rounding margin; the reference computes in double.
void check_close(const std::vector<float>& got, const std::vector<double>& expected, double margin = 1e-5) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(margin));
  }
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// BatchNorm folding

TEST_CASE("fold_batch_norm gives the conv that equals conv followed by its BatchNorm") {
  // 2x2 conv, 3 -> 4 channels, with bias, on a 4x5 image; BN statistics chosen away from identity.
  const ShapeNhwc in{1, 4, 5, 3};
  const Conv2d c = conv(4, {2, 2}, 1, {1, 0, 1, 0}, 1, true);
  const std::vector<float> x = make_input(in, 7);
  const OpWeights raw = make_weights(one_op(in, c), 3)[0];
  const BatchNormStats bn{
      {0.5f, 1.5f, 2.0f, 0.8f}, {0.1f, -0.3f, 0.0f, 0.25f}, {0.2f, -0.1f, 0.4f, 0.0f}, {0.9f, 1.7f, 0.3f, 2.5f}, 1e-3};

  // Explicitly: conv with the raw weights, then γ·(z − μ)/√(σ² + ε) + β per output channel.
  const std::vector<float> z = run_one(in, c, x, raw);
  std::vector<double> expected(z.size());
  for (size_t i = 0; i < z.size(); ++i) {
    const size_t o = i % 4;
    expected[i] = bn.gamma[o] * (z[i] - bn.mean[o]) / std::sqrt(bn.var[o] + bn.eps) + bn.beta[o];
  }

  OpWeights folded = raw;
  fold_batch_norm(folded.weight, folded.bias, bn);
  check_close(run_one(in, c, x, folded), expected);
}

TEST_CASE("fold_batch_norm creates the bias of a conv that had none") {
  const ShapeNhwc in{1, 3, 3, 2};
  const Conv2d no_bias = conv(2, {1, 1}, 1, {});
  Conv2d with_bias = no_bias;
  with_bias.bias = true;
  const std::vector<float> x = make_input(in, 1);
  OpWeights w = make_weights(one_op(in, no_bias), 1)[0];
  REQUIRE(w.bias.empty());
  const BatchNormStats bn{{2.0f, 0.5f}, {1.0f, -1.0f}, {0.5f, 0.25f}, {4.0f, 1.0f}, 0.0};

  const std::vector<float> z = run_one(in, no_bias, x, w);
  std::vector<double> expected(z.size());
  for (size_t i = 0; i < z.size(); ++i) {
    const size_t o = i % 2;
    expected[i] = bn.gamma[o] * (z[i] - bn.mean[o]) / std::sqrt(bn.var[o]) + bn.beta[o];
  }
  fold_batch_norm(w.weight, w.bias, bn);
  REQUIRE(w.bias.size() == 2);
  CHECK(w.bias[0] == Approx(2.0 * -0.5 / 2.0 + 1.0));   // γ·(0 − μ)/σ + β = 0.5
  CHECK(w.bias[1] == Approx(0.5 * -0.25 / 1.0 - 1.0));  // -1.125
  check_close(run_one(in, with_bias, x, w), expected);
}

TEST_CASE("fold_batch_norm scales each output row of a linear layer by gamma over its standard deviation") {
  std::vector<float> weight{1, 2, 3, 4, 5, 6};  // [out 2][in 3]
  std::vector<float> bias{1, -1};
  fold_batch_norm(weight, bias, {{1.0f, 3.0f}, {0.0f, 0.5f}, {0.0f, 1.0f}, {1.0f, 4.0f}, 0.0});
  CHECK(weight == std::vector<float>{1, 2, 3, 6, 7.5f, 9});  // row 1 scaled by 3/2
  CHECK(bias[0] == Approx(1.0));
  CHECK(bias[1] == Approx((-1.0 - 1.0) * 1.5 + 0.5));  // -2.5
}

// ---------------------------------------------------------------------------------------------------
// Seeded weights and inputs

namespace {

// Input 8x8x4: conv 4 -> 6 (3x3, BN, hardswish), conv 6 -> 6 (1x1, bias), GN, FC, LN, BN, max pool.
Network mixed_network() {
  NetworkBuilder b("mixed", "", {1, 8, 8, 4}, Where("test"));
  Conv2d c1 = conv(6, {3, 3}, 1, {1, 1, 1, 1});
  c1.batch_norm = true;
  c1.activation = Activation::hardswish;
  b.add("c1", {"input"}, c1);
  b.add("c2", {"c1"}, conv(6, {1, 1}, 1, {}, 2, true));
  b.add("gn", {"c2"}, GroupNorm{3, 1e-5});
  b.add("fc", {"gn"}, FullyConnected{5, false, true, Activation::none});
  b.add("ln", {"fc"}, LayerNorm{1e-5});
  b.add("bn", {"ln"}, BatchNorm{1e-5});
  b.add("pool", {"bn"}, MaxPool{{2, 2}, {2, 2}, {}});
  return std::move(b).finish("pool");
}

}  // namespace

TEST_CASE("make_weights lays out each op's weights as the executor expects") {
  const Network net = mixed_network();
  const NetworkWeights w = make_weights(net, 1);
  REQUIRE(w.size() == net.ops.size());
  CHECK(w[0].weight.size() == 6 * 3 * 3 * 4);  // [Cout][kh][kw][Cin]
  CHECK(w[0].bias.size() == 6);                // created by the folded BatchNorm
  CHECK(w[1].weight.size() == 6 * 1 * 1 * 3);  // [Cout][1][1][Cin/groups]
  CHECK(w[1].bias.size() == 6);
  CHECK(w[2].weight.size() == 6);      // gamma
  CHECK(w[2].bias.size() == 6);        // beta
  CHECK(w[3].weight.size() == 5 * 6);  // [out][in]
  CHECK(w[3].bias.size() == 5);        // from the folded BatchNorm1d
  CHECK(w[4].weight.size() == 5);
  CHECK(w[5].weight.size() == 5);  // scale
  CHECK(w[5].bias.size() == 5);    // shift
  CHECK(w[6].weight.empty());
  CHECK(w[6].bias.empty());

  // Without a BatchNorm, conv weights keep PyTorch's init bound 1/√fan_in (fan_in = 3 here).
  const float bound = 1.0f / std::sqrt(3.0f);
  for (float v : w[1].weight) {
    CHECK(v >= -bound);
    CHECK(v < bound);
  }
  for (float v : w[2].weight) {
    CHECK(v >= 0.5f);
    CHECK(v < 1.5f);
  }
}

TEST_CASE("make_weights: same seed same numbers, another seed other numbers") {
  const Network net = mixed_network();
  const NetworkWeights a = make_weights(net, 42);
  const NetworkWeights b = make_weights(net, 42);
  const NetworkWeights c = make_weights(net, 43);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    INFO(net.ops[i].name);
    CHECK(a[i].weight == b[i].weight);
    CHECK(a[i].bias == b[i].bias);
    if (!a[i].weight.empty()) CHECK(a[i].weight != c[i].weight);
  }
  // Different ops of one network get different numbers, not one stream restarted per op (GN and LN
  // gammas are drawn from the same range, so a restarted stream would repeat them).
  CHECK(std::vector<float>(a[2].weight.begin(), a[2].weight.begin() + 5) != a[4].weight);
}

TEST_CASE("make_weights: an op's weights depend only on the seed and its index, not on the other ops") {
  // The same 6 -> 6 1x1 conv at index 1 of two networks whose op 0 differs.
  const Conv2d shared = conv(6, {1, 1}, 1, {}, 1, true);
  NetworkBuilder one("one", "", {1, 8, 8, 4}, Where("test"));
  one.add("first", {"input"}, conv(6, {3, 3}, 1, {1, 1, 1, 1}));
  one.add("shared", {"first"}, shared);
  NetworkBuilder two("two", "", {1, 8, 8, 6}, Where("test"));
  two.add("first", {"input"}, ActivationOp{Activation::relu});
  two.add("shared", {"first"}, shared);
  const NetworkWeights a = make_weights(std::move(one).finish("shared"), 5);
  const NetworkWeights b = make_weights(std::move(two).finish("shared"), 5);
  CHECK(a[1].weight == b[1].weight);
  CHECK(a[1].bias == b[1].bias);
}

TEST_CASE("make_input is seeded and uniform between -1 and 1") {
  const ShapeNhwc s{2, 5, 7, 3};
  const std::vector<float> a = make_input(s, 9);
  CHECK(a.size() == 2 * 5 * 7 * 3);
  CHECK(a == make_input(s, 9));
  CHECK(a != make_input(s, 10));
  double sum = 0;
  for (float v : a) {
    CHECK(v >= -1.0f);
    CHECK(v < 1.0f);
    sum += v;
  }
  CHECK(std::abs(sum / static_cast<double>(a.size())) < 0.2);  // centred: not all one sign
}

// ---------------------------------------------------------------------------------------------------
// The reference against hand computation

TEST_CASE("reference conv2d: 2x2 kernel with CPUBone's asymmetric padding (top 1, left 1) on a 3x3 image") {
  // Input      Kernel   The output at (y, x) reads input rows y-1..y and columns x-1..x; row -1 and
  // 1 2 3      1 2      column -1 are zeros, so the output keeps the 3x3 size.
  // 4 5 6      3 4
  // 7 8 9
  const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const OpWeights w{{1, 2, 3, 4}, {0.5f}};
  const auto y = run_one({1, 3, 3, 1}, conv(1, {2, 2}, 1, {1, 0, 1, 0}, 1, true), x, w);
  check_close(y, {
                     4 + 0.5,
                     3 + 8 + 0.5,
                     6 + 12 + 0.5,  // row 0: only kernel row 1 is in the image
                     2 + 16 + 0.5,
                     1 + 4 + 12 + 20 + 0.5,
                     2 + 6 + 15 + 24 + 0.5,  //
                     8 + 28 + 0.5,
                     4 + 10 + 21 + 32 + 0.5,
                     5 + 12 + 24 + 36 + 0.5,
                 });
}

TEST_CASE("reference conv2d: stride 2 with symmetric padding picks every other window") {
  // 3x3 kernel of ones, stride 2, padding 1 on a 4x4 image of 1..16: outputs at input centres (0,0),
  // (0,2), (2,0), (2,2), each the sum of the in-image cells of its 3x3 neighbourhood.
  std::vector<float> x(16);
  for (size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i + 1);
  const OpWeights w{std::vector<float>(9, 1.0f), {}};
  const auto y = run_one({1, 4, 4, 1}, conv(1, {3, 3}, 2, {1, 1, 1, 1}), x, w);
  check_close(
      y, {1 + 2 + 5 + 6, 2 + 3 + 4 + 6 + 7 + 8, 5 + 6 + 9 + 10 + 13 + 14, 6 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16});
}

TEST_CASE("reference conv2d: groups read their own input channels (per-group OHWI weights)") {
  // One pixel, 4 input channels, groups 2, 4 outputs: outputs 0-1 read channels 0-1, outputs 2-3 read 2-3.
  const std::vector<float> x{1, 2, 3, 4};
  const OpWeights w{{1, 0,    // o0 = x0
                     1, 1,    // o1 = x0 + x1
                     0, 1,    // o2 = x3
                     2, -1},  // o3 = 2·x2 − x3
                    {}};
  check_close(run_one({1, 1, 1, 4}, conv(4, {1, 1}, 1, {}, 2), x, w), {1, 3, 4, 2});
}

TEST_CASE("reference conv2d: depthwise weights are C x kh x kw x 1") {
  // 2 channels on a 1x2 image, 1x2 kernel: channel 0 weights (1, 10), channel 1 weights (100, 1000).
  const std::vector<float> x{1, 2,   // pixel (0,0): channels 0, 1
                             3, 4};  // pixel (0,1)
  const OpWeights w{{1, 10, 100, 1000}, {}};
  check_close(run_one({1, 1, 2, 2}, conv(2, {1, 2}, 1, {}, 2), x, w), {1 + 30, 200 + 4000});
}

TEST_CASE("reference activations match their formulas") {
  const std::vector<float> x{-4, -1, 0, 0.5f, 1, 7};
  auto apply = [&](Activation a) { return run_one({1, 1, 1, 6}, ActivationOp{a}, x); };
  check_close(apply(Activation::relu), {0, 0, 0, 0.5, 1, 7});
  check_close(apply(Activation::relu6), {0, 0, 0, 0.5, 1, 6});
  check_close(apply(Activation::hardswish), {0, -1 * 2 / 6.0, 0, 0.5 * 3.5 / 6, 4 / 6.0, 7});
  check_close(apply(Activation::hardsigmoid), {0, 2 / 6.0, 0.5, 3.5 / 6, 4 / 6.0, 1});  // relu6(x + 3)/6
  check_close(apply(Activation::sigmoid), {sigmoid(-4), sigmoid(-1), 0.5, sigmoid(0.5), sigmoid(1), sigmoid(7)});
  check_close(apply(Activation::silu),
              {-4 * sigmoid(-4), -sigmoid(-1), 0, 0.5 * sigmoid(0.5), sigmoid(1), 7 * sigmoid(7)});
  // Φ(1) = 0.8413447, Φ(-1) = 0.1586553: gelu(x) = x·Φ(x).
  const auto gelu = apply(Activation::gelu);
  CHECK(gelu[1] == Approx(-0.1586553));
  CHECK(gelu[2] == 0.0f);
  CHECK(gelu[4] == Approx(0.8413447));
  CHECK(gelu[5] == Approx(7.0));
  // The tanh form differs from the exact one in the 4th decimal near ±1.
  const auto gelu_tanh = apply(Activation::gelu_tanh);
  CHECK(gelu_tanh[4] == Approx(0.5 * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * 1.044715))));
  CHECK(gelu_tanh[4] == Approx(0.841192).margin(1e-6));
}

TEST_CASE("reference conv2d applies bias before the activation") {
  const OpWeights w{{1}, {-2}};
  check_close(run_one({1, 1, 3, 1}, conv(1, {1, 1}, 1, {}, 1, true, Activation::relu6), {1, 5, 10}, w), {0, 3, 6});
}

TEST_CASE("reference fully_connected: weight out x in, at every pixel") {
  const OpWeights w{{1, 2, 3,    // o0
                     0, -1, 1},  // o1
                    {0.5f, 0}};
  const auto y = run_one({1, 1, 2, 3}, FullyConnected{2, true, false, Activation::relu}, {1, 1, 1, 2, 3, 1}, w);
  check_close(y, {6.5, 0, 2 + 6 + 3 + 0.5, 0});  // o1 at pixel 1 is −3 + 1 = −2, clamped by relu
}

TEST_CASE("reference attention on two tokens by hand: scores, softmax per head, weighted values") {
  // A 1x2 image (2 tokens) holding fused QKV for 2 heads of dim 1: channels [q0 k0 v0 | q1 k1 v1].
  NetworkBuilder b("attn", "", {1, 1, 2, 6}, Where("test"));
  b.add("scores", {"input", "input"}, Matmul{2, {0, 1}, {1, 1}, true, 0.5});
  b.add("probs", {"scores"}, Softmax{2});
  b.add("av", {"probs", "input"}, Matmul{2, {0, 2}, {2, 1}, false, 1.0});
  const Network net = std::move(b).finish("av");
  const std::vector<float> x{1, 2,  3, 0, 1, 5,   // token 0
                             2, -1, 4, 1, 1, 7};  // token 1
  const auto out = reference_run(net, {{}, {}, {}}, x);

  // scores, channel = head·tokens + s: head 0 = 0.5·q0[t]·k0[s] with q0 = (1, 2), k0 = (2, −1);
  // head 1 with q1 = (0, 1), k1 = (1, 1).
  check_close(out[0], {1, -0.5, 0, 0,  //
                       2, -1, 0.5, 0.5});
  // softmax of two logits: the first gets sigmoid(difference).
  const double p0 = sigmoid(1 - -0.5), p1 = sigmoid(2 - -1);
  check_close(out[1], {p0, 1 - p0, 0.5, 0.5,  //
                       p1, 1 - p1, 0.5, 0.5});
  // av: head 0 mixes v0 = (3, 4), head 1 mixes v1 = (5, 7) with equal weights.
  check_close(out[2], {3 * p0 + 4 * (1 - p0), 6,  //
                       3 * p1 + 4 * (1 - p1), 6});
}

TEST_CASE("reference matmul: channel views with offsets and different token counts") {
  // A: 1x3 image, 4 channels, 2 heads of 2 channels; view offset 1 size 1 reads channels 1 and 3.
  // B: one token of 2 channels, 2 heads of 1 channel: B_0 = b[0], B_1 = b[1]. transpose_b: out = A_i·B_iᵀ.
  NetworkBuilder nb("mm", "", {1, 1, 1, 14}, Where("test"));
  nb.add("a_flat", {"input"}, Slice{0, 12});
  nb.add("a", {"a_flat"}, Reshape{{1, 1, 3, 4}});
  nb.add("b", {"input"}, Slice{12, 14});
  nb.add("mm", {"a", "b"}, Matmul{2, {1, 1}, {0, 1}, true, 2.0});
  const Network net = std::move(nb).finish("mm");
  const std::vector<float> x{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 10, 100};
  const auto out = reference_run(net, make_weights(net, 0), x);
  check_close(out[3], {2 * 1 * 10, 2 * 2 * 100,  //
                       2 * 3 * 10, 2 * 4 * 100,  //
                       2 * 5 * 10, 2 * 6 * 100});
}

TEST_CASE("reference matmul without transpose contracts A's columns with B's tokens") {
  // One head. A: 2 tokens x 3 columns; B: 3 tokens x 2 channels (offset 1 of 3). out = 0.5·A·B.
  NetworkBuilder nb("mm", "", {1, 1, 1, 15}, Where("test"));
  nb.add("a_flat", {"input"}, Slice{0, 6});
  nb.add("a", {"a_flat"}, Reshape{{1, 2, 1, 3}});
  nb.add("b_flat", {"input"}, Slice{6, 15});
  nb.add("b", {"b_flat"}, Reshape{{1, 3, 1, 3}});
  nb.add("mm", {"a", "b"}, Matmul{1, {0, 3}, {1, 2}, false, 0.5});
  const Network net = std::move(nb).finish("mm");
  const std::vector<float> x{1, 2, 3, 4, 5, 6,            // A rows
                             9, 1, 2, 9, 3, 4, 9, 5, 6};  // B rows; column 0 is skipped by the view
  const auto out = reference_run(net, make_weights(net, 0), x);
  // A·B[:, 1:3] = [[1+6+15, 2+8+18], [4+15+30, 8+20+36]] = [[22, 28], [49, 64]]
  check_close(out[4], {11, 14, 24.5, 32});
}

TEST_CASE("reference softmax normalises each group of channels separately") {
  const auto y = run_one({1, 1, 1, 4}, Softmax{2}, {0, 0, 1000, 1000 + std::log(3.0f)});
  check_close(y, {0.5, 0.5, 0.25, 0.75});  // no overflow at 1000: the max is subtracted
}

TEST_CASE("reference group_norm: biased statistics over each group's channels and pixels") {
  // 2 pixels x 4 channels, 2 groups. Group 0 values {1, 3, 5, 7}: mean 4, variance 5.
  // Group 1 values {0, 0, 2, 2}: mean 1, variance 1.
  const std::vector<float> x{1, 3, 0, 0, 5, 7, 2, 2};
  const OpWeights w{{1, 2, 1, 1}, {0, 0, 0, 10}};
  const double s = 1 / std::sqrt(5.0);
  check_close(run_one({1, 1, 2, 4}, GroupNorm{2, 0.0}, x, w), {-3 * s, 2 * -1 * s, -1, -1 + 10,  //
                                                               1 * s, 2 * 3 * s, 1, 1 + 10});
}

TEST_CASE("reference group_norm keeps the samples of a batch apart") {
  const std::vector<float> x{1, 3, 10, 30};  // sample 0: {1, 3}; sample 1: {10, 30}
  check_close(run_one({2, 1, 1, 2}, GroupNorm{1, 0.0}, x, {{1, 1}, {0, 0}}), {-1, 1, -1, 1});
}

TEST_CASE("reference layer_norm: per pixel over channels, with eps inside the root") {
  const std::vector<float> x{1, 2, 3, 4, -2, 0, 0, 2};
  const OpWeights w{{1, 1, 2, 1}, {0, 0, 0, 1}};
  const double s0 = 1 / std::sqrt(1.25 + 0.75), s1 = 1 / std::sqrt(2 + 0.75);  // variances 1.25 and 2
  check_close(run_one({1, 2, 1, 4}, LayerNorm{0.75}, x, w), {-1.5 * s0, -0.5 * s0, 2 * 0.5 * s0, 1.5 * s0 + 1,  //
                                                             -2 * s1, 0, 0, 2 * s1 + 1});
}

TEST_CASE("reference batch_norm is the per-channel affine of its folded weights") {
  check_close(run_one({1, 1, 2, 2}, BatchNorm{}, {1, 2, 3, 4}, {{2, -1}, {0.5f, 1}}), {2.5, -1, 6.5, -3});
}

TEST_CASE("reference add and multiply, with the second input broadcast over pixels") {
  // inputs[0] = slice [0, 4) as 1x2x1x2; inputs[1] = the same shape or 1x1x1x2 (channels 4, 5).
  NetworkBuilder nb("bin", "", {1, 1, 1, 6}, Where("test"));
  nb.add("a_flat", {"input"}, Slice{0, 4});
  nb.add("a", {"a_flat"}, Reshape{{1, 2, 1, 2}});
  nb.add("gate", {"input"}, Slice{4, 6});
  nb.add("sum", {"a", "a"}, Add{});
  nb.add("scaled", {"a", "gate"}, Multiply{});
  nb.add("shifted", {"a", "gate"}, Add{});
  const Network net = std::move(nb).finish("shifted");
  const auto out = reference_run(net, make_weights(net, 0), {1, 2, 3, 4, 10, -1});
  check_close(out[3], {2, 4, 6, 8});
  check_close(out[4], {10, -2, 30, -4});
  check_close(out[5], {11, 1, 13, 3});
}

TEST_CASE("reference avg_pool counts padded zeros in the divisor, max_pool ignores padded cells") {
  // 2x2 image, 3x3 window, stride 1, padding 1: every window covers all 4 cells plus 5 padded ones.
  const std::vector<float> x{-1, -2, -3, -4};
  const Padding p{1, 1, 1, 1};
  check_close(run_one({1, 2, 2, 1}, AvgPool{{3, 3}, {1, 1}, p}, x), {-10 / 9.0, -10 / 9.0, -10 / 9.0, -10 / 9.0});
  check_close(run_one({1, 2, 2, 1}, MaxPool{{3, 3}, {1, 1}, p}, x), {-1, -1, -1, -1});  // not the padded 0
  // 2x2 stride 2 on a 2x4 image: two windows per channel, two channels.
  const std::vector<float> y{1, 10, 2, 20, 3, 30, 4, 40,  //
                             5, 50, 6, 60, 7, 70, 8, 80};
  check_close(run_one({1, 2, 4, 2}, AvgPool{{2, 2}, {2, 2}, {}}, y), {3.5, 35, 5.5, 55});
  check_close(run_one({1, 2, 4, 2}, MaxPool{{2, 2}, {2, 2}, {}}, y), {6, 60, 8, 80});
}

TEST_CASE("reference avg_pool with count_include_pad false divides by the window's input cells, as PyTorch") {
  // The values PyTorch 1.13 gives for this 3x3 image 1..9.
  const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  // AvgPool2d(3, 1, 1, count_include_pad=False): corners average 4 cells, edges 6, the centre 9.
  check_close(run_one({1, 3, 3, 1}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}, false}, x),
              {3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7});
  // AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) (ResNet-D's shortcut): ceil_mode's last row
  // and column are padding left out of the divisor, so the windows past the input average 2 cells and 1.
  const AvgPool shortcut{{2, 2}, {2, 2}, {0, 1, 0, 1}, false};
  check_close(run_one({1, 3, 3, 1}, shortcut, x), {3, 4.5, 7.5, 9});
  // PyTorch's count_include_pad=True gives the same there (its divisor stops at the padded input, here the
  // input itself), which is why import reads it as count_include_pad false. Counted, padding divides by 4:
  check_close(run_one({1, 3, 3, 1}, AvgPool{{2, 2}, {2, 2}, {0, 1, 0, 1}, true}, x), {3, 2.25, 3.75, 2.25});
}

TEST_CASE("reference global_avg_pool averages every pixel per channel") {
  check_close(run_one({1, 2, 2, 2}, GlobalAvgPool{}, {1, 10, 2, 20, 3, 30, 6, 0}), {3, 15});
}

TEST_CASE("reference upsample_nearest repeats each pixel as a block") {
  // 1x2 image -> 2x6 with scale (2, 3).
  check_close(run_one({1, 1, 2, 1}, UpsampleNearest{{2, 3}}, {1, 2}), {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
}

TEST_CASE("reference slice, concat, reshape and pad move data only") {
  NetworkBuilder nb("data", "", {1, 1, 2, 3}, Where("test"));
  nb.add("mid", {"input"}, Slice{1, 3});
  nb.add("cat", {"mid", "input"}, Concat{});
  nb.add("flat", {"cat"}, Reshape{{1, 1, 1, 10}});
  nb.add("padded", {"input"}, Pad{{1, 0, 0, 1}});  // a zero row on top, a zero column on the right
  const Network net = std::move(nb).finish("padded");
  const auto out = reference_run(net, make_weights(net, 0), {1, 2, 3, 4, 5, 6});
  check_close(out[0], {2, 3, 5, 6});
  check_close(out[1], {2, 3, 1, 2, 3, 5, 6, 4, 5, 6});
  check_close(out[2], {2, 3, 1, 2, 3, 5, 6, 4, 5, 6});
  check_close(out[3], {0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                       1, 2, 3, 4, 5, 6, 0, 0, 0});
}

TEST_CASE("reference channel_shuffle transposes groups x channels-per-group, and has no weights") {
  // 2 pixels of 6 channels, 2 groups of 3: output channel j·2 + g is input channel g·3 + j.
  check_close(run_one({1, 1, 2, 6}, ChannelShuffle{2}, {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}),
              {0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15});
  // 3 groups of 2: [a0 a1 | b0 b1 | c0 c1] -> [a0 b0 c0 a1 b1 c1].
  check_close(run_one({1, 1, 1, 6}, ChannelShuffle{3}, {0, 1, 2, 3, 4, 5}), {0, 2, 4, 1, 3, 5});
  const Network net = one_op({1, 3, 3, 6}, ChannelShuffle{3});
  const NetworkWeights w = make_weights(net, 7);
  CHECK(w.at(0).weight.empty());
  CHECK(w.at(0).bias.empty());
}

TEST_CASE("reference pixel_shuffle puts channel c·r² + i·r + j at row i, column j of channel c's block, as PyTorch") {
  // One pixel of 8 channels, r = 2: channel c of block position (i, j) is input channel 4c + 2i + j
  // (PyTorch's F.pixel_shuffle of arange(8) gives these, NHWC).
  check_close(run_one({1, 1, 1, 8}, PixelShuffle{2}, {0, 1, 2, 3, 4, 5, 6, 7}), {0, 4, 1, 5, 2, 6, 3, 7});
  // Two pixels side by side of 4 channels: each becomes a 2x2 block of one channel, blocks side by side.
  check_close(run_one({1, 1, 2, 4}, PixelShuffle{2}, {0, 1, 2, 3, 10, 11, 12, 13}), {0, 1, 10, 11, 2, 3, 12, 13});
  const Network net = one_op({1, 3, 3, 18}, PixelShuffle{3});
  CHECK(net.shapes[0] == ShapeNhwc{1, 9, 9, 2});
  CHECK(make_weights(net, 7).at(0).weight.empty());
}

TEST_CASE(
    "reference window_partition rolls, cuts windows in row-major order and puts them back, cropping a padded map") {
  // A 2 x 4 map of one channel (values 0..7), two 2 x 2 windows, the roll by one column (torch.roll(x, -1, 2)).
  const std::vector<float> map{0, 1, 2, 3, 4, 5, 6, 7};
  check_close(run_one({1, 2, 4, 1}, WindowPartition{{2, 2}, {1, 2}, {0, 1}, false, false, {0, 0}}, map),
              {1, 2, 5, 6, 3, 0, 7, 4});
  check_close(
      run_one({2, 2, 2, 1}, WindowPartition{{2, 2}, {1, 2}, {0, 1}, true, false, {0, 0}}, {1, 2, 5, 6, 3, 0, 7, 4}),
      {0, 1, 2, 3, 4, 5, 6, 7});
  check_close(
      run_one({2, 2, 2, 1}, WindowPartition{{2, 2}, {1, 2}, {0, 1}, true, false, {2, 3}}, {1, 2, 5, 6, 3, 0, 7, 4}),
      {0, 1, 2, 4, 5, 6});
  // Patch merging: window pixel (r, s) at (s, r), so the channels read x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2],
  // x[1::2, 1::2].
  check_close(run_one({1, 2, 2, 1}, WindowPartition{{2, 2}, {1, 1}, {0, 0}, false, true, {0, 0}}, {0, 1, 2, 3}),
              {0, 2, 1, 3});
  CHECK(make_weights(one_op({1, 2, 4, 1}, WindowPartition{{2, 2}, {1, 2}, {0, 0}, false, false, {0, 0}}), 7)
            .at(0)
            .weight.empty());
}

TEST_CASE("reference clamp bounds each value by min and max, either of which may be absent") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<float> x{-2, -0.5f, 0, 0.7f, 3};
  check_close(run_one({1, 1, 1, 5}, Clamp{-0.5, 0.5}, x), {-0.5, -0.5, 0, 0.5, 0.5});
  check_close(run_one({1, 1, 1, 5}, Clamp{-inf, 0.5}, x), {-2, -0.5, 0, 0.5, 0.5});
  check_close(run_one({1, 1, 1, 5}, Clamp{-1, inf}, x), {-1, -0.5, 0, 0.7, 3});
  // The bound as float32, as PyTorch clamps a float tensor: 1/3 is 0.3333333432674408 then.
  CHECK(run_one({1, 1, 1, 1}, Clamp{-inf, 1.0 / 3}, {1})[0] == static_cast<float>(1.0 / 3));
}

// ---------------------------------------------------------------------------------------------------
// Op kinds of the model-zoo families

namespace {

ConvTranspose2d conv_transpose(int64_t out, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                               Padding padding, std::array<int64_t, 2> output_padding = {0, 0}, int64_t groups = 1,
                               bool bias = false) {
  ConvTranspose2d c;
  c.out_channels = out;
  c.kernel = kernel;
  c.stride = stride;
  c.padding = padding;
  c.output_padding = output_padding;
  c.groups = groups;
  c.bias = bias;
  return c;
}

}  // namespace

TEST_CASE("reference conv_transpose2d: stride 2, kernel 2 places a scaled copy of the kernel per input pixel") {
  // Input 2x2 = (1 2; 3 4), kernel (1 2; 3 4): output block (iy, ix) = x[iy][ix]·kernel, no flip.
  const auto y = run_one({1, 2, 2, 1}, conv_transpose(1, {2, 2}, {2, 2}, {}), {1, 2, 3, 4}, {{1, 2, 3, 4}, {}});
  check_close(y, {1, 2, 2, 4,  //
                  3, 4, 6, 8,  //
                  3, 6, 4, 8,  //
                  9, 12, 12, 16});
}

TEST_CASE("reference conv_transpose2d: overlaps add, padding crops, output_padding uncrops at the end") {
  // A 1x2 image (1, 2), kernel 1x3 (1, 10, 100), stride 2: the full output row is
  // (1, 10, 100 + 2, 20, 200), 5 wide. Padding left 1 and right 1 crops it to (10, 102, 20);
  // output_padding 1 makes the output 4 wide, so column 3 is full column 4: 200.
  const OpWeights w{{1, 10, 100}, {}};
  check_close(run_one({1, 1, 2, 1}, conv_transpose(1, {1, 3}, {1, 2}, {0, 0, 1, 1}), {1, 2}, w), {10, 102, 20});
  check_close(run_one({1, 1, 2, 1}, conv_transpose(1, {1, 3}, {1, 2}, {0, 0, 1, 1}, {0, 1}), {1, 2}, w),
              {10, 102, 20, 200});
  // Kernel 1, stride 2, output_padding 1: columns no input reaches hold the bias only.
  check_close(run_one({1, 1, 2, 1}, conv_transpose(1, {1, 1}, {1, 2}, {}, {0, 1}, 1, true), {1, 2}, {{3}, {0.5f}}),
              {3.5, 0.5, 6.5, 0.5});
  // Out = (in − 1)·stride − pad_before − pad_after + kernel + output_padding.
  const Network net = one_op({1, 7, 7, 4}, conv_transpose(2, {4, 4}, {2, 2}, {1, 1, 1, 1}));
  CHECK(net.shapes[0] == ShapeNhwc{1, 14, 14, 2});
}

TEST_CASE("reference conv_transpose2d: groups, weights Cout x kh x kw x Cin/groups") {
  // One pixel, 4 input channels, groups 2, 4 outputs, 1x1 kernel: as a grouped 1x1 conv.
  const OpWeights w{{1, 0,    // o0 = x0
                     1, 1,    // o1 = x0 + x1
                     0, 1,    // o2 = x3
                     2, -1},  // o3 = 2·x2 − x3
                    {}};
  check_close(run_one({1, 1, 1, 4}, conv_transpose(4, {1, 1}, {1, 1}, {}, {0, 0}, 2), {1, 2, 3, 4}, w), {1, 3, 4, 2});
  // 2 input channels to 1 output, kernel 1x2, stride 1: weights [o][kx][i] = (1, 10 | 100, 1000).
  const OpWeights w2{{1, 10, 100, 1000}, {}};
  check_close(run_one({1, 1, 1, 2}, conv_transpose(1, {1, 2}, {1, 1}, {}), {1, 2}, w2), {1 + 20, 100 + 2000});
}

TEST_CASE("reference upsample_nearest to a size follows PyTorch: source = floor(dst·in/out)") {
  // 3 -> 7 rows: floor(0, 3/7, 6/7, 9/7, 12/7, 15/7, 18/7) = 0, 0, 0, 1, 1, 2, 2.
  check_close(run_one({1, 3, 1, 1}, UpsampleNearest{{0, 0}, {7, 1}}, {10, 20, 30}), {10, 10, 10, 20, 20, 30, 30});
  // 7 -> 3 columns: floor(0, 7/3, 14/3) = 0, 2, 4.
  check_close(run_one({1, 1, 7, 1}, UpsampleNearest{{0, 0}, {1, 3}}, {0, 1, 2, 3, 4, 5, 6}), {0, 2, 4});
  // 2x2 -> 3x4 on two channels: rows 0, 0, 1; columns 0, 0, 1, 1.
  check_close(run_one({1, 2, 2, 2}, UpsampleNearest{{0, 0}, {3, 4}}, {1, -1, 2, -2, 3, -3, 4, -4}),
              {1, -1, 1, -1, 2, -2, 2, -2,  //
               1, -1, 1, -1, 2, -2, 2, -2,  //
               3, -3, 3, -3, 4, -4, 4, -4});
}

TEST_CASE("reference resize_bilinear: half-pixel centres clamped at the edges, and aligned corners") {
  // align_corners false, 2 -> 4: src = max(0, (d + 0.5)/2 − 0.5) = 0 (clamped from −0.25), 0.25, 0.75,
  // 1.25 (its right neighbour clamped to the last pixel): on (0, 4) that is 0, 1, 3, 4.
  check_close(run_one({1, 1, 2, 1}, ResizeBilinear{{1, 4}, false}, {0, 4}), {0, 1, 3, 4});
  // align_corners true: src = d·(2 − 1)/(4 − 1) = 0, 1/3, 2/3, 1.
  check_close(run_one({1, 1, 2, 1}, ResizeBilinear{{1, 4}, true}, {0, 4}), {0, 4 / 3.0, 8 / 3.0, 4});
  // 4 -> 2, align_corners false: src = 0.5 and 2.5; true: 0 and 3.
  check_close(run_one({1, 4, 1, 1}, ResizeBilinear{{2, 1}, false}, {0, 1, 2, 3}), {0.5, 2.5});
  check_close(run_one({1, 4, 1, 1}, ResizeBilinear{{2, 1}, true}, {0, 1, 2, 3}), {0, 3});
  // Both axes: 2x2 (0 1; 2 3) -> 3x3 aligned corners is the bilinear grid with midpoints.
  check_close(run_one({1, 2, 2, 1}, ResizeBilinear{{3, 3}, true}, {0, 1, 2, 3}), {0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3});
  // A one-pixel output: aligned corners read the first pixel; half-pixel centres read src = 2/2 − 0.5 = 0.5.
  check_close(run_one({1, 1, 2, 1}, ResizeBilinear{{1, 1}, true}, {5, 7}), {5});
  check_close(run_one({1, 1, 2, 1}, ResizeBilinear{{1, 1}, false}, {5, 7}), {6});
}

TEST_CASE("reference layer_scale, attention_bias and head_mix by hand") {
  check_close(run_one({1, 1, 2, 2}, LayerScale{}, {1, 2, 3, 4}, {{2, -0.5f}, {}}), {2, -1, 6, -2});
  // Scores 1x1x2 queries x (2 heads · 2 keys); the gathered bias is added element by element, and the
  // same bias to every sample.
  const std::vector<float> bias{1, 2, 3, 4, 5, 6, 7, 8};
  check_close(run_one({2, 1, 2, 4}, AttentionBias{2, 3}, std::vector<float>(16, 1.0f), {bias, {}}),
              {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8, 9});
  // 2 heads of 2 keys at one query: x = (1 2 | 3 4), W = (1 1; 2 −1), b = (0, 10):
  // head 0 = x_0 + x_1 = (4, 6); head 1 = 2·x_0 − x_1 + 10 = (9, 10).
  check_close(run_one({1, 1, 1, 4}, HeadMix{2, true}, {1, 2, 3, 4}, {{1, 1, 2, -1}, {0, 10}}), {4, 6, 9, 10});
  check_close(run_one({1, 1, 1, 4}, HeadMix{2, false}, {1, 2, 3, 4}, {{1, 1, 2, -1}, {}}), {4, 6, -1, 0});
}

TEST_CASE("reference class_token by hand: per sample the tokens, then the pixels") {
  // 2 samples of 2 pixels x 2 channels; one token (9, 8).
  check_close(run_one({2, 1, 2, 2}, ClassToken{1}, {1, 2, 3, 4, 5, 6, 7, 8}, {{9, 8}, {}}),
              {9, 8, 1, 2, 3, 4, 9, 8, 5, 6, 7, 8});
}

TEST_CASE("make_weights for conv_transpose2d, layer_scale, attention_bias and head_mix") {
  NetworkBuilder b("zoo-ops", "", {1, 7, 7, 8}, Where("test"));
  ConvTranspose2d up = conv_transpose(6, {4, 4}, {2, 2}, {1, 1, 1, 1}, {0, 0}, 2, true);
  b.add("up", {"input"}, up);  // 14x14x6
  b.add("scale", {"up"}, LayerScale{});
  b.add("scores", {"input"}, Reshape{{1, 7, 7, 8}});  // 49 queries, 2 heads x 4 keys
  b.add("bias", {"scores"}, AttentionBias{2, 3});
  b.add("mix", {"bias"}, HeadMix{2, true});
  up.batch_norm = true;
  up.bias = false;
  b.add("up_bn", {"input"}, up);
  const Network net = std::move(b).finish("mix");
  const NetworkWeights w = make_weights(net, 1);

  // [Cout][kh][kw][Cin/groups]; PyTorch's bound 1/√fan_in with fan_in = Cout/groups·kh·kw = 3·16.
  CHECK(w[0].weight.size() == 6 * 4 * 4 * 4);
  CHECK(w[0].bias.size() == 6);
  const float bound = 1.0f / std::sqrt(48.0f);
  for (float v : w[0].weight) {
    CHECK(v >= -bound);
    CHECK(v < bound);
  }
  CHECK(w[5].weight.size() == 6 * 4 * 4 * 4);
  CHECK(w[5].bias.size() == 6);  // created by the folded BatchNorm

  CHECK(w[1].weight.size() == 6);  // gamma, well conditioned (not the models' 1e-5 init)
  CHECK(w[1].bias.empty());
  for (float v : w[1].weight) {
    CHECK(v >= 0.5f);
    CHECK(v < 1.5f);
  }

  // One value per (query, head, key), from a 2 x 3 table through table[h][(q·Lk + s) mod 3]: every
  // head repeats its 3 values with period 3 along the flattened (query, key) axis.
  REQUIRE(w[3].weight.size() == 49 * 8);
  CHECK(w[3].bias.empty());
  for (size_t q = 0; q < 49; ++q)
    for (size_t h = 0; h < 2; ++h)
      for (size_t s = 0; s < 4; ++s) {
        const size_t flat = q * 4 + s;
        CHECK(w[3].weight[q * 8 + h * 4 + s] == w[3].weight[h * 4 + flat % 3]);
      }
  CHECK(w[3].weight[0] != w[3].weight[1]);
  CHECK(w[3].weight[0] != w[3].weight[4]);  // heads draw from their own rows of the table

  CHECK(w[4].weight.size() == 4);  // [heads][heads]
  CHECK(w[4].bias.size() == 2);
}
