// How many blocks of each kind a recognition found: what the advise and recognise tests compare.
#pragma once

#include <map>

#include "space/recognise.hpp"

namespace cpx::testing {

inline std::map<BlockKind, int> kinds_of(const Recognition& r) {
  std::map<BlockKind, int> k;
  for (const auto& b : r.blocks) ++k[b.kind];
  return k;
}

}  // namespace cpx::testing
