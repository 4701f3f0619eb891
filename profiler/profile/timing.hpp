// A measurement's timing: the statistics of its runs and whether the machine interfered, as every
// measurement writes it (measure, profile records and their op rows) and a profile's reader reads it back.
// Kept apart from the timing loop (profiler/measure/measure.hpp) so that profile files build without the
// executor.
#pragma once

#include <vector>

#include "space/error.hpp"

namespace cpx::profiler {

// The robust CV above which a timing is flagged noisy (profiler/profile/interference.hpp has the others).
inline constexpr double noisy_cv_threshold = 0.10;

struct Stats {
  int64_t count = 0;
  double median = 0, p10 = 0, p90 = 0, mean = 0, stdev = 0, cv = 0, min = 0, max = 0;
  // (p90 - p10) / (2 x 1.2816 x median): the CV for normally distributed runs, but blind to the few
  // runs (under a tenth) that a timer tick or a neighbour on the SMT sibling slows down 2-3x, which move
  // neither the median nor this. What noise thresholds are compared with: it flags far fewer of a
  // profile's items than the plain CV (docs/log/predictor.md, moved from code comments).
  double robust_cv = 0;
};

Stats summarize(std::vector<double> samples);
Json to_json(const Stats& s);

struct Timing {
  std::vector<double> samples_us;  // of the attempt kept (the quietest)
  Stats stats_us;
  int64_t attempts = 1;
  double wait_fraction = 0;                  // run-queue wait of our threads / wall time (-1: not known here)
  int64_t outlier_runs = 0;                  // runs above outlier_factor x median
  bool noisy = false;                        // robust CV, run-queue wait or outliers above threshold in every attempt
  double cv_threshold = noisy_cv_threshold;  // the one it was held to (MeasureOptions::cv_threshold)
  // Set afterwards, with noisy, on a profile's record measured while the machine ran slow (flag_slowed_records,
  // profiler/profile/interference.hpp); written only when set.
  bool machine_slowed = false;
};
Json to_json(const Timing& t, bool with_samples = true);
// The Timing a to_json(Timing) object at `where` says. stats_us.median is required (a finite number >= 0);
// every other field is optional (a hand-made profile's rows give the median alone) and, where given, of its
// type (else an InputError naming it); a field left out keeps its default.
Timing timing_from_json(const Json& j, const Where& where);

}  // namespace cpx::profiler
