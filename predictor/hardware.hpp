// What a device we do not own is: the cores its published runtime used, their frequency and fp32 SIMD,
// caches and DRAM bandwidth, and the runtime. Every number carries its source ({"value", "source"}; an
// assumption says so in its source). The fp32 peak is computed from the cores, never typed, so a wrong
// figure shows up as a wrong input with a source, not as an unexplained constant.
// Shipped descriptions: predictor/devices/hardware/<device>.json, compiled in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "predictor/runtime_class.hpp"
#include "space/error.hpp"

namespace cpx::predictor {

struct CoreGroup {
  int64_t count = 0;  // cores of this kind the published runtime ran on
  std::string core;   // e.g. Cortex-A76
  double ghz = 0;
  int64_t fp32_lanes = 0;  // per SIMD register
  int64_t fma_pipes = 0;   // SIMD FMA issues per cycle
};

struct Hardware {
  std::string device, description, runtime;
  // The runtime's class (predictor/runtime_class.hpp): what the zero-shot prior's level may follow.
  RuntimeClass runtime_class = RuntimeClass::onnxruntime;
  // Whether the runtime computes a ReLU or ReLU6 that follows a conv or linear layer inside that layer's
  // kernel (ONNX Runtime's FusedConv, TFLite's fused activation, this executor's XNNPACK clamp) or as a
  // pass of its own over the layer's output (eager PyTorch's nn.ReLU). The host model prices such a pass
  // with its elementwise model (predict).
  bool runtime_fuses_relu = true;
  int64_t threads = 0;  // of the published runtime; equals the cores counted in `cores`
  std::vector<CoreGroup> cores;
  double l1d_kib = 0, l2_kib = 0, l3_kib = 0;
  double dram_bytes_per_s = 0;
  Json json;  // as read, sources included; written back unchanged

  // Σ count × lanes × FMA pipes × GHz: the fp32 MACs per second of the cores the runtime used.
  double peak_macps() const;
};

// Every field required; an unknown field or a number without its source is an InputError naming the file
// and field.
Hardware hardware_from_json(const Json& j, const Where& where);

// The same hardware with its runtime on `threads` cores (the first ones of `cores`, in order), as when the
// user timed their networks at fewer threads than the description's; `source` says where the count comes
// from. An InputError naming `source` when the description has fewer cores.
Hardware with_threads(const Hardware& h, int64_t threads, const std::string& source);

// The same hardware run by another runtime class (`calibrate --runtime-class`); `source` says who said so.
Hardware with_runtime_class(const Hardware& h, RuntimeClass c, const std::string& source);

// The same hardware under another device's name (`calibrate --device mypi --hardware pi5`): a device file
// names its hardware by its own name.
Hardware renamed(const Hardware& h, const std::string& device);

// The shipped description of `device`, or nullopt.
std::optional<Hardware> shipped_hardware(const std::string& device);
std::vector<std::string> shipped_hardware_names();

}  // namespace cpx::predictor
