// The reparameterize rewrite (issue 72 item 3): parallel branches on one input, summed, merge into one conv
// whose weights are computed from the branches', and the merged network computes the original's function.
#include <catch2/catch.hpp>

#include <cmath>

#include "profiler/executor/plan.hpp"
#include "profiler/executor/reference.hpp"
#include "space/blocks.hpp"
#include "space/recognise.hpp"
#include "space/reparam.hpp"
#include "space/rewrite.hpp"

using namespace cpx;

namespace {

std::vector<float> reparam_executor_output(const Network& net, const profiler::NetworkWeights& w) {
  profiler::Plan plan(net, w, {1, false});
  const std::vector<float> in = profiler::make_input(net.input, 5);
  std::copy(in.begin(), in.end(), plan.input().begin());
  plan.run();
  return {plan.output().begin(), plan.output().end()};
}

// The largest difference relative to the larger output's largest magnitude.
double reparam_relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(a[i])));
  }
  return d / scale;
}

Conv2d reparam_conv(int64_t out, std::array<int64_t, 2> kernel, int64_t stride, int64_t groups, bool bias) {
  Conv2d c;
  c.out_channels = out;
  c.kernel = kernel;
  c.stride = {stride, stride};
  c.padding = {kernel[0] / 2, kernel[0] / 2, kernel[1] / 2, kernel[1] / 2};
  c.groups = groups;
  c.bias = bias;
  c.batch_norm = !bias;
  return c;
}

// RepVGG's downsampling block at odd sizes: a grouped 3x3/s2 and a 1x1/s2 (a BatchNorm folded, no bias),
// no identity, then ReLU; a stem before it and a pool after.
Network strided_grouped_branches() {
  NetworkBuilder b("reparam-strided", "test", {1, 13, 11, 8}, Where("reparam-strided"));
  const std::string x =
      b.add("stem", {std::string(input_tensor)}, same_conv(8, 3, 1, 1, true, false, Activation::relu));
  const std::string k3 = b.add("blk.dense", {x}, reparam_conv(12, {3, 3}, 2, 2, true));
  const std::string k1 = b.add("blk.one", {x}, reparam_conv(12, {1, 1}, 2, 2, false));
  const std::string sum = b.add("blk.add", {k3, k1}, Add{});
  const std::string y = b.add("blk.relu", {sum}, ActivationOp{Activation::relu});
  return std::move(b).finish(b.add("after", {y}, same_conv(4, 1, 1, 1, true, false, Activation::none)));
}

// MobileOne's depthwise unit with k = 2 over-parameterised 5x5 branches, a 3x3, a 1x1, an identity
// BatchNorm and a plain skip, summed in a right-nested tree (the other branches first), no activation.
Network depthwise_branches_with_identity() {
  NetworkBuilder b("reparam-dw", "test", {1, 9, 7, 6}, Where("reparam-dw"));
  const std::string x =
      b.add("stem", {std::string(input_tensor)}, same_conv(6, 1, 1, 1, true, false, Activation::relu));
  const std::string k5a = b.add("u.k5a", {x}, reparam_conv(6, {5, 5}, 1, 6, true));
  const std::string k3 = b.add("u.k3", {x}, reparam_conv(6, {3, 3}, 1, 6, true));
  const std::string k5b = b.add("u.k5b", {x}, reparam_conv(6, {5, 5}, 1, 6, true));
  const std::string k1 = b.add("u.k1", {x}, reparam_conv(6, {1, 1}, 1, 6, true));
  const std::string bn = b.add("u.bn", {x}, BatchNorm{});
  const std::string s1 = b.add("u.add1", {k1, x}, Add{});
  const std::string s2 = b.add("u.add2", {bn, s1}, Add{});
  const std::string s3 = b.add("u.add3", {k5b, s2}, Add{});
  const std::string s4 = b.add("u.add4", {k3, s3}, Add{});
  const std::string s5 = b.add("u.add5", {k5a, s4}, Add{});
  return std::move(b).finish(b.add("after", {s5}, same_conv(3, 3, 1, 1, true, false, Activation::none)));
}

// Recognition finds the block, offers the rewrite, which applies to one conv fewer ops, carries the merged
// weights computed from the branches' and keeps the function on the executor and the reference.
void check_merges(const Network& net, const std::vector<std::string>& branches, size_t removed) {
  const Recognition r = recognise_blocks(net);
  const auto block = std::find_if(r.blocks.begin(), r.blocks.end(),
                                  [](const auto& b) { return b.kind == BlockKind::parallel_branches; });
  REQUIRE(block != r.blocks.end());
  CHECK(net.ops[*block->roles.spatial].name == branches[0]);
  std::vector<Rewrite> offered;
  for (const BlockRewrites& br : candidate_rewrites(net, r, 16))
    if (br.block == static_cast<size_t>(block - r.blocks.begin())) offered = br.rewrites;
  REQUIRE(offered.size() == 1);
  const Rewrite& rw = offered[0];
  CHECK(rw.kind == RewriteKind::reparameterize);
  CHECK(rw.ops == branches);
  CHECK(keeps_function(rw, net));
  const Network out = apply_rewrites(net, offered);
  CHECK(out.ops.size() == net.ops.size() - removed);
  const profiler::NetworkWeights w = profiler::make_weights(net, 7);
  const profiler::CarriedWeights carried = profiler::carry_weights(net, w, out, 99, offered);
  CHECK(carried.fresh_ops.empty());
  CHECK(carried.merged_ops == std::vector<std::string>{branches[0]});
  const std::vector<float> before = reparam_executor_output(net, w),
                           after = reparam_executor_output(out, carried.weights);
  CHECK(reparam_relative_error(before, after) < 1e-5);
  const std::vector<float> in = profiler::make_input(net.input, 5);
  CHECK(reparam_relative_error(profiler::reference_run(net, w, in).back(),
                               profiler::reference_run(out, carried.weights, in).back()) < 1e-6);
  // Without the rewrites, the merged conv would hold its own branch's weights alone: the output differs.
  CHECK(reparam_relative_error(before, reparam_executor_output(out, profiler::carry_weights(net, w, out, 99).weights)) >
        1e-3);
}

}  // namespace

TEST_CASE("reparameterize: a strided grouped 3x3 and 1x1 without identity merge into one conv computing the same",
          "[advise][reparam]") {
  check_merges(strided_grouped_branches(), {"blk.dense", "blk.one"}, 2);  // the 1x1 and the add
}

TEST_CASE("reparameterize: depthwise 5x5, 5x5, 3x3, 1x1, an identity BatchNorm and a skip merge into one depthwise 5x5",
          "[advise][reparam]") {
  check_merges(depthwise_branches_with_identity(), {"u.k5a", "u.k3", "u.k5b", "u.k1"}, 9);  // 3 convs, the norm, 5 adds
}

TEST_CASE("reparameterize: branches that do not merge exactly are no block, and a rewrite naming them is refused",
          "[advise][reparam]") {
  NetworkBuilder b("reparam-no", "test", {1, 8, 8, 4}, Where("reparam-no"));
  const std::string x =
      b.add("stem", {std::string(input_tensor)}, same_conv(4, 1, 1, 1, true, false, Activation::none));
  Conv2d act = reparam_conv(4, {3, 3}, 1, 1, true);
  act.activation = Activation::relu;  // a nonlinearity on a branch
  const std::string a = b.add("a", {x}, act);
  const std::string c = b.add("c", {x}, reparam_conv(4, {1, 1}, 1, 1, true));
  const std::string s = b.add("sum", {a, c}, Add{});
  Conv2d strided = reparam_conv(4, {3, 3}, 2, 1, true);  // a strided pair after it, which merges
  const std::string d = b.add("d", {s}, strided);
  const std::string e = b.add("e", {s}, reparam_conv(4, {1, 1}, 2, 1, true));
  const Network net = std::move(b).finish(b.add("sum2", {d, e}, Add{}));
  const BranchFinder finder(net);
  CHECK_FALSE(finder.at(net.index_of("a")));
  CHECK(finder.at(net.index_of("e"))->merged == net.index_of("d"));
  for (const auto& ops : std::vector<std::vector<std::string>>{{"a", "c"}, {"e", "d"}, {"d"}}) {
    const Rewrite r[] = {{RewriteKind::reparameterize, ops, 0}};
    INFO(ops[0]);
    CHECK_THROWS_WITH(apply_rewrites(net, r),
                      Catch::Contains("not the largest and the other convs of parallel branches that merge"));
  }
  const Rewrite ok[] = {{RewriteKind::reparameterize, {"d", "e"}, 0}};
  CHECK(apply_rewrites(net, ok).ops.size() == net.ops.size() - 2);
}
