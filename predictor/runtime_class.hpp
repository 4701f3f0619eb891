// The runtime a device's latencies are taken with, as a class (issue 75): how far a device falls below its
// spec sheet's peak follows the runtime as much as the cores (a phone's TensorFlow Lite, a server's ONNX
// Runtime, a paper's eager PyTorch), and no figure of a spec sheet says which runtime ran. The classes are
// those the shipped calibrated devices' published timings ran on (their hardware descriptions say which and
// where that is read); each belongs to a family, so that a class one device ran, left out, can borrow the
// level of the other devices of its family. A runtime outside this table is refused: no calibrated device
// says anything of it.
#pragma once

#include <array>
#include <string_view>

#include "space/names.hpp"

namespace cpx::predictor {

// A graph runtime loads the whole network ahead of running it, fuses activations into the preceding conv and
// runs its own kernels (ONNX Runtime's MLAS, TensorFlow Lite's XNNPACK); an eager framework calls a kernel
// per module as the Python code runs.
enum class RuntimeFamily { graph_runtime, eager_framework };
inline constexpr Names<RuntimeFamily, 2> runtime_family_names{
    {{RuntimeFamily::graph_runtime, "graph runtime"}, {RuntimeFamily::eager_framework, "eager framework"}}};
inline std::string_view to_string(RuntimeFamily f) { return runtime_family_names.name_of(f); }

enum class RuntimeClass { onnxruntime, tflite, pytorch };
struct RuntimeClassInfo {
  RuntimeClass kind;
  std::string_view name;
  RuntimeFamily family;
  std::string_view what;
};
inline constexpr std::array<RuntimeClassInfo, 3> runtime_classes{{
    {RuntimeClass::onnxruntime, "onnxruntime", RuntimeFamily::graph_runtime, "ONNX Runtime, CPU execution provider"},
    {RuntimeClass::tflite, "tflite", RuntimeFamily::graph_runtime, "TensorFlow Lite (LiteRT), CPU"},
    {RuntimeClass::pytorch, "pytorch", RuntimeFamily::eager_framework, "PyTorch, eager mode, CPU"},
}};
inline constexpr Names<RuntimeClass, runtime_classes.size()> runtime_class_names{runtime_classes};
inline constexpr size_t runtime_class_count = runtime_classes.size();
inline std::string_view to_string(RuntimeClass c) { return runtime_class_names.name_of(c); }
inline RuntimeFamily family_of(RuntimeClass c) { return runtime_classes[static_cast<size_t>(c)].family; }

}  // namespace cpx::predictor
