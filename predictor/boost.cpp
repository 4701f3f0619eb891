#include "predictor/boost.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace cpx::predictor {

namespace {

using X = std::vector<std::array<double, base_feature_count>>;

// Splits and leaf values kept at float precision: plenty for log latencies, and the JSON form of a tree
// (shortest round-trip digits) is half as long, which matters for the devices compiled into the binary.
double to_float(double v) { return static_cast<double>(static_cast<float>(v)); }

struct Split {
  int feature = -1;
  double threshold = 0;
  double gain = 0;
};

// The split of `idx` that most reduces the squared error of r, with at least min_leaf samples each side.
Split best_split(const X& x, const std::vector<double>& r, const std::vector<size_t>& idx, int min_leaf) {
  Split best;
  const size_t n = idx.size();
  if (n < 2 * static_cast<size_t>(min_leaf)) return best;
  double total = 0;
  for (size_t i : idx) total += r[i];
  std::vector<size_t> order(idx);
  for (size_t f = 0; f < base_feature_count; ++f) {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a][f] < x[b][f]; });
    double left = 0;
    for (size_t k = 0; k + 1 < n; ++k) {
      left += r[order[k]];
      const double xa = x[order[k]][f], xb = x[order[k + 1]][f];
      if (xa == xb || k + 1 < static_cast<size_t>(min_leaf) || n - k - 1 < static_cast<size_t>(min_leaf)) continue;
      const double nl = static_cast<double>(k + 1), nr = static_cast<double>(n - k - 1);
      // Reduction of squared error = nl·mean_l² + nr·mean_r² − n·mean²
      const double gain =
          left * left / nl + (total - left) * (total - left) / nr - total * total / static_cast<double>(n);
      const double mid = to_float(0.5 * (xa + xb));
      if (gain > best.gain && xa < mid && mid <= xb) best = {static_cast<int>(f), mid, gain};
    }
  }
  return best;
}

void grow(Tree& t, int node, const X& x, const std::vector<double>& r, const std::vector<size_t>& idx, int depth,
          const BoostOptions& o) {
  const Split s = depth < o.depth ? best_split(x, r, idx, o.min_leaf) : Split{};
  if (s.feature < 0) {
    double mean = 0;
    for (size_t i : idx) mean += r[i];
    t.threshold[static_cast<size_t>(node)] = to_float(o.learning_rate * mean / static_cast<double>(idx.size()));
    return;
  }
  std::vector<size_t> l, rr;
  for (size_t i : idx) (x[i][static_cast<size_t>(s.feature)] < s.threshold ? l : rr).push_back(i);
  const int li = static_cast<int>(t.feature.size()), ri = li + 1;
  for (int k = 0; k < 2; ++k) {
    t.feature.push_back(-1);
    t.threshold.push_back(0);
    t.left.push_back(-1);
    t.right.push_back(-1);
  }
  const size_t n = static_cast<size_t>(node);
  t.feature[n] = s.feature;
  t.threshold[n] = s.threshold;  // already float-exact (best_split)
  t.left[n] = li;
  t.right[n] = ri;
  grow(t, li, x, r, l, depth + 1, o);
  grow(t, ri, x, r, rr, depth + 1, o);
}

// Writes node `node` of `t` at position `pos` (level `level`) of the complete tree; a leaf above the
// last level becomes never-taken splits (threshold +inf: always left) over copies of its value.
void flatten(const Tree& t, int node, size_t pos, int level, int depth, Boost& b, size_t tree) {
  const size_t internal = (size_t{1} << depth) - 1;
  const size_t n = static_cast<size_t>(node);
  if (level == depth) {
    if (t.feature[n] >= 0)
      throw InputError("residual tree deeper than its flattened depth");  // unreachable: depth is the max
    b.flat_leaf[tree * (internal + 1) + (pos - internal)] = t.threshold[n];
    return;
  }
  const size_t k = tree * internal + pos;
  if (t.feature[n] < 0) {
    b.flat_feature[k] = 0;
    b.flat_threshold[k] = std::numeric_limits<double>::infinity();
    flatten(t, node, 2 * pos + 1, level + 1, depth, b, tree);
    flatten(t, node, 2 * pos + 2, level + 1, depth, b, tree);
    return;
  }
  b.flat_feature[k] = static_cast<uint8_t>(t.feature[n]);
  b.flat_threshold[k] = t.threshold[n];
  flatten(t, t.left[n], 2 * pos + 1, level + 1, depth, b, tree);
  flatten(t, t.right[n], 2 * pos + 2, level + 1, depth, b, tree);
}

int tree_depth(const Tree& t, int node) {
  const size_t n = static_cast<size_t>(node);
  if (t.feature[n] < 0) return 0;
  return 1 + std::max(tree_depth(t, t.left[n]), tree_depth(t, t.right[n]));
}

}  // namespace

void Boost::compile() {
  depth = 0;
  for (const Tree& t : trees) {
    const int d = tree_depth(t, 0);
    if (d > max_tree_depth)
      throw InputError("a residual tree " + std::to_string(d) + " levels deep; at most " +
                       std::to_string(max_tree_depth));
    depth = std::max(depth, d);
  }
  const size_t internal = (size_t{1} << depth) - 1;
  flat_feature.assign(trees.size() * internal, 0);
  flat_threshold.assign(trees.size() * internal, 0);
  flat_leaf.assign(trees.size() * (internal + 1), 0);
  for (size_t k = 0; k < trees.size(); ++k) flatten(trees[k], 0, 0, 0, depth, *this, k);
}

Boost fit_boost(const X& x, const std::vector<double>& residual, const BoostOptions& o) {
  Boost b;
  std::vector<double> r = residual;
  std::vector<size_t> all(x.size());
  std::iota(all.begin(), all.end(), size_t{0});
  for (int k = 0; k < o.trees; ++k) {
    Tree t{{-1}, {0}, {-1}, {-1}};
    grow(t, 0, x, r, all, 0, o);
    if (t.feature.size() == 1 && k > 0) break;  // nothing left to split
    for (size_t i = 0; i < x.size(); ++i) r[i] -= t.eval(x[i]);
    b.trees.push_back(std::move(t));
  }
  b.compile();
  return b;
}

Json to_json(const Boost& b) {
  Json trees = Json::array();
  for (const Tree& t : b.trees)
    trees.push_back(
        {{"feature", t.feature}, {"threshold_or_value", t.threshold}, {"left", t.left}, {"right", t.right}});
  return trees;
}

Boost boost_from_json(const Json& j, const Where& where) {
  if (!j.is_array() || j.size() > 10000)
    where.fail(j.is_array() ? Json(j.size()) : j, "expected an array of at most 10000 trees");
  Boost b;
  for (size_t k = 0; k < j.size(); ++k) {
    const Where w = where[k];
    ObjectReader r(j[k], w);
    const Json &f = r.raw("feature"), &v = r.raw("threshold_or_value"), &l = r.raw("left"), &rt = r.raw("right");
    r.finish();
    const size_t n = f.is_array() ? f.size() : 0;
    if (n == 0 || n > 100000) (w / "feature").fail(f, "expected a non-empty array of at most 100000 nodes");
    for (const auto& [arr, name] : {std::pair{&v, "threshold_or_value"}, {&l, "left"}, {&rt, "right"}})
      if (!arr->is_array() || arr->size() != n) (w / name).fail("expected an array as long as \"feature\"");
    Tree t;
    for (size_t i = 0; i < n; ++i) {
      auto integer = [&](const Json& a, const char* name) {
        if (!a[i].is_number_integer()) (w / name)[i].fail(a[i], "expected an integer");
        return a[i].get<int64_t>();
      };
      const int64_t fi = integer(f, "feature");
      if (fi < -1 || fi >= static_cast<int64_t>(base_feature_count))
        (w / "feature")[i].fail(
            f[i], "expected -1 (leaf) or a base feature index below " + std::to_string(base_feature_count));
      if (!v[i].is_number() || !std::isfinite(v[i].get<double>()))
        (w / "threshold_or_value")[i].fail(v[i], "expected a finite number");
      int64_t li = -1, ri = -1;
      if (fi >= 0) {
        li = integer(l, "left");
        ri = integer(rt, "right");
        // Children after their parent: no cycles, no out-of-range jumps.
        if (li <= static_cast<int64_t>(i) || li >= static_cast<int64_t>(n))
          (w / "left")[i].fail(l[i], "expected a later node index");
        if (ri <= static_cast<int64_t>(i) || ri >= static_cast<int64_t>(n))
          (w / "right")[i].fail(rt[i], "expected a later node index");
      }
      t.feature.push_back(static_cast<int>(fi));
      t.threshold.push_back(v[i].get<double>());
      t.left.push_back(static_cast<int>(li));
      t.right.push_back(static_cast<int>(ri));
    }
    b.trees.push_back(std::move(t));
  }
  try {
    b.compile();
  } catch (const InputError& e) { where.fail(e.what()); }
  return b;
}

}  // namespace cpx::predictor
