// The machine's ceilings as a device profile's peak probes measured them (roofline.hpp's Ceilings).
#pragma once

#include "predictor/roofline.hpp"
#include "profiler/profile/profile.hpp"
#include "space/error.hpp"

namespace cpx::predictor {

// The host's probed peak and bandwidth at `threads` from a profile's peaks; an InputError naming the file
// when it has none.
Ceilings host_ceilings(const profiler::Profile& profile, const std::string& path, int64_t threads);
// The ceilings the host's roofline class models are relative to: the probed peak and the cache bandwidth
// (predictor/roofline.hpp says why); an InputError naming the file when its probes have no cache bandwidth.
Ceilings roofline_ceilings(const profiler::Profile& profile, const std::string& path, int64_t threads);

}  // namespace cpx::predictor
