// Peak probes: the compute and memory ceilings of this machine, for rooflines and "% of peak".
#pragma once

#include "profiler/measure/environment.hpp"
#include "profiler/measure/measure.hpp"

namespace cpx::profiler {

struct PeakProbe {
  int64_t threads = 1;
  double peak_macps = 0;          // best of large dense convs (GEMM-bound)
  std::string peak_source;        // which probe reached it
  // The machine's own fp32 multiply-add throughput at `threads` threads: independent FMA chains in
  // registers, in the widest vectors the CPU has. What "% of peak" is against, where peak_macps is what the
  // executor reaches.
  double fma_peak_macps = 0;
  std::string fma_peak_source;    // the vectors and chains it ran
  double bandwidth_bytes_per_s = 0;  // large copy: bytes read + bytes written per second
  // The same for a copy that stays in each thread's caches: what an op whose tensors its producer left
  // cached can stream at (see RooflineModel in predictor/roofline.hpp).
  double cache_bandwidth_bytes_per_s = 0;
  // What the weight-streaming ceiling needs (weight_stream_bytes in predictor/roofline.hpp): a GEMM whose
  // weights per group do not fit in the last-level cache reads them from DRAM again for every further tile
  // of output rows.
  // Reading 64 MiB, split over the threads: reads only. The copy above mixes in writes, and can even fall
  // with a second thread where reads rise (docs/log/predictor.md, moved from code comments).
  double dram_read_bytes_per_s = 0;
  int64_t last_level_cache_bytes = 0;  // cpuinfo's L3, else L2; 0 if unknown (then not modelled)
  int64_t gemm_tile_rows = 0;          // XNNPACK's rows per f32 GEMM tile on this CPU (its mr)
  int64_t gemm_tile_cols = 0;          // and output channels per tile (its nr): padded_macs in predictor/roofline.hpp
  std::string gemm_tile_rows_source;   // where both come from
  Json details;                   // every probe's MACs or bytes and its Timing
};

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options);

// The FMA ceiling alone (PeakProbe::fma_peak_macps): every thread its own chains in registers at
// active_isa()'s widest vectors, nothing read or written in the loop.
struct FmaPeak {
  double macps = 0, macs = 0;  // per run, all threads
  std::string source;          // the vectors and chains it ran
  Timing timing;
};
FmaPeak probe_fma_peak(int64_t threads, const MeasureOptions& options);
Json to_json(const PeakProbe& p);

}  // namespace cpx::profiler
