#include "predictor/calibrate.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fstream>

#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

// Per-class host times of each network (rows: points, columns: classes).
Eigen::MatrixXd class_times(const Predictor& host, const std::vector<PublishedPoint>& points) {
  Eigen::MatrixXd T = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), op_class_count);
  for (size_t i = 0; i < points.size(); ++i) {
    const ZooEntry* e = find_zoo(points[i].model);
    if (!e) throw InputError(points[i].model + ": not a zoo model");
    const Network net = e->build(0);
    const NetworkPrediction p = predict(host, net, 1);
    for (const auto& op : p.ops) {
      T(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(op.op_class)) += op.latency_us - op.activation_us;
      T(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(OpClass::elementwise)) += op.activation_us;
    }
  }
  return T;
}

struct Fit {
  Eigen::VectorXd scale;
  double common = 0;
};

// Weighted least squares on relative errors, ridge towards the common factor, then non-negativity by
// dropping negative classes to the common factor and refitting the rest (at most C passes).
Fit fit_scales(const Eigen::MatrixXd& T, const Eigen::VectorXd& y) {
  const Eigen::Index n = T.rows(), C = T.cols();
  const Eigen::VectorXd total = T.rowwise().sum();
  const Eigen::VectorXd w = y.array().square().inverse();
  Fit f;
  f.common = (total.array() * y.array() * w.array()).sum() / (total.array().square() * w.array()).sum();
  Eigen::VectorXd s = Eigen::VectorXd::Constant(C, f.common);
  std::vector<bool> free(static_cast<size_t>(C));
  for (Eigen::Index c = 0; c < C; ++c) free[static_cast<size_t>(c)] = T.col(c).sum() > 0;
  for (Eigen::Index pass = 0; pass < C; ++pass) {
    const Eigen::MatrixXd A = T.transpose() * w.asDiagonal() * T;
    // Few points: strong pull towards one factor; many points: let classes differ.
    const double alpha = n < 2 * C ? 1.0 : 0.1;
    const double lambda = alpha * A.trace() / static_cast<double>(C);
    Eigen::MatrixXd M = A;
    Eigen::VectorXd b = T.transpose() * w.asDiagonal() * y;
    for (Eigen::Index c = 0; c < C; ++c) {
      if (free[static_cast<size_t>(c)]) {
        M(c, c) += lambda;
        b(c) += lambda * f.common;
      } else {  // fixed at the common factor
        M.row(c).setZero();
        M(c, c) = 1;
        b(c) = f.common;
      }
    }
    // Fixed columns must not influence the free ones through the coupling terms.
    for (Eigen::Index c = 0; c < C; ++c)
      if (!free[static_cast<size_t>(c)])
        for (Eigen::Index r = 0; r < C; ++r)
          if (r != c && free[static_cast<size_t>(r)]) {
            b(r) -= M(r, c) * f.common;
            M(r, c) = 0;
          }
    s = M.ldlt().solve(b);
    bool changed = false;
    for (Eigen::Index c = 0; c < C; ++c)
      if (free[static_cast<size_t>(c)] && s(c) < 0) {
        free[static_cast<size_t>(c)] = false;
        changed = true;
      }
    if (!changed) break;
  }
  for (Eigen::Index c = 0; c < C; ++c) s(c) = std::max(0.0, s(c));
  f.scale = s;
  return f;
}

}  // namespace

Calibration calibrate(const Predictor& host, const std::string& device, const std::string& runtime,
                      const std::vector<PublishedPoint>& points, const std::string& source) {
  if (points.size() < 2) throw InputError(source + ": needs at least 2 published latencies of zoo models, got " + std::to_string(points.size()));
  const Eigen::MatrixXd T = class_times(host, points);
  Eigen::VectorXd y(static_cast<Eigen::Index>(points.size()));
  for (size_t i = 0; i < points.size(); ++i) {
    if (!(points[i].latency_ms > 0) || !std::isfinite(points[i].latency_ms))
      throw InputError(source + ": " + points[i].model + " latency_ms = " + std::to_string(points[i].latency_ms) + ": must be positive");
    y(static_cast<Eigen::Index>(i)) = points[i].latency_ms * 1e3;
  }
  const Fit all = fit_scales(T, y);
  Calibration out;
  out.common_factor = all.common;
  // Leave one model out.
  double sum = 0;
  for (Eigen::Index i = 0; i < T.rows(); ++i) {
    Eigen::MatrixXd Ti(T.rows() - 1, T.cols());
    Eigen::VectorXd yi(T.rows() - 1);
    for (Eigen::Index r = 0, k = 0; r < T.rows(); ++r)
      if (r != i) {
        Ti.row(k) = T.row(r);
        yi(k++) = y(r);
      }
    const Fit f = fit_scales(Ti, yi);
    const double pred = T.row(i).dot(f.scale);
    out.loo_errors.push_back(pred / y(i) - 1);
    sum += std::abs(pred / y(i) - 1);
  }
  out.loo_mape = sum / static_cast<double>(T.rows());
  out.device = host;
  out.device.device = device;
  out.device.runtime = runtime;
  for (size_t c = 0; c < op_class_count; ++c)
    if (out.device.classes[c]) out.device.classes[c]->scale *= all.scale(static_cast<Eigen::Index>(c));
  for (auto& [t, us] : out.device.network_overhead_us) us *= all.common;
  Json pts = Json::array();
  for (size_t i = 0; i < points.size(); ++i)
    pts.push_back({{"model", points[i].model}, {"latency_ms", points[i].latency_ms},
                   {"fitted_ms", T.row(static_cast<Eigen::Index>(i)).dot(all.scale) / 1e3},
                   {"leave_one_out_error", out.loo_errors[i]}});
  Json scales = Json::object();
  for (size_t c = 0; c < op_class_count; ++c) scales[std::string(to_string(static_cast<OpClass>(c)))] = all.scale(static_cast<Eigen::Index>(c));
  out.device.provenance = {{"calibrated_from", source},
                           {"points", points.size()},
                           {"published", pts},
                           {"class_scales", scales},
                           {"common_factor", all.common},
                           {"leave_one_out_mape", out.loo_mape},
                           {"host_predictor", host.provenance},
                           {"method", "host 1-thread per-class times scaled per class; weighted least squares on relative "
                                      "errors, ridge towards one common factor, non-negative"}};
  return out;
}

std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rows = parse_csv(text);
  if (rows.empty()) throw InputError(path + ": empty CSV");
  const auto& header = rows[0];
  auto col = [&](const std::string& name) -> size_t {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw InputError(path + ": header = \"" + name + "\": no such column");
  };
  const size_t model = col("model"), value = col(column.empty() ? "latency_ms" : column);
  std::vector<PublishedPoint> points;
  std::vector<std::pair<std::string, int>> seen;  // zoo name, rank of the row used (0 = reported)
  const size_t kind = column.empty() ? SIZE_MAX : col("value_kind");
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size())
      throw InputError(path + ": row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) + " fields, header has " + std::to_string(header.size()));
    if (row[value].empty()) continue;
    double ms = 0;
    try {
      size_t used = 0;
      ms = std::stod(row[value], &used);
      if (used != row[value].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = \"" + row[value] + "\": not a number");
    }
    if (!(ms > 0) || !std::isfinite(ms))
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = " + row[value] + ": must be positive");
    std::string name;
    if (find_zoo(row[model])) name = row[model];
    for (const auto& e : zoo())
      if (name.empty() && !e.published_name.empty() && e.published_name == row[model]) name = e.name;
    if (name.empty()) {
      if (column.empty()) throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": not a zoo model");
      continue;  // the published file covers many models the zoo does not build
    }
    const int rank = kind != SIZE_MAX && row[kind] == "reported" ? 0 : 1;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == name; });
    if (it != seen.end()) {
      // A plain file is the user's own list: two figures for one model is a mistake, not a choice.
      if (column.empty())
        throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": duplicate model");
      if (rank >= it->second) continue;  // keep the reported figure over a digitised one
      const size_t idx = static_cast<size_t>(it - seen.begin());
      points[idx].latency_ms = ms;
      it->second = rank;
      continue;
    }
    seen.emplace_back(name, rank);
    points.push_back({name, ms});
  }
  return points;
}

}  // namespace cpx::predictor
