// The executor against the naive reference on every block type and on whole CPUBone networks (the ops
// one by one: test_executor.cpp).
#include <catch2/catch.hpp>

#include "executor_testers.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::profiler;
using namespace cpx::testing;

// ---------------------------------------------------------------------------------------------------
// Blocks

TEST_CASE("executor blocks: FuMBConv and GrFuMBConv") {
  for (size_t threads : thread_counts) {
    // {kernel, expansion, groups, bias per conv, activation}
    BlockTester().input(14, 14, 16).residual(true).threads(threads).test(FuMBConv{3, 4, 1});
    BlockTester().input(15, 15, 16).output_channels(32).stride(2).threads(threads).test(FuMBConv{3, 6, 2});
    BlockTester().input(8, 8, 24).residual(true).threads(threads).test(FuMBConv{2, 4, 2, {true, false}});
    BlockTester().input(9, 9, 12).residual(true).threads(threads).test(
        FuMBConv{5, 2, 4, {true, true}, Activation::gelu});
  }
}

TEST_CASE("executor blocks: MBConv and GrMBConv") {
  for (size_t threads : thread_counts) {
    BlockTester().input(14, 14, 16).residual(true).threads(threads).test(MBConv{});
    BlockTester().input(15, 15, 16).output_channels(24).stride(2).threads(threads).test(MBConv{3, 4, 2});
    BlockTester().input(8, 8, 32).residual(true).threads(threads).test(MBConv{2, 4, 2});
    BlockTester().input(7, 7, 20).residual(true).threads(threads).test(
        MBConv{5, 3, 4, {false, false, true}, {true, true, true}, Activation::relu6});
  }
}

TEST_CASE("executor blocks: DSConv with kernel and stride variants") {
  for (size_t threads : thread_counts) {
    BlockTester().input(14, 14, 16).residual(true).threads(threads).test(DSConv{});
    BlockTester().input(15, 15, 16).output_channels(32).stride(2).threads(threads).test(DSConv{3});
    BlockTester().input(8, 8, 24).output_channels(24).threads(threads).test(DSConv{2, Activation::relu});
    BlockTester().input(9, 9, 5).output_channels(23).threads(threads).test(DSConv{5, Activation::silu});
  }
}

TEST_CASE("executor blocks: CPUBone block, attention stride 1 and 2, fused and unfused local") {
  for (size_t threads : thread_counts) {
    CPUBoneBlock b;
    // 64 channels: 1 head of dim 32; below the fused threshold, so the local part is a GrFuMBConv.
    b.attention_stride = 1;
    BlockTester().input(8, 8, 64).threads(threads).test(b);
    b.attention_stride = 2;
    BlockTester().input(8, 8, 64).threads(threads).test(b);
    // 128 channels: 2 heads of dim 32; threshold 0 makes the local part a GrMBConv.
    b.fused_threshold = 0;
    BlockTester().input(6, 6, 128).threads(threads).test(b);
    b.attention_stride = 1;
    BlockTester().input(4, 4, 128).threads(threads).test(b);
    // Without attention, odd size and a 3x3 local kernel.
    CPUBoneBlock plain;
    plain.attention = false;
    plain.local_kernel = 3;
    BlockTester().input(7, 7, 32).threads(threads).test(plain);
  }
}

TEST_CASE("executor blocks: PConv (slice, conv, concat)") {
  for (size_t threads : thread_counts) {
    BlockTester().input(9, 9, 16).threads(threads).test(PConv{3, 4});
    BlockTester().input(8, 8, 23).residual(true).threads(threads).test(PConv{5, 3});
  }
}

// ---------------------------------------------------------------------------------------------------
// Whole networks

namespace {

// At 1 and 2 threads, within the whole-network tolerance (see check_network_against_reference).
void check_network(const std::string& name, int64_t resolution) {
  const ZooEntry* z = find_zoo(name);
  REQUIRE(z);
  testing::check_network_against_reference(z->build(resolution));
}

}  // namespace

TEST_CASE("every op of a plan states how it runs, and the ops XNNPACK lacks say they are emulated") {
  // (testing::compare_executor checks this for every op of every test; here it is spelled out on B0.)
  const Network net = find_zoo("b0")->build(64);
  const NetworkWeights weights = make_weights(net, 1);
  const Plan plan(net, weights);
  CHECK(testing::check_implementations(net, plan) == "");
  size_t matmuls = 0, norms = 0, gelus = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    const bool gelu = op.as<Conv2d>() && op.as<Conv2d>()->activation == Activation::gelu;
    matmuls += op.as<Matmul>() != nullptr;
    norms += op.as<GroupNorm>() != nullptr || op.as<LayerNorm>() != nullptr;
    gelus += gelu;
    if (op.as<Matmul>() || op.as<GroupNorm>() || op.as<LayerNorm>() || gelu) {
      INFO(op.name << ": " << plan.implementation(i).how);
      CHECK(plan.implementation(i).emulated);
    }
  }
  // B0 has 7 CPUBone blocks: 2 attention matmuls, 2 group norms and 1 GELU MLP each, and a LayerNorm head.
  CHECK(matmuls == 14);
  CHECK(norms == 15);
  CHECK(gelus == 7);
}

TEST_CASE("executor runs CPUBone B0 at 64x64 like the reference, op by op") { check_network("b0", 64); }

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them CPUBone B0's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs CPUBone B3 at 64x64 like the reference, op by op", "[native-only]") {
  check_network("b3", 64);
}
