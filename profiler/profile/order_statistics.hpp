// Order statistics shared by measurement (rules, validate, proofs), fitting, calibration (held-out figures)
// and the accuracy estimator: the one median and the one ranking. Lives here, with no executor, so that
// every layer above may use it.
#pragma once

#include <cstdint>
#include <vector>

namespace cpx::profiler {

// The median: the middle value, or the mean of the two middle ones (their sum halved). Empty input has
// no median: NaN, which to_json-style writers turn into null; a caller that wants another value for "no
// data" tests empty() itself and says why.
double median(std::vector<double> v);

// How equal values are ranked.
enum class Ties {
  mean_rank,    // each gets the mean of the ranks they span (what Spearman's correlation needs)
  lowest_rank,  // each gets the lowest rank they span ("1, 2, 2, 4": what a table of places shows)
};

// Ranks from 1 (the smallest value first).
std::vector<double> ranks(const std::vector<double>& v, Ties ties);

// Spearman rank correlation (ties get their mean rank); 0 when either side is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace cpx::profiler
