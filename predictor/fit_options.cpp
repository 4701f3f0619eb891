#include "predictor/fit_options.hpp"

#include "space/names.hpp"

namespace cpx::predictor {

namespace {

// As `fit`'s options and the provenance spell them.
constexpr Names<FitOptions::ZooFamilies, 2> zoo_families_names{
    {{FitOptions::ZooFamilies::none, "none"}, {FitOptions::ZooFamilies::half, "half"}}};
constexpr Names<FitOptions::SpeedCorrection, 2> speed_correction_names{
    {{FitOptions::SpeedCorrection::none, "none"}, {FitOptions::SpeedCorrection::local, "local"}}};
constexpr Names<FitOptions::Selection, 2> selection_names{
    {{FitOptions::Selection::kfold, "kfold"}, {FitOptions::Selection::balanced, "balanced"}}};

// The value `names` gives `name`, or an InputError naming `field`: "<field> = "x": expected a or b".
template <class E, size_t N>
E option_from(const Names<E, N>& names, const std::string& name, const std::string& field) {
  if (const std::optional<E> e = names.find(name)) return *e;
  throw InputError(field + " = \"" + name + "\": expected " + names.joined());
}

}  // namespace

FitOptions::ZooFamilies zoo_families_from_string(const std::string& name, const std::string& field) {
  return option_from(zoo_families_names, name, field);
}

std::string_view to_string(FitOptions::ZooFamilies z) { return zoo_families_names.name_of(z); }

FitOptions::SpeedCorrection speed_correction_from_string(const std::string& name, const std::string& field) {
  return option_from(speed_correction_names, name, field);
}

std::string_view to_string(FitOptions::SpeedCorrection c) { return speed_correction_names.name_of(c); }

std::set<std::string> fitted_zoo_families(const Predictor& p) {
  return {p.provenance.zoo_families_fitted.begin(), p.provenance.zoo_families_fitted.end()};
}

bool zoo_family_fitted(std::string_view family) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : family) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h % 2 == 0;
}

FitOptions::Selection selection_from_string(const std::string& name, const std::string& field) {
  return option_from(selection_names, name, field);
}

std::string_view to_string(FitOptions::Selection s) { return selection_names.name_of(s); }

}  // namespace cpx::predictor
