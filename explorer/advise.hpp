// Advice on the user's own network for one device: where it loses MACpS (per layer and per recognised
// block, against the best variant of that block the device's predictor knows), which typed rewrites
// (space/rewrite.hpp) win there and by how much, and a local NSGA-II over combinations of them under a
// params/MACs budget. Every figure is the device predictor's; `benchmarks/advise.py` measures them.
// The document (JSON "cpubone-explore/advice/v1") is space/advice_doc.hpp's AdviceDocument.
#pragma once

#include <optional>
#include <string_view>

#include "explorer/search.hpp"
#include "space/advice_doc.hpp"
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

// What advise computed the document from (the network, its prediction, its recognition, the local search's
// state), which --apply and the tests read beside the document itself (space/advice_doc.hpp: the blocks,
// suggestions, front, layers and warnings that the JSON, the text, the report and Python all show).
struct Advice : AdviceDocument {
  Network net;
  predictor::NetworkPrediction prediction;
  std::vector<double> op_us;  // per op of net, network scale applied (fused ops 0)
  Recognition recognition;    // blocks[i] is recognition.blocks[i]
  Constraints budget;         // the local search's (the document's local_search.budget)
  SearchResult search;        // its statistics (the front is local_search.front)
};

// The device's SIMD width in fp32 lanes: a calibrated device's first core group, the host's ISA.
int64_t vector_floats(const predictor::Predictor& p);

Advice advise(const Network& net, const predictor::Predictor& p, const AdviceOptions& options);
// Records the ONNX nodes an import with skip_unknown passed through (profiler::import_onnx) and warns,
// (profiler::skipped_note), naming that switch as the front end spells it (`spell`: explorer::flag_of, or
// Python's explorer::keyword_of).
void note_skipped(Advice& a, std::vector<std::string> skipped_onnx_nodes, std::string_view (*spell)(Field));

// The rewrites that the ids ("s3", "v1", comma-separated) stand for, in the order given; an unknown id is a
// FieldError of Field::apply listing the valid ones.
std::vector<Rewrite> rewrites_of(const Advice& a, const std::string& ids);

}  // namespace cpx::explorer
