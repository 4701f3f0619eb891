// The report's chart builders, one per chart; charts.cpp lists them for build_charts.
#pragma once

#include "reports/parts.hpp"

namespace cpx::reports {

// In charts_machine.cpp: the charts of the machine and its predictor.
Chart block_macps(const Results& r, Report& report);
Chart roofline(const Results& r, Report& report);
Chart layer_breakdown(const Results& r, Report& report);
Chart predictor_accuracy(const Results& r, Report& report);

}  // namespace cpx::reports
