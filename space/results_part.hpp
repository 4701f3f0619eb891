// Parts of the results document that their producer still writes as JSON of its own: read into the
// document's struct by the results' one reader of that part (space/results_from_json.cpp), so the producer
// fills a Results without a second reader. The accuracy model (explorer/accuracy.cpp's to_json, which
// `accuracy --json` prints too) is one: its forms and tried feature sets are JSON inside it.
#pragma once

#include "space/results.hpp"

namespace cpx::results {

// `j` as the results' accuracy_model object; the whole document's field-table check runs when the results
// file is read (results_from_json), not here: this reads what this program wrote.
AccuracyModel accuracy_model_from_json(const Json& j);

}  // namespace cpx::results
