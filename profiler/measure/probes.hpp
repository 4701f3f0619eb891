// Peak probes: the compute and memory ceilings of this machine, for rooflines and "% of peak".
#pragma once

#include "profiler/measure/environment.hpp"
#include "profiler/measure/measure.hpp"
#include "profiler/profile/profile_file.hpp"

namespace cpx::profiler {

// What the peak probes measure at one thread count: the profile's peak record (profiler/profile/profile.hpp,
// which says what each field is), written by the profile's to_json(ProfilePeak).
using PeakProbe = ProfilePeak;

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options);

// The FMA ceiling alone (PeakProbe::fma_peak_macps): every thread its own chains in registers at
// active_isa()'s widest vectors, nothing read or written in the loop.
struct FmaPeak {
  double macps = 0, macs = 0;  // per run, all threads
  std::string source;          // the vectors and chains it ran
  Timing timing;
};
FmaPeak probe_fma_peak(int64_t threads, const MeasureOptions& options);

}  // namespace cpx::profiler
