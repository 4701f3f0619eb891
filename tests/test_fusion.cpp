// The executor's fusions (profiler/profile/fusion.hpp): which ops the rule folds into an earlier kernel, which it
// must leave alone, and that fused groups still match the naive reference op for op.
#include <catch2/catch.hpp>

#include "error_of.hpp"
#include "executor_check.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/profile/fusion.hpp"
#include "space/blocks.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

// input -> a: conv 1x1 (c_mid, relu) -> b: conv (c_out, kernel k, `b_act`, groups) -> add(x, b) -> post
// activation. The residual x is `a` when its shape matches b's, else the input (both computed before b).
struct Residual {
  ShapeNhwc input{1, 9, 14, 24};
  int64_t c_mid = 40, c_out = 40, kernel = 3, groups = 1;
  Activation b_act = Activation::none;
  Activation post = Activation::relu6;
  bool broadcast = false;        // add a 1x1xC tensor instead: not a residual of the same shape
  bool b_read_twice = false;     // b's output also feeds another op
  bool fully_connected = false;  // b is a fully connected op on the pixels instead of a conv

  Network build() const {
    NetworkBuilder nb("residual", "test", input, Where("test"));
    const std::string x(input_tensor);
    const std::string a = nb.add("a", {x}, same_conv(c_mid, 1, 1, 1, true, false, Activation::relu));
    const std::string b = fully_connected ? nb.add("b", {a}, FullyConnected{c_out, true, false, b_act})
                                          : nb.add("b", {a}, same_conv(c_out, kernel, 1, groups, true, false, b_act));
    const std::string residual = c_out == c_mid ? a : x;
    std::string y = broadcast ? nb.add("add", {b, nb.add("pool", {a}, GlobalAvgPool{})}, Add{})
                              : nb.add("add", {residual, b}, Add{});
    if (post != Activation::none) y = nb.add("post", {y}, ActivationOp{post});
    if (b_read_twice) y = nb.add("again", {y, b}, Add{});
    return std::move(nb).finish(y);
  }
};

size_t at(const Network& net, const std::string& name) { return net.index_of(name); }

const IgemmRule avx512{true, 32};  // the AVX-512 tile's rule: from two 16-float vectors of output channels
const IgemmRule no_igemm{};

}  // namespace

TEST_CASE("fusion rule: an igemm conv absorbs the residual add and the relu after it") {
  const Network net = Residual{}.build();
  const Fusions f = plan_fusions(net, avx512, 1);
  const size_t b = at(net, "b"), add = at(net, "add"), post = at(net, "post");
  CHECK(f.into[add] == b);
  CHECK(f.into[post] == b);
  CHECK(f.epilogue[b].residual_add == add);
  CHECK(f.epilogue[b].activation == post);
  CHECK(!f.into[b]);
  CHECK(!f.into[at(net, "a")]);  // a conv with its own relu is nobody's epilogue
}

TEST_CASE("fusion rule: without igemm only the add takes the relu, as its XNNPACK output clamp") {
  const Network net = Residual{}.build();
  const Fusions f = plan_fusions(net, no_igemm, 1);
  CHECK(!f.into[at(net, "add")]);
  CHECK(f.into[at(net, "post")] == at(net, "add"));
  CHECK(f.epilogue[at(net, "add")].activation == at(net, "post"));
  CHECK(f.epilogue[at(net, "b")].empty());
}

TEST_CASE("fusion rule: leaves alone what it cannot compute exactly") {
  auto residual_fused = [](const Residual& r) {
    const Network net = r.build();
    return plan_fusions(net, avx512, 1).into[net.index_of("add")].has_value();
  };
  Residual r;
  CHECK(residual_fused(r));
  r.b_act = Activation::relu;  // the clamp would have to come before the residual
  CHECK_FALSE(residual_fused(r));
  r = {};
  r.b_act = Activation::gelu;
  CHECK_FALSE(residual_fused(r));
  r = {};
  r.b_read_twice = true;  // b's own output is needed by another op
  CHECK_FALSE(residual_fused(r));
  r = {};
  r.broadcast = true;  // not a same-shape residual
  CHECK_FALSE(residual_fused(r));
  r = {};
  r.c_mid = r.c_out = 16;  // fewer than 32 output channels: XNNPACK runs the conv
  CHECK_FALSE(residual_fused(r));
  r = {};
  r.c_mid = r.c_out = 40;
  r.groups = 2;  // 20 per group: XNNPACK on 1 thread, igemm on several (IgemmRule)
  CHECK_FALSE(residual_fused(r));
  CHECK(plan_fusions(r.build(), avx512, 2).into[r.build().index_of("add")]);
  r = {};
  r.post = Activation::hardswish;  // the add is fused, the non-clamp activation is not
  const Network net = r.build();
  const Fusions f = plan_fusions(net, avx512, 1);
  CHECK(f.into[net.index_of("add")]);
  CHECK(!f.into[net.index_of("post")]);
}

TEST_CASE("fusion rule: the AVX2 tile takes convs from two of its 8-float vectors of output channels") {
  const IgemmRule avx2{true, 16};
  auto residual_fused = [](const Residual& r, const IgemmRule& rule) {
    const Network net = r.build();
    return plan_fusions(net, rule, 1).into[net.index_of("add")].has_value();
  };
  Residual r;
  r.c_mid = r.c_out = 16;
  CHECK(residual_fused(r, avx2));
  CHECK_FALSE(residual_fused(r, avx512));
  r.c_mid = r.c_out = 8;  // one vector: XNNPACK on either tile
  CHECK_FALSE(residual_fused(r, avx2));
  r.c_mid = r.c_out = 24;
  r.groups = 2;  // 12 per group on 1 thread: XNNPACK
  CHECK_FALSE(residual_fused(r, avx2));
}

TEST_CASE("fusion rule: a measurement's environment says which rule its executor ran") {
  const Where at("p.json", "environment");
  const IgemmRule avx2 =
      igemm_rule_of(Json{{"igemm", true}, {"igemm_tile", "AVX2 6x16"}, {"igemm_min_out_per_group", 16}}, at);
  CHECK(avx2.available);
  CHECK(avx2.min_out_per_group == 16);
  CHECK_FALSE(igemm_rule_of(Json{{"igemm", false}, {"igemm_min_out_per_group", 0}}, at).available);
  // Every environment the profiler captures says both: one missing or malformed is named.
  CHECK(error_of([&] {
          igemm_rule_of(Json{{"igemm", true}}, at);
        }) == "p.json: environment.igemm_min_out_per_group: missing required field");
  CHECK(error_of([&] {
          igemm_rule_of(Json{{"igemm", "yes"}, {"igemm_min_out_per_group", 32}}, at);
        }) == "p.json: environment.igemm = \"yes\": expected true or false");
  CHECK(error_of([&] { igemm_rule_of(Json(), at); }) == "p.json: environment = null: expected an object");
  // This machine's executor and its environment agree.
  const Json env = to_json(capture_environment(1));
  CHECK(igemm_rule_of(env, at).available == igemm_rule().available);
  if (igemm_rule().available) CHECK(igemm_rule_of(env, at).min_out_per_group == igemm_rule().min_out_per_group);
}

TEST_CASE("fusion rule: this machine's igemm takes from two of its tile's vectors of output channels") {
  const IgemmRule rule = igemm_rule();
  CHECK(rule.available == igemm_available());
  if (!rule.available) return;  // arm64 and x86 without AVX2+FMA: XNNPACK runs every conv
  // The tile names its vector width: "AVX-512 6x64" (16 floats) or "AVX2 6x16" (8 floats).
  const bool avx512 = igemm_tile().rfind("AVX-512", 0) == 0;
  CHECK(igemm_tile().rfind(avx512 ? "AVX-512" : "AVX2", 0) == 0);
  CHECK(rule.min_out_per_group == (avx512 ? 32 : 16));
  CHECK(igemm_prefers(64, rule.min_out_per_group, 1, 1));
  CHECK_FALSE(igemm_prefers(64, rule.min_out_per_group - 1, 1, 1));
}

TEST_CASE("fusion rule: the network output and a tensor read twice stay their own ops") {
  Residual r;
  r.post = Activation::none;  // the add is the network output: still fusable, it is the group's last
  Network net = r.build();
  CHECK(plan_fusions(net, avx512, 1).into[net.index_of("add")]);
  // An add read by the relu and by another op keeps its own output, so the relu cannot be fused.
  NetworkBuilder nb("two_readers", "test", {1, 6, 6, 8}, Where("test"));
  const std::string x(input_tensor);
  const std::string s = nb.add("add", {x, x}, Add{});
  const std::string y = nb.add("post", {s}, ActivationOp{Activation::relu});
  net = std::move(nb).finish(nb.add("out", {s, y}, Add{}));
  CHECK(!plan_fusions(net, avx512, 1).into[net.index_of("post")]);
}

// Fused groups against the reference: odd widths (masked vectors, partial panels), several panels,
// groups, a fully connected owner and the residual being the network input.
TEST_CASE("executor: fused residual groups match the reference") {
  std::vector<Residual> cases;
  for (int64_t c : {17, 24, 33, 40, 65, 130}) {  // 17 and 24: igemm on the AVX2 tile only
    Residual r;
    r.c_mid = r.c_out = c;
    cases.push_back(r);
  }
  Residual grouped;
  grouped.c_mid = grouped.c_out = 128;
  grouped.groups = 2;
  grouped.post = Activation::relu;
  cases.push_back(grouped);
  Residual narrow_groups = grouped;  // 12 per group: fused at 2 and 3 threads only
  narrow_groups.c_mid = narrow_groups.c_out = 48;
  narrow_groups.groups = 4;
  cases.push_back(narrow_groups);
  Residual from_input;  // the residual is the network input (24 channels: b on igemm with the AVX2 tile only)
  from_input.c_out = 24;
  cases.push_back(from_input);
  Residual wide_input;
  wide_input.input = {1, 7, 11, 48};
  wide_input.c_mid = 64;
  wide_input.c_out = 48;  // residual = the network input
  wide_input.kernel = 1;
  cases.push_back(wide_input);
  Residual fc;
  fc.fully_connected = true;
  fc.c_mid = fc.c_out = 96;
  fc.post = Activation::none;
  cases.push_back(fc);

  for (const Residual& r : cases) {
    const Network net = r.build();
    testing::ReferenceCheck o;
    o.threads = {1, 2, 3};
    o.input_scale = 4;  // reaches both ends of relu6
    testing::check_against_reference(net, o);
    // The plan fuses what the rule says at its thread count: the add's and the relu's kernels are empty
    // and point at b.
    for (size_t threads : {1, 2}) {
      const Plan plan(net, make_weights(net, 1), {threads, true});
      const Fusions f = plan_fusions(net, igemm_rule(), plan.threads());
      for (size_t i = 0; i < net.ops.size(); ++i) {
        INFO(net.ops[i].name << ": " << plan.implementation(i).how);
        CHECK(plan.implementation(i).fused_into == f.into[i]);
      }
      // Of a fused group only the last op's tensor is its own output.
      const size_t b = net.index_of("b"), add = net.index_of("add");
      if (f.into[add] == b) {
        CHECK_FALSE(plan.holds_own_output(b));
        CHECK(plan.holds_own_output(add) == (r.post == Activation::none));
      }
      CHECK(plan.holds_own_output(net.ops.size() - 1));
      if (r.c_out == r.c_mid && igemm_rule().takes(r.c_mid / r.groups, r.c_out / r.groups, r.groups, threads))
        CHECK(f.into[add] == b);
    }
  }
}
