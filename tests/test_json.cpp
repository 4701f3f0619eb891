// Macro and expanded JSON forms load, validate and round-trip.
#include <catch2/catch.hpp>

#include "space/count.hpp"
#include "space/zoo.hpp"

using namespace cpx;

TEST_CASE("every zoo network round-trips through the expanded JSON form") {
  for (const auto& e : zoo()) {
    INFO(e.name);
    const Network net = e.build(0);
    const Json j = to_json(net);
    const Network back = read_network(j, "roundtrip.json");
    CHECK(to_json(back) == j);
    CHECK(back.shapes == net.shapes);
    CHECK(count(back).total.macs == count(net).total.macs);
    // and through text
    CHECK(to_json(read_network(Json::parse(j.dump()), "text.json")) == j);
  }
}

TEST_CASE("every CPUBone macro round-trips and expands to the same network") {
  for (const auto& e : zoo()) {
    if (!e.macro) continue;
    INFO(e.name);
    const Json j = to_json(*e.macro);
    CHECK(j["schema"] == "cpubone-explore/macro/v1");
    const Macro back = read_macro(Json::parse(j.dump()), "macro.json");
    CHECK(to_json(back) == j);
    CHECK(to_json(expand(back, "macro.json")) == to_json(e.build(0)));
  }
}

TEST_CASE("macro defaults and grouped aliases") {
  const Json j = Json::parse(R"({
    "schema": "cpubone-explore/macro/v1", "name": "tiny",
    "stem": {"width": 8},
    "stages": [
      {"width": 16, "down": {"type": "grfumbconv"}, "block": {"type": "fumbconv", "kernel": 2}, "depth": 1},
      {"width": 32, "down": {"type": "grmbconv", "kernel": 2, "expansion": 2}, "block": {"type": "cpubone", "attention_stride": 2}, "depth": 1},
      {"width": 32, "block": {"type": "dsconv"}, "depth": 2}
    ],
    "head": {"widths": [64, 96]}
  })");
  const Macro m = read_macro(j, "tiny.json");
  CHECK(m.resolution == 224);
  CHECK(std::get<FuMBConv>(*m.stages[0].down).groups == 2);
  CHECK(std::get<MBConv>(*m.stages[1].down).groups == 2);
  const Network net = expand(m, "tiny.json");
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  CHECK(net.shape_of("s0.b0.conv1") == ShapeNhwc{1, 56, 56, 64});    // 2x2/s1 keeps 56x56
  CHECK(net.shape_of("s1.b0.attn.dw") == ShapeNhwc{1, 14, 14, 32});  // token downsampling 28 -> 14
  CHECK(net.shape_of("s1.b0.attn.upsample") == ShapeNhwc{1, 28, 28, 32});
  CHECK(net.index_of("s2.b1.add") < net.ops.size());
}

TEST_CASE("the expanded form states every attribute, so files are self-describing") {
  const Json j = to_json(find_zoo("b0")->build(0));
  CHECK(j["schema"] == "cpubone-explore/network/v1");
  CHECK(j["input_nhwc"] == Json::array({1, 224, 224, 3}));
  const Json& dw = j["ops"][8];
  CHECK(dw["name"] == "s3.b0.attn.dw");
  CHECK(dw["op"] == "conv2d");
  CHECK(dw["groups"] == 128);
  CHECK(dw["padding"] == Json::array({0, 0, 0, 0}));
  CHECK(dw["batch_norm"] == true);
  CHECK(j["output"] == "head.fc2");
}

TEST_CASE("an expanded network with a channel slice, concat, pools, pad and broadcast multiply loads") {
  const Json j = Json::parse(R"({
    "schema": "cpubone-explore/network/v1", "name": "mix", "input_nhwc": [1, 9, 9, 8],
    "ops": [
      {"name": "part", "op": "slice", "inputs": ["input"], "begin": 0, "end": 2},
      {"name": "rest", "op": "slice", "inputs": ["input"], "begin": 2, "end": 8},
      {"name": "pconv", "op": "conv2d", "inputs": ["part"], "out_channels": 2, "kernel": 3, "padding": 1},
      {"name": "cat", "op": "concat", "inputs": ["pconv", "rest"]},
      {"name": "se_pool", "op": "global_avg_pool", "inputs": ["cat"]},
      {"name": "se_fc", "op": "fully_connected", "inputs": ["se_pool"], "out_features": 8, "activation": "sigmoid"},
      {"name": "gate", "op": "multiply", "inputs": ["cat", "se_fc"]},
      {"name": "padded", "op": "pad", "inputs": ["gate"], "padding": [0, 1, 0, 1]},
      {"name": "mp", "op": "max_pool", "inputs": ["padded"], "kernel": 2},
      {"name": "ap", "op": "avg_pool", "inputs": ["mp"], "kernel": 3, "stride": 1, "padding": 1},
      {"name": "flat", "op": "reshape", "inputs": ["ap"], "shape_nhwc": [1, 1, 1, 200]},
      {"name": "act", "op": "activation", "inputs": ["flat"], "function": "gelu_tanh"},
      {"name": "bn", "op": "batch_norm", "inputs": ["act"]}
    ]
  })");
  const Network net = read_network(j, "mix.json");
  CHECK(net.shape_of("cat") == ShapeNhwc{1, 9, 9, 8});
  CHECK(net.shape_of("padded") == ShapeNhwc{1, 10, 10, 8});
  CHECK(net.shape_of("mp") == ShapeNhwc{1, 5, 5, 8});
  CHECK(net.shape_of("ap") == ShapeNhwc{1, 5, 5, 8});
  CHECK(net.output == "bn");
  CHECK(count(net).layers[2].cost.macs == 9 * 9 * 2 * 2 * 9);
  CHECK(to_json(read_network(to_json(net), "again.json")) == to_json(net));
}
