// One file per model family under space/zoo/, each adding its entries; zoo.cpp lists the families.
#pragma once

#include "space/zoo.hpp"

namespace cpx::zoo_families {

// The registration every builder-based family shares: one entry per config, built at the published
// resolution unless the caller asks for another. A config names itself (name) and may carry
// published_name (its rows in the published CSV; none if absent) and published_alias (another source's
// name for it; none if null), family (else `family`) and description
// (else the family's description_of(config), found by argument-dependent lookup).
template <typename Configs, typename Build>
void add_entries(std::vector<ZooEntry>& out, const Configs& configs, std::string_view family, int64_t resolution,
                 Build build) {
  for (const auto& c : configs) {
    ZooEntry e;
    e.name = c.name;
    if constexpr (requires { c.family; }) e.family = c.family;
    else e.family = family;
    if constexpr (requires { c.description; }) e.description = c.description;
    else e.description = description_of(c);
    if constexpr (requires { c.published_name; }) e.published_name = c.published_name;
    if constexpr (requires { c.published_alias; })
      if (c.published_alias) e.published_aliases.push_back(c.published_alias);
    e.resolution = resolution;
    e.build = [c, build, resolution](int64_t r) { return build(c, r > 0 ? r : resolution); };
    out.push_back(std::move(e));
  }
}

void add_cpubone(std::vector<ZooEntry>& out);
void add_fasternet(std::vector<ZooEntry>& out);
void add_mobileone(std::vector<ZooEntry>& out);
void add_lowformer(std::vector<ZooEntry>& out);
void add_repvit(std::vector<ZooEntry>& out);
void add_fastvit(std::vector<ZooEntry>& out);
void add_efficientmod(std::vector<ZooEntry>& out);
void add_efficientformerv2(std::vector<ZooEntry>& out);
void add_ghostnetv2(std::vector<ZooEntry>& out);
void add_classic(std::vector<ZooEntry>& out);
void add_shufflenetv2(std::vector<ZooEntry>& out);
void add_convnext(std::vector<ZooEntry>& out);
void add_poolformer(std::vector<ZooEntry>& out);


}  // namespace cpx::zoo_families
