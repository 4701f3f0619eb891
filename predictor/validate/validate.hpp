// `validate`: measures held-out networks on this machine in interleaved rounds and scores the predictor
// against three baselines fitted on the same training measurements (the quadratic regression without
// roofline the predictor replaced, constant MACpS, constant time per parameter), separately on two sets:
// in-distribution (every zoo network plus networks sampled from the CPUBone-like space below the
// profile's training seeds) and out-of-distribution (plain CNNs from predictor/validate/ood_networks.hpp, a
// generator sharing nothing with the sampler or the search space).
#pragma once

#include <array>
#include <functional>
#include <optional>

#include "predictor/predictor.hpp"
#include "predictor/statistics.hpp"
#include "profiler/profile/interference.hpp"
#include "space/op_row.hpp"

namespace cpx::predictor {

inline constexpr std::string_view validation_schema = "cpubone-explore/validation/v3";
inline constexpr FileVersion validation_version{validation_schema, "`cpubone-explore validate`"};

struct ValidateOptions {
  int64_t samples = 30;
  uint64_t seed = 1;
  int64_t threads = 1;
  double min_time_s = 0.2;  // of timing per network and round
  // Every network is measured once per round, rounds in a fresh shuffled order, and its figure is the
  // median of its round medians: on a shared machine, slow drifts then hit all networks alike instead of
  // whichever ones were being measured at the time (with one round, runs disagreed: docs/log/predictor.md).
  int64_t rounds = 5;
  // Out-of-distribution networks (ood_network(ood_seed + i)). These 30, 30 sampled and the 63 zoo networks
  // keep a default validate to minutes on a 2-core machine (docs/log/predictor.md, moved from code comments).
  int64_t ood = 30;
  uint64_t ood_seed = 1;
  // After the rounds, every network once more with each op timed in turn (as `measure --layers`), and each
  // op's prediction scored against that time, per op class: a network's errors can cancel between classes
  // (a network close as a whole had one class predicted fast and another slow: docs/log/predictor.md, moved
  // from code comments), and only the ops show it. Costs about two rounds: as `measure --layers`, the pass
  // times the whole network, then its ops.
  bool layers = false;
};

// The sets a held-out network is scored in: zoo and sampled are in-distribution, ood is not; zoo_fitted
// holds the zoo networks of the families the predictor was fitted on (fit --zoo-families half), in
// neither. One enum, one names table: the names are the JSON's "set" and nothing compares them.
enum class HeldOutSet { zoo, sampled, ood, zoo_fitted };
inline constexpr std::array<std::string_view, 4> held_out_set_names{"zoo", "sampled", "ood", "zoo_fitted"};
inline std::string_view to_string(HeldOutSet s) { return held_out_set_names[static_cast<size_t>(s)]; }

// One op's prediction next to its time measured inside its network (validate's `layers`).
struct OpScore {
  HeldOutSet set;        // as its network's row
  std::string network;   // as the rows' network
  std::string op_class;  // predictor/features.hpp's classes
  double predicted_us = 0, measured_us = 0;
};

// One held-out network, measured and predicted: validate's row. Its JSON (to_json, the only writer; the
// names are the fields'): network, set, macs, params_inference, measured_us (the median of
// measured_round_medians_us, one per round), measured_round_spread (slowest round over fastest - 1),
// measured_cv (the median of the rounds'), predicted_us, quadratic_baseline_us, macs_baseline_us,
// params_baseline_us, error (predicted / measured - 1), ops_outside_profile, outside_profile_features,
// measured_round_reference_us (per round, the mean of the speed reference's times just before and after it);
// then only where they apply: predicted_low_us and predicted_high_us (a predictor with an interval),
// blocks (ood) and, with `layers`, layers_additivity, ops_measured_us and
// ops_predicted_us (one per op, null where the op has no time of its own), and ops_name and ops_class.
struct ValidationRow {
  std::string network;
  HeldOutSet set = HeldOutSet::zoo;
  int64_t macs = 0, params_inference = 0;
  double measured_us = 0;
  std::vector<double> measured_round_medians_us;
  double measured_round_spread = 0, measured_cv = 0;
  double predicted_us = 0, quadratic_baseline_us = 0, macs_baseline_us = 0, params_baseline_us = 0;
  double error = 0;
  int64_t ops_outside_profile = 0;
  std::vector<std::string> outside_profile_features;
  std::optional<std::array<double, 2>> predicted_interval_us;  // low, high
  std::string blocks;                                          // ood: what the network is made of
  std::vector<double> measured_round_reference_us;             // one per round
  struct Layers {
    double additivity = 0;  // of the layers pass: Σ op medians / whole-network median
    // One per op of the network: its name, the predictor's class of it (op_class), measured_us and
    // predicted_us (nullopt where the op has no time of its own). Written as parallel arrays, ops_measured_us,
    // ops_predicted_us, ops_name and ops_class: the names and classes are what a per-class, per-block reading
    // of the residuals needs (benchmarks/gain_evidence.py).
    std::vector<OpRow> ops;
  };
  std::optional<Layers> layers;
};
Json to_json(const ValidationRow& row);

// Per op class over the ops whose set is in `sets` (the JSON's keys are the fields), the largest share
// first. Ops with no time of their own (fused, or measured at 0) are left out.
struct OpClassScore {
  std::string op_class;
  size_t ops = 0;
  double share = 0;      // of the measured time
  double sum_ratio = 0;  // Σ predicted / Σ measured: what the class adds to the networks' errors
  double median_ratio = 0;
  double weighted_abs_error = 0;  // Σ |predicted - measured| / Σ measured: a per-op MAPE would be ruled by ops
                                  // of a microsecond, whose timer noise is their size
  // The set's whole-network scores (accuracy against each row's measured_us) with this class's ops predicted
  // at their measured times, every other op as predicted: each row's predicted_us less Σ (predicted -
  // measured) over the class's ops. It says which class stands between the predictor and the goals (an
  // example: docs/log/predictor.md, moved from code comments). The op times come from the layers pass (each
  // op timed in turn), whose sum differs from the whole network by its additivity, so these are estimates.
  Accuracy networks_if_exact;
};
Json to_json(const OpClassScore& c);
// `rows`: validate's rows (network, set, predicted_us, measured_us are read).
std::vector<OpClassScore> op_class_scores(const std::vector<OpScore>& ops, const std::vector<ValidationRow>& rows,
                                          std::initializer_list<HeldOutSet> sets);

// How well the measurements themselves repeat: each network's median over its even rounds (1st, 3rd, ...)
// against its median over its odd rounds (difference = even / odd - 1). No predictor can be scored here
// more finely than its measurements repeat: with half the rounds each side, these figures are a pessimistic
// bound on how well a whole run repeats, and issue 16's "within ±5%" goal needs them well above its 80%.
// JSON: {"method", "networks", "within_5pct", "within_10pct", "median_abs_difference"}.
struct Repeatability {
  size_t networks = 0;
  double within_5pct = 0, within_10pct = 0, median_abs_difference = 0;
};
Json to_json(const Repeatability& r);
// Nullopt when no network has 2 rounds.
std::optional<Repeatability> repeatability(const std::vector<std::vector<double>>& round_medians_us);

// The host predictor's verdict is stated against the instrument, not against fixed goals: on a shared VM the
// same network measured twice in one run often differs by more than 5%, so a predictor cannot be shown to
// do better than that here. JSON: {"within_10pct": {predictor, instrument, gap_points}, "within_5pct":
// {...}, "at_instrument_floor": both gaps at most instrument_floor_points, "rule"}.
inline constexpr double instrument_floor_points = 5;
struct Verdict {
  struct Share {
    double predictor = 0, instrument = 0, gap_points = 0;
  };
  Share within_10pct, within_5pct;
  bool at_instrument_floor = false;
};
Json to_json(const Verdict& v);
// `predictor`: the accuracy of a set; `instrument`: repeatability of the same networks (none: no verdict).
std::optional<Verdict> instrument_verdict(const Accuracy& predictor, const std::optional<Repeatability>& instrument);

// The machine's speed while validating against its speed while it was profiled: the median of the
// speed reference's times (`reference_us`, the one the profile names: profiler/measure/machine_speed.hpp)
// over its median in the profile's machine_speed samples at `threads`. The predictor assumes the profile's
// speed; a shared VM's speed moves between profiles an hour apart by more than the errors sought
// (docs/log/predictor.md, moved from code comments), so a validate long after its profile also measures
// that drift. JSON: {"reference", "profile_median_us", "validate_median_us", "ratio", "note"}.
struct SpeedVsProfile {
  std::string reference;
  double profile_median_us = 0, validate_median_us = 0, ratio = 0;
};
Json to_json(const SpeedVsProfile& s);
// Nullopt for a profile without the reference at `threads`; a malformed machine_speed is an InputError
// naming the sample.
std::optional<SpeedVsProfile> speed_vs_profile(const profiler::Profile& profile, int64_t threads,
                                               const std::vector<double>& reference_us);

// A set's scores: the predictor's and the baselines' over its rows, and its worst predictions. JSON keys
// are the fields, in this order; an empty set is {"networks": 0} (with by_set and op_classes where they
// apply).
struct SetSummary {
  size_t networks = 0;
  std::optional<Accuracy> predictor;        // the rest is set only with it (a set of at least one row)
  std::optional<double> interval_coverage;  // a predictor with an interval: measured inside it
  std::optional<Repeatability> instrument;  // null without 2 rounds
  std::optional<Verdict> verdict;           // null without an instrument
  // With speed_vs_profile: every prediction multiplied by its ratio; and, for files with per-round
  // references, the predictor against each round's time brought to the profile's speed.
  std::optional<Accuracy> predictor_at_measured_speed, predictor_at_local_speed;
  Accuracy baseline_quadratic, baseline_macs, baseline_params;
  std::vector<ValidationRow> worst;  // the largest |error| first, at most 5 (JSON: network, error,
                                     // measured_us, predicted_us, ops_outside_profile, and blocks if any)
  std::vector<std::pair<HeldOutSet, Accuracy>> by_set;  // in-distribution: the predictor on each part alone
  std::optional<std::vector<OpClassScore>> op_classes;  // with `layers`
};
Json to_json(const SetSummary& s);

// How much the machine itself moved while measuring: each network's spread between its rounds, and the
// speed reference's. JSON keys are the fields.
struct MachineNoise {
  double median_round_spread = 0, p90_round_spread = 0;
  std::string reference;  // what reference_us timed and when
  std::vector<double> reference_us;
  double reference_spread = 0;  // p90 / p10 - 1 (max / min - 1 below ten times)
  bool machine_slowed = false;
  std::optional<Repeatability> repeatability;
};
Json to_json(const MachineNoise& m);

// What validate and rescore return; to_json writes the "cpubone-explore/validation/v3" file: the machine's
// noise and interference; the predictor scored ("predictor": the fit's profile, sources and selection);
// in_distribution and out_of_distribution, each with its networks, the predictor's and the baselines' scores
// (quadratic, MACs, params), its worst cases, with speed_vs_profile (null for a profile without
// machine_speed) predictor_at_measured_speed and predictor_at_local_speed, for a predictor with an interval
// interval_coverage, and with `layers` op_classes (op_class_scores); in_distribution's "by_set", the
// predictor's scores on its zoo and sampled parts alone; the zoo networks of the families the predictor was
// fitted on (fit --zoo-families half) as set "zoo_fitted", scored apart and counted in "zoo_networks_fitted",
// in neither of the two sets ("zoo_networks" counts the held-out ones); and one row per network
// (ValidationRow). JSON order: schema, machine_noise, interference, device, threads, networks, zoo_networks,
// zoo_networks_fitted, sampled_networks, seed, ood_networks, ood_seed, rounds, min_time_s_per_round,
// predictor, speed_vs_profile, in_distribution, out_of_distribution, zoo_fitted, layers,
// layers_median_additivity, baseline_constant_macps, environment, rows, and rescored (rescore only).
struct Validation {
  MachineNoise machine_noise;
  profiler::Interference interference;  // every network in every round is one measurement
  ValidateOptions options;              // threads, sampled_networks, seed, ood_networks, ood_seed, rounds,
                                        // min_time_s_per_round, layers
  int64_t zoo_networks = 0;             // held out
  int64_t zoo_networks_fitted = 0;      // of the families the predictor was fitted on
  Json predictor;                       // the scored fit's profile, sources and selection (its provenance)
  std::optional<SpeedVsProfile> speed_vs_profile;
  SetSummary in_distribution, out_of_distribution, zoo_fitted;
  std::optional<double> layers_median_additivity;
  double baseline_constant_macps = 0;
  Json environment;  // where the times were measured: profiler::capture_environment's, or the rescored file's
  std::vector<ValidationRow> rows;
  std::string rescored_from;  // rescore: the file whose times were scored
};
Json to_json(const Validation& v);

// Only "host" can be validated (it measures). Pins the calling thread to `threads` CPUs. `progress`, if
// set, gets each network's row as it is measured.
Validation validate(const std::string& device, const ValidateOptions& options,
                    const std::function<void(const ValidationRow& row)>& progress = {});

// Scores the device's predictor now on the measurements of an earlier validate (its JSON at
// `validation_path`), measuring nothing: the same figures as validate, with the run's times, environment,
// machine_noise, interference and baselines (fixed references for every predictor rescored), this
// predictor's predictions, its zoo_fitted split, and "rescored" naming the file. Two predictors (two fits, two
// CPX_HOMEs) are then compared on the very same times, which two validate runs cannot do: this VM's speed drifts
// between runs by more than the differences sought (docs/log/predictor.md, moved from code comments). The file's
// networks are rebuilt from its seeds and the zoo; a network whose name, MACs or op count differ from the
// file's is an InputError naming the row (the zoo or a generator changed since).
Validation rescore(const std::string& device, const std::string& validation_path,
                   const std::function<void(const ValidationRow& row)>& progress = {});

}  // namespace cpx::predictor
