// The executor's tester objects, in the style of XNNPACK's: one per op kind (and one for blocks) with
// fluent setters, each checking a Plan against the naive reference (executor_check.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <vector>

#include "executor_check.hpp"
#include "space/blocks.hpp"

namespace cpx::testing {

using namespace cpx::profiler;

// Common setters of every tester; Self is the concrete tester (so that setters chain).
template <typename Self>
class Tester {
 public:
  Self& threads(size_t n) {
    options_.threads = {n};
    return self();
  }
  Self& input_scale(float s) {
    options_.input_scale = s;
    return self();
  }
  Self& tolerance(double abs, double rel) {
    options_.tolerance = {abs, rel};
    return self();
  }
  Self& seed(uint64_t s) {
    options_.seed = s;
    return self();
  }

 protected:
  void check(const Network& net) const { testing::check_against_reference(net, options_); }

 private:
  Self& self() { return static_cast<Self&>(*this); }
  ReferenceCheck options_;
};

class ConvTester : public Tester<ConvTester> {
 public:
  ConvTester& batch(int64_t n) {
    input_.n = n;
    return *this;
  }
  ConvTester& input(int64_t h, int64_t w, int64_t c) {
    input_ = {input_.n, h, w, c};
    return *this;
  }
  ConvTester& output_channels(int64_t c) {
    conv_.out_channels = c;
    return *this;
  }
  ConvTester& kernel(int64_t k) { return kernel(k, k); }
  ConvTester& kernel(int64_t kh, int64_t kw) {
    conv_.kernel = {kh, kw};
    return *this;
  }
  ConvTester& stride(int64_t s) { return stride(s, s); }
  ConvTester& stride(int64_t sh, int64_t sw) {
    conv_.stride = {sh, sw};
    return *this;
  }
  ConvTester& padding(int64_t p) { return padding({p, p, p, p}); }
  ConvTester& padding(Padding p) {
    conv_.padding = p;
    return *this;
  }
  ConvTester& groups(int64_t g) {
    conv_.groups = g;
    return *this;
  }
  ConvTester& dilation(int64_t d) { return dilation(d, d); }
  ConvTester& dilation(int64_t dh, int64_t dw) {
    conv_.dilation = {dh, dw};
    return *this;
  }
  // groups = input channels; output channels = multiplier · input channels.
  ConvTester& depthwise(int64_t multiplier = 1) {
    depthwise_multiplier_ = multiplier;
    return *this;
  }
  ConvTester& bias(bool b) {
    conv_.bias = b;
    return *this;
  }
  ConvTester& batch_norm(bool b) {
    conv_.batch_norm = b;
    return *this;
  }
  ConvTester& activation(Activation a) {
    conv_.activation = a;
    return *this;
  }

  void test() const {
    Conv2d c = conv_;
    if (depthwise_multiplier_ > 0) {
      c.groups = input_.c;
      c.out_channels = depthwise_multiplier_ * input_.c;
    }
    NetworkBuilder b("conv", "", input_, Where("test"));
    const std::string y = b.add("op", {"input"}, c);
    check(std::move(b).finish(y));
  }

 private:
  ShapeNhwc input_{1, 7, 7, 5};
  Conv2d conv_ = [] {
    Conv2d c;
    c.out_channels = 8;
    return c;
  }();
  int64_t depthwise_multiplier_ = 0;
};

class ConvTransposeTester : public Tester<ConvTransposeTester> {
 public:
  ConvTransposeTester& batch(int64_t n) {
    input_.n = n;
    return *this;
  }
  ConvTransposeTester& input(int64_t h, int64_t w, int64_t c) {
    input_ = {input_.n, h, w, c};
    return *this;
  }
  ConvTransposeTester& output_channels(int64_t c) {
    conv_.out_channels = c;
    return *this;
  }
  ConvTransposeTester& kernel(int64_t k) { return kernel(k, k); }
  ConvTransposeTester& kernel(int64_t kh, int64_t kw) {
    conv_.kernel = {kh, kw};
    return *this;
  }
  ConvTransposeTester& stride(int64_t s) { return stride(s, s); }
  ConvTransposeTester& stride(int64_t sh, int64_t sw) {
    conv_.stride = {sh, sw};
    return *this;
  }
  ConvTransposeTester& padding(int64_t p) { return padding({p, p, p, p}); }
  ConvTransposeTester& padding(Padding p) {
    conv_.padding = p;
    return *this;
  }
  ConvTransposeTester& output_padding(int64_t oh, int64_t ow) {
    conv_.output_padding = {oh, ow};
    return *this;
  }
  ConvTransposeTester& groups(int64_t g) {
    conv_.groups = g;
    return *this;
  }
  ConvTransposeTester& depthwise(int64_t multiplier = 1) {
    depthwise_multiplier_ = multiplier;
    return *this;
  }
  ConvTransposeTester& bias(bool b) {
    conv_.bias = b;
    return *this;
  }
  ConvTransposeTester& batch_norm(bool b) {
    conv_.batch_norm = b;
    return *this;
  }
  ConvTransposeTester& activation(Activation a) {
    conv_.activation = a;
    return *this;
  }

  void test() const {
    ConvTranspose2d c = conv_;
    if (depthwise_multiplier_ > 0) {
      c.groups = input_.c;
      c.out_channels = depthwise_multiplier_ * input_.c;
    }
    NetworkBuilder b("conv_transpose", "", input_, Where("test"));
    const std::string y = b.add("op", {"input"}, c);
    check(std::move(b).finish(y));
  }

 private:
  ShapeNhwc input_{1, 5, 5, 5};
  ConvTranspose2d conv_ = [] {
    ConvTranspose2d c;
    c.out_channels = 8;
    return c;
  }();
  int64_t depthwise_multiplier_ = 0;
};

// Any op kind on one or more inputs of given shapes. One input: the op reads the network input. Several:
// the network input is N x 1 x 1 x (their sizes), sliced and reshaped into each input (data moves only,
// so the op under test is still the only op that computes). shared_input() feeds one tensor to every
// operand, as attention feeds one QKV tensor to both matmuls.
class OpTester : public Tester<OpTester> {
 public:
  OpTester& input(ShapeNhwc s) {
    inputs_.push_back(s);
    return *this;
  }
  OpTester& shared_input() {
    shared_ = true;
    return *this;
  }

  void test(const OpAttrs& attrs) const {
    const int arity = op_arity(attrs);
    if (inputs_.size() == 1) {
      REQUIRE((shared_ || arity == 1));
      NetworkBuilder b("op", "", inputs_[0], Where("test"));
      const std::vector<std::string> in(arity == variadic ? 2 : static_cast<size_t>(arity), "input");
      const std::string y = b.add("op", in, attrs);
      check(std::move(b).finish(y));
      return;
    }
    const int64_t n = inputs_[0].n;
    int64_t total = 0;
    for (const auto& s : inputs_) total += s.elements() / n;
    NetworkBuilder b("op", "", {n, 1, 1, total}, Where("test"));
    std::vector<std::string> in;
    int64_t begin = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const int64_t size = inputs_[i].elements() / n;
      const std::string flat = b.add("flat" + std::to_string(i), {"input"}, Slice{begin, begin + size});
      in.push_back(b.add("in" + std::to_string(i), {flat}, Reshape{inputs_[i]}));
      begin += size;
    }
    const std::string y = b.add("op", in, attrs);
    check(std::move(b).finish(y));
  }

 private:
  std::vector<ShapeNhwc> inputs_;
  bool shared_ = false;
};

// One block of space/blocks.hpp, expanded exactly as the macro expands it.
class BlockTester : public Tester<BlockTester> {
 public:
  BlockTester& input(int64_t h, int64_t w, int64_t c) {
    input_ = {1, h, w, c};
    return *this;
  }
  BlockTester& output_channels(int64_t c) {
    out_ = c;
    return *this;
  }
  BlockTester& stride(int64_t s) {
    stride_ = s;
    return *this;
  }
  BlockTester& residual(bool r) {
    residual_ = r;
    return *this;
  }

  void test(const BlockSpec& block) const {
    NetworkBuilder b("block", "", input_, Where("test"));
    const std::string y = expand_block(b, block, "input", "blk", out_ ? out_ : input_.c, stride_, residual_);
    check(std::move(b).finish(y));
  }

 private:
  ShapeNhwc input_{1, 8, 8, 16};
  int64_t out_ = 0;
  int64_t stride_ = 1;
  bool residual_ = false;
};

constexpr size_t thread_counts[] = {1, 2};

// The large sweeps alternate 1 and 2 threads from case to case instead of running every case twice:
// their innermost loops have odd lengths, so both counts still meet every kernel, stride and padding.
struct AlternateThreads {
  size_t cases = 0;
  size_t operator()() { return thread_counts[cases++ % 2]; }
};

}  // namespace cpx::testing
