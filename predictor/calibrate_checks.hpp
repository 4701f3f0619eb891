// What calibrate checks before it writes a device (issue 71): every timing against what the hardware can
// do at all, each row against the others' fit, the chosen method against MACs alone, and the interval
// against what a device file holds. A timing no hardware could produce (a CSV in seconds under a
// latency_ms header) is refused; a row far from the others, or a fit worse than MACs alone, is written
// with a warning that the text and the file (held_out.warnings) both carry.
#pragma once

#include <string>
#include <vector>

#include "predictor/calibration.hpp"

namespace cpx::predictor {

// The least time a network can take on `hardware`: its MACs at the fp32 peak of the cores its runtime used,
// and its inference weights beyond every cache of those cores (L1d and L2 per core, L3) streamed at the
// DRAM's bandwidth; a timing below the larger is impossible. Both are lower bounds (no runtime reaches
// either), so the refusal never falls on a timing the device could have produced.
struct FastestPossible {
  double macs = 0, weight_bytes_beyond_caches = 0;
  double macs_us = 0, weights_us = 0;
  double us() const { return macs_us > weights_us ? macs_us : weights_us; }
};
FastestPossible fastest_possible(const Network& net, const Hardware& hardware);

// An InputError naming `source`, the first row (PublishedPoint::at) timed faster than fastest_possible,
// its value and the bound it breaks, with a unit hint when the same figure in seconds would be possible and
// how many rows are impossible alike.
void check_possible(const std::vector<PublishedPoint>& points, const Hardware& hardware, const std::string& source);

// Every row below slowest_share of the device's fp32 peak (no runtime is that slow on every network; a CSV
// in microseconds under latency_ms is): a warning, naming the fastest row's share.
inline constexpr double slowest_share = 1e-3;
std::vector<std::string> unit_warnings(const std::vector<PublishedPoint>& points, const Hardware& hardware,
                                       const std::string& source);

// Rows far from the others' fit: a point's held-out prediction (fitted without it) off by more than a
// factor outlier_factor and more than outlier_spreads robust standard deviations (1.4826 MAD of the log
// errors) from the points' median log error; at least outlier_min_points points. One warning per row,
// naming it, its value and the others' prediction. Constants chosen before looking at any CSV.
inline constexpr double outlier_factor = 2, outlier_spreads = 3;
inline constexpr size_t outlier_min_points = 4;
struct Outlier {
  std::string row;      // e.g. "row 5.latency_ms = 242 (b0)"
  std::string warning;  // the whole line, naming `source`
};
std::vector<Outlier> outliers(const std::vector<PublishedPoint>& points, const std::vector<double>& held_out_us,
                              const std::string& source);

// The chosen method's held-out MAPE (by family when there are families) far worse than MACs alone's (by
// more than far_worse_points and far_worse_ratio times), or absurd (above absurd_mape): a warning each.
inline constexpr double far_worse_ratio = 1.5, far_worse_points = 0.05, absurd_mape = 1.0;
std::vector<std::string> method_warnings(const CalibrationHeldOut& h);

// The device's interval errors within what a device file holds (device_error_min, device_error_max), else
// an InputError naming `source`, the field and its value, and the rows found far from the others' fit.
void check_interval(const DeviceInterval& i, const std::string& source, const std::vector<Outlier>& outliers);

}  // namespace cpx::predictor
