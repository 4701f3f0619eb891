// The accuracy side of the search. We cannot train ImageNet models here, so top-1 is an estimate, and
// every output names the model that made it:
//  - "proxy": a linear model of the published ImageNet top-1 of every zoo model that has one (each at its
//    published resolution), with one offset per family (training recipes differ; a candidate of the
//    CPUBone search space takes the CPUBone offset, a network of an unknown family the mean offset) and
//    slopes on capacity features. The slopes on log MACs and log params are constrained to be >= 0 in
//    the least-squares fit (more MACs or params never lowers the estimate). Every feature set tried is
//    scored by leave-one-model-out and leave-one-family-out MAE; the family-out error chooses. The
//    paper's grouping ablation (groups 4: -0.3 pp, groups 8: -0.7 pp, relative to groups 2) is
//    subtracted as a known effect, not fitted.
//    Two forms are fitted: linear in the capacity features, and saturating (each capacity slope may drop,
//    never below 0, past a knot at the fitted points' median: monotone and concave). The form is chosen by
//    extrapolation held out, not by fit: the largest tenth of the points by MACs, and separately the
//    smallest tenth, predicted by a fit on the rest.
//    Each estimate has an 80% interval whose half width grows with the support distance (a line in the
//    distance fitted to the held-out |residuals|, scaled split-conformally) and a support distance (nearest
//    published point in standardised capacity features, including the params-to-MACs balance). The
//    estimate is unknown (nullopt), and the search treats the network as infeasible, beyond the largest
//    distance of any published point to its nearest other published point, or when its MACs or params lie
//    outside the published range by more than the margin the extrapolation test earned.
//  - "user": the same model refitted with the user's measured accuracies (CSV: model or network file, top1)
//    added to (and replacing) the published points.
//  - "macs": MACs as capacity; the second objective is MACs, and no top-1 is claimed.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "space/count.hpp"
#include "space/names.hpp"
#include "space/network.hpp"
#include "space/results.hpp"

namespace cpx::explorer {

// Capacity features of a network. Spread features are MACs-weighted over the weight layers (convs and
// linears): where the MACs are spent (mean log2 of the downsampling factor) and how width grows with
// downsampling (slope of log2 width on log2 downsampling; 1 = width doubles per stride 2).
struct Capacity {
  double macs = 0, params = 0, layers = 0;
  double log_macs = 0, log_params = 0, log_layers = 0;
  double macs_log2_stride = 0;  // MACs-weighted mean log2(input height / layer output height)
  double width_growth = 0;      // MACs-weighted slope of log2 width on log2 stride
  double macs_log2_width = 0;   // MACs-weighted mean log2 of the layers' output channels
  double grouping_penalty_pp = 0;
  std::string family;  // the network's family ("explored" = the CPUBone search space)
};
// The additive parts of a Capacity, so that a network's capacity is the sum over its parts (the
// search sums units). The spread features are ratios of MACs-weighted moments of log2 height and
// log2 width, which add.
struct CapacitySums {
  double macs = 0, params = 0, layers = 0, grouped_macs = 0, penalty_pp_macs = 0;
  double wmacs = 0, wmacs_lh = 0, wmacs_lh2 = 0, wmacs_lc = 0, wmacs_lc_lh = 0;  // weight layers only
  CapacitySums& operator+=(const CapacitySums& o);
  Capacity finish(int64_t input_height, std::string family) const;
};
CapacitySums capacity_sums(const Network& net, const NetworkCount& counts);
Capacity capacity(const Network& net, const NetworkCount& counts);

// The fit's candidate features. The first two are capacity: their slopes are constrained >= 0.
inline constexpr std::array<const char*, 5> fit_features = {"log_macs", "log_params", "log_layers", "macs_log2_stride",
                                                            "width_growth"};
// Where the support is measured: the capacity features, the params-to-MACs balance and the width.
inline constexpr std::array<const char*, 7> support_features = {
    "log_macs",         "log_params",   "log_params_per_mac", "log_layers",
    "macs_log2_stride", "width_growth", "macs_log2_width"};
// Every capacity feature a fit or the support may use, one names table (the names the results JSON's
// accuracy model lists).
enum class CapacityFeature {
  log_macs,
  log_params,
  log_params_per_mac,
  log_layers,
  macs_log2_stride,
  width_growth,
  macs_log2_width
};
inline constexpr Names<CapacityFeature, 7> capacity_feature_names{
    {{CapacityFeature::log_macs, "log_macs"},
     {CapacityFeature::log_params, "log_params"},
     {CapacityFeature::log_params_per_mac, "log_params_per_mac"},
     {CapacityFeature::log_layers, "log_layers"},
     {CapacityFeature::macs_log2_stride, "macs_log2_stride"},
     {CapacityFeature::width_growth, "width_growth"},
     {CapacityFeature::macs_log2_width, "macs_log2_width"}}};
double feature(const Capacity& c, CapacityFeature f);
// The feature named `name` (one of capacity_feature_names; another name is a logic error).
double feature(const Capacity& c, std::string_view name);
// The published range is enforced on these capacity features (log units), each with its own margins.
inline constexpr std::array<const char*, 2> range_features = {"log_macs", "log_params"};

// One edge of the published range held out: the largest (or smallest) tenth of the fitted points by MACs,
// each predicted (with its own family's offset where the rest has that family) by a fit on the rest.
struct EdgeHeldOut {
  std::string edge;  // "largest" or "smallest"
  std::vector<std::string> models;
  std::vector<double> residual_pp;  // estimate - published, parallel to models
  std::vector<double> distance;     // support distance to the nearest point of the rest
  double mae_pp = 0;
  // Per range feature: the median, over the held-out points, of how far each lies beyond the rest's range.
  std::array<double, range_features.size()> overshoot{};
};

// One feature set the fit tried in one form, with its held-out errors (the document's feature_sets_tried).
struct FeatureSetTried {
  std::string form;                   // "linear" or "saturating"
  std::vector<std::string> features;  // with a saturating form's capped twins
  double loo_mae_pp = 0, lofo_mae_pp = 0;
  std::vector<double> slopes;  // of the fit on every point, parallel to features
  bool chosen = false;         // the set the chosen form uses
};

// One form with its best feature set, scored by extrapolation held out (the document's forms).
struct FormScore {
  std::string form;
  std::vector<std::string> features;
  double loo_mae_pp = 0, lofo_mae_pp = 0;
  double largest_tenth_mae_pp = 0, smallest_tenth_mae_pp = 0;
  double extrapolation_mae_pp = 0;  // the mean of the two tenths: the criterion between forms
  bool chosen = false;
};

struct AccuracyPoint {
  std::string model;   // zoo name or file
  std::string family;  // the offset it takes
  std::string source;  // "published (...)" or the user's CSV
  double top1 = 0;
  Capacity features;
  double fitted_top1 = 0;
  double loo_top1 = 0;       // leave-one-model-out (mean offset when it is the only one of its family)
  double lofo_top1 = 0;      // leave-one-family-out, with the mean offset
  double nn_distance = 0;    // support distance to the nearest other point
  double lofo_distance = 0;  // support distance to the nearest point of another family
};

struct Estimate {
  double top1 = 0;              // point estimate, also computed outside the support
  double low = 0, high = 0;     // the interval at AccuracyModel::interval_level
  double support_distance = 0;  // standardised distance to the nearest fitted point
  bool inside = false;          // within the distance threshold and the range (with its margins)
  double beyond = 0;            // how far outside, in standardised units (distance and range); 0 inside
  std::string outside_why;      // empty inside; else which limit it crossed
  std::string offset;           // the family whose offset was used, or "mean"
};

// What an accuracy model is: the published-top-1 model (proxy), the same refitted with the user's
// measured top-1 (user), or MACs standing in for capacity with no top-1 at all (macs). Spelled as
// accuracy_kind_names in results.json's accuracy_model.kind.
enum class AccuracyKind { proxy, user, macs };
inline constexpr std::array<std::string_view, 3> accuracy_kind_names{"proxy", "user", "macs"};
inline std::string_view to_string(AccuracyKind k) { return accuracy_kind_names[static_cast<size_t>(k)]; }

class AccuracyModel {
 public:
  std::string name;  // "proxy-zoo-v2", "user-...", "macs-as-capacity"
  AccuracyKind kind = AccuracyKind::proxy;
  std::string description;
  std::string form;                       // "linear" or "saturating"
  std::vector<std::string> features;      // chosen feature names (a saturating form's capped ones included)
  std::map<std::string, double> knots;    // saturating: each capped feature's knot
  std::vector<double> slopes;             // parallel to features
  std::map<std::string, double> offsets;  // per family
  double mean_offset = 0;                 // for families the fit has not seen
  std::vector<AccuracyPoint> points;
  std::optional<double> loo_mae_pp, lofo_mae_pp;  // of the chosen feature set
  std::vector<FeatureSetTried> candidates;        // every feature set tried, with both errors
  std::vector<FormScore> forms;                   // each form: its chosen feature set, held-out errors, chosen or not
  // The chosen form's extrapolation held out: the largest and smallest tenths, then each family's largest
  // and smallest member (families of at least 3).
  std::vector<EdgeHeldOut> edges;

  double interval_level = 0.8;
  // The interval's half width at support distance d: interval_base_pp + interval_per_distance_pp * d.
  double interval_base_pp = 0, interval_per_distance_pp = 0;
  double half_width_pp(double distance) const { return interval_base_pp + interval_per_distance_pp * distance; }
  std::array<double, support_features.size()> support_mean{}, support_sd{};
  double support_threshold = 0;
  // The fitted points' range per range feature, and how far beyond it an estimate may go.
  std::array<double, range_features.size()> range_low{}, range_high{}, margin_low{}, margin_high{};
  // Each family's published range, and how far past it the family's offset may be carried.
  std::map<std::string, std::array<double, range_features.size()>> family_low, family_high;
  std::array<double, range_features.size()> family_margin_low{}, family_margin_high{};

  // The second objective (maximised): the point estimate of top-1 in % (also outside the support, where
  // the search's constraint violation rules), or MACs in millions for "macs".
  double objective(const Capacity& c) const;
  // Estimated top-1; nullopt for "macs" and outside the support.
  std::optional<double> top1(const Capacity& c) const;
  Estimate estimate(const Capacity& c) const;
  // How far beyond the support a network lies (standardised units: distance past the threshold plus
  // range excess); 0 inside.
  double outside(const Capacity& c) const;
};

// The model as the results document's accuracy_model (what results.json holds and `accuracy --json` prints through
// results::accuracy_model_to_json), field by field (explorer/accuracy_document.cpp).
results::AccuracyModel to_results(const AccuracyModel& m);

AccuracyModel fit_proxy();
// The largest (or smallest) tenth of the points by MACs held out and predicted by a fit of the named features
// on the rest, or (per_family) each family's largest (smallest) member predicted by a fit on every other
// point: how fit() scores each form's extrapolation and earns the range margins.
EdgeHeldOut hold_out_edge(const std::vector<AccuracyPoint>& points, const std::vector<std::string>& features,
                          bool largest, bool per_family = false);
// CSV with a header containing "model" and "top1"; model = zoo name or macro/network JSON file (relative
// paths resolve against the CSV's folder); a model twice is refused.
AccuracyModel fit_user(const std::string& csv_path);
AccuracyModel macs_capacity();

}  // namespace cpx::explorer
