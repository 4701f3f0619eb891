// The rewrites of attention and MLP blocks (attention_downsample, mlp_ratio): which ops of a
// recognised block each one lists, and how apply_rewrites rebuilds those ops. Unlike the conv rewrites they
// name ops of several kinds (matmuls, softmax, the residual add), so they live apart from rewrite.cpp.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "space/network.hpp"
#include "space/recognise.hpp"
#include "space/rewrite_kind.hpp"

namespace cpx {

// Whether `k` is one of the kinds below (apply_rewrites hands their ops here, not to its conv cases).
bool is_attention_rewrite(RewriteKind k);

// The kind each role of `r` requires, checked before anything is built: an InputError naming the op otherwise.
void check_attention_rewrite(const Network& net, const Rewrite& r, const std::string& file);

// Adds op `op` (in role `role` of rewrite `r`) to `b`, with `inputs` already renamed, plus the ops the rewrite
// inserts around it (attention_downsample's depthwise conv and nearest-neighbour upsampling).
class AttentionRewriter {
 public:
  explicit AttentionRewriter(const Network& net) : net_(net) {}
  void add(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs, const Rewrite& r, size_t role);

 private:
  const Network& net_;
  std::map<std::string, std::string> downsampled_;  // attention_downsample: anchor op -> its inserted conv

  void add_downsample(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs, const Rewrite& r, size_t role);
  void add_mlp_ratio(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs, const Rewrite& r, size_t role);
};

// The attention and MLP rewrites block `block` admits (not yet checked to apply).
std::vector<Rewrite> attention_candidates(const Network& net, const RecognisedBlock& block, int64_t vector_channels);

}  // namespace cpx
