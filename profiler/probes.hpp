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
  Json details;                   // every probe's MACs or bytes and its Timing
};

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options);
Json to_json(const PeakProbe& p);

}  // namespace cpx::profiler
