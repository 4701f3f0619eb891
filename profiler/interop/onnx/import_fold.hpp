// The importer's constant folding: a node whose inputs are all constants (initializers, Constant nodes,
// nodes folded before it) is computed here and becomes a constant itself, and Shape of any imported
// tensor is its (static) shape. Exporters write shape arithmetic (Shape, Gather, Unsqueeze, Concat,
// ConstantOfShape, Cast, Slice, Equal/Where, integer Add/Mul/Div ...) to feed a Reshape or Resize; folded,
// those read constants as if the exporter had written them. Only the op types of the table in
// import_fold.cpp fold; any other node is translated as usual (and fails there if it cannot be).
#pragma once

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import {

// Folds node i if it can be: true when its outputs are now constants of the graph. `before_translation`:
// the pass over the whole graph before any node is translated (Constant nodes, and what folds from
// constants alone), so that a pattern matched at an earlier node sees constants written after it (PyTorch
// writes each Constant just before its reader); Shape of a computed tensor folds during translation.
bool fold(Context& c, int i, bool before_translation = false);

}  // namespace cpx::profiler::onnx_import
