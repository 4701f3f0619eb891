#include "space/reparam.hpp"

#include <algorithm>

namespace cpx {

namespace {
constexpr size_t none = static_cast<size_t>(-1);
}

std::array<int64_t, 2> branch_offset(const Conv2d& merged, const Conv2d& c) {
  return {merged.padding.top - c.padding.top, merged.padding.left - c.padding.left};
}

BranchFinder::BranchFinder(const Network& net) : net_(net) {
  for (size_t i = 0; i < net.ops.size(); ++i)
    for (const std::string& t : net.ops[i].inputs) consumers_[t].push_back(i);
}

size_t BranchFinder::only_consumer(const std::string& tensor) const {
  const auto it = consumers_.find(tensor);
  return it != consumers_.end() && it->second.size() == 1 ? it->second[0] : none;
}

// The branches summed into `tensor`: the input `x` itself, a conv or BatchNorm reading it, or an add of
// such (each feeding only the sum, so that removing it changes nothing else).
bool BranchFinder::leaves(const std::string& tensor, const std::string& x, ParallelBranches& out) const {
  if (tensor == x) return ++out.skips, true;
  const size_t p = net_.index_of(tensor);
  if (p >= net_.ops.size() || only_consumer(tensor) == none) return false;
  const Op& op = net_.ops[p];
  if (op.as<Add>() && op.inputs.size() == 2) {
    out.adds.push_back(p);
    return leaves(op.inputs[0], x, out) && leaves(op.inputs[1], x, out);
  }
  if (op.inputs.empty() || op.inputs[0] != x) return false;
  if (op.as<Conv2d>()) return out.convs.push_back(p), true;
  if (op.as<BatchNorm>()) return out.norms.push_back(p), true;
  return false;
}

std::optional<ParallelBranches> BranchFinder::at(size_t conv) const {
  if (conv >= net_.ops.size() || !net_.ops[conv].as<Conv2d>()) return std::nullopt;
  const std::string& x = net_.ops[conv].inputs[0];
  // Climb the adds from the conv while each one's other input is branches on the same input.
  size_t root = none;
  for (std::string cur = net_.ops[conv].name;;) {
    const size_t a = only_consumer(cur);
    if (a == none || !net_.ops[a].as<Add>() || net_.ops[a].inputs.size() != 2) break;
    const Op& add = net_.ops[a];
    ParallelBranches other;
    if (!leaves(add.inputs[0] == cur ? add.inputs[1] : add.inputs[0], x, other)) break;
    root = a;
    cur = add.name;
  }
  if (root == none) return std::nullopt;
  ParallelBranches b{x, conv, {}, {}, 0, {root}, std::nullopt};
  if (!leaves(net_.ops[root].inputs[0], x, b) || !leaves(net_.ops[root].inputs[1], x, b)) return std::nullopt;
  std::sort(b.convs.begin(), b.convs.end());
  std::sort(b.norms.begin(), b.norms.end());
  std::sort(b.adds.begin(), b.adds.end());
  if (const size_t k = only_consumer(net_.ops[root].name); k != none && net_.ops[k].as<ActivationOp>())
    b.activation = k;
  if (!mergeable(b)) return std::nullopt;
  return b;
}

bool BranchFinder::mergeable(ParallelBranches& b) const {
  // Two branches besides a plain skip: x + conv(x) alone stays the residual conv block it reads as.
  if (b.convs.empty() || b.convs.size() + b.norms.size() < 2) return false;
  const auto area = [&](size_t k) { return net_.ops[k].as<Conv2d>()->kernel[0] * net_.ops[k].as<Conv2d>()->kernel[1]; };
  b.merged = *std::max_element(b.convs.begin(), b.convs.end(), [&](size_t p, size_t q) { return area(p) < area(q); });
  const Conv2d& m = *net_.ops[b.merged].as<Conv2d>();
  const ShapeNhwc& sum = net_.shapes[b.adds.back()];
  for (size_t k : b.convs) {
    const Conv2d& c = *net_.ops[k].as<Conv2d>();
    const std::array<int64_t, 2> at = branch_offset(m, c);
    if (c.out_channels != m.out_channels || c.stride != m.stride || c.groups != m.groups || c.dilated() ||
        c.activation != Activation::none || net_.shapes[k] != sum)
      return false;
    for (int axis : {0, 1})
      if (at[axis] < 0 || at[axis] + c.kernel[axis] > m.kernel[axis]) return false;
  }
  const bool identity = !b.norms.empty() || b.skips > 0;
  return !identity || (m.stride == std::array<int64_t, 2>{1, 1} && net_.shape_of(b.input) == sum);
}

}  // namespace cpx
