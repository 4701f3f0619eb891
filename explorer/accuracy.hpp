// The accuracy side of the search. We cannot train ImageNet models here, so top-1 is an estimate, and
// every output names the model that made it:
//  - "proxy": a linear model of published top-1 (CPUBone and LowFormer families) on capacity features of
//    the network, chosen among a few feature sets by leave-one-out error, minus the published grouping
//    ablation (groups 4: -0.3 pp, groups 8: -0.7 pp, relative to groups 2). Only feature sets whose
//    slopes are all non-negative qualify (more capacity never costs accuracy); otherwise the search
//    would exploit a negative slope (fewer params "raising" accuracy). Networks outside the points' range
//    of MACs, params and layers are outside its trust region, and the search does not propose them.
//  - "user": the same model refitted with the user's measured accuracies (CSV: model or network file, top1)
//    added to (and replacing) the published points.
//  - "macs": MACs as capacity; the second objective is MACs, and no top-1 is claimed.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "space/count.hpp"
#include "space/network.hpp"

namespace cpx::explorer {

// Capacity features of a network: log MACs, log params, log weight-layer count; and the grouping
// penalty (pp), the MACs-weighted mean of the ablation's cost over the grouped (not depthwise) convs.
struct Capacity {
  double log_macs = 0, log_params = 0, log_layers = 0;
  double grouping_penalty_pp = 0;
  double macs = 0, params = 0;
};
// The additive parts of a Capacity, so that a network's capacity is the sum over its parts.
struct CapacitySums {
  double macs = 0, params = 0, layers = 0, grouped_macs = 0, penalty_pp_macs = 0;
  CapacitySums& operator+=(const CapacitySums& o);
  Capacity finish() const;
};
CapacitySums capacity_sums(const Network& net, const NetworkCount& counts);
Capacity capacity(const Network& net, const NetworkCount& counts);

struct AccuracyPoint {
  std::string model;   // zoo name or file
  std::string family;
  std::string source;  // "published" or the user's CSV
  double top1 = 0;
  Capacity features;
  double fitted_top1 = 0, loo_top1 = 0;
};

class AccuracyModel {
 public:
  std::string name;         // "proxy-cpubone-lowformer-v1", "user-...", "macs-as-capacity"
  std::string kind;         // proxy, user, macs
  std::string description;
  std::vector<std::string> features;  // chosen feature names
  std::vector<double> theta;          // intercept first
  std::vector<std::array<double, 2>> range;  // clamping range per chosen feature
  std::vector<AccuracyPoint> points;
  std::optional<double> loo_mae_pp;
  std::vector<Json> candidates;       // every feature set tried, with its LOO error

  // The second objective (maximised): estimated top-1 in %, or MACs in millions for "macs".
  double objective(const Capacity& c) const;
  // Estimated top-1, or nullopt for "macs".
  std::optional<double> top1(const Capacity& c) const;
  // How far (summed log distance) a network lies outside the published points' range of MACs, params and
  // layer count; 0 inside. The search treats networks outside as infeasible: the proxy never saw them.
  double outside(const Capacity& c) const;
  std::array<std::array<double, 2>, 3> trust{};  // [log_macs, log_params, log_layers] ranges of the points
  Json to_json() const;
};

AccuracyModel fit_proxy();
// CSV with a header containing "model" and "top1"; model = zoo name or macro/network JSON file (relative
// paths resolve against the CSV's folder).
AccuracyModel fit_user(const std::string& csv_path);
AccuracyModel macs_capacity();

}  // namespace cpx::explorer
