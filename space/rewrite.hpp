// Typed rewrites of any network: local changes the CPUBone paper's lessons suggest (grouped 1x1 convs,
// 2x2 kernels in strided convs, fused <-> unfused MBConv, smaller depthwise kernels, channel counts that
// fill the vector width) that keep the rewritten block's input and output shapes, so they compose and the
// rest of the network is untouched. Each rewrite names the ops it changes by name; `apply_rewrites`
// rebuilds the network through NetworkBuilder, so every result is shape-checked like any network.
#pragma once

#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "space/network.hpp"
#include "space/recognise.hpp"
#include "space/rewrite_kind.hpp"

namespace cpx {

// Whether the rewritten network computes the same function with weights carried over (see
// profiler::carry_weights): rounding channels up and re-parameterising do; every other rewrite needs training.
bool keeps_function(const Rewrite& r, const Network& net);

// What changes for the receptive field or the layer's view of its input, in a sentence ("" if nothing).
std::string receptive_field_note(const Rewrite& r, const Network& net);

// The rewritten network (name "<net.name>+rewrites"), shapes checked; a rewrite naming an op that is absent
// or of the wrong kind, or one that would change the block's output shape, is an InputError naming it.
// Rewrites must touch disjoint ops.
Network apply_rewrites(const Network& net, std::span<const Rewrite> rewrites, const std::string& file = "rewrite");

// Every rewrite each recognised block admits, with the values `vector_channels` (the device's vector width
// in floats) suggests for round_channels. Each is checked to apply alone (shapes kept).
struct BlockRewrites {
  size_t block;  // index into Recognition::blocks
  std::vector<Rewrite> rewrites;
};
std::vector<BlockRewrites> candidate_rewrites(const Network& net, const Recognition& r, int64_t vector_channels);

Json to_json(const Rewrite& r);
Rewrite read_rewrite(const Json& j, const Where& where);

}  // namespace cpx
