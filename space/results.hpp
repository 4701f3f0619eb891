// The main job's results (`cpubone-explore/results/v3`) as structs: the document the explorer writes and the
// report renders. Its fields are the rows of the one field table (space/results_fields.cpp), in its order, each
// under its key's name (`operator` is `operator_name`, "groups 4" is `groups_4`); a figure that may be null is a
// std::optional, and so is a field written only where it applies. Open objects (the predictor's provenance, the
// environment, per-family and per-feature maps) stay JSON: their keys are names, not fields. JSON is read and
// written only by results_from_json and to_json (space/results_from_json.cpp, space/results_to_json.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "space/error.hpp"
#include "space/names.hpp"
#include "space/op_row.hpp"

namespace cpx::results {

// The vocabularies of the table's `choice` fields, each one enum with its names table (the table's choices, in
// its order: tests/test_results_document.cpp holds the two together).
enum class TimedBy { published, user, project, zero_shot };
inline constexpr Names<TimedBy, 4> timed_by_names{{{TimedBy::published, "published"},
                                                   {TimedBy::user, "user"},
                                                   {TimedBy::project, "project"},
                                                   {TimedBy::zero_shot, "zero_shot"}}};
enum class AccuracyKind { proxy, user, macs };
inline constexpr Names<AccuracyKind, 3> accuracy_kind_names{
    {{AccuracyKind::proxy, "proxy"}, {AccuracyKind::user, "user"}, {AccuracyKind::macs, "macs"}}};
enum class RuleSource { predictor, profile };
inline constexpr Names<RuleSource, 2> rule_source_names{
    {{RuleSource::predictor, "predictor"}, {RuleSource::profile, "profile"}}};
enum class TimeSource { predicted, measured };  // a roofline point's latency
inline constexpr Names<TimeSource, 2> time_source_names{
    {{TimeSource::predicted, "predicted"}, {TimeSource::measured, "measured"}}};
enum class CeilingSource { profile, hardware };  // the roofline's ceilings
inline constexpr Names<CeilingSource, 2> ceiling_source_names{
    {{CeilingSource::profile, "profile"}, {CeilingSource::hardware, "hardware"}}};
enum class MatchedMethod { exhaustive, nsga2 };
inline constexpr Names<MatchedMethod, 2> matched_method_names{
    {{MatchedMethod::exhaustive, "exhaustive"}, {MatchedMethod::nsga2, "NSGA-II"}}};
enum class Domination { earned, promising_unproven, none };
inline constexpr Names<Domination, 3> domination_names{{{Domination::earned, "earned"},
                                                        {Domination::promising_unproven, "promising_unproven"},
                                                        {Domination::none, "none"}}};
enum class HeldOut { lofo, lomo };
inline constexpr Names<HeldOut, 2> held_out_names{{{HeldOut::lofo, "lofo"}, {HeldOut::lomo, "lomo"}}};
enum class LatencySource { measured, published, predicted };
inline constexpr Names<LatencySource, 3> latency_source_names{{{LatencySource::measured, "measured"},
                                                               {LatencySource::published, "published"},
                                                               {LatencySource::predicted, "predicted"}}};

struct Tool {
  std::string name;     // `cpubone-explore`
  std::string version;  // its version (`cpubone-explore --version`)
  std::string command;  // the command line of the job
};

struct Device {
  std::string name;                 // `pi5`, `host`, ...: printed on every chart
  std::string runtime;              // what the latencies describe ("ONNX Runtime on RPi 5, published")
  bool measured = {};               // true only for a device profiled on this machine
  std::optional<TimedBy> timed_by;  // whose timings a calibrated device rests on: published fig...
  int64_t threads = {};             // threads: the thread count every latency below is for
  Json provenance;  // the predictor's provenance object, as stored; its `machine_speed` {`spread`, `slowed`: true}...
};

struct AccuracyForm {
  std::optional<std::string> form;                   // `linear` or `saturating`
  std::optional<std::vector<std::string>> features;  // its feature set
  std::optional<double> loo_mae_pp;                  // pp: leave-one-model-out MAE
  std::optional<double> lofo_mae_pp;                 // pp: leave-one-family-out MAE
  std::optional<double> largest_tenth_mae_pp;   // pp: MAE on the largest tenth by MACs, predicted by a fit on the rest
  std::optional<double> smallest_tenth_mae_pp;  // pp: the same for the smallest tenth
  std::optional<double> extrapolation_mae_pp;   // pp: the mean of the two: the criterion between forms
  std::optional<bool> chosen;                   // the form the model uses
};

struct AccuracyExtrapolation {
  std::optional<std::string> edge;                      // `largest` or `smallest`
  std::optional<std::vector<std::string>> models;       // the models held out
  std::optional<std::vector<double>> residual_pp;       // each one's estimate minus its published top-1
  std::optional<std::vector<double>> support_distance;  // each one's distance to the points that fitted it
  std::optional<double> mae_pp;                         // pp: their mean absolute residual
  std::optional<Json> median_overshoot;  // per range feature, the median amount the held-out models lay beyond the...
};

struct AccuracyInterval {
  double level = {};                      // its nominal coverage (0.8)
  double half_width_pp = {};              // pp: half width at support distance 0
  std::optional<double> per_distance_pp;  // pp: added per unit of support distance d: half width = half_width_pp +...
  std::string method;                     // how it was sized
};

struct FamilyRange {
  std::optional<Json> margin_low;   // per range feature, the widening below each family's smallest member
  std::optional<Json> margin_high;  // per range feature, the widening above each family's largest member
  std::optional<Json> families;     // per family and range feature, [low, high]
};

struct AccuracySupport {
  std::optional<std::vector<std::string>> features;  // the features the distance is measured in
  std::optional<std::vector<double>> mean;           // their means over the fitted points
  std::optional<std::vector<double>> sd;             // their standard deviations
  std::string distance;                              // how the distance is measured
  double threshold = {};                             // the largest distance inside the support
  std::optional<std::string> threshold_rule;         // how the threshold was set
  std::optional<Json> range;  // per range feature (`log_macs`, `log_params`): {`low`, `high`, `margin_low`, `margi...
  std::optional<FamilyRange> family_range;  // the range a network that takes a family's offset must lie in
  std::optional<std::string> range_rule;    // how the ranges were set
  std::optional<std::string> outside;       // what happens outside
};

struct AccuracyPoint {
  std::string model;                          // zoo model
  std::string family;                         // its family
  std::optional<std::string> source;          // where its top-1 comes from
  double published_top1 = {};                 // %: published top-1
  std::optional<double> fitted_top1;          // %: the fit's estimate
  std::optional<double> loo_top1;             // %: the estimate of a fit without this model
  std::optional<double> lofo_top1;            // %: the estimate of a fit without its family
  std::optional<double> macs;                 // MACs: its multiply-accumulates
  std::optional<double> params;               // params: its parameters
  std::optional<double> weight_layers;        // layers: its layers with weights
  std::optional<double> support_nn_distance;  // standardised distance to the nearest other fitted point
  std::optional<std::optional<double>> support_lofo_distance;  // the same to the nearest point of another family
};

struct FeatureSetTried {
  std::optional<std::string> form;            // `linear` or `saturating`
  std::vector<std::string> features;          // the set
  double loo_mae_pp = {};                     // pp: leave-one-model-out MAE
  double lofo_mae_pp = {};                    // pp: leave-one-family-out MAE
  std::optional<std::vector<double>> slopes;  // its slopes, in the order of `features`
  bool chosen = {};                           // the set its form uses
};

struct GroupingPenalty {
  std::optional<double> groups_4;     // pp: at 4 groups
  std::optional<double> groups_8;     // pp: at 8 groups
  std::optional<std::string> source;  // where the figures come from
};

struct AccuracyModel {
  std::string name;  // `proxy-zoo-v2`, ...: printed on every chart and table
  AccuracyKind kind =
      {};  // where the top-1 comes from: a fit of published figures, the user's CSV, or MACs alone (no t...
  std::string description;                           // one sentence a reader needs
  std::optional<std::string> form;                   // `linear` or `saturating`, chosen by `extrapolation`, not by fit
  std::optional<std::vector<std::string>> features;  // the chosen feature set
  std::optional<Json> knots;                         // per capped feature, where its cap starts
  std::optional<Json> slopes;                        // pp: per feature, its fitted slope
  std::optional<Json> offsets;                       // pp: per family, its offset
  std::optional<double> mean_offset;                 // pp: the offset of a family the fit never saw
  std::optional<std::string> offset_rule;            // which offset a network takes
  std::optional<double> loo_mae_pp;   // pp: leave-one-model-out mean absolute error on its points; null without a t...
  std::optional<double> lofo_mae_pp;  // pp: leave-one-family-out mean absolute error (the choice's criterion)
  std::optional<std::string> choice;  // how the feature set and the form were chosen
  std::optional<std::vector<AccuracyForm>> forms;                   // each form's chosen feature set and errors
  std::optional<std::vector<AccuracyExtrapolation>> extrapolation;  // the chosen form's extrapolation held out, on...
  std::optional<AccuracyInterval> interval;                         // the top-1 interval; null without a top-1
  std::optional<AccuracySupport> support;  // where the estimate is trusted; outside it top-1 is unknown (null); nu...
  std::vector<AccuracyPoint> points;  // the published top-1 figures the model was fitted on (empty without a top-1)
  std::vector<FeatureSetTried> feature_sets_tried;     // every feature set tried, per form
  std::optional<GroupingPenalty> grouping_penalty_pp;  // top-1 taken off grouped convolutions (the CPUBone paper's...
};

struct ZooRow {
  std::string name;                      // zoo model (`b0`..`b3` are CPUBone B0-B3)
  std::string family;                    // its family
  int64_t resolution = {};               // pixels: input height and width
  double params = {};                    // params: parameters
  double macs = {};                      // MACs: multiply-accumulates
  std::optional<double> published_top1;  // %: published ImageNet top-1
  std::optional<double> estimated_top1;  // %: the accuracy model's estimate, for every model; null outside its sup...
  std::optional<double> estimated_top1_low;    // %: its interval's lower end
  std::optional<double> estimated_top1_high;   // %: its interval's upper end
  std::optional<double> support_distance;      // standardised distance to the nearest fitted point
  std::optional<bool> inside_support;          // within `accuracy_model.support`'s threshold and range
  std::optional<double> predicted_latency_us;  // us: this device's predictor; null when it cannot predict the mode...
  std::optional<double> published_latency_us;  // us: the device's published figure, if it has one
  std::optional<double> measured_latency_us;   // us: median measured here (host only)
  std::optional<double> predicted_macps;       // MAC/s: MACs over the predicted latency
};

struct DesignRule {
  std::string id;                               // `fused_crossover`, ...
  std::string statement;                        // the rule in words
  Json value;                                   // its figure: a number, or an object of figures
  std::optional<std::string> unit;              // the figure's unit
  RuleSource source = {};                       // measured profile or predictor
  std::optional<std::string> paper_claim;       // what the paper says
  std::optional<bool> agrees_with_paper;        // whether this device agrees
  std::optional<std::string> proposals_follow;  // how many proposals follow the rule ("3 of 5 proposals")
};

struct BlockMacps {
  std::string variant;                // block, groups and kernel ("FuMBConv k3 g1")
  int64_t channels = {};              // channels: its width
  int64_t resolution = {};            // pixels: its input height and width
  double macps = {};                  // MAC/s: its MACs per second
  std::optional<double> latency_us;   // us: its latency
  std::optional<std::string> source;  // `measured` or `predicted`
};

struct BlockAtWidth {
  std::string variant;     // its name, as block_macps spells it
  double macps = {};       // MAC/s: its MACs per second
  double latency_us = {};  // us: its latency
};

struct FusedWidth {
  int64_t channels = {};  // channels: the width
  BlockAtWidth fused;    // CPUBone's fused local block (GrFuMBConv k2 g2): one of the pair the crossover compares in...
  BlockAtWidth unfused;  // CPUBone's unfused local block (GrMBConv k2 g2), the other of the pair
  BlockAtWidth best_fused;    // the fused variant with the highest MACpS at this width (any kernel, groups 1 or 2)
  BlockAtWidth best_unfused;  // the unfused variant with the highest MACpS at this width
};

struct FusedVsUnfused {
  int64_t resolution = {};                    // pixels: the input's height and width (14: stage 3 of a 224 input)
  std::optional<int64_t> crossover_channels;  // channels: the narrowest width from which the unfused block is fast...
  std::string statement;                      // the comparison in words, as the fused_crossover rule states it
  std::vector<FusedWidth> widths;             // one row per width, narrowest first
};

struct RooflinePoint {
  std::string model;                    // the layers model
  std::string op;                       // op name
  std::string op_class;                 // its predictor class (`conv_pointwise`, ...)
  double intensity_macs_per_byte = {};  // MACs/byte: arithmetic intensity
  double macps = {};                    // MAC/s: MACs over its latency
  TimeSource source = {};               // which latency
};

struct Roofline {
  std::optional<double> peak_macps;             // MAC/s: the compute ceiling
  std::optional<double> bandwidth_bytes_per_s;  // bytes/s: the memory ceiling
  std::optional<CeilingSource> source;  // `profile` (measured by the host profile's probes) or `hardware` (a calibra...
  std::vector<RooflinePoint> points;    // one per op with MACs and bytes
};

struct SearchConstraints {
  std::optional<double> max_latency_us;  // us: latency limit; null: none
  std::optional<double> max_params;      // params: parameter limit; null: none
  std::optional<double> max_macs;        // MACs: MAC limit; null: none
};

struct ReferencePoint {
  double latency_us = {};           // us: its latency
  std::optional<double> objective;  // its objective (top-1 in %, or minus MACs)
  std::optional<double> top1;       // %: its top-1; null for `macs`
};

struct Hypervolume {
  double nsga2 = {};                          // us x objective: NSGA-II front's hypervolume
  double random = {};                         // us x objective: random search front's
  std::optional<double> ratio;                // nsga2 / random; null when random is 0
  ReferencePoint reference_point;             // the point both are measured from
  std::optional<int64_t> random_evaluations;  // evaluations: random search's evaluations
};

struct RandomFrontPoint {
  double latency_us = {};           // us: predicted latency
  std::optional<double> top1;       // %: estimated top-1; null for `macs`
  std::optional<double> objective;  // its objective
};

struct SearchRun {
  std::string algorithm;               // `NSGA-II`
  uint64_t seed = {};                  // its seed
  std::string space;                   // `default` or the --space file
  std::optional<double> space_points;  // configurations: the size of the space
  int64_t evaluations = {};            // evaluations: distinct candidates evaluated
  std::optional<int64_t> lookups;      // evaluations: candidates looked up again
  double evaluations_per_second = {};  // 1/s: its speed
  std::optional<double> seconds;       // s: its time
  int64_t population = {};             // NSGA-II's population
  int64_t generations = {};            // generations run
  bool stopped_by_time = {};           // whether --budget stopped it before --evaluations (then named in `missing`)
  SearchConstraints constraints;       // the limits every configuration met
  Hypervolume hypervolume;             // NSGA-II against random search with as many evaluations
  std::vector<RandomFrontPoint> random_front;  // random search's front
};

struct MatchedConfiguration {
  std::string id;                             // `b0-m0`, ...
  std::string file;                           // its macro network JSON, relative to the results' folder
  std::string summary;                        // one line (`space --explain` says how to read it)
  double params = {};                         // params: parameters
  double macs = {};                           // MACs: multiply-accumulates
  double params_ratio = {};                   // params over the baseline's
  double macs_ratio = {};                     // MACs over the baseline's
  double predicted_latency_us = {};           // us: predicted latency
  double speedup = {};                        // the baseline's predicted latency over this one's
  Domination domination = {};                 // as in `proposals`, against the baseline's published top-1
  std::optional<double> measured_latency_us;  // us: measured here (host proof: each tier's fastest)
  std::optional<double> top1;                 // %: estimated top-1; null outside the support
  std::optional<double> top1_low;             // %: its interval's lower end
  std::optional<double> top1_high;            // %: its interval's upper end
  std::optional<double> support_distance;     // standardised distance to the nearest fitted point
};

struct MatchedTier {
  std::string baseline;                                // `b0`..`b3`
  double baseline_latency_us = {};                     // us: its predicted latency
  double baseline_params = {};                         // params: its parameters
  double baseline_macs = {};                           // MACs: its MACs
  std::optional<double> baseline_published_top1;       // %: its published top-1
  std::optional<double> baseline_measured_latency_us;  // us: measured here (host proof only)
  double tolerance = {};                               // MACs and params each within this share of the baseline's
  std::string fixed;                                   // what is held at the baseline's
  std::vector<std::string> varied;                     // the search-space dimensions left free
  std::optional<double> space_points;   // configurations: the size of that space; null when the baseline is not a p...
  std::optional<MatchedMethod> method;  // how the space was searched
  int64_t evaluations = {};             // evaluations: distinct configurations evaluated
  uint64_t seed = {};                   // the search's seed
  int64_t front_size = {};              // configurations: feasible non-dominated configurations besides the baseline
  std::optional<std::string> not_a_point;            // why there is no tier ("b0 is not a point of the search space")
  std::vector<MatchedConfiguration> configurations;  // the fastest (at most 5) of that front, fastest first
};

struct ParetoRow {
  std::string id;                             // `p000`, ...
  std::string file;                           // its macro network JSON, relative to the results' folder
  std::string summary;                        // one line (`space --explain` says how to read it)
  double params = {};                         // params: parameters
  double macs = {};                           // MACs: multiply-accumulates
  double predicted_latency_us = {};           // us: predicted latency
  std::optional<double> estimated_top1;       // %: estimated top-1
  std::optional<double> estimated_top1_low;   // %: its interval's lower end
  std::optional<double> estimated_top1_high;  // %: its interval's upper end
  std::optional<double> support_distance;     // standardised distance to the nearest fitted point
  std::optional<double> objective;            // the search's second objective (top-1 in %, or minus MACs)
  std::optional<double> outside_trust;        // how far outside the accuracy model's support (0 inside)
  std::optional<double> measured_latency_us;  // us: measured here (host proof only)
  std::optional<double> uncalibrated_share;   // calibrated device: share of the predicted time in kinds of work its...
  std::optional<std::string> uncalibrated_kinds;  // those kinds ("attention 9%, norm 3%")
};

struct ProposalRow {
  std::string id;                       // its `pareto` id
  double latency_us = {};               // us: predicted latency
  std::optional<double> objective;      // its search objective
  std::optional<double> params;         // params: parameters
  std::optional<double> macs;           // MACs: multiply-accumulates
  double delta_latency_pct = {};        // %: latency change against the baseline's
  double delta_top1_pp = {};            // pp: point estimate minus the baseline's published top-1
  double delta_top1_low_pp = {};        // pp: interval's lower end minus the baseline's published top-1 (>= 0 here)
  std::optional<double> outside_trust;  // how far outside the support (0 inside)
  std::optional<double> measured_latency_us;  // us: measured here (host proof: each baseline's fastest)
  double top1 = {};                           // %: estimated top-1
  double top1_low = {};                       // %: its interval's lower end
  double top1_high = {};                      // %: its interval's upper end
  double support_distance = {};               // standardised distance to the nearest fitted point
};

struct BaselineProposals {
  std::string baseline;                                // `b0`..`b3`
  double baseline_latency_us = {};                     // us: its predicted latency
  std::optional<double> baseline_top1;                 // %: its estimated top-1
  std::optional<double> baseline_published_top1;       // %: its published top-1: the standard proposals are held to
  std::optional<double> baseline_objective;            // its search objective
  std::optional<double> baseline_params;               // params: its parameters
  std::optional<double> baseline_macs;                 // MACs: its MACs
  std::optional<double> baseline_measured_latency_us;  // us: measured here (host proof only)
  std::vector<ProposalRow> dominating;  // EARNED: faster with top1_low >= baseline_published_top1, or top1_low abo...
  std::vector<ProposalRow> promising_unproven;  // the same standard met by the point estimate only (delta_top1_low...
};

struct ProofRow {
  std::string name;             // `b0` or a `pareto` or `capacity_matched` id
  double predicted_us = {};     // us: predicted latency
  double measured_us = {};      // us: median measured latency
  double cv = {};               // its coefficient of variation
  std::optional<bool> noisy;    // whether the machine disturbed the measurement
  std::optional<Json> timing;   // the profiler's timing record
  int64_t predicted_rank = {};  // rank by predicted latency (1: fastest)
  int64_t measured_rank = {};   // rank by measured latency
};

struct Proof {
  int64_t threads = {};                                  // threads: threads measured with
  std::vector<ProofRow> rows;                            // one per network measured
  double spearman = {};                                  // rank correlation of predicted and measured
  std::optional<std::vector<std::string>> not_measured;  // what was not measured, and why
  std::optional<std::string> note;                       // what was measured
  std::optional<Json> interference;  // what the machine did to these measurements (profiler's interference record)
};

// One op of the layers model: the one per-op row (space/op_row.hpp) and its stage. The file holds its name, op (older
// files may lack it: then ""), macs, op_class, predicted_us and measured_us (null unless the host proof measured it).
struct LayerRow {
  OpRow op;
  std::string stage;  // `stage 3`, `stem`, `head`, ...
};

struct Layers {
  std::string model;          // the model
  std::vector<LayerRow> ops;  // one per op
};

struct PredictorPoint {
  std::string model;              // zoo model
  std::string family;             // its family
  double predicted_us = {};       // us: calibrated: the held-out prediction; host: the prediction
  double actual_us = {};          // us: published or measured latency
  std::optional<double> low_us;   // us: the point's interval, as a user who never saw its family (or model) would h...
  std::optional<double> high_us;  // us: its upper end
};

struct PredictorInterval {
  double level = {};   // nominal coverage
  std::string method;  // how each point's interval was sized
};

struct HeldOutScores {
  double mape = {};       // %: mean absolute percentage error
  double within_10 = {};  // share within 10 %
  double spearman = {};   // rank correlation
};

struct HeldOutMethod {
  std::string method;                 // calibration method
  bool chosen = {};                   // the device's choice
  HeldOutScores lomo;                 // leave one model out
  std::optional<HeldOutScores> lofo;  // leave one family out; null with one family
};

struct PredictorAccuracy {
  double mape = {};                    // %: mean absolute percentage error of the points
  double within_10 = {};               // share of points within 10 %
  double spearman = {};                // rank correlation of predicted and actual
  std::vector<PredictorPoint> points;  // one per zoo model with an actual latency
  std::string against;                 // what the points are compared with
  std::optional<HeldOut> held_out;     // calibrated: each point predicted by a fit that never saw its family (lof...
  std::optional<std::string> method;   // the device's chosen calibration method (null on the host)
  std::optional<PredictorInterval> interval;          // null: the predictor gives no interval (the host)
  std::optional<std::vector<HeldOutMethod>> methods;  // the device file's held-out table, side by side (null on th...
};

struct RankCorrelations {
  LatencySource latency_source = {};  // which latencies: predicted when fewer than 3 are measured or published
  std::optional<int64_t> models;      // models: how many zoo models
  double macs = {};                   // with MACs
  double params = {};                 // with params
  std::optional<double> prediction;   // with the prediction (calibrated: its held-out predictions); null when the l...
};

struct OperatorRow {
  std::string operator_name;          // `Conv`, `DWConv`, `PConv`, ...
  std::optional<int64_t> channels;    // channels: its width
  std::optional<int64_t> resolution;  // pixels: its input height and width
  int64_t macs = {};                  // MACs: multiply-accumulates
  double latency_us = {};             // us: median measured latency
  double macps = {};                  // MAC/s: MACs per second
};

struct EmulatedOp {
  std::string op;   // op kind
  std::string how;  // how ("Eigen, erf per element")
};

// What the predictor's provenance and the environment (open objects, written as stored) say about how the figures
// were measured, read from them once where the document is read or built (machine_notes_from_json). Not a field of
// the file: the objects it comes from are.
struct NoisyMeasurements {
  std::string source;   // whose measurements (the environment's noisy_measurements key)
  std::string summary;  // how noisy, in words
};
struct MachineNotes {
  std::optional<double> slowed_spread;  // provenance.machine_speed.spread, when the machine slowed while profiling
  bool emulated = false;                // environment.emulated: measured under an emulator
  std::optional<std::string> emulation_signs;  // environment.emulation_signs, when recorded
  std::vector<NoisyMeasurements> noisy;        // environment.noisy_measurements above their threshold, in its order
};

struct Results {
  std::string schema;   // the version of this contract, `cpubone-explore/results/v3`; another version is refused wi...
  std::string created;  // when the job finished, UTC, ISO 8601
  Tool tool;            // what wrote the file
  Device device;        // the device every latency is for
  Json environment;  // the profiler's environment of this machine when anything was measured, with `pinning` and `...
  AccuracyModel accuracy_model;             // the top-1 estimate every configuration is given (explorer/accuracy.cpp)
  std::vector<ZooRow> zoo;                  // every zoo model, at its published resolution
  std::vector<DesignRule> design_rules;     // the design rules of this device, beside the CPUBone paper's claims
  std::optional<Json> design_rules_detail;  // the rules as the profiler derived them (`rules --json`)
  std::vector<BlockMacps> block_macps;      // MACpS against channels per CPUBone block variant, stride 1
  std::optional<int64_t> fused_crossover_channels;  // channels: below this width the fused block is faster
  FusedVsUnfused fused_vs_unfused;                  // fused vs unfused local blocks width by width at one input: th...
  Roofline roofline;                                // the roofline of the layers model's ops
  SearchRun search;                                 // the search and its comparison with random search
  std::vector<MatchedTier> capacity_matched;  // one per baseline b0..b3, listed before the proposals: configuratio...
  std::vector<ParetoRow> pareto;              // the whole front, fastest first
  std::vector<BaselineProposals> proposals;   // one per baseline b0..b3: the front members that dominate it
  std::optional<Proof> proof;  // host only: B0-B3, each one's fastest earned proposal and fastest capacity-matched...
  Layers layers;               // per-layer breakdown of one model (--layers-model, b0 by default)
  std::optional<PredictorAccuracy> predictor_accuracy;  // predicted against measured (host) or against published (...
  RankCorrelations rank_correlations;  // Spearman correlation of latency with MACs, params and the prediction (Mob...
  std::optional<std::vector<OperatorRow>> operator_table;  // FasterNet's Table 1 on this machine (from the profile...
  std::vector<EmulatedOp> emulated_ops;  // operators the executor runs without an XNNPACK microkernel, each kind a...
  std::vector<std::string> missing;      // every figure the job could not give, in words
  std::optional<double> elapsed_s;       // s: the job's wall-clock time
  MachineNotes machine_notes;            // from device.provenance and environment (not written)
};

}  // namespace cpx::results

namespace cpx {

using results::Results;

// Throws InputError "<file>: <field path> = <value>: <reason>" for another schema version (the version gate,
// check_file_version: "regenerate it with the main job"), a missing required field, a wrong type or an
// impossible value (negative latency, top-1 above 100 %), by the field table (space/results_fields.cpp).
// Fields the table does not list are ignored, so a newer explorer may add some without breaking older
// reports (space/results_check.cpp).
void validate_results(const Json& results, const std::string& results_file);

// The fields a results object holds, as table paths ("zoo[].macs"): those the table lists, and those it does
// not (inside objects whose fields it lists; an open object's keys are not fields).
struct SchemaCoverage {
  std::set<std::string> listed, unlisted;
};
SchemaCoverage schema_coverage(const Json& results);

// Checks `j` against the field table first (validate_results: an InputError naming `file`, the field path and
// the value), then reads it. Fields the table does not list are not read.
Results results_from_json(const Json& j, const std::string& file);
// The document as the explorer writes it: for every field the table lists, to_json(results_from_json(j)) == j.
Json to_json(const Results& r);
// What a predictor's provenance and an environment object say about how the figures were measured; any other shape
// of them (another file's format, open here) says nothing.
results::MachineNotes machine_notes_from_json(const Json& provenance, const Json& environment);

}  // namespace cpx
