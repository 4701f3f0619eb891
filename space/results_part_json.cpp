#include "space/results_json.hpp"
#include "space/results_part.hpp"

namespace cpx::results {

AccuracyModel accuracy_model_from_json(const Json& j) {
  AccuracyModel out;
  io::get_value(j, out);
  return out;
}

}  // namespace cpx::results
