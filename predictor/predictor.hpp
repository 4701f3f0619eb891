// Latency = Σ over operators of MACs / predicted MACpS (+ per-operator overhead, inside the model), plus a
// per-network overhead. One regression per operator class, of log latency on the op's features (so
// log MACpS = log MACs − prediction), fitted from a device profile; an unfused activation of a conv or
// fully connected op adds the elementwise model's time for that pass. Stored as JSON
// "cpubone-explore/predictor/v4" with its provenance; never a binary blob. (v1 had the activation as a
// feature of the conv's own model, so conv classes only knew the activations the block grid used; v2's
// roofline efficiency took log intensity as it is, v3 only above the ridge point: efficiency_inputs; v4's
// roofline memory ceiling is the cache bandwidth probe, v3's was DRAM's: see RooflineModel.)
// A class may instead hold a roofline model (predictor/roofline.hpp), "kind": "roofline" in the JSON;
// a class without "kind" is the regression. A host predictor of an older schema is refitted from its
// profile when loaded (devices.cpp); a calibrated device of an older one is an error naming the schema.
#pragma once

#include <map>
#include <optional>
#include <set>

#include "predictor/boost.hpp"
#include "predictor/calibration_method.hpp"
#include "predictor/calibration_held_out.hpp"
#include "predictor/calibration_record.hpp"
#include "predictor/features.hpp"
#include "predictor/hardware.hpp"
#include "predictor/interval.hpp"
#include "predictor/op_kinds.hpp"
#include "predictor/provenance.hpp"
#include "predictor/roofline.hpp"
#include "profiler/profile/interference.hpp"

namespace cpx::predictor {

inline constexpr std::string_view predictor_schema = "cpubone-explore/predictor/v4";
inline constexpr FileVersion predictor_version{predictor_schema, "`cpubone-explore fit`"};
// A calibrated device: its hardware, the host model (predictor/v4) it transfers from, the fitted factors,
// held-out figures and the interval. Written by `calibrate`.
inline constexpr std::string_view device_schema = "cpubone-explore/device/v1";
inline constexpr FileVersion device_version{device_schema, "`cpubone-explore calibrate`"};

// Groups of operator classes that share one fitted factor on a calibrated device: a few published
// latencies cannot pin down fourteen classes, but GEMM-like convs, depthwise/pooling, memory-bound
// elementwise passes and attention behave differently enough between an x86 core and an Arm core that one
// common factor cannot express them (issue 16).
enum class OpGroup { gemm, depthwise, elementwise, attention, count_ };
inline constexpr size_t op_group_count = static_cast<size_t>(OpGroup::count_);
OpGroup op_group(OpClass c);
std::string_view to_string(OpGroup g);

struct Calibrated {
  Hardware hardware;
  // "hardware_transfer": each op = its host roofline efficiency carried to the device's ceilings, times
  // its group's factor. "group_scale": each op = its host time times its group's factor; "host_scale" the
  // same with one factor for every group. "uniform_scale": the host model scaled per class (the class
  // scales sit in the host model's classes). "macs_only" and "physical": each op = linear · (MACs, bytes,
  // 1). Every method prices the network the device's runtime runs (hardware.runtime_fuses_relu). Unset (a
  // Calibrated built by hand): priced as the uniform scale, as an empty method string was.
  CalibrationMethod method = CalibrationMethod::uniform_scale;
  // macs_only and physical: microseconds per MAC, per byte and per op.
  std::array<double, 3> linear{0, 0, 0};
  int64_t host_threads = 1;  // the host model is evaluated at this thread count
  Ceilings host;             // hardware_transfer: the host's probed ceilings at host_threads
  std::array<double, op_group_count> group_factor{1, 1, 1, 1};  // hardware_transfer and group_scale
  // hardware_transfer: the host efficiency enters as efficiency^efficiency_exponent, and every op of the
  // network costs dispatch_us_per_op more. An exponent above 1 says the device's runtime loses more than
  // the host's executor where the host is already far from its roofline (few channels, depthwise, data
  // movement); the dispatch time is what a framework spends per operator call whatever the op computes
  // (a small network's published time can be mostly that: docs/log/predictor.md). Both are fitted with
  // the factors on the published points (1 and 0 for the other methods).
  double efficiency_exponent = 1;
  double dispatch_us_per_op = 0;
  // The interval (predictor/calibration_record.hpp): its errors for a network of a family the calibration
  // never saw and, where the device has them, for one of a family it saw; how they were sized, and for
  // pooled_t the other devices' prior: what held_out_bounds needs to hold a calibration point's family out
  // as the interval does.
  DeviceInterval interval;
  // Every candidate's held-out figures, the choice and how sure (predictor/calibration_held_out.hpp); absent
  // in a Calibrated built by hand.
  std::optional<CalibrationHeldOut> held_out;
  std::string rebuild;  // the command that rebuilds the file
  // Whose timings it was fitted to; the user's name the runtime and version they timed with (threads:
  // hardware.threads).
  TimedBy timed_by = TimedBy::published;
  std::string timed_runtime;  // TimedBy::user: e.g. "ONNX Runtime 1.17"; "" otherwise
  // What the calibration networks exercised: each kind of work's mean share of their host-predicted time
  // (predictor/op_kinds.hpp). A prediction whose time lies in kinds below calibrated_kind_share has that
  // share s of its time uncertain by uncalibrated_factor F: its interval is widened to
  // [low · (1 - s + s/F), high · (1 - s + s·F)].
  std::map<OpKind, double> kind_share;
  double uncalibrated_factor = 1;
  std::optional<UncalibratedSizing> uncalibrated;  // how F was sized, or the kind spreads' source
  // The pooled interval method's widening instead of F (predictor/interval.hpp): per kind of work, how far
  // devices' relative cost of it strays from the host's (log, the median over the other devices).
  // A network's interval half-width in log space becomes sqrt(q² + u²), u = unseen_half_width of the
  // kinds below calibrated_kind_share. Empty: F widens (the percentile method).
  std::map<OpKind, double> kind_spread;
  // The calibration networks' MACs, and MACs alone's time per MAC fitted on them. Where the device fitted a
  // time per op or per byte (physical's linear terms, the transfer's dispatch time), a network outside
  // that range has a share of its time in such terms unlike any calibration network's, which holding
  // families out cannot test when every calibration network is large (or small; docs/log/calibration.md has a
  // case). Its interval also reaches MACs alone's prediction. Factors on the host model's times carry the host's own
  // per-op costs, measured at every size: no reach for them. Absent (null in the file): no such reach.
  struct SizeRange {
    double macs_min = 0, macs_max = 0, macs_only_us_per_mac = 0;
  };
  std::optional<SizeRange> calibration_sizes;
};

// A calibrated device's figures in words, for its first line: "published latencies", or the user's own,
// "your timings: ONNX Runtime 1.17, 4 threads".
std::string timings_in_words(const Calibrated& c);
// Where its interval's errors come from, in words: "held-out published figures", "your held-out timings".
std::string interval_source_in_words(const Calibrated& c);

// Two kinds: the quadratic regression (theta, plus residual trees), or, when `roofline` is set, the
// roofline model (issue 16), which `fit` keeps for a class only where its held-out error is lower.
struct ClassModel {
  std::array<double, feature_count> theta{};  // log(latency_us) = theta · basis(x)
  // The training range of each base feature. Inputs are clamped into it before the quadratic basis, so a
  // network unlike anything measured gets the nearest measured behaviour instead of an exploding polynomial.
  std::array<double, base_feature_count> lo{}, hi{};
  Boost residual_trees;                   // added to the quadratic's log latency; empty = none
  std::optional<RooflineModel> roofline;  // set: this class is "kind": "roofline"; theta and trees above unused
  // The quadratic's floor: its time never beats the roofline time at these ceilings (the host's probed
  // peak and cache bandwidth per thread count, as the roofline kind uses), so that no shape gets a MACpS
  // the machine cannot reach (a polynomial extrapolates past the peak: docs/log/predictor.md). Empty (a profile
  // without ceilings): unbounded.
  std::map<int64_t, Ceilings> roofline_floor;
  double scale = 1.0;  // calibration factor on latency (1 for a measured device)
  int64_t samples = 0;
  double train_mape = 0;  // on its own training samples
};

// A host model's interval, from fit: per thread count, the interval_level quantiles of the relative
// errors (predicted / measured - 1) of the profile's whole networks (as network_scale), each predicted by
// class models fitted without it (a zoo network: without its family). Those networks are in-distribution:
// networks unlike them err more (validate's out-of-distribution figures). The predictor file's "interval":
// {"level", "method", "by_threads": {"1": {"error_low", "error_high", "networks", "coverage"}}}.
struct HostInterval {
  double level = interval_level;
  std::string method;  // how the errors were sized, in words
  struct AtThreads {
    double error_low = 0, error_high = 0;
    int64_t networks = 0;  // the distinct networks the errors come from
    double coverage = 0;   // the share of those errors inside their own held-out bounds
    bool operator==(const AtThreads&) const = default;
  };
  std::map<int64_t, AtThreads> by_threads;
  bool operator==(const HostInterval&) const = default;
};

struct Predictor {
  std::string device;     // "host", "pi5", ...
  std::string runtime;    // what its figures describe, e.g. "XNNPACK on this machine (measured)"
  Provenance provenance;  // profile, environment, date, fit statistics, calibration points (predictor/provenance.hpp)
  std::array<std::optional<ClassModel>, op_class_count> classes;
  std::map<int64_t, double> network_overhead_us;  // per thread count
  // Per thread count: ops inside a whole network run this much slower than the op models say (caches
  // shared with the ops before them); fitted on the profile's whole networks (sampled, and zoo ones of the
  // fitted families: FitOptions::zoo_families). Absent = 1.
  std::map<int64_t, double> network_scale;
  // Per thread count: what a network's weights save when the whole network stays in the caches between
  // its runs. A network runs again and again in a loop; one small enough finds its weights in the caches
  // on its next run, where the op models, fitted on blocks timed with evicted caches and on the mixed
  // networks of the profile, read them from memory: a small network ran slower with its caches evicted
  // before every run, by about the time its weights take from DRAM, and one far past the caches did not
  // (docs/log/predictor.md, moved from code comments, also for the variants tried and not kept). A network
  // of at most network_bytes_below bytes (its count) has each op's time less credit_us, before
  // network_scale. Absent: no credit. This machine's caches, not a device's: a calibrated device never
  // uses it.
  struct WarmWeights {
    double network_bytes_below = 0;
    double us_per_weight_byte = 0;
    // An op saves at most this share of its own time (1 - DRAM / cache bandwidth, as probed): weights
    // read from the caches still take time.
    double max_share = 0;
    double credit_us(double weight_bytes, double own_us) const {
      return std::min(weight_bytes * us_per_weight_byte, max_share * own_us);
    }
  };
  std::map<int64_t, WarmWeights> warm_weights;
  // The law at the nearest fitted thread count if a network of these bytes finds its weights cached.
  const WarmWeights* warm_weights_for(int64_t threads, double network_bytes) const;
  // A host model's interval (HostInterval). Absent where no thread count had min_networks_for_interval sampled
  // networks; a calibrated device uses its own.
  std::optional<HostInterval> interval;
  // Set for a device calibrated from published latencies; the fields above are then its host model.
  std::optional<Calibrated> calibrated;

  // The op's own class model plus, for an unfused activation, the elementwise model's time of that pass.
  // Throws for a class without a model: an op class without data is an error, never zero.
  double predict_op_us(const OpFeatures& f) const { return predict_op(f).latency_us; }
  struct OpTime {
    double latency_us;     // total
    double activation_us;  // of which the unfused activation pass (elementwise class)
  };
  OpTime predict_op(const OpFeatures& f) const;
  double predict_class_us(OpClass c, const std::array<double, base_feature_count>& base) const;
};

struct OpPrediction {
  OpClass op_class;
  double macs;
  double latency_us;                 // including activation_us
  double activation_us;              // an unfused activation pass, predicted by the elementwise model
  std::optional<size_t> fused_into;  // the host executor computes this op in that op's kernel: no time of its own
};
// What a prediction's interval is (`predict --json`'s "interval", interval_to_json): a host model's at the
// nearest thread count of its interval, or a calibrated device's as it was applied to the network. What else
// it says of the network (the family it was sized for, work the calibration barely ran, sizes outside the
// calibration's, the warning) is in NetworkPrediction's fields beside it.
struct PredictionInterval {
  double level = interval_level;
  std::string method;  // how the errors were sized, in words
  double error_low = 0,
         error_high = 0;  // the errors applied: a calibrated device's seen-family ones where it applied them
  struct HostFigures {    // a host model's, at that thread count (HostInterval::AtThreads)
    int64_t networks = 0;
    double coverage = 0;
  };
  std::optional<HostFigures> host;
  std::optional<DeviceInterval> device;  // a calibrated device's interval, as its file holds it
  // The pooled method's widening for work the calibration barely exercised, in log space: the calibration's
  // own half-width, that work's, and their sum in quadrature.
  struct HalfWidths {
    double calibrated = 0, unseen = 0, total = 0;
  };
  std::optional<HalfWidths> half_widths;
  std::optional<bool>
      network_family_calibrated;  // a device with held-out figures: whether its calibration saw the network's family
};

struct NetworkPrediction {
  std::vector<OpPrediction> ops;
  double overhead_us = 0;
  double latency_us = 0;         // Σ ops (each times the network scale, less its warm-weights credit) + overhead
  double network_bytes = 0;      // the bytes the warm-weights credit was decided on (count's)
  double weights_credit_us = 0;  // Σ ops' warm-weights credit, times the scale: already out of latency_us
  // The interval from held-out errors, [low, high] microseconds: a calibrated device's, or a host
  // model's at the nearest thread count of its interval (absent for a host model fitted before it).
  std::optional<std::array<double, 2>> interval_us;
  std::optional<PredictionInterval> interval;  // what the interval is: set with interval_us
  bool seen_family_interval =
      false;  // a calibrated device's interval for a family its calibration saw (interval.applied)
  // A calibrated device's: the share of the network's host-predicted time in kinds of work its calibration
  // networks barely exercised, and those kinds (Calibrated::kind_share).
  std::optional<Uncalibrated> uncalibrated;
  // What the interval says of this network beyond the device's own figures; interval_to_json writes each
  // (as "uncalibrated", "outside_calibration_sizes" and "warning") from these fields.
  struct Widening {  // with uncalibrated: how the interval is widened for that work
    std::optional<double>
        width_share_unseen;  // the pooled method: the share of the width from how devices differ on it
    double factor = 1;       // else: its time is uncertain by this factor (1: not widened)
  };
  std::optional<Widening> widening;
  struct OutsideSizes {  // a network outside the calibration networks' MACs: the interval reaches MACs alone's time
    double macs = 0, calibration_macs_min = 0, calibration_macs_max = 0, macs_only_us = 0;
  };
  std::optional<OutsideSizes> outside_calibration_sizes;
  std::string interval_warning;  // "" or why the interval says nothing of this network's family
};
// Time by kind of work (op_kind; an unfused activation pass under its activation's kind) of a network as
// `p` predicts it: predicted by a host model, the host's times.
std::map<OpKind, double> host_time_by_kind_us(const Network& net, const NetworkPrediction& p);
// A per-thread-count figure (network_scale, network_overhead_us) at the nearest fitted thread count below or
// at `threads`, else at the smallest; `absent` when there is none.
double nearest_threads(const std::map<int64_t, double>& m, int64_t threads, double absent);
// A calibrated device predicts only at its own threads (those of its published runtime): any other count
// is an InputError, since nothing says how that runtime scales. network_bytes: the bytes of the whole
// network `net` is a part of, for the warm-weights credit (the search predicts a candidate unit by unit);
// default its own.
NetworkPrediction predict(const Predictor& p, const Network& net, int64_t threads,
                          std::optional<double> network_bytes = std::nullopt);

// The threads a prediction is for: a calibrated device's own (requesting another is an InputError naming
// both), else the request, else 1.
int64_t prediction_threads(const Predictor& p, std::optional<int64_t> requested);
// The thread count the host model is evaluated at for a prediction at `threads`: a calibrated device's
// host_threads (its own threads are in its calibration), else `threads`.
int64_t host_model_threads(const Predictor& p, int64_t threads);

// A host op's time carried to a device: the host's roofline efficiency (host roofline time / host time,
// clamped into (0, 1]) raised to efficiency_exponent, applied to the device's roofline time. Roofline
// time = max(MACs / peak, bytes / bandwidth).
double transferred_us(double host_us, double macs, double bytes, const Ceilings& host, const Ceilings& device,
                      double efficiency_exponent = 1);
// A base feature of an op outside the training range (ClassModel::lo/hi) of a class model that predicts it
// (its own class, or the elementwise model of its unfused activation): there the prediction is the nearest
// measured behaviour with the work scaled linearly, not something the profile measured.
struct OutsideFeature {
  OpClass model;
  std::string feature;  // a base feature name of feature_names(), e.g. log_out_per_group
  double value, lo, hi;
};
std::vector<OutsideFeature> outside_profile(const Predictor& p, const OpFeatures& f);
// Every op of `net` as predict() gave it to the host model (a fused op is never outside: it is not predicted).
struct OutsideOps {
  std::vector<std::vector<OutsideFeature>> per_op;  // one per op of the network; empty: inside
  int64_t ops = 0;                                  // how many are outside
  std::set<std::string> features;                   // "class.feature", sorted
};
OutsideOps outside_profile(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads);

// What `predict --json` prints: model, device, runtime, threads, resolution, macs, latency_us, macps,
// overhead_us, network_bytes and weights_credit_us (NetworkPrediction), for a calibrated device latency_us_low and
// latency_us_high (its interval) and, with `layers`, one object per op: name, op, op_class (the predictor's class, e.g.
// conv_dense), macs (an OpRow's fields, space/op_row.hpp), latency_us, activation_us and macps.
// Always: outside_profile (any op outside the profiled ranges, see outside_profile()), ops_outside_profile
// and outside_profile_features ("class.feature", sorted); with `layers`, each op's outside_profile and
// outside_features ({model, feature, value, lo, hi}, empty when inside).
Json prediction_to_json(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads,
                        bool layers);
// The prediction's "interval" (pred.interval set): its PredictionInterval, with the fields of `pred` that
// say how it was applied (applied, uncalibrated, outside_calibration_sizes, network_family_calibrated, warning).
Json interval_to_json(const NetworkPrediction& pred);

// What one class model predicts for base features (times its calibration scale).
double class_model_us(const ClassModel& m, const std::array<double, base_feature_count>& base);

Json to_json(const Predictor& p);
Predictor predictor_from_json(const Json& j, const std::string& file);

}  // namespace cpx::predictor
