// The model zoo: networks we compare, each with the figures its authors published.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "space/macro.hpp"
#include "space/zoo_entry.hpp"

namespace cpx {

const std::vector<ZooEntry>& zoo();
// The baselines the main job's proposals must beat: CPUBone-B0 to B3 by their zoo names, fastest first.
inline constexpr std::array<std::string_view, 4> cpubone_baselines{"b0", "b1", "b2", "b3"};
// By the zoo's name, a CPUBone model as "cpubone-NAME" too, or by timm's name where the architecture is the
// same ("mobilenetv2_100", "resnet50.a1_in1k"); nullptr if unknown.
const ZooEntry* find_zoo(std::string_view name);
// Up to `most` zoo names within a few edits of `name`, closest first: the "did you mean" of an unknown name.
std::vector<std::string> similar_zoo_names(std::string_view name, size_t most);
std::vector<std::string> zoo_names();

// All rows of the published CSV shipped with the toolkit.
const std::vector<PublishedFigures>& published_models();

// A zoo name, or a macro or expanded network JSON file (told apart by "schema"). resolution 0 keeps
// the network's own. Unknown names and bad files are InputErrors.
Network load_model(const std::string& name_or_file, int64_t resolution = 0);
// The same for a document already parsed (e.g. a Python dict); `file` names it in errors.
Network load_model_json(const Json& j, const std::string& file, int64_t resolution = 0);

// What `zoo --json` prints for one entry: name, family, description, resolution, exact params and MACs,
// published top-1 and every published row.
Json zoo_entry_to_json(const ZooEntry& e);

// The macro form of a zoo name or macro file; nullopt for expanded networks and non-macro zoo entries.
std::optional<Macro> load_macro(const std::string& name_or_file);

}  // namespace cpx
