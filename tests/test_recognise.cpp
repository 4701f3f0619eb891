// Recognition of the blocks real CNNs are made of beyond chains of convs (issue 73 item 2): branches joined
// by a concat (ShuffleNet units, ghost modules, dense layers, inception blocks), lone depthwise and 1x1
// convs, classifier heads; the same structure one kind wherever it sits; the rewrites each new kind admits.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "space/blocks.hpp"
#include "space/count.hpp"
#include "space/recognise.hpp"
#include "space/rewrite.hpp"
#include "space/zoo.hpp"
#include "block_kinds.hpp"

using namespace cpx;

namespace {

using testing::kinds_of;

Conv2d conv_relu(int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1) {
  return same_conv(out, kernel, stride, groups, false, true, Activation::relu);
}

const RecognisedBlock& block_with(const Network& net, const Recognition& r, const std::string& op) {
  const size_t i = net.index_of(op);
  for (const auto& b : r.blocks)
    if (std::find(b.ops.begin(), b.ops.end(), i) != b.ops.end()) return b;
  FAIL("no block holds " << op);
  return r.blocks.front();
}

double unrecognised_macs_share(const Network& net, const Recognition& r) {
  const NetworkCount c = count(net);
  int64_t macs = 0;
  for (size_t i : r.unrecognised) macs += c.layers[i].cost.macs;
  return static_cast<double>(macs) / static_cast<double>(c.total.macs);
}

}  // namespace

TEST_CASE("recognition: every ShuffleNetV2 unit is one shuffle_unit, at stride 1 and 2, in every stage",
          "[advise][recognise]") {
  for (const char* name : {"shufflenetv2-x1.0", "shufflenetv2-x2.0"}) {
    const Network net = find_zoo(name)->build(0);
    const Recognition r = recognise_blocks(net);
    INFO(name);
    const auto kinds = kinds_of(r);
    CHECK(kinds.at(BlockKind::shuffle_unit) == 16);  // 4 + 8 + 4 units
    for (int stage = 2; stage <= 4; ++stage)
      for (int unit : {0, 1}) {
        const std::string p = "stage" + std::to_string(stage) + ".unit" + std::to_string(unit);
        const RecognisedBlock& b = block_with(net, r, p + ".branch2.pw1");
        CHECK(b.kind == BlockKind::shuffle_unit);
        CHECK(b.output == net.index_of(p + ".shuffle"));
        CHECK(b.ops.size() ==
              7u);  // stride 2: 2 + 3 convs, concat, shuffle; stride 1: 2 slices, 3 convs, concat, shuffle
        REQUIRE(b.roles.expand);  // the main branch's 1x1 -> dw -> 1x1, for the inverted residual's rewrites
        CHECK(net.ops[*b.roles.expand].name == p + ".branch2.pw1");
        CHECK(net.ops[*b.roles.project].name == p + ".branch2.pw2");
      }
    CHECK(kinds.at(BlockKind::pointwise) == 1);   // the head's 1x1 conv
    CHECK(kinds.at(BlockKind::classifier) == 1);  // pool + linear
    CHECK(r.unrecognised == std::vector<size_t>{net.index_of("stem.pool")});
  }
}

TEST_CASE(
    "recognition: the same 1x1 -> depthwise -> 1x1 chain is an inverted residual whether or not its first 1x1 widens",
    "[advise][recognise]") {
  NetworkBuilder b("same-unit", "test", {1, 16, 16, 16}, Where("same-unit"));
  std::string x = b.add("a.expand", {std::string(input_tensor)}, conv_relu(32, 1));  // widens 16 -> 32
  x = b.add("a.dw", {x}, conv_relu(32, 3, 1, 32));
  x = b.add("a.project", {x}, same_conv(32, 1, 1, 1, false, true, Activation::none));
  x = b.add("b.expand", {x}, conv_relu(32, 1));  // keeps 32
  x = b.add("b.dw", {x}, conv_relu(32, 3, 2, 32));
  x = b.add("b.project", {x}, same_conv(24, 1, 1, 1, false, true, Activation::none));
  const Network net = std::move(b).finish(x);
  const Recognition r = recognise_blocks(net);
  REQUIRE(r.blocks.size() == 2);
  CHECK(r.blocks[0].kind == BlockKind::inverted_residual);
  CHECK(r.blocks[1].kind == r.blocks[0].kind);
  CHECK(r.unrecognised.empty());
}

TEST_CASE("recognition: ghost modules, dense layers and inception blocks are joined by their concat",
          "[advise][recognise]") {
  NetworkBuilder b("concat-joins", "test", {1, 16, 16, 16}, Where("concat-joins"));
  // A ghost module: a 1x1 conv, a depthwise conv of its output, both concatenated, sliced to 24 channels.
  std::string x = b.add("ghost.primary", {std::string(input_tensor)}, conv_relu(16, 1));
  const std::string cheap = b.add("ghost.cheap", {x}, conv_relu(16, 3, 1, 16));
  x = b.add("ghost.concat", {x, cheap}, Concat{});
  x = b.add("ghost.slice", {x}, Slice{0, 24});
  // Two dense layers: each concatenates its input with 8 new channels (BN-ReLU-1x1-3x3).
  for (const char* p : {"dense1", "dense2"}) {
    std::string h = b.add(std::string(p) + ".bn", {x}, BatchNorm{});
    h = b.add(std::string(p) + ".relu", {h}, ActivationOp{Activation::relu});
    h = b.add(std::string(p) + ".conv1", {h}, conv_relu(16, 1));
    h = b.add(std::string(p) + ".conv2", {h}, same_conv(8, 3, 1, 1, false, true, Activation::none));
    x = b.add(std::string(p) + ".concat", {x, h}, Concat{});
  }
  // An inception block: a 1x1, a 1x1 -> 3x3, and a pool -> 1x1 branch, concatenated.
  const std::string b1 = b.add("inc.b1", {x}, conv_relu(8, 1));
  const std::string b2 = b.add("inc.b2b", {b.add("inc.b2a", {x}, conv_relu(8, 1))}, conv_relu(16, 3));
  const std::string b3 =
      b.add("inc.b3b", {b.add("inc.b3a", {x}, MaxPool{{3, 3}, {1, 1}, {1, 1, 1, 1}})}, conv_relu(8, 1));
  x = b.add("inc.concat", {b1, b2, b3}, Concat{});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  const Network net = std::move(b).finish(b.add("head.fc", {x}, FullyConnected{10, true, false, Activation::none}));
  const Recognition r = recognise_blocks(net);
  std::vector<BlockKind> kinds;
  for (const auto& block : r.blocks) kinds.push_back(block.kind);
  CHECK(kinds == std::vector<BlockKind>{BlockKind::ghost_module, BlockKind::dense_layer, BlockKind::dense_layer,
                                        BlockKind::inception, BlockKind::classifier});
  CHECK(r.unrecognised.empty());
  CHECK(r.blocks[0].ops.size() == 4);  // primary, cheap, concat, slice
  CHECK(r.blocks[1].ops.size() == 5);  // bn, relu, conv1, conv2, concat
  CHECK(r.blocks[3].ops.size() == 6);
  // Each conv of these blocks takes the rewrites of its class: groups 2 on the 1x1 and dense 3x3 convs.
  std::set<std::string> grouped;
  for (const auto& s : candidate_rewrites(net, r, 8))
    for (const Rewrite& rw : s.rewrites)
      if (rw.kind == RewriteKind::group_conv) grouped.insert(rw.ops[0]);
  CHECK(grouped == std::set<std::string>{"ghost.primary", "dense1.conv1", "dense1.conv2", "dense2.conv1",
                                         "dense2.conv2", "inc.b1", "inc.b2a", "inc.b2b", "inc.b3b"});
}

TEST_CASE(
    "recognition: lone depthwise convs are token mixers and lone 1x1 convs pointwise blocks, each with its rewrites",
    "[advise][recognise]") {
  // RepViT: each block's token mixer (a depthwise 3x3, some with squeeze-excite) outside the residual MLP.
  const Network repvit = find_zoo("repvit-m1.0")->build(0);
  const Recognition r = recognise_blocks(repvit);
  const RecognisedBlock& mixer = block_with(repvit, r, "stage1.block0.mixer.dw");
  CHECK(mixer.kind == BlockKind::token_mixer);
  CHECK(mixer.roles.squeeze_excite.size() == 4);
  CHECK(block_with(repvit, r, "stage1.block1.mixer.dw").kind == BlockKind::token_mixer);
  CHECK(unrecognised_macs_share(repvit, r) < 0.01);
  // A lone 1x1 conv (MobileNetV3's head conv) groups 2; its classifier (pool, two linears) has no rewrite.
  const Network mv3 = find_zoo("mobilenetv3-large")->build(0);
  const Recognition m = recognise_blocks(mv3);
  const RecognisedBlock& head = block_with(mv3, m, "head.conv");
  CHECK(head.kind == BlockKind::pointwise);
  CHECK(block_with(mv3, m, "head.fc2").kind == BlockKind::classifier);
  CHECK(m.unrecognised.empty());
  std::map<BlockKind, std::set<RewriteKind>> by_kind;
  for (const auto& s : candidate_rewrites(mv3, m, 8))
    for (const Rewrite& rw : s.rewrites) by_kind[m.blocks[s.block].kind].insert(rw.kind);
  CHECK(by_kind[BlockKind::pointwise] == std::set<RewriteKind>{RewriteKind::group_conv});
  CHECK(!by_kind.count(BlockKind::classifier));
}

TEST_CASE(
    "recognition: GhostNetV2's ghost modules take their gate, and its bottlenecks' adds close the block before them",
    "[advise][recognise]") {
  const Network net = find_zoo("ghostnetv2-1.0")->build(0);
  const Recognition r = recognise_blocks(net);
  const RecognisedBlock& gated = block_with(net, r, "block3.ghost1.primary");
  CHECK(gated.kind == BlockKind::ghost_module);
  for (const char* op :
       {"block3.ghost1.dfc.pool", "block3.ghost1.dfc.dw5x1", "block3.ghost1.dfc.upsample", "block3.ghost1.gate"})
    CHECK(std::find(gated.ops.begin(), gated.ops.end(), net.index_of(op)) != gated.ops.end());
  CHECK(block_with(net, r, "block3.ghost2.cheap").kind == BlockKind::ghost_module);
  // A stride-2 bottleneck's add joins its second ghost module and its shortcut: it closes the later of the two.
  for (const char* add : {"block0.add", "block3.add"}) {
    const RecognisedBlock& closed = block_with(net, r, add);
    CHECK(closed.residual);
    CHECK(closed.output == net.index_of(add));
  }
  CHECK(block_with(net, r, "block0.add").kind == BlockKind::ghost_module);
  CHECK(unrecognised_macs_share(net, r) < 0.01);
}

TEST_CASE(
    "every candidate rewrite of the networks the new kinds cover keeps the output shape and lowers the MACs it says",
    "[advise][recognise]") {
  for (const char* name : {"shufflenetv2-x1.0", "ghostnetv2-1.0", "repvit-m1.0", "mobileone-s0"}) {
    const Network net = find_zoo(name)->build(0);
    const Recognition r = recognise_blocks(net);
    const int64_t macs = count(net).total.macs;
    size_t n = 0;
    for (const auto& s : candidate_rewrites(net, r, 8))
      for (const Rewrite& rw : s.rewrites) {
        const Rewrite one[] = {rw};
        const Network out = apply_rewrites(net, one);
        INFO(name << ": " << to_string(rw.kind) << " on " << rw.ops[0]);
        CHECK(out.shape_of(out.output) == net.shape_of(net.output));
        const int64_t after = count(out).total.macs;
        if (rw.kind == RewriteKind::round_channels || rw.kind == RewriteKind::unfuse_mbconv ||
            rw.kind == RewriteKind::fuse_mbconv)
          CHECK(after != macs);
        else CHECK(after < macs);
        ++n;
      }
    INFO(name);
    CHECK(n > 0);
  }
}
