// How sure a predicted gain is (issue 73): the error of a change's gain comes from the predicted time of the
// ops it changes, and only from how they err relative to the rest of the network, since a factor common to
// every op (the machine's speed, the network scale, a calibrated device's overall error) cancels in
// gain = 1 - new / old. Three parts, added as variances in time:
//
// - class level: each op class's time relative to its network errs by u_c (log), with second moments
//   E[u_a u_b] across held-out networks (benchmarks/gain_evidence.py on `validate --layers`). A change moves
//   Δ_c = old - new predicted time in each class; its class-level variance is Σ_ab Δ_a Δ_b E[u_a u_b]. A
//   rewrite that keeps the class (channel rounding) moves little time within it and is sure; one that swaps
//   class (3x3 dense -> grouped, 3x3 -> 2x2, MBConv -> fused) carries the pair's relative error;
// - op level: each op errs beyond its class by w (per class rms), correlated within one block (rho). A
//   changed op's residual persists where it keeps its name, class and groups (only its time changes:
//   (old - new) · w); a removed op carries +old · w, an added one -new · w, independently of the other;
//   within a block the signed terms x are equicorrelated: (1 - rho) Σ x² + rho (Σ x)². Blocks are independent;
// - a calibrated device: its classes' cost relative to the host's may differ, by the device's own held-out
//   whole-network error (each class as unsure as a whole network, independently), and for kinds of work
//   the calibration barely exercised by the other devices' kind spread (predictor/interval.hpp), as the
//   whole-network interval widens for them;
// - a floor, a share of the network's time: what a change does beyond the ops the evidence sees it change
//   (its neighbours' times, say). Per-op residuals cannot show it, so it is fitted on measured whole-network
//   gains of networks that neither the evidence nor the scored advise benchmark reads (benchmarks/
//   gain_scale.py), and with it factors on the class and op parts where those gains say the per-op evidence
//   over- or understates them (docs/log/advise.md, 2026-11-30 g and h: whole-network gains showed twice the
//   op-level error and next to none of the class-level one).
//
// The interval of the gain is then: new / old total as predicted times exp(±z · sd / new total), z of the
// level, so both bounds stay below 100%. It is the predicted gain's error; a measured gain also carries the
// measurement's own noise (its repeatability), which it does not include and benchmarks/advise.py states.
#pragma once

#include <array>
#include <map>
#include <span>
#include <string>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

// The host predictor's residuals, relative to each network (see above). A class without evidence takes the
// median class's (and no correlation with another class).
struct GainEvidence {
  std::array<std::array<double, op_class_count>, op_class_count> class_second{};  // E[u_a u_b], log²
  std::array<bool, op_class_count> class_known{};
  std::array<double, op_class_count> op_rms{};  // w's time-weighted rms, log
  double block_correlation = 0;
  // Measured whole-network gains' say on the sizes (benchmarks/gain_scale.py): factors on the class-level and
  // op-level parts, and the floor's standard deviation, a share of the network's time.
  double class_scale = 1, op_scale = 1, floor_share = 0;
  std::string source;   // the validate run and script it was read from, and the scale's fit
  int64_t threads = 1;  // the thread count its times were measured at
};
// The shipped evidence (predictor/gain_evidence.cpp) read at the most threads not above `threads` (one
// thread's always exists): a prediction at more threads than any evidence was read at is unchecked.
const GainEvidence& shipped_gain_evidence(int64_t threads);

// What a change does to the predicted time, as the interval needs it. Sums over blocks (a variant).
struct ChangedTime {
  std::array<double, op_class_count> class_delta_us{};  // Σ old - Σ new predicted time of the class
  std::map<OpKind, double> kind_delta_us;               // the same by kind of work (op_kinds.hpp)
  double op_variance_us2 = 0;                           // the op-level variance, blocks summed
  ChangedTime& operator+=(const ChangedTime& o);
};

// One network's ops as priced: each op's time (network scale applied) and the prediction's classes.
struct PricedOps {
  const Network& net;
  const NetworkPrediction& prediction;
  std::span<const double> op_us;
};
// The change from `before` to `after` within one block (its changed ops err together, by the evidence's
// block correlation); ops are matched by name.
ChangedTime changed_time(const PricedOps& before, const PricedOps& after, const GainEvidence& e);

// The standard deviation in time of a change's saved time, and its parts.
struct GainSpread {
  double class_us = 0, op_us = 0, device_us = 0, floor_us = 0;
  double total_us() const;
};
// `before_us`: the unchanged network's predicted time, which the floor is a share of.
GainSpread gain_spread(const ChangedTime& c, const GainEvidence& e, const Predictor& p, double before_us);

// [low, high] of 1 - after / before at `level` (two-sided), from the spread in time; both below 1.
std::array<double, 2> gain_bounds(double before_us, double after_us, const GainSpread& s, double level);

}  // namespace cpx::predictor
