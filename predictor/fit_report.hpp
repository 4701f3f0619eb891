// What a fit reports (FitReport) and the class-model kinds it compares: shared by fit.cpp and its per-class
// part (fit_classes.cpp), below both so that neither part includes the other's header.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "predictor/features.hpp"
#include "space/names.hpp"

namespace cpx::predictor {

// The kinds of class model fit compares on held-out samples, named as the provenance and `fit` name them.
enum class ModelKind { quadratic, roofline, roofline_trees };
inline constexpr Names<ModelKind, 3> model_kind_names{{{ModelKind::quadratic, "quadratic"},
                                                       {ModelKind::roofline, "roofline"},
                                                       {ModelKind::roofline_trees, "roofline+trees"}}};
inline std::string_view to_string(ModelKind k) { return model_kind_names.name_of(k); }

// A class's held-out comparison of the kinds (compare_held_out in fit_classes.cpp).
struct ClassHeldOut {
  std::vector<ModelKind> kinds;  // those compared, in this order; none: no comparison (`note` says why)
  std::vector<double> kfold_mape, largest_mape;
  // Per kind: the standard error of its k-fold MAPE minus the lowest eligible one, from the per-record mean
  // differences of the two kinds' errors on the same held-out samples (0 for the lowest itself).
  std::vector<double> kfold_gap_se;
  // Per kind: whether it may be chosen. A conv class whose efficiency must not fall as its channels or pixels
  // grow (monotone_features) keeps only the roofline kinds: the quadratic is scored, not chosen.
  std::vector<char> eligible;
  ModelKind chosen = ModelKind::quadratic;
  bool won_tie = false;  // kfold: chosen over a lower k-fold MAPE within kfold_tie_standard_errors
  std::string note;      // why there was no comparison, if there was none
};

inline constexpr std::string_view noisy_sample_policy =
    "samples of measurements flagged noisy are dropped (interference biases a median upward); "
    "a class with fewer than 3 quiet samples uses its noisy ones";

// How a fit went: what `fit` prints. The predictor's provenance is written from these fields (fit.cpp:
// classes, noise, warm_weights, weight_streaming, gemm_tiles, machine_speed), so that both say the same.
struct FitReport {
  struct Class {  // one class model fitted
    OpClass op_class = OpClass::elementwise;
    int64_t samples = 0;
    double train_mape = 0;
    int64_t noisy_dropped = 0, noisy_used = 0;
    ClassHeldOut held_out;
  };
  std::vector<Class> classes;  // in the order fitted (elementwise first)
  struct WarmChoice {          // per thread count where the warm-weights credit was compared with the scale alone
    size_t networks = 0;
    double held_out_mape_scale = 0, held_out_mape_warm_weights = 0, gain_standard_error = 0;
    bool warm = false;  // chosen
  };
  std::map<int64_t, WarmChoice> warm_weights;
  std::string weight_streaming, gemm_tiles;  // whether each is modelled, and why not
  int64_t samples_noisy = 0, samples_dropped = 0, samples_used = 0;
  struct SpeedChange {
    double spread = 0;    // of the profile's speed reference (profiler::speed_spread)
    bool slowed = false;  // above profiler::max_speed_spread
  };
  std::optional<SpeedChange> machine_speed;  // none: a profile built in memory without speed checks
  bool emulated = false;                     // the profile's environment says so
  std::string emulation_signs;               // why, or "signs not recorded"
};

}  // namespace cpx::predictor
