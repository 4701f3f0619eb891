// What a calibrated device file says of its candidates, as structs: its "held_out" (every candidate
// method's held-out figures on the calibration points, the method kept and how it was chosen, that choice
// scored nested, the families, and how sure so few points can make it). predictor/calibrate.cpp fills it;
// to_json and the reader below are the device file's (predictor_json.cpp), and what reads it reads these
// fields: `calibrate`'s printer, predict (the families), the main job's accuracy figures (the methods and
// the choice) and Python's calibrate (its JSON).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "predictor/calibration_method.hpp"
#include "space/error.hpp"

namespace cpx::predictor {

// One held-out scheme's figures, fractions: MAPE, the share within ±10%, Spearman's rho, and the coverage
// of the interval_level interval each point would get from the other groups' held-out errors.
struct HeldOutFigures {
  double mape = 0, within_10pct = 0, spearman = 0, coverage = 0;
};

// One candidate's row: held out by model, and by family where the points come from two families or more.
struct MethodHeldOut {
  CalibrationMethod method = CalibrationMethod::macs_only;
  HeldOutFigures lomo;
  std::optional<HeldOutFigures> lofo;
};

// How the device's method was chosen: forced (`forced` set; every candidate still scored), or by the
// one-standard-error rule (predictor/calibration_choice.hpp) on these scores.
struct MethodChoice {
  std::optional<CalibrationMethod> forced;
  std::vector<std::pair<CalibrationMethod, double>> scores;  // per candidate: its mean held-out error per group
  CalibrationMethod best = CalibrationMethod::macs_only;     // the lowest score
  double standard_error = 0;  // of the chosen's paired per-group differences from the best
};

// The choice itself held out: each group predicted by the candidate chosen without it.
struct NestedScore {
  bool by_family = false;  // the groups are families ("lofo"), else models ("lomo")
  HeldOutFigures figures;
  // Which candidate predicted which groups, in the file's order (written by method name).
  std::vector<std::pair<CalibrationMethod, std::vector<std::string>>> chosen_without;
};

// How sure a calibration from few networks can be (the chosen model's held-out figures).
struct Sureness {
  int64_t networks = 0, families = 0;
  std::optional<double> mape_standard_error;  // of its held-out MAPE over the groups; absent with one group
  double coverage_standard_error = 0;         // of an interval_level interval's coverage (binomial, over points)
  std::string warning;                        // "" or why the figures rest on few cases
};

// A published network the calibration left out: the zoo's network of it leaves out work it does.
struct NotFittedPoint {
  std::string model;
  double published_ms = 0;
  std::string unmodelled_work;
};

struct CalibrationHeldOut {
  std::vector<MethodHeldOut> methods;  // every candidate, in the file's order (simplest first)
  CalibrationMethod chosen = CalibrationMethod::macs_only;
  std::string chosen_by;  // the rule, in words
  MethodChoice choice;
  std::optional<NestedScore> nested;        // absent when the method was forced
  std::map<std::string, int64_t> families;  // the calibration points per family
  std::string family_rule;
  int64_t points = 0;
  Sureness sureness;
  // calibrate_device's: the published points not fitted or scored (absent when calibrate() is called alone).
  std::optional<std::vector<NotFittedPoint>> not_fitted;
  // What calibrate found wrong and wrote the device all the same (predictor/calibrate_checks.hpp): rows far
  // from the others' fit, a method far worse than MACs alone, an absurd held-out error. One line each.
  std::vector<std::string> warnings;

  // A candidate's row, or nullptr when the file has none for it.
  const MethodHeldOut* find(CalibrationMethod m) const;
};

Json to_json(const HeldOutFigures& f);
Json to_json(const CalibrationHeldOut& h);
CalibrationHeldOut calibration_held_out_from_json(const Json& j, const Where& where);

}  // namespace cpx::predictor
