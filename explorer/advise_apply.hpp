// advise --apply (the command line) and advise(apply=..., out=...) (Python): the rewritten network written
// as network JSON, ONNX, a PyTorch module and its weights. Its own library (cpx_advise_apply), since it
// writes ONNX (cpx_onnx: Debian's libonnx, for the checker), which the rest of the explorer does not need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "explorer/advise.hpp"
#include "profiler/executor/weights.hpp"
#include "space/count.hpp"

namespace cpx::explorer {

// A weights value (export --weights, advise --apply's weights): an unsigned integer is a seed of the
// executor's weights, anything else a raw float32 weights file (profiler::read_weights_file). `label` says
// which, for output.
struct WeightsSpec {
  std::optional<uint64_t> seed;
  std::string label;  // "seed 0" or the file's path
};
WeightsSpec read_weights_spec(const std::string& value);
profiler::NetworkWeights weights_for(const Network& net, const WeightsSpec& spec, const std::string& file);

struct ApplyOptions {
  std::string ids;      // suggestion or variant ids, "s1,s3" or "v1" (Field::apply)
  std::string out;      // the directory written (Field::out)
  std::string weights;  // the original network's weights: a seed or a raw float32 file; "": `own`, else seed 0
  // The weights the model file came with (an ONNX file's initializers), used when `weights` is "": moved from.
  profiler::NetworkWeights* own = nullptr;
  // The file's ops no initializer gave weights to (profiler::ModelWithWeights::seeded_ops), null: none.
  const std::vector<std::string>* seeded_in_file = nullptr;
  // The convs the file's exporter folded a BatchNorm into (the import's record); with `batch_norms`, each
  // that the rewritten network keeps is written as conv (no bias) + BatchNorm holding the same function.
  const BatchNormFolding* folding = nullptr;
  bool batch_norms = true;  // false: --no-batch-norm (the convs stay folded, as in the file)
};
// Writes <out>/advised.{json,onnx,py,f32}; everything is built and checked before the first file is
// written. Returns what the document holds under `applied` (space/advice_doc.hpp's AppliedAdvice: the files,
// counts, which weights are yours, zero-padded, seeded, which need training, the BatchNorms, and the notes
// the text prints too). Bad ids or directory: FieldErrors of Field::apply and Field::out.
AppliedAdvice apply_advice(const Advice& advice, const ApplyOptions& o);

}  // namespace cpx::explorer
