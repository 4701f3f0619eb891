// What rules, fit, --resume and predict do with a device profile or a predictor file from elsewhere.
// An InputError is the expected answer to garbage; any other exception or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "predictor/fit.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/rules.hpp"
#include "space/zoo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = "fuzz.json";
  static const cpx::Network net = cpx::find_zoo("b0")->build(64);
  try {
    const cpx::Json j = cpx::parse_json({reinterpret_cast<const char*>(data), size}, file);
    if (j.is_object() && j.contains("schema") && j["schema"].is_string() &&
        j["schema"].get<std::string>() == cpx::predictor::predictor_schema) {
      const auto p = cpx::predictor::predictor_from_json(j, file);
      (void)cpx::predictor::predict(p, net, 1);
      (void)cpx::predictor::to_json(p).dump();
    } else {
      const cpx::profiler::Profile profile = cpx::profiler::read_profile(j, file);
      (void)cpx::profiler::format_rules(cpx::profiler::derive_rules(profile));
      (void)cpx::predictor::to_json(cpx::predictor::fit(profile, file)).dump();
    }
  } catch (const cpx::InputError&) {}
  return 0;
}
