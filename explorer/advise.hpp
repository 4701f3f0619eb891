// Advice on the user's own network for one device: where it loses MACpS (per layer and per recognised
// block, against the best variant of that block the device's predictor knows), which typed rewrites
// (space/rewrite.hpp) win there and by how much, and a local NSGA-II over combinations of them under a
// params/MACs budget. Every figure is the device predictor's; `benchmarks/advise.py` measures them.
// JSON "cpubone-explore/advice/v1".
#pragma once

#include <optional>
#include <string_view>

#include "explorer/search.hpp"
#include "space/results_schema.hpp"
#include "space/rewrite.hpp"

namespace cpx::explorer {

struct AdviceOptions {
  std::optional<int64_t> threads;  // a calibrated device: its own; else 1
  // The local search's budget. Neither given: params within +-10% of the original's.
  std::optional<double> max_params, max_macs;
  int64_t evaluations = 1500;  // distinct variants the local search may evaluate
  uint64_t seed = 1;
  int64_t vector_channels = 0;  // 0: the device's vector width in floats (vector_floats)
};

// A gain is the share of the whole network's predicted time a change saves: (before - after) / before, so it
// lies below 1 (100 %). Its interval (predictor/gain_interval.hpp) comes from what the change does to the
// predicted time: per op class (a rewrite that keeps the class is surer than one that swaps it) and per op,
// correlated within a block, sized on the host predictor's held-out per-op residuals and, on a calibrated
// device, its own held-out errors; in time, then as a gain, so every bound is below 1 and finite. It is the
// predicted gain's error at interval_level: a measured gain also carries the measurement's own noise, which
// it leaves out (docs/advise.md has how often measured gains fall inside it).
struct Gain {
  double point = 0;
  std::optional<double> low, high;
};
inline constexpr std::string_view gain_definition = "share of the whole network's predicted time saved: (before - after) / before";
inline constexpr std::string_view gain_interval_method =
    "80% for the predicted gain, from the changed ops' time by op class and per op (correlated within a block), sized on "
    "the host predictor's held-out per-op errors and a calibrated device's own; in time, then as a gain, so every bound "
    "is below 100%; a measurement's own noise is not in it (docs/advise.md)";
inline constexpr std::string_view local_search_objectives = "predicted latency (min) vs MACs (max)";

struct Suggestion {
  std::string id;  // "s1", ... by predicted gain, largest first
  Rewrite rewrite;
  size_t block = 0;  // index into Advice::blocks
  double latency_us = 0;  // the whole network with this rewrite alone
  Gain gain;
  int64_t macs = 0, params = 0;  // the whole network after it
  bool keeps_function = false;
  std::string receptive_field;
};

struct BlockAdvice {
  RecognisedBlock block;
  double latency_us = 0;  // its ops' predicted time in the network (network scale applied)
  int64_t macs = 0;
  // The block's variant (a combination of its rewrites, or none) with the highest MACpS, and the time
  // the block's current MACs would take at that MACpS: latency_us - that = the time lost to low MACpS.
  double best_macps = 0;
  std::vector<std::string> best_variant;  // suggestion ids; empty: the block as it is is best
  double lost_us = 0;
  double fastest_us = 0;  // its fastest variant's time (it may do less work)
  std::vector<std::string> suggestions;
  double macps() const;  // its MACs over latency_us (0 without time)
};

struct Variant {
  std::string id;  // "v1", ... fastest first
  std::vector<std::string> suggestions;
  double latency_us = 0;
  Gain gain;
  int64_t macs = 0, params = 0;
};

struct Advice {
  Network net;
  std::string device, runtime;
  int64_t threads = 1, vector_channels = 0;
  predictor::NetworkPrediction prediction;
  int64_t macs = 0, params = 0;
  std::vector<double> op_us;  // per op of net, network scale applied (fused ops 0)
  Recognition recognition;
  std::vector<BlockAdvice> blocks;        // in network order
  std::vector<Suggestion> suggestions;    // largest gain first
  std::vector<Variant> front;             // the local search's Pareto front (latency vs MACs, within the budget), faster than the original
  Constraints budget;
  SearchResult search;                    // its statistics (front is `front`)
  std::vector<std::string> skipped_onnx_nodes;  // with --skip-unknown: "name (OpType)", passed through, not counted
  std::vector<std::string> warnings;
};

// The device's SIMD width in fp32 lanes: a calibrated device's first core group, the host's ISA.
int64_t vector_floats(const predictor::Predictor& p);

Advice advise(const Network& net, const predictor::Predictor& p, const AdviceOptions& options);
// Records the ONNX nodes an import with skip_unknown passed through (profiler::import_onnx) and warns,
// (profiler::skipped_note), naming that switch as the front end spells it (`spell`: explorer::flag_of, or
// Python's explorer::keyword_of).
void note_skipped(Advice& a, std::vector<std::string> skipped_onnx_nodes, std::string_view (*spell)(Field));
Json to_json(const Advice& a);

// The rewrites that the ids ("s3", "v1", comma-separated) stand for, in the order given; an unknown id is a
// FieldError of Field::apply listing the valid ones.
std::vector<Rewrite> rewrites_of(const Advice& a, const std::string& ids);

}  // namespace cpx::explorer
