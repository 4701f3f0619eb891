// How a calibration picks among its candidate models, held out by family, and how that choice is itself
// scored without the family it predicts (nested). Generic over the candidates: each is a function that fits
// on some rows and predicts every row.
//
// The rule: a candidate's score is its mean absolute percentage error over the held-out groups, each group
// (a family) weighing the same; the device keeps the simplest candidate (the candidates come ordered
// simplest first: calibrate.cpp's table of methods is in that order) whose score is within one standard error of the
// best score, the error of the per-group paired differences (the "one-standard-error rule" of cross-validated model
// choice: Breiman et al. 1984, Hastie et al., The Elements of Statistical Learning, 7.10). With the few families a
// device has, a richer model's lower held-out error is often within the noise of which families happened to
// be held out; this rule keeps the richer one only when it wins by more than that. Nor is any candidate
// kept whose score is worse than the simplest one's.
#pragma once

#include <Eigen/Dense>
#include <functional>
#include <string>
#include <vector>

namespace cpx::predictor {

// Fitted on the `train` rows only, predicts every row (microseconds).
using CandidateModel = std::function<Eigen::VectorXd(const std::vector<Eigen::Index>& train)>;

struct Candidate {
  std::string name;
  CandidateModel model;
};

// Each row of `rows` predicted by `model` fitted without the rows of its group (rows not in `rows` are never
// used); the result has one entry per row of `rows`, in that order.
std::vector<double> held_out_by_group(const CandidateModel& model, const std::vector<Eigen::Index>& rows,
                                      const std::vector<std::string>& group);

struct CandidateChoice {
  size_t chosen = 0;
  std::vector<double> score;  // per candidate: mean over groups of the group's mean |predicted / actual - 1|
  double standard_error = 0;  // of the paired per-group differences between the chosen and the best
  size_t best = 0;            // the lowest score
};

// The one-standard-error choice on `rows`, each candidate held out by `group` within them. Fewer than two
// groups among `rows`: each row is its own group.
CandidateChoice choose_candidate(const std::vector<Candidate>& candidates, const Eigen::VectorXd& actual,
                                 const std::vector<Eigen::Index>& rows, std::vector<std::string> group);

// The procedure held out: each group's rows predicted by the candidate that choose_candidate picks on the
// other groups alone (the choice and the fit never see the group; where they hold a single row, nothing
// can be held out within them and the simplest candidate predicts). Also returns, per row, which candidate
// predicted it.
struct NestedPredictions {
  std::vector<double> predicted;
  std::vector<size_t> chosen;  // the index in `candidates`
};
NestedPredictions nested_held_out(const std::vector<Candidate>& candidates, const Eigen::VectorXd& actual,
                                  const std::vector<std::string>& group);

}  // namespace cpx::predictor
