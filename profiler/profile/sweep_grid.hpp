// What the design-space sweep measures: every block variant of the CPUBone design study over kernels,
// groups, channels, resolutions and strides, single operators of every class, FasterNet's Table 1
// stacks, whole sampled networks and the zoo networks in context.
#pragma once

#include <functional>

#include "profiler/profile/block_variant.hpp"
#include "profiler/profile/profile.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

// One point of the grid: a single block (or operator) on a 1 x R x R x C input.
struct SweepConfig {
  BlockVariant variant = BlockVariant::conv;
  int64_t kernel = 3;
  int64_t groups = 1;
  int64_t channels = 0;
  int64_t resolution = 0;
  int64_t stride = 1;
  int64_t threads = 1;
  std::string id() const;
  Network network() const;
};

std::vector<SweepConfig> sweep_grid(bool quick, const std::vector<int64_t>& threads);

// One measurement of the sweep. Its network is built when its turn comes; its record goes to `section`
// of the profile with the measurement, its id, the fields `fields` sets from the network, and threads.
struct SweepItem {
  std::string section;  // configs, ops, networks, fasternet or zoo
  std::string id;       // unique in the profile; --resume skips ids it has
  int64_t threads = 1;
  std::function<Network()> network;
  std::function<void(const Network&, ProfileRecord&)>
      fields;               // the record's own (variant, kernel, model...); null: none
  bool keep_layers = true;  // false: only the whole network's figures are kept
};

// Everything a profile measures, in measuring order: the grid, then single ops and FasterNet's stacks,
// with the sampled networks and the zoo spread evenly among them (whole networks vary with the machine
// more than the conv that checks its speed; spread, they sample all of the grid's time); `seed` shuffles
// the grid and the ops.
std::vector<SweepItem> sweep_work(bool quick, const std::vector<int64_t>& threads, uint64_t seed);

// A profile's time budget when none is given (profile --budget 0): 600 s, or 60 s quick.
double default_budget_s(bool quick);
// Said before a profile starts, so that nothing long starts silently: "about 10 minutes (an estimate from
// the profile's 600 s budget; ...)". `budget_s` 0: the default of `quick`. It is an estimate: the items
// measured at their floor of three runs can overrun the budget (634-809 s measured for 600 s).
std::string profile_duration_estimate(bool quick, double budget_s = 0);

}  // namespace cpx::profiler
