// One file per model family under space/zoo/, each adding its entries; zoo.cpp lists the families.
#pragma once

#include "space/zoo.hpp"

namespace cpx::zoo_families {

void add_cpubone(std::vector<ZooEntry>& out);

}  // namespace cpx::zoo_families
