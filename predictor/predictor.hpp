// Latency = Σ over operators of MACs / predicted MACpS (+ per-operator overhead, inside the model), plus a
// per-network overhead. One regression per operator class, of log latency on the op's features (so
// log MACpS = log MACs − prediction), fitted from a device profile. Stored as JSON
// "cpubone-explore/predictor/v1" with its provenance; never a binary blob.
#pragma once

#include <map>
#include <optional>

#include "predictor/features.hpp"

namespace cpx::predictor {

inline constexpr std::string_view predictor_schema = "cpubone-explore/predictor/v1";

struct ClassModel {
  std::array<double, feature_count> theta{};  // log(latency_us) = theta · basis(x)
  // The training range of each base feature. Inputs are clamped into it before the quadratic basis, so a
  // network unlike anything measured gets the nearest measured behaviour instead of an exploding polynomial.
  std::array<double, base_feature_count> lo{}, hi{};
  double scale = 1.0;  // calibration factor on latency (1 for a measured device)
  int64_t samples = 0;
  double train_mape = 0;  // on its own training samples
};

struct Predictor {
  std::string device;   // "host", "pi5", ...
  std::string runtime;  // what its figures describe, e.g. "XNNPACK on this machine (measured)"
  Json provenance;      // profile, environment, date, fit statistics, calibration points
  std::array<std::optional<ClassModel>, op_class_count> classes;
  std::map<int64_t, double> network_overhead_us;  // per thread count

  double predict_op_us(const OpFeatures& f) const;  // throws for a class without a model
  // Must be able to predict every op; an op class without data is an error, never zero.
};

struct OpPrediction {
  OpClass op_class;
  double macs;
  double latency_us;
};
struct NetworkPrediction {
  std::vector<OpPrediction> ops;
  double overhead_us = 0;
  double latency_us = 0;  // Σ ops + overhead
};
NetworkPrediction predict(const Predictor& p, const Network& net, int64_t threads);

// What `predict --json` prints: model, device, runtime, threads, resolution, macs, latency_us, macps,
// overhead_us and, with `layers`, one object per op (name, op, class, macs, latency_us, macps).
Json prediction_json(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads, bool layers);

struct FitOptions {
  double ridge = 1e-3;  // on standardised features
};
// Fits from the profile's block grid and operator micro-benchmarks; the zoo networks measured in the
// profile are NOT used, so that they can validate the predictor.
Predictor fit(const Json& profile, const std::string& profile_path, const FitOptions& options = {});

Json to_json(const Predictor& p);
Predictor predictor_from_json(const Json& j, const std::string& file);

}  // namespace cpx::predictor
