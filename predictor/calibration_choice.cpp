#include "predictor/calibration_choice.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace cpx::predictor {

namespace {

std::vector<std::string> distinct_groups(const std::vector<Eigen::Index>& rows, const std::vector<std::string>& group) {
  std::vector<std::string> out;
  for (Eigen::Index r : rows) out.push_back(group[static_cast<size_t>(r)]);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// One group per row: what "held out by group" means when there are fewer than two groups.
std::vector<std::string> rows_as_groups(size_t n) {
  std::vector<std::string> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = "row " + std::to_string(i);
  return out;
}

}  // namespace

std::vector<double> held_out_by_group(const CandidateModel& model, const std::vector<Eigen::Index>& rows,
                                      const std::vector<std::string>& group) {
  std::vector<double> out(rows.size());
  for (const std::string& g : distinct_groups(rows, group)) {
    std::vector<Eigen::Index> train;
    for (Eigen::Index r : rows)
      if (group[static_cast<size_t>(r)] != g) train.push_back(r);
    if (train.empty()) throw std::logic_error("held_out_by_group: one group only, nothing to fit on");
    const Eigen::VectorXd pred = model(train);
    for (size_t k = 0; k < rows.size(); ++k)
      if (group[static_cast<size_t>(rows[k])] == g) out[k] = pred(rows[k]);
  }
  return out;
}

CandidateChoice choose_candidate(const std::vector<Candidate>& candidates, const Eigen::VectorXd& actual,
                                 const std::vector<Eigen::Index>& rows, std::vector<std::string> group) {
  if (candidates.empty() || rows.size() < 2) throw std::logic_error("choose_candidate: needs candidates and two rows");
  if (distinct_groups(rows, group).size() < 2) group = rows_as_groups(group.size());
  const std::vector<std::string> groups = distinct_groups(rows, group);
  const size_t G = groups.size();
  // err[c][g]: candidate c's mean absolute relative error over group g's rows.
  std::vector<std::vector<double>> err(candidates.size(), std::vector<double>(G, 0.0));
  CandidateChoice out;
  for (size_t c = 0; c < candidates.size(); ++c) {
    const std::vector<double> pred = held_out_by_group(candidates[c].model, rows, group);
    std::vector<double> count(G, 0.0);
    for (size_t k = 0; k < rows.size(); ++k) {
      const size_t g = static_cast<size_t>(
          std::lower_bound(groups.begin(), groups.end(), group[static_cast<size_t>(rows[k])]) - groups.begin());
      err[c][g] += std::abs(pred[k] / actual(rows[k]) - 1);
      count[g] += 1;
    }
    double sum = 0;
    for (size_t g = 0; g < G; ++g) sum += err[c][g] /= count[g];
    out.score.push_back(sum / static_cast<double>(G));
  }
  out.best = static_cast<size_t>(std::min_element(out.score.begin(), out.score.end()) - out.score.begin());
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (c > 0 && out.score[c] > out.score[0]) continue;  // never worse than the simplest
    double mean = 0, sq = 0;
    for (size_t g = 0; g < G; ++g) mean += err[c][g] - err[out.best][g];
    mean /= static_cast<double>(G);
    for (size_t g = 0; g < G; ++g) sq += std::pow(err[c][g] - err[out.best][g] - mean, 2);
    const double se = std::sqrt(sq / static_cast<double>(G - 1) / static_cast<double>(G));
    if (mean <= se) {  // the best itself always passes (mean 0, se 0)
      out.chosen = c;
      out.standard_error = se;
      return out;
    }
  }
  throw std::logic_error("choose_candidate: no candidate chosen");
}

NestedPredictions nested_held_out(const std::vector<Candidate>& candidates, const Eigen::VectorXd& actual,
                                  const std::vector<std::string>& group_in) {
  const size_t n = static_cast<size_t>(actual.size());
  std::vector<Eigen::Index> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = static_cast<Eigen::Index>(i);
  const std::vector<std::string> group = distinct_groups(all, group_in).size() < 2 ? rows_as_groups(n) : group_in;
  NestedPredictions out{std::vector<double>(n), std::vector<size_t>(n)};
  for (const std::string& g : distinct_groups(all, group)) {
    std::vector<Eigen::Index> train;
    for (size_t i = 0; i < n; ++i)
      if (group[i] != g) train.push_back(static_cast<Eigen::Index>(i));
    // One row outside the group leaves nothing to hold out within it: the simplest candidate, unchosen.
    const size_t c = train.size() < 2 ? 0 : choose_candidate(candidates, actual, train, group).chosen;
    const Eigen::VectorXd pred = candidates[c].model(train);
    for (size_t i = 0; i < n; ++i)
      if (group[i] == g) out.predicted[i] = pred(static_cast<Eigen::Index>(i)), out.chosen[i] = c;
  }
  return out;
}

}  // namespace cpx::predictor
