// Structural re-parameterisation (RepVGG, MobileOne, RepViT, FastViT): a block that sums parallel branches
// on one input -- kxk convs, a 1x1 conv of the same stride and groups, and optionally the identity (a
// BatchNorm alone, i.e. a per-channel affine, or a plain skip) -- computes the same function as one kxk conv
// whose kernel is the sum of the branches' (each smaller kernel placed where its padding aligns it, the
// identity a one per output channel at the input channel it reads, times the affine's scale) and whose
// bias is the sum of theirs. This file finds such blocks in a network's graph (recognition, the
// `reparameterize` rewrite and the weights it carries all use it), reading op kinds and shapes only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "space/network.hpp"

namespace cpx {

struct ParallelBranches {
  std::string input;                 // the tensor every branch reads
  size_t merged = 0;                 // the conv with the largest kernel: the one that stays, holding the sum
  std::vector<size_t> convs;         // every branch conv, `merged` included, ascending
  std::vector<size_t> norms;         // BatchNorm ops on the input (identity branches with an affine)
  int64_t skips = 0;                 // plain identity branches (the input itself added)
  std::vector<size_t> adds;          // the adds summing the branches, ascending; the last is the sum
  std::optional<size_t> activation;  // an activation op after the sum, the block's own (kept by the rewrite)
};

// Finds parallel branches in `net`, for each conv in turn; one per network is enough.
class BranchFinder {
 public:
  explicit BranchFinder(const Network& net);
  // The block whose branches include conv `conv`, if it has two branches or more and they merge into one
  // conv exactly (same output channels, stride and groups, no activation on a branch, no dilation, each
  // smaller kernel inside the largest one where its padding places it, an identity only at stride 1 with as
  // many output channels as input channels); nullopt otherwise.
  std::optional<ParallelBranches> at(size_t conv) const;

 private:
  const Network& net_;
  std::map<std::string, std::vector<size_t>, std::less<>> consumers_;

  size_t only_consumer(const std::string& tensor) const;
  bool leaves(const std::string& tensor, const std::string& x, ParallelBranches& out) const;
  bool mergeable(ParallelBranches& b) const;
};

// Where branch conv `c` sits in the merged conv's kernel: its first tap's row and column offset.
std::array<int64_t, 2> branch_offset(const Conv2d& merged, const Conv2d& c);

}  // namespace cpx
