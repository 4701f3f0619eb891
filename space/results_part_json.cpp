#include "space/results_json.hpp"
#include "space/results_part.hpp"

namespace cpx::results {

Json accuracy_model_to_json(const AccuracyModel& m) { return io::put_value(m); }

}  // namespace cpx::results
