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
  // A GEMM whose weights (per group) do not fit in the last-level cache reads them from DRAM once per tile
  // of output rows (predictor/roofline.hpp): the cache's size (cpuinfo; L3, else L2) and XNNPACK's rows per
  // f32 GEMM tile on this CPU, with where that number comes from.
  // Reading 64 MiB, split over the threads: what streaming weights from DRAM gets (reads only; a copy's
  // writes cost the same bus, and on the 2-core EPYC of 2026-11-25 two threads copied at 15 GB/s, below one).
  double dram_read_bytes_per_s = 0;
  int64_t last_level_cache_bytes = 0;
  int64_t gemm_tile_rows = 0;
  std::string gemm_tile_rows_source;
  Json details;                   // every probe's MACs or bytes and its Timing
};

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options);
Json to_json(const PeakProbe& p);

}  // namespace cpx::profiler
