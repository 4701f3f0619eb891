// ONNX in and out (Debian's libonnx, opset 17). Export writes a network of the space with the weights
// the executor uses as a standard NCHW inference graph that ONNX Runtime runs; import turns an ONNX
// inference graph back into a network of the space (architecture only: networks carry no weights).
//
// Import reads the initializers as the network's weights (ImportedModel); import_onnx keeps the
// architecture alone.
//
// Opset 17 because it is the newest the Debian ONNX checker (1.12) knows and ONNX Runtime 1.30 runs it;
// it has LayerNormalization but not GroupNormalization (18), so GroupNorm is exported the way PyTorch
// exports it below opset 18 (Reshape, InstanceNormalization, Reshape, Mul, Add).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profiler/executor/weights.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

inline constexpr int64_t onnx_opset = 17;

// A serialized ModelProto that passes onnx::checker::check_model. Input "input" is N x C x H x W; the
// output is named after the network's output op and is NCHW too. Ops that ONNX lacks become standard
// subgraphs (exact GELU as Div/Erf/Add/Mul/Mul, per-head attention as Reshape/Slice/Transpose/MatMul, ...).
// With `dynamic_batch` (the default) the batch axis of input and output is the symbolic `onnx_batch_dim`,
// reshapes give it as 0 or -1 and Resize reads it from its input's Shape, so that one model runs any batch
// size: ONNX Runtime gives every zoo family's export at batch 4 the same per sample as at batch 1
// (tests/test_onnx.cpp). Without it the batch is the network's (1), as the benchmarks time it.
inline constexpr std::string_view onnx_batch_dim = "batch";
std::string export_onnx(const Network& net, const NetworkWeights& weights, bool dynamic_batch = true);

// Runs the ONNX checker on a serialized model; failures are InputErrors naming `file`.
void check_onnx(const std::string& model_bytes, const std::string& file);

// Imports an ONNX file. Operators and patterns we do not recognise are InputErrors naming the file,
// the node name and its op type; nothing is skipped silently. With `skipped` (--skip-unknown), a node of
// an op type the importer does not know (one output) passes its first input on instead, and is listed
// there as "name (OpType)": its time is then not counted, and a shape it changes fails at the next op.
// With `folding`, the convs whose BatchNorm the exporter folded into them are listed there (see
// space/count.hpp's BatchNormFolding: inferred from torch.onnx.export's names for what it computed).
Network import_onnx(const std::string& path, std::vector<std::string>* skipped = nullptr,
                    BatchNormFolding* folding = nullptr);

// An ONNX file's network with its weights: every op with parameters takes them from the initializers of
// the nodes it came from, in the executor's layouts with BatchNorms folded (weights.hpp). The file is parsed
// straight from disk and large initializers are read once, into `weights`: import holds at most the
// ModelProto and the weights, two copies (measured: docs/user-guide.md, "Weights").
struct ImportedModel {
  Network net;
  NetworkWeights weights;
  // Ops whose parameters no initializer gave (none for the patterns import reads): seeded (seed 0).
  std::vector<std::string> seeded_ops;
  // Our tensor -> the ONNX tensor holding its values (N x C x H x W, or N x C of one pixel): where `check`
  // compares the two runtimes op by op.
  std::map<std::string, std::string> onnx_names;
};
ImportedModel import_onnx_model(const std::string& path, std::vector<std::string>* skipped = nullptr,
                                BatchNormFolding* folding = nullptr);
ImportedModel import_onnx_model_bytes(const std::string& model_bytes, const std::string& file,
                                      std::vector<std::string>* skipped = nullptr, BatchNormFolding* folding = nullptr);
// The name of an ONNX file's symbolic input batch axis (as export --dynamic-batch writes; "?" if unnamed),
// or "" when it is fixed: import reads a symbolic batch as 1.
std::string onnx_symbolic_batch(const std::string& path);
Network import_onnx_bytes(const std::string& model_bytes, const std::string& file,
                          std::vector<std::string>* skipped = nullptr, BatchNormFolding* folding = nullptr);

// Whatever names a network: a zoo name, a macro or expanded network JSON file, or an ONNX file, told apart
// by content (an ONNX ModelProto is protobuf, whose first byte is a field tag; JSON starts with '{'), not
// only by the extension. `resolution` > 0 re-infers the network at that input size.
bool is_onnx_file(const std::string& path);
Network load_any_model(const std::string& name_or_file, int64_t resolution = 0,
                       std::vector<std::string>* skipped = nullptr, BatchNormFolding* folding = nullptr);
// What a front end says after an import with `skipped` passed nodes through: which, and that every total
// (MACs, params, time) excludes them; empty when none was. The switch is a Field, said in the front end's
// spelling (the command line's --skip-unknown, Python's skip_unknown).
Wording skipped_note(const std::vector<std::string>& skipped);

// How import brings back an op kind: the ONNX pattern it recognises (export writes it), or, for a kind
// no pattern imports, why not. Every kind has an entry, checked at compile time (onnx/import.cpp).
struct OnnxImportEntry {
  bool importable = false;
  std::string_view pattern_or_reason;
};
OnnxImportEntry onnx_import_entry(const OpAttrs& attrs);

// Weights read from a raw little-endian float32 file holding every op's weight then bias, in op order
// and in the executor's layouts (weights.hpp); its size must match the network exactly. Read straight
// into the weights (one copy).
NetworkWeights read_weights_file(const Network& net, const std::string& path);

// A network and the weights it comes with: an ONNX file's initializers, or the raw float32 file that a
// network JSON names in its "weights" field (a path relative to the JSON file); none for a zoo name, a
// macro or a network JSON without one. Whatever takes a network and runs it (measure, export, advise
// --apply, Python's run) uses these weights unless told a seed.
struct ModelWithWeights {
  Network net;
  std::optional<NetworkWeights> weights;
  std::string weights_label;            // "the ONNX file's initializers" or the weights file's path
  std::vector<std::string> seeded_ops;  // ImportedModel::seeded_ops
};
ModelWithWeights load_model_with_weights(const std::string& name_or_file, int64_t resolution = 0,
                                         std::vector<std::string>* skipped = nullptr,
                                         BatchNormFolding* folding = nullptr);

}  // namespace cpx::profiler
