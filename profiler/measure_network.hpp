// The JSON of `measure`: one network measured on this machine (time_network) beside its count and the
// machine's peak.
#pragma once

#include "profiler/time_network.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

inline constexpr std::string_view measurement_schema = "cpubone-explore/measurement/v1";

// The run `measure` makes unless told otherwise: 1 thread, seed 0, at least 1 s and 20 runs per measurement.
NetworkRun measure_defaults();

// Pins the calling thread to `run.threads` CPUs (see pin_to_cpus) and measures. Returns the
// "cpubone-explore/measurement/v1" JSON; a thread count, minimum time or run count out of range is an
// InputError. With `layers`, each op's row has count's layer_row keys name, op and macs, and
// implementation, xnnpack, emulated, latency_us, macps, fraction_of_peak and share.
Json measure_network(const Network& net, const NetworkRun& run);

}  // namespace cpx::profiler
