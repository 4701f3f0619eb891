// What `import IN.onnx` does with a file's bytes: parse the protobuf, recognise the exporter patterns,
// build the network, and count it. An InputError is the expected answer to garbage; any other exception
// or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const cpx::Network net = cpx::profiler::import_onnx_bytes({reinterpret_cast<const char*>(data), size}, "fuzz.onnx");
    (void)cpx::count(net);
  } catch (const cpx::InputError&) {}
  return 0;
}
