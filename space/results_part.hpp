// Parts of the results document written on their own: the accuracy model (explorer/accuracy_document.cpp fills
// it), which `accuracy --json` prints as results.json holds it, through the document's one writer
// (space/results_to_json.cpp).
#pragma once

#include "space/results.hpp"

namespace cpx::results {

// `m` as results.json's accuracy_model object, byte for byte.
Json accuracy_model_to_json(const AccuracyModel& m);

}  // namespace cpx::results
