// Plain CNNs for the profile's networks section: the networks people write by hand (ResNet-like basic
// and bottleneck stages, ResNeXt groups, inverted and fused residuals, separable and factorised convs,
// VGG stacks, wide 1x1 heads) rather than the CPUBone-like space of space/sample.cpp.
//
// Why: the network law (predictor.cpp) is fitted on the profile's whole networks, and with only CPUBone-like
// ones it saw no network whose size or op mix resembles what a user brings; `validate`'s out-of-distribution
// set showed the gap (README, session 26). This generator shares no code with predictor/ood_networks.cpp,
// which draws validate's held-out plain CNNs, so the profile does not see validate's networks.
#pragma once

#include <cstdint>

#include "space/network.hpp"

namespace cpx::profiler {

// Seeds of the profile's plain networks start here (the sampled CPUBone-like ones use training_seed_base).
inline constexpr uint64_t plain_seed_base = 2'000'000;

// Total MACs of every network drawn: a redraw keeps it in this range, so that the section's time stays
// within the profile's budget and the networks stay in the range users build for CPUs.
inline constexpr int64_t plain_min_macs = 30'000'000, plain_max_macs = 2'500'000'000;

// A plain CNN for `seed` (deterministic): input 128-256 px, 4 or 5 stages, a classifier head.
Network plain_cnn(uint64_t seed);

}  // namespace cpx::profiler
