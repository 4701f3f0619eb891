#include "predictor/ceilings.hpp"

#include <optional>

#include "space/error.hpp"
#include "space/field_error.hpp"

namespace cpx::predictor {

namespace {
// The profile's peak probe at `threads` with a positive peak_macps and `bandwidth_key`, if any.
const Json* probed_peak(const Json& profile, int64_t threads, const char* bandwidth_key) {
  if (profile.contains("peaks") && profile["peaks"].is_array())
    for (const auto& p : profile["peaks"])
      if (p.value("threads", int64_t{0}) == threads && p.value("peak_macps", 0.0) > 0 && p.value(bandwidth_key, 0.0) > 0)
        return &p;
  return nullptr;
}

std::optional<Ceilings> probed_ceilings(const Json& profile, int64_t threads, const char* bandwidth_key) {
  const Json* p = probed_peak(profile, threads, bandwidth_key);
  if (!p) return std::nullopt;
  return Ceilings{(*p)["peak_macps"].get<double>(), (*p)[bandwidth_key].get<double>()};
}
}  // namespace

Ceilings host_ceilings(const Json& profile, const std::string& path, int64_t threads) {
  if (const auto c = probed_ceilings(profile, threads, "bandwidth_bytes_per_s")) return *c;
  throw AdvisedError({path + ": peaks: no probe at " + std::to_string(threads) +
                          " thread(s) with peak_macps and bandwidth_bytes_per_s (profile the host again: `cpubone-explore profile ",
                      Field::device, " host`)"});
}

Ceilings roofline_ceilings(const Json& profile, const std::string& path, int64_t threads) {
  if (const Json* p = probed_peak(profile, threads, "cache_bandwidth_bytes_per_s")) {
    Ceilings c{(*p)["peak_macps"].get<double>(), (*p)["cache_bandwidth_bytes_per_s"].get<double>()};
    // XNNPACK's GEMM tile and whether the executor's igemm takes shapes from it (absent in older profiles:
    // docs/architecture.md): what tile padding needs, and weight streaming with it.
    if (p->value("gemm_tile_rows", int64_t{0}) > 0) {
      c.gemm_tile_rows = (*p)["gemm_tile_rows"].get<int64_t>();
      c.gemm_tile_cols = p->value("gemm_tile_cols", int64_t{0});
      c.igemm = profile.contains("environment") && profile["environment"].value("igemm", false);
    }
    // The weight-streaming ceiling where the probe also read DRAM and the last-level cache (cpuinfo cannot
    // read the caches on every VM); fit's provenance says whether it is modelled.
    if (c.gemm_tile_rows > 0 && p->value("dram_read_bytes_per_s", 0.0) > 0 && p->value("last_level_cache_bytes", int64_t{0}) > 0) {
      c.dram_bytes_per_s = (*p)["dram_read_bytes_per_s"].get<double>();
      c.last_level_cache_bytes = static_cast<double>((*p)["last_level_cache_bytes"].get<int64_t>());
    }
    return c;
  }
  // Not an AdvisedError: fit keeps this message as why it has no roofline model (what it writes).
  throw InputError(path + ": peaks: no cache_bandwidth_bytes_per_s at " + std::to_string(threads) +
                   " thread(s), which the roofline model needs (profiled before it was probed: `cpubone-explore profile --device host`)");
}

}  // namespace cpx::predictor
