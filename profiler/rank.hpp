// Rank correlation, shared by measurement (validate, proofs) and calibration (held-out figures), which
// links no executor.
#pragma once

#include <vector>

namespace cpx::profiler {

// Spearman rank correlation (ties get their mean rank); 0 when either side is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace cpx::profiler
