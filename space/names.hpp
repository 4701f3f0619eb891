// "Did you mean": the names close to one a user mistyped, for every vocabulary of names a user types (zoo
// models, devices).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cpx {

// Up to `most` of `candidates` within a few edits of `name` (case and '_' against '-' ignored; a slip in the
// start of a longer name counts one more edit), closest first: the "did you mean" of every unknown name
// (zoo models, devices). did_you_mean: "; did you mean a, b?" or "" when none is close.
std::vector<std::string> similar_names(std::string_view name, const std::vector<std::string>& candidates, size_t most);
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates, size_t most = 5);

}  // namespace cpx
