// The importer's layout translations (import_layout.cpp): ops that move or view data without computing
// on it, in their own namespace (import_fold.cpp folds constants through ops of the same names). Each
// takes node i of its ONNX type (and the pattern that starts there), or fails naming it.
#pragma once

#include "profiler/interop/onnx/import_context.hpp"

namespace cpx::profiler::onnx_import::layout {

void pad(Context& c, int i);
void slice(Context& c, int i);
void split(Context& c, int i);
void concat(Context& c, int i);
// Flatten of N x C x H x W, supported before a Linear alone (VGG, AlexNet).
void flatten(Context& c, int i);
void reshape(Context& c, int i);
void transpose(Context& c, int i);
// DepthToSpace, CRD (PyTorch's pixel_shuffle) or DCR.
void depth_to_space(Context& c, int i);

}  // namespace cpx::profiler::onnx_import::layout
