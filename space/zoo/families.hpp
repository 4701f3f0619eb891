// One file per model family under space/zoo/, each adding its entries; zoo.cpp lists the families. A family's
// own names (Config, configs, its builders) live in namespace <file>_family, in an anonymous namespace there:
// unity builds put several family files in one translation unit, where they would otherwise collide.
#pragma once

#include "space/zoo_entry.hpp"

namespace cpx::zoo_families {

// The registration every builder-based family shares: one entry per config, built at the published
// resolution unless the caller asks for another. A config names itself (name) and may carry
// published_name (its rows in the published CSV; none if absent), published_alias (another source's
// name for it; none if null), unlinked_source and unmodelled_work (see ZooEntry), family (else `family`) and
// description (else the family's description_of(config), found by argument-dependent lookup).
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
    if constexpr (requires { c.unlinked_source; }) e.unlinked_source = c.unlinked_source;
    if constexpr (requires { c.unmodelled_work; }) e.unmodelled_work = c.unmodelled_work;
    e.resolution = resolution;
    e.build = [c, build, resolution](int64_t r) { return build(c, r > 0 ? r : resolution); };
    out.push_back(std::move(e));
  }
}

// "2-2-6-2": a config's per-stage depths or widths, as descriptions print them.
inline std::string dashed(const std::array<int64_t, 4>& v) {
  return std::to_string(v[0]) + "-" + std::to_string(v[1]) + "-" + std::to_string(v[2]) + "-" + std::to_string(v[3]);
}

// A square k x k conv with bias, stride and the same padding on every side (not necessarily "same"):
// patch embeddings and downsamplings (PoolFormer and CycleMLP 7x7/s4 pad 2 and 3x3/s2 pad 1; ConvNeXt and
// PVT kxk/sk unpadded).
inline Conv2d padded_conv(int64_t out_channels, int64_t k, int64_t stride, int64_t padding) {
  Conv2d c;
  c.out_channels = out_channels;
  c.kernel = {k, k};
  c.stride = {stride, stride};
  c.padding = {padding, padding, padding, padding};
  c.bias = true;
  return c;
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
void add_mobilevit(std::vector<ZooEntry>& out);
void add_edgenext(std::vector<ZooEntry>& out);
void add_pvt(std::vector<ZooEntry>& out);
void add_swin(std::vector<ZooEntry>& out);
void add_cyclemlp(std::vector<ZooEntry>& out);
void add_ghostnet(std::vector<ZooEntry>& out);
void add_mobilenetv1(std::vector<ZooEntry>& out);
void add_mnasnet(std::vector<ZooEntry>& out);
void add_mixnet(std::vector<ZooEntry>& out);
void add_mobilenext(std::vector<ZooEntry>& out);

}  // namespace cpx::zoo_families
