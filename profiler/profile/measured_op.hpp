// One op of a network measured on this machine: a row of `measure --layers` and of a profile record's
// "layers" (the sweep writes it, fit reads it back). One struct for both documents, one writer.
#pragma once

#include <string>

#include "profiler/profile/timing.hpp"
#include "space/op_row.hpp"

namespace cpx::profiler {

struct MeasuredOp {
  OpRow row;   // count's fields and fused_into (the op whose kernel computes it); its time is `timing`
  Json attrs;  // the op's attributes (its write(); null for ops without): what fit reads the op back from
  std::string implementation;  // how it ran
  bool emulated = false;       // false when a single XNNPACK operator did exactly this op
  Timing timing;
  // `measure`'s only: achieved MACpS, that over its peak, and the op's median over the whole network's.
  double macps = 0, fraction_of_peak = 0, share = 0;
  double median_us() const { return timing.stats_us.median; }
};

// The documents a MeasuredOp is written in, each its own keys (in this order):
// - measurement (`measure --layers`): name, op, implementation, emulated, fused_into (only where another
//   op's kernel computes it), macs, timing (with samples), macps, fraction_of_peak, share.
// - profile (a profile record's "layers"): name, op, conv_class (null for other ops), attrs, in_nhwc (every
//   input's shape), inputs (the tensors it reads, one per shape), out_nhwc, macs,
//   params_inference, bytes, implementation, emulated, fused_into (as above), timing (without samples).
enum class MeasuredOpDocument { measurement, profile };
Json to_json(const MeasuredOp& op, MeasuredOpDocument document);

}  // namespace cpx::profiler
