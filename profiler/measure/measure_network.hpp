// The JSON of `measure`: one network measured on this machine (time_network) beside its count and the
// machine's peak.
#pragma once

#include <optional>
#include <string>

#include "profiler/measure/environment.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/measure/time_network.hpp"
#include "profiler/profile/measured_op.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

// v2 (2026-11-27): the timing objects under "timing" (v1: "latency_us"), and a row's "emulated" a bool as in
// a profile's rows (v1: the implementation's label or false, beside "xnnpack", its negation). Nothing in
// the tool reads a measurement back.
inline constexpr std::string_view measurement_schema = "cpubone-explore/measurement/v2";

// The run `measure` makes unless told otherwise: 1 thread, seed 0, at least 1 s and 20 runs per measurement.
NetworkRun measure_defaults();

// Why measure_network refuses a run's timing.min_time_s or timing.min_runs ("out of range [0, 600]"), or
// nullopt; a front end puts it behind its own spelling of the option (explorer/option_checks.hpp).
std::optional<std::string> min_time_refusal(double min_time_s);
std::optional<std::string> min_runs_refusal(int64_t min_runs);

// Refuses (an InputError naming the run's field) a thread count, minimum time or run count that
// measure_network and compare_networks do not take.
void check_network_run(const NetworkRun& run);

// One network measured on this machine, beside its count and the machine's peak: what `measure` prints.
// Its JSON, "cpubone-explore/measurement/v2" (keys in this order): schema, model, resolution, input_nhwc,
// threads, seed, caches ({cold, evict_bytes_per_thread} or {cold: false}), macs, timing (the whole
// network's Timing object), macps, peak (to_json(PeakProbe)), fraction_of_peak, arena_bytes, environment,
// emulated_ops, op_count and, with run.layers, layers (MeasuredOp, its measurement document:
// profiler/profile/measured_op.hpp) and additivity.
struct Measurement {
  std::string model;
  ShapeNhwc input;
  NetworkRun run;
  int64_t evict_bytes_per_thread = 0;  // with run.cold_caches
  int64_t macs = 0;
  Timing timing;
  double macps = 0, fraction_of_peak = 0;
  PeakProbe peak;
  int64_t arena_bytes = 0;
  Environment environment;
  int64_t emulated_ops = 0, op_count = 0;
  std::vector<MeasuredOp> layers;  // with run.layers
  double additivity = 0;           // with run.layers: Σ op medians / whole-network median
};
Json to_json(const Measurement& m);

// Pins the calling thread to `run.threads` CPUs (see pin_to_cpus) and measures. A thread count, minimum
// time or run count it refuses is an InputError naming the run's field ("timing.min_runs = 0: out of range
// [1, 100000]").
Measurement measure_network(const Network& net, const NetworkRun& run);

}  // namespace cpx::profiler
