// One file per model family under space/zoo/, each adding its entries; zoo.cpp lists the families.
#pragma once

#include "space/zoo.hpp"

namespace cpx::zoo_families {

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


}  // namespace cpx::zoo_families
