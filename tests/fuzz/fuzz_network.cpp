// What `count FILE` does with a macro or expanded network file: parse, load (or expand), count, write
// back. An InputError is the expected answer to garbage; any other exception or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "space/count.hpp"
#include "space/zoo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = "fuzz.json";
  try {
    const cpx::Json j = cpx::parse_json({reinterpret_cast<const char*>(data), size}, file);
    const cpx::Network net = cpx::load_model_json(j, file);
    (void)cpx::count(net);
    (void)cpx::read_network(cpx::Json::parse(cpx::to_json(net).dump()), file);
    // Re-inferring every shape at another resolution is what --resolution does.
    if (size > 0) (void)cpx::load_model_json(j, file, 1 + data[0] % 64);
  } catch (const cpx::InputError&) {}
  return 0;
}
