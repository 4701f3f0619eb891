// Peak probes: the compute and memory ceilings of this machine, for rooflines and "% of peak".
#pragma once

#include "profiler/environment.hpp"
#include "profiler/measure.hpp"

namespace cpx::profiler {

struct PeakProbe {
  int64_t threads = 1;
  double peak_macps = 0;          // best of large dense convs (GEMM-bound)
  std::string peak_source;        // which probe reached it
  double bandwidth_bytes_per_s = 0;  // large copy: bytes read + bytes written per second
  // The same for a copy that stays in each thread's caches: what an op whose tensors its producer left
  // cached can stream at (see RooflineModel in predictor/roofline.hpp).
  double cache_bandwidth_bytes_per_s = 0;
  Json details;                   // every probe's MACs or bytes and its Timing
};

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options);
Json to_json(const PeakProbe& p);

}  // namespace cpx::profiler
