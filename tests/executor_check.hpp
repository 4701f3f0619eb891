// Shared checks of the test suite: the executor (profiler::Plan) against the naive reference
// (profiler::reference_run) op by op, and a zoo network's exact totals and per-part sums.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/plan.hpp"
#include "profiler/executor/reference.hpp"
#include "profiler/profile/xnnpack_caps.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"

namespace cpx::testing {

// Accepted |got − expected| <= abs + rel·|expected| per element. The defaults are for single ops: inputs
// are O(1) and weights are bounded by 1/√fan_in, so float32 accumulation over K terms errs by about
// √K·2⁻²⁴·O(1) (< 1e-5 at the op tests' sizes), and XNNPACK's approximate exp/sigmoid are within a few
// ulp; an indexing, padding or layout mistake changes outputs by O(0.1). 1e-4 sits between the two, at
// least an order of magnitude from each.
struct Tolerance {
  double abs = 1e-4;
  double rel = 1e-4;
};

struct ReferenceCheck {
  std::vector<size_t> threads{1};  // the executor runs at each count; the reference runs once
  Tolerance tolerance;
  float input_scale = 1;  // inputs are uniform in [-scale, scale): > 1 reaches the saturating ranges
  uint64_t seed = 1;      // of the weights; the input's is seed + 1
};

inline std::string to_text(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

// "ops[3] blk.dw (conv2d {...}) reading blk.expand 1x7x7x20 -> 1x4x4x20": enough to rebuild the op.
inline std::string describe_op(const Network& net, size_t i) {
  const Op& op = net.ops[i];
  Json attrs = Json::object();
  std::visit([&](const auto& a) { a.write(attrs); }, op.attrs);
  std::string inputs;
  for (const auto& in : op.inputs) inputs += (inputs.empty() ? "" : ", ") + in + " " + net.shape_of(in).str();
  return "ops[" + std::to_string(i) + "] " + op.name + " (" + std::string(op.kind()) + " " + attrs.dump() +
         ") reading " + inputs + " -> " + net.shapes[i].str();
}

// XNNPACK (Debian 2022 build) has no matmul, group norm, layer norm, erf, tanh or swish operator, and no
// product across attention heads, so these must say they are emulated.
inline bool must_be_emulated(const Network& net, size_t i, size_t threads) {
  const Op& op = net.ops[i];
  auto emulated_activation = [](Activation a) {
    return a == Activation::gelu || a == Activation::gelu_tanh || a == Activation::silu;
  };
  const int64_t in_channels = net.shape_of(op.inputs[0]).c;
  if (op.as<Matmul>() || op.as<GroupNorm>() || op.as<LayerNorm>() || op.as<HeadMix>()) return true;
  if (const auto* a = op.as<ActivationOp>()) return emulated_activation(a->function);
  if (const auto* c = op.as<Conv2d>())
    return emulated_activation(c->activation) || profiler::runs_conv_loops(*c, in_channels) ||
           profiler::igemm_rule().takes(*c, in_channels, threads);
  if (const auto* t = op.as<ConvTranspose2d>()) return emulated_activation(t->activation);
  if (const auto* f = op.as<FullyConnected>())
    return emulated_activation(f->activation) || profiler::igemm_prefers(in_channels, f->out_features, 1, threads);
  return false;
}

// A conv or transposed conv whose activation XNNPACK fuses as an output clamp is one native operator
// (unless it is a shape our AVX-512 igemm takes over on this machine), and so are a bilinear resize, a
// per-channel scale and a standalone hardsigmoid (a 1x1 depthwise conv).
inline bool must_be_native(const Network& net, size_t i, size_t threads) {
  const Op& op = net.ops[i];
  auto clamp_fusable = [](Activation a) {
    return a == Activation::none || a == Activation::relu || a == Activation::relu6;
  };
  if (const auto* c = op.as<Conv2d>()) {
    const int64_t in_channels = net.shape_of(op.inputs[0]).c;
    const bool igemm = profiler::igemm_rule().takes(*c, in_channels, threads);
    return clamp_fusable(c->activation) && !profiler::runs_conv_loops(*c, in_channels) && !igemm;
  }
  if (const auto* t = op.as<ConvTranspose2d>()) return clamp_fusable(t->activation);
  if (const auto* a = op.as<ActivationOp>()) return a->function == Activation::hardsigmoid;
  return op.as<ResizeBilinear>() || op.as<LayerScale>();
}

// "" if every op of `plan` states how it runs, and says "emulated" exactly where it must; else the first
// op that does not.
inline std::string check_implementations(const Network& net, const profiler::Plan& plan) {
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const profiler::Implementation& impl = plan.implementation(i);
    if (impl.how.empty()) return describe_op(net, i) + ": implementation().how is empty";
    if (must_be_emulated(net, i, plan.threads()) && !impl.emulated)
      return describe_op(net, i) + ": runs as \"" + impl.how + "\" but is not marked emulated";
    if (must_be_native(net, i, plan.threads()) && impl.emulated)
      return describe_op(net, i) + ": runs as \"" + impl.how +
             "\" and is marked emulated, but XNNPACK has this operator";
  }
  return "";
}

// "" if every element of op i's output is within tolerance, else where and by how much it is not.
inline std::string compare_tensor(const Network& net, size_t i, std::span<const float> got,
                                  const std::vector<float>& expected, const Tolerance& tol) {
  if (got.size() != expected.size())
    return describe_op(net, i) + ": " + std::to_string(got.size()) + " elements, expected " +
           std::to_string(expected.size());
  size_t bad = 0, first = 0;
  double max_diff = 0;
  for (size_t k = 0; k < got.size(); ++k) {
    const double diff = std::abs(static_cast<double>(got[k]) - expected[k]);
    if (!(diff <= tol.abs + tol.rel * std::abs(expected[k]))) {  // written so that NaN fails
      if (bad++ == 0) first = k;
      max_diff = std::isnan(diff) ? diff : std::max(max_diff, diff);
    }
  }
  if (bad == 0) return "";
  const ShapeNhwc& s = net.shapes[i];
  const auto c = static_cast<int64_t>(first) % s.c, p = static_cast<int64_t>(first) / s.c;
  return describe_op(net, i) + ": " + std::to_string(bad) + " of " + std::to_string(got.size()) +
         " elements differ; first, element " + std::to_string(first) + ", at (n " + std::to_string(p / s.pixels()) +
         ", y " + std::to_string(p % s.pixels() / s.w) + ", x " + std::to_string(p % s.w) + ", c " + std::to_string(c) +
         "): got " + to_text(got[first]) + ", expected " + to_text(expected[first]) + "; max |diff| " +
         to_text(max_diff);
}

// Runs `net` in the executor at `threads` and compares it with `expected`, the reference's output of
// every op on the same `weights` and `input`. Returns "" when they agree, else a description of the first
// op that disagrees (ops are compared in execution order, so this is where the error first exceeds the
// tolerance: the culprit, or the op that amplifies an earlier one's in-tolerance error). Checks, in turn:
// every op's implementation label; every op's output (of a fused group, the last op's), twice (a second run catches
// kernels that accumulate into or depend on stale output); and the output of a plan that reuses buffers (catches
// kernels that write outside their tensor or read a buffer after its reuse).
inline std::string compare_executor(const Network& net, const profiler::NetworkWeights& weights,
                                    const std::vector<float>& input, const std::vector<std::vector<float>>& expected,
                                    size_t threads, const Tolerance& tolerance) {
  using profiler::Plan;
  auto run = [&](Plan& plan) {
    std::copy(input.begin(), input.end(), plan.input().begin());
    plan.run();
  };
  const std::string where = " [" + net.name + ", " + std::to_string(threads) + " thread(s)]";
  try {
    Plan plan(net, weights, {threads, true});
    if (std::string e = check_implementations(net, plan); !e.empty()) return e + where;
    for (int pass = 1; pass <= 2; ++pass) {
      run(plan);
      for (size_t i = 0; i < net.ops.size(); ++i)
        if (!plan.holds_own_output(i)) continue;  // fused: its group's last op holds the result, checked there
        else if (std::string e = compare_tensor(net, i, plan.tensor(i), expected[i], tolerance); !e.empty())
          return "run " + std::to_string(pass) + ": " + e + where + " implementation: " + plan.implementation(i).how;
    }
    Plan reusing(net, weights, {threads, false});
    run(reusing);
    const size_t out = net.index_of(net.output);
    if (std::string e = compare_tensor(net, out, reusing.output(), expected[out], tolerance); !e.empty())
      return "network output with buffer reuse: " + e + where + " implementation: " + reusing.implementation(out).how;
  } catch (const std::exception& e) { return std::string("the executor threw: ") + e.what() + where; }
  return "";
}

// Runs the reference once on seeded weights and input, then checks the executor against it at each of
// o.threads: one Catch2 assertion per thread count, which passes when compare_executor finds nothing and
// else fails (and the test goes on) with the first op that differs.
inline void check_against_reference(const Network& net, const ReferenceCheck& o) {
  const profiler::NetworkWeights weights = profiler::make_weights(net, o.seed);
  std::vector<float> input = profiler::make_input(net.input, o.seed + 1);
  for (float& v : input) v *= o.input_scale;
  const std::vector<std::vector<float>> expected = profiler::reference_run(net, weights, input);
  for (size_t threads : o.threads) {
    const std::string mismatch = compare_executor(net, weights, input, expected, threads, o.tolerance);
    INFO(mismatch);
    CHECK(mismatch.empty());
  }
}

// Whole networks: errors compound through 100-200 ops (each op is compared with the reference fed by the
// reference, not by the executor), and the norms rescale small differences back to O(1). Measured on an
// AVX-512 x86-64: at most 6e-6 relative on CPUBone B0 and B3, so networks get 1e-3 abs + rel, a wide
// margin for other CPUs' microkernels that is still two orders below what a broken op produces.
// Under sanitizers (-DCPX_SANITIZE) and in a cross build run under an emulator (scripts/test-arm64) every
// op still runs, but at half the resolution where the network still fits there: the instrumented or
// emulated reference is what would push the suite past the CI time.
inline Network slow_build_sized(const Network& net) {
#if defined(CPX_SANITIZED) || defined(CPX_EMULATED_TESTS)
  if (net.input.h >= 32 && net.input.w >= 32) {
    try {
      return with_input(net, {net.input.n, net.input.h / 2, net.input.w / 2, net.input.c}, net.name);
    } catch (const InputError&) {}
  }
#endif
  return net;
}

inline void check_network_against_reference(const Network& net, std::vector<size_t> threads = {1, 2},
                                            double tolerance = 1e-3) {
  ReferenceCheck o;
  o.threads = std::move(threads);
  o.tolerance = {tolerance, tolerance};
  check_against_reference(slow_build_sized(net), o);
}

// The exact counts of a zoo entry at its native resolution.
struct ZooTotals {
  const char* name;
  int64_t params, params_inference, macs;
};

struct CountedNetwork {
  Network net;
  NetworkCount count;
};

// Checks that zoo entry `expected.name` is of `family`, native at `resolution` (input 1 x r x r x 3), and
// counts exactly `expected` there. Returns its network at that resolution and the count, for further checks.
inline CountedNetwork check_zoo_totals(const ZooTotals& expected, const std::string& family, int64_t resolution = 224) {
  INFO(expected.name);
  const ZooEntry* z = find_zoo(expected.name);
  REQUIRE(z != nullptr);
  CHECK(z->family == family);
  CHECK(z->resolution == resolution);
  CountedNetwork c{z->build(0), {}};
  CHECK(c.net.input == ShapeNhwc{1, resolution, resolution, 3});
  c.count = count(c.net);
  CHECK(c.count.total.params == expected.params);
  CHECK(c.count.total.params_inference == expected.params_inference);
  CHECK(c.count.total.macs == expected.macs);
  return c;
}

// A zoo network by name at `resolution` (0: its published one), built once: the zoo tests look at the
// same networks many times.
inline const Network& zoo_net(const std::string& name, int64_t resolution = 0) {
  static std::map<std::pair<std::string, int64_t>, Network> built;
  auto it = built.find({name, resolution});
  if (it == built.end()) {
    const ZooEntry* z = find_zoo(name);
    if (!z) throw std::logic_error("no zoo entry " + name);
    it = built.emplace(std::pair{name, resolution}, z->build(resolution)).first;
  }
  return it->second;
}

// The op of `net` named `name`; a missing one fails the test, naming both.
inline const Op& op_named(const Network& net, const std::string& name) {
  const size_t i = net.index_of(name);
  if (i >= net.ops.size()) throw std::logic_error("no op " + name + " in " + net.name);
  return net.ops[i];
}
inline bool has_op(const Network& net, const std::string& name) { return net.index_of(name) < net.ops.size(); }

// Each zoo entry's top1() is the published figure given, taken from a row of its own published name.
inline void check_published_top1(std::span<const std::pair<const char*, double>> expected) {
  for (const auto& [name, top1] : expected) {
    INFO(name);
    const ZooEntry* z = find_zoo(name);
    REQUIRE(z);
    REQUIRE(z->top1());
    CHECK(*z->top1() == Approx(top1));
    REQUIRE_FALSE(z->published.empty());
    CHECK(z->published.front().model == z->published_name);
  }
}

enum class Params { inference, as_built };

// {params, MACs} summed over the ops of `net` whose names start with `prefix`; `c` is count(net).
inline std::pair<int64_t, int64_t> part_sum(const Network& net, const NetworkCount& c, std::string_view prefix,
                                            Params params = Params::inference) {
  std::pair<int64_t, int64_t> sum{0, 0};
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (std::string_view(net.ops[i].name).starts_with(prefix)) {
      const Cost& cost = c.layers[i].cost;
      sum.first += params == Params::inference ? cost.params_inference : cost.params;
      sum.second += cost.macs;
    }
  return sum;
}

// Checks that the parts of `net` named by the op-name prefixes `parts` (stem, stages, head: together
// every op) sum to `expected`, {params, MACs} per part.
inline void check_part_sums(const Network& net, std::span<const char* const> parts,
                            std::span<const std::pair<int64_t, int64_t>> expected, Params params = Params::inference) {
  REQUIRE(parts.size() == expected.size());
  const NetworkCount c = count(net);
  for (size_t k = 0; k < parts.size(); ++k) {
    INFO(net.name << ", ops named " << parts[k] << "*");
    const auto [got_params, got_macs] = part_sum(net, c, parts[k], params);
    CHECK(got_params == expected[k].first);
    CHECK(got_macs == expected[k].second);
  }
  std::string outside;  // ops in none of the parts
  for (const Op& op : net.ops)
    if (std::none_of(parts.begin(), parts.end(), [&](const char* p) { return op.name.starts_with(p); }))
      outside += (outside.empty() ? "" : ", ") + op.name;
  INFO(net.name << ": ops in none of the parts: " << outside);
  CHECK(outside.empty());
}

}  // namespace cpx::testing
