#include "predictor/ceilings.hpp"

#include <optional>

#include "space/error.hpp"
#include "space/field_error.hpp"

namespace cpx::predictor {

namespace {
// The profile's peak probe at `threads` with a positive peak_macps and `bandwidth` (a field of it), if any.
const profiler::ProfilePeak* probed_peak(const profiler::Profile& profile, int64_t threads,
                                         double profiler::ProfilePeak::*bandwidth) {
  for (const profiler::ProfilePeak& p : profile.peaks)
    if (p.threads == threads && p.peak_macps > 0 && p.*bandwidth > 0) return &p;
  return nullptr;
}
}  // namespace

Ceilings host_ceilings(const profiler::Profile& profile, const std::string& path, int64_t threads) {
  if (const profiler::ProfilePeak* p = probed_peak(profile, threads, &profiler::ProfilePeak::bandwidth_bytes_per_s))
    return Ceilings{p->peak_macps, p->bandwidth_bytes_per_s};
  throw AdvisedError(
      {path + ": peaks: no probe at " + std::to_string(threads) +
           " thread(s) with peak_macps and bandwidth_bytes_per_s (profile the host again: `cpubone-explore profile ",
       Field::device, " host`)"});
}

Ceilings roofline_ceilings(const profiler::Profile& profile, const std::string& path, int64_t threads) {
  if (const profiler::ProfilePeak* p =
          probed_peak(profile, threads, &profiler::ProfilePeak::cache_bandwidth_bytes_per_s)) {
    Ceilings c{p->peak_macps, p->cache_bandwidth_bytes_per_s};
    // XNNPACK's GEMM tile (0 where XNNPACK does not say) and whether the executor's igemm takes shapes from it:
    // what tile padding needs, and weight streaming with it.
    if (p->gemm_tile_rows > 0) {
      c.gemm_tile_rows = p->gemm_tile_rows;
      c.gemm_tile_cols = p->gemm_tile_cols;
      const profiler::IgemmRule rule = profiler::igemm_rule_of(profile.environment, Where(path, "environment"));
      c.igemm = rule.available;
      if (rule.available) c.igemm_cols = rule.vector_floats();
    }
    // The weight-streaming ceiling where the probe also read DRAM and the last-level cache (cpuinfo cannot
    // read the caches on every VM); fit's provenance says whether it is modelled.
    if (c.gemm_tile_rows > 0 && p->dram_read_bytes_per_s > 0 && p->last_level_cache_bytes > 0) {
      c.dram_bytes_per_s = p->dram_read_bytes_per_s;
      c.last_level_cache_bytes = static_cast<double>(p->last_level_cache_bytes);
    }
    return c;
  }
  // Not an AdvisedError: fit keeps this message as why it has no roofline model (what it writes).
  throw InputError(path + ": peaks: no cache_bandwidth_bytes_per_s at " + std::to_string(threads) +
                   " thread(s), which the roofline model needs (profiled before it was probed: `cpubone-explore "
                   "profile --device host`)");
}

}  // namespace cpx::predictor
