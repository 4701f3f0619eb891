// The JSON of `measure`: one network measured on this machine (time_network) beside its count and the
// machine's peak.
#pragma once

#include <optional>
#include <string>

#include "profiler/measure/time_network.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

inline constexpr std::string_view measurement_schema = "cpubone-explore/measurement/v1";

// The run `measure` makes unless told otherwise: 1 thread, seed 0, at least 1 s and 20 runs per measurement.
NetworkRun measure_defaults();

// Why measure_network refuses a run's timing.min_time_s or timing.min_runs ("out of range [0, 600]"), or
// nullopt; a front end puts it behind its own spelling of the option (explorer/option_checks.hpp).
std::optional<std::string> min_time_refusal(double min_time_s);
std::optional<std::string> min_runs_refusal(int64_t min_runs);

// Pins the calling thread to `run.threads` CPUs (see pin_to_cpus) and measures. Returns the
// "cpubone-explore/measurement/v1" JSON; a thread count, minimum time or run count it refuses is an
// InputError naming the run's field ("timing.min_runs = 0: out of range [1, 100000]"). With `layers`, each op's row has count's layer_row keys name, op and macs, and
// implementation, xnnpack, emulated, latency_us, macps, fraction_of_peak and share.
Json measure_network(const Network& net, const NetworkRun& run);

}  // namespace cpx::profiler
