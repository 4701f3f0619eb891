#include "predictor/fit_options.hpp"

namespace cpx::predictor {

FitOptions::ZooFamilies zoo_families_from_string(const std::string& name, const std::string& field) {
  if (name == "none") return FitOptions::ZooFamilies::none;
  if (name == "half") return FitOptions::ZooFamilies::half;
  throw InputError(field + " = \"" + name + "\": expected none or half");
}

std::string_view to_string(FitOptions::ZooFamilies z) { return z == FitOptions::ZooFamilies::half ? "half" : "none"; }

FitOptions::SpeedCorrection speed_correction_from_string(const std::string& name, const std::string& field) {
  if (name == "none") return FitOptions::SpeedCorrection::none;
  if (name == "local") return FitOptions::SpeedCorrection::local;
  throw InputError(field + " = \"" + name + "\": expected none or local");
}

std::string_view to_string(FitOptions::SpeedCorrection c) { return c == FitOptions::SpeedCorrection::local ? "local" : "none"; }

std::set<std::string> fitted_zoo_families(const Predictor& p) {
  std::set<std::string> out;
  for (const Json& f : p.provenance.value("zoo_families_fitted", Json::array()))
    if (f.is_string()) out.insert(f.get<std::string>());  // a host model's list is checked when it loads
  return out;
}

bool zoo_family_fitted(std::string_view family) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : family) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h % 2 == 0;
}

FitOptions::Selection selection_from_string(const std::string& name, const std::string& field) {
  if (name == "kfold") return FitOptions::Selection::kfold;
  if (name == "balanced") return FitOptions::Selection::balanced;
  throw InputError(field + " = \"" + name + "\": expected kfold or balanced");
}

std::string_view to_string(FitOptions::Selection s) { return s == FitOptions::Selection::kfold ? "kfold" : "balanced"; }

}  // namespace cpx::predictor
