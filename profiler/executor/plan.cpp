#include "profiler/executor/plan.hpp"

#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/kernels/kernels.hpp"

#include <xnnpack.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace cpx::profiler {

namespace {

constexpr size_t alignment_floats = 16;  // 64 bytes

size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

// Lifetime and size of one storage block (a tensor and any reshape aliases of it).
struct Block {
  size_t first = 0, last = 0;  // op steps during which the block must hold its data
  size_t floats = 0;
  size_t offset = 0;
};

// An op another op's kernel computes (profiler/profile/fusion.hpp): running it does nothing.
class FusedKernel final : public Kernel {
 public:
  FusedKernel(const Network& net, size_t owner, const Implementation& owner_how) {
    implementation_ = {"fused into ops[" + std::to_string(owner) + "] (" + net.ops[owner].name + "): " + owner_how.how,
                       owner_how.emulated, owner};
  }
  void run(pthreadpool_t) override {}
};

}  // namespace

Plan::Plan(const Network& net, const NetworkWeights& weights, PlanOptions options)
    : net_(net), threads_(std::max<size_t>(1, options.threads)) {
  ensure_xnnpack();
  if (weights.size() != net.ops.size()) throw std::logic_error("weights do not match the network");
  if (threads_ > 1) pool_ = pthreadpool_create(threads_);
  fusions_ = plan_fusions(net, igemm_rule(), threads_);

  // Tensors: 0 is the network input, i + 1 is the output of ops[i]. Reshapes share their input's block.
  const size_t n = net.ops.size() + 1;
  std::map<std::string, size_t> tensor_of{{std::string(input_tensor), 0}};
  std::vector<size_t> block_of(n);
  std::vector<Block> blocks;
  auto new_block = [&](size_t tensor, size_t step, const ShapeNhwc& s) {
    block_of[tensor] = blocks.size();
    // XNNPACK may read XNN_EXTRA_BYTES past a tensor's end.
    blocks.push_back({step, step,
                      round_up(static_cast<size_t>(s.elements()) + XNN_EXTRA_BYTES / sizeof(float), alignment_floats),
                      0});
  };
  new_block(0, 0, net.input);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    const size_t step = i + 1;
    for (const auto& in : op.inputs) {
      Block& b = blocks[block_of[tensor_of.at(in)]];
      b.last = std::max(b.last, step);
    }
    if (runs_as_view(op.attrs)) {
      block_of[step] = block_of[tensor_of.at(op.inputs[0])];
    } else if (fusions_.into[i]) {
      // The owner's kernel writes this op's result in place of its own: one buffer for the group.
      block_of[step] = block_of[*fusions_.into[i] + 1];
    } else {
      new_block(step, step, net.shapes[i]);
    }
    tensor_of[op.name] = step;
  }
  blocks[block_of[tensor_of.at(net.output)]].last = n;
  if (options.keep_all_tensors)
    for (auto& b : blocks) b.last = n;

  // Greedy by size: each block goes to the lowest offset free of every overlapping-in-time block placed
  // before it (the usual arena planner; near-optimal on chain-like CNNs).
  std::vector<size_t> order(blocks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return blocks[a].floats > blocks[b].floats; });
  std::vector<size_t> placed;
  size_t arena_floats = 0;
  for (size_t bi : order) {
    Block& b = blocks[bi];
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t pi : placed) {
      const Block& p = blocks[pi];
      if (p.first <= b.last && b.first <= p.last) busy.emplace_back(p.offset, p.offset + p.floats);
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + b.floats <= lo) break;
      offset = std::max(offset, hi);
    }
    b.offset = offset;
    arena_floats = std::max(arena_floats, offset + b.floats);
    placed.push_back(bi);
  }
  arena_bytes_ = arena_floats * sizeof(float);
  arena_ = {static_cast<float*>(std::aligned_alloc(64, round_up(arena_bytes_, 64))), [](float* p) { std::free(p); }};
  if (!arena_) throw std::runtime_error("cannot allocate a " + std::to_string(arena_bytes_) + "-byte activation arena");
  std::fill(arena_.get(), arena_.get() + arena_floats, 0.0f);
  offsets_.resize(n);
  for (size_t t = 0; t < n; ++t) offsets_[t] = blocks[block_of[t]].offset;

  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    std::vector<TensorView> inputs;
    for (const auto& in : op.inputs) inputs.push_back(dense_view(address(tensor_of.at(in)), net.shape_of(in)));
    KernelArgs args{op, std::move(inputs), dense_view(address(i + 1), net.shapes[i]), weights[i], pool_};
    if (const auto owner = fusions_.into[i]) {
      kernels_.push_back(std::make_unique<FusedKernel>(net, *owner, kernels_[*owner]->implementation()));
      continue;
    }
    const Epilogue& epilogue = fusions_.epilogue[i];
    if (epilogue.residual_add) {
      const Op& add = net.ops[*epilogue.residual_add];
      const std::string& residual = add.inputs[0] == op.name ? add.inputs[1] : add.inputs[0];
      args.residual = dense_view(address(tensor_of.at(residual)), net.shape_of(residual));
    }
    if (epilogue.activation) args.clamp = net.ops[*epilogue.activation].as<ActivationOp>()->function;
    try {
      kernels_.push_back(make_kernel(args));
    } catch (const Unsupported& e) {
      throw Unsupported(net.name + ": ops[" + std::to_string(i) + "] (" + op.name + "): " + e.what());
    }
  }
}

Plan::~Plan() {
  kernels_.clear();
  if (pool_) pthreadpool_destroy(pool_);
}

bool Plan::holds_own_output(size_t i) const {
  if (!fusions_.epilogue[i].empty()) return false;  // an owner: the group's last result overwrites its own
  const auto owner = fusions_.into[i];
  if (!owner) return true;
  const Epilogue& e = fusions_.epilogue[*owner];
  return !e.activation || *e.activation == i;
}

float* Plan::address(size_t tensor) const { return arena_.get() + offsets_[tensor]; }

void Plan::run() {
  for (auto& k : kernels_) k->run(pool_);
}

void Plan::run_op(size_t i) { kernels_[i]->run(pool_); }

std::span<float> Plan::input() { return {address(0), static_cast<size_t>(net_.input.elements())}; }

std::span<const float> Plan::output() const { return tensor(net_.index_of(net_.output)); }

std::span<const float> Plan::tensor(size_t i) const {
  return {address(i + 1), static_cast<size_t>(net_.shapes[i].elements())};
}

std::unique_ptr<Kernel> make_kernel(const KernelArgs& args) {
  const bool epilogue = args.residual.data || args.clamp != Activation::none;
  if (epilogue && !args.op.as<Conv2d>() && !args.op.as<FullyConnected>() && !args.op.as<Add>())
    throw std::logic_error("make_kernel: " + args.op.name + " (" + std::string(args.op.kind()) +
                           ") cannot take a fused epilogue");
  return std::visit([&](const auto& attrs) { return make_kernel(attrs, args); }, args.op.attrs);
}

}  // namespace cpx::profiler
