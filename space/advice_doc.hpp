// The advice document (`advise --json`, "cpubone-explore/advice/v1") as structs: what the explorer writes
// (explorer/advise.hpp fills it), what the CLI and Python print and return, and what the report renders
// (reports/advice.cpp). It lives in space/ because the explorer writes it and reports/ reads it, and space/
// is the one library both link. JSON is written by one to_json and read by one advice_from_json
// (space/advice_json.cpp), whose keys are the fields' names here; to_json(advice_from_json(j)) == j.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "space/op_row.hpp"
#include "space/recognise.hpp"
#include "space/rewrite_kind.hpp"
#include "space/shape.hpp"

namespace cpx {

// A gain is the share of the whole network's predicted time a change saves: (before - after) / before, so it
// lies below 1 (100 %). Its interval (predictor/gain_interval.hpp) comes from what the change does to the
// predicted time: per op class (a rewrite that keeps the class is surer than one that swaps it) and per op,
// correlated within a block, sized on the host predictor's held-out per-op residuals and, on a calibrated
// device, its own held-out errors; in time, then as a gain, so every bound is below 1 and finite. It is the
// predicted gain's error at interval_level: a measured gain also carries the measurement's own noise, which
// it leaves out (docs/advise.md has how often measured gains fall inside it). A file's gain of 1 or more is
// refused by the reader.
struct Gain {
  double point = 0;
  std::optional<double> low, high;  // both or neither
  // Where the interval's width comes from: the standard deviations in time of the saved time's class-level,
  // op-level, device and floor parts (predictor::GainSpread), with the interval.
  struct Spread {
    double class_us = 0, op_us = 0, device_us = 0, floor_us = 0;
  };
  std::optional<Spread> spread;
};
// The document's fixed sentences, which the text prints too.
inline constexpr std::string_view gain_definition =
    "share of the whole network's predicted time saved: (before - after) / before";
inline constexpr std::string_view gain_interval_method =
    "80% for the predicted gain, from the changed ops' time by op class and per op (correlated within a block), sized "
    "on the host predictor's held-out per-op errors, scaled and given a floor by measured gains of other networks, and "
    "a calibrated device's own; in time, then as a gain, so every bound is below 100%; a measurement's own noise is "
    "not in it (docs/advise.md)";
inline constexpr std::string_view local_search_objectives = "predicted latency (min) vs MACs (max)";

// One recognised block (its ops by name) and where it loses MACpS: the block's variant (a combination of its
// rewrites, or none) with the highest MACpS, and the time the block's current MACs would take at that MACpS:
// latency_us - that = lost_us, the time lost to low MACpS.
struct AdviceBlock {
  std::string name;
  BlockKind kind = BlockKind::conv;
  std::vector<std::string> ops;  // its op names, the residual add and shortcut included
  bool residual = false;
  double latency_us = 0;  // its ops' predicted time in the network (network scale applied)
  int64_t macs = 0;
  double macps = 0;  // macs over latency_us (0 without time)
  double best_macps = 0;
  std::vector<std::string> best_variant;  // suggestion ids; empty: the block as it is is best
  double lost_us = 0;
  double fastest_us = 0;                 // its fastest variant's time (it may do less work)
  std::vector<std::string> suggestions;  // ids
};

// An op in no block of a known kind: counted and predicted, never rewritten.
struct UnrecognisedOp {
  std::string name, op;
  double latency_us = 0;
  int64_t macs = 0;
};
struct UnrecognisedSummary {
  size_t ops = 0;
  double latency_us = 0;
  double share_of_latency = 0;  // of the network's predicted latency, as the text's "not recognised" line says
};

// One rewrite alone, applied to the whole network.
struct AdviceSuggestion {
  std::string id;  // "s1", ... by predicted gain, largest first
  Rewrite rewrite;
  std::string what;   // the rewrite kind's line (rewrite_kinds)
  std::string block;  // the block's name
  BlockKind block_kind = BlockKind::conv;
  double latency_us = 0;  // the whole network with this rewrite alone
  Gain gain;
  int64_t macs_before = 0, macs_after = 0, params_before = 0, params_after = 0;  // the whole network's
  bool keeps_function = false;
  std::string weights;                         // what happens to the weights, in a sentence
  std::string accuracy_evidence;               // the rewrite kind's published evidence, or "no published evidence"
  std::optional<std::string> receptive_field;  // what changes for it, when something does
};

// A combination of suggestions on the local search's front.
struct AdviceVariant {
  std::string id;  // "v1", ... fastest first
  std::vector<std::string> suggestions;
  double latency_us = 0;
  Gain gain;
  int64_t macs = 0, params = 0;
};

struct AdviceBudget {
  std::optional<double> min_params, max_params, max_macs;
};
// The local search over combinations of the rewrites: its Pareto front (latency vs MACs, within the budget),
// only variants faster than the original, fastest first.
struct LocalSearch {
  std::string objectives{local_search_objectives};
  AdviceBudget budget;
  int64_t evaluations = 0, generations = 0;
  std::vector<AdviceVariant> front;
};

// One op of the network: name, op, conv_class, latency_us (the row's predicted_us), macs and fused_into of
// its OpRow, the block it is in and its MACpS.
struct AdviceLayer {
  OpRow row;
  std::optional<std::string> block;
  double macps = 0;
};

// `--apply`'s record: which weights of the rewritten network are the user's, which seeded, which need training.
struct WeightSources {
  bool yours = false;  // the original's weights were the user's (else a seed)
  std::vector<std::string> carried_ops, zero_padded_ops, merged_ops, seeded_ops, need_training_ops;
};
inline constexpr std::string_view batch_norm_init =
    "gamma 1, beta = the folded bias, running_mean 0, running_var 1 - eps";
struct BatchNormsApplied {
  std::vector<std::string> unfolded_convs;  // written as conv (no bias) + BatchNorm
  std::string init{batch_norm_init};
  std::string note;  // the sentence the text prints
};
// What `advise --apply` wrote (explorer/advise_apply.hpp).
struct AppliedAdvice {
  std::string ids;  // as given, "s1,s3" or "v1"
  std::vector<Rewrite> rewrites;
  std::vector<std::string> files;  // advised.json, .onnx, .py, .f32
  int64_t macs = 0, params = 0, torch_params = 0;
  std::string weights;  // the original's weights: "seed 0", a file, "the model file's"
  std::vector<std::string> fresh_weight_ops;
  WeightSources weight_sources;
  BatchNormsApplied batch_norms;
  std::vector<std::string> notes;                   // sentences the text prints too
  std::optional<int64_t> params_batch_norm_folded;  // the params with the BatchNorms folded, when some were unfolded
};

struct AdviceDocument {
  std::string model, family;
  ShapeNhwc input_nhwc;
  std::string device, runtime;
  int64_t threads = 1, vector_channels = 0;
  double latency_us = 0;                             // the network's predicted latency
  std::optional<std::array<double, 2>> interval_us;  // its interval, when the device has one
  Json interval;  // what the interval is (the predictor's open object: level, method, warning...), or null
  int64_t macs = 0, params = 0;
  std::string gain_definition{cpx::gain_definition}, gain_interval_method{cpx::gain_interval_method};
  std::vector<AdviceBlock> blocks;  // in network order
  std::vector<UnrecognisedOp> unrecognised;
  UnrecognisedSummary unrecognised_summary;
  std::vector<AdviceSuggestion> suggestions;  // largest gain first
  LocalSearch local_search;
  std::vector<AdviceLayer> layers;
  std::vector<std::string> skipped_onnx_nodes;  // with --skip-unknown: "name (OpType)", passed through, not counted
  std::vector<std::string> warnings;
  std::optional<AppliedAdvice> applied;  // with --apply
  std::optional<std::string> report;     // with --report: the advice.html written
};

// The interval's warning (the predictor's), which the text and the report state beside `warnings`.
std::optional<std::string> interval_warning(const AdviceDocument& a);

Json to_json(const AdviceDocument& a);
Json to_json(const AppliedAdvice& a);
// Reads an advice document of `file`: the version gate, then every field; anything missing, of the wrong
// type, unknown or impossible (a gain of 100 % or more) is an InputError naming the file, the field and
// its value.
AdviceDocument advice_from_json(const Json& j, const std::string& file);

}  // namespace cpx
