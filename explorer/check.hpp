// check: does our executor compute what ONNX Runtime computes on a user's ONNX file? The file is imported
// with its own weights (profiler::import_onnx_model) and run on one seeded input by both: our executor here,
// ONNX Runtime through its Node package (benchmarks/ort/run.mjs). Errors are relative to the tensor's
// scale, max |ours - ort| / max |ort|. When the output disagrees, every tensor whose ONNX name maps to one
// of ours is compared too (a second ONNX Runtime run with them as extra graph outputs), and the first op
// in our order that disagrees is named.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "space/io.hpp"
#include "space/shape.hpp"

namespace cpx::explorer {

struct CheckOptions {
  uint64_t seed = 0;        // of the input (uniform in [-1, 1))
  double tolerance = 1e-4;  // of the relative error, above which the two disagree
  int64_t threads = 1;      // ours and ONNX Runtime's
  std::string ort_runner;   // run.mjs; "" for $CPX_ORT_RUN, else the source tree's benchmarks/ort/run.mjs
  bool per_op = false;      // compare the intermediate tensors even when the output agrees
};

struct TensorError {
  std::string op;           // ours
  std::string onnx_tensor;  // ONNX Runtime's
  double max_abs_error = 0;
  double scale = 0;     // max |ONNX Runtime's value|
  double relative = 0;  // max_abs_error / scale (max_abs_error when the scale is 0)
};

struct CheckResult {
  std::string model;
  ShapeNhwc input;
  double tolerance = 0;
  std::vector<TensorError> outputs;              // per graph output (import reads one)
  std::optional<TensorError> first_disagreeing;  // in our op order, among the compared tensors
  int64_t compared_tensors = 0;                  // intermediate tensors compared (0: output only)
  std::vector<std::string> seeded_ops;           // ops whose weights no initializer gave
  bool agrees() const;
};

CheckResult check_model(const std::string& onnx_file, const CheckOptions& o);
Json to_json(const CheckResult& r);

}  // namespace cpx::explorer
