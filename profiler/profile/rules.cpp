#include "profiler/profile/rules.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "profiler/profile/block_variant.hpp"
#include "profiler/profile/order_statistics.hpp"

namespace cpx::profiler {

namespace {

struct Point {
  double macps = 0, latency_us = 0;
  int64_t macs = 0;
};
// (variant, kernel, groups, channels, resolution, stride, threads)
using Key = std::tuple<BlockVariant, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;

std::map<Key, Point> index_configs(const Profile& profile) {
  std::map<Key, Point> out;
  for (const ProfileRecord& c : profile[ProfileSection::configs])
    out[Key{c.variant, c.kernel, c.groups, c.channels, c.resolution, c.stride, c.threads}] = {c.macps, c.median_us(),
                                                                                              c.macs};
  return out;
}

Json number_or_null(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

// Ratios of variant a over variant b at every grid point where both were measured (stride 1).
struct Ratios {
  std::vector<double> macps, latency, macs;
};
Ratios ratios(const std::map<Key, Point>& idx, BlockVariant va, int64_t ka, int64_t ga, BlockVariant vb, int64_t kb,
              int64_t gb, int64_t threads) {
  Ratios r;
  for (const auto& [k, p] : idx) {
    const auto& [v, kernel, groups, c, res, s, t] = k;
    if (v != va || kernel != ka || groups != ga || s != 1 || t != threads) continue;
    const auto other = idx.find(Key{vb, kb, gb, c, res, s, t});
    if (other == idx.end()) continue;
    r.macps.push_back(p.macps / other->second.macps);
    r.latency.push_back(p.latency_us / other->second.latency_us);
    r.macs.push_back(static_cast<double>(p.macs) / static_cast<double>(other->second.macs));
  }
  return r;
}

RatioSummary summary(const Ratios& r) { return {r.macps.size(), median(r.macps), median(r.latency), median(r.macs)}; }

Json to_json(const RatioSummary& r) {
  return {{"points", r.points},
          {"macps_ratio_median", number_or_null(r.macps)},
          {"latency_ratio_median", number_or_null(r.latency)},
          {"macs_ratio_median", number_or_null(r.macs)}};
}

// Crossover: the smallest C from which unfused is ahead at every larger C of that resolution.
std::optional<int64_t> crossover_channels(std::vector<std::pair<int64_t, double>> v,
                                          bool unfused_ahead_if_ratio_below_1) {
  std::sort(v.begin(), v.end());
  std::optional<int64_t> result;
  for (size_t i = v.size(); i-- > 0;) {
    const bool ahead = unfused_ahead_if_ratio_below_1 ? v[i].second < 1.0 : v[i].second > 1.0;
    if (!ahead) break;
    result = v[i].first;
  }
  return result;
}

// Claim 3: fused (GrFuMBConv) vs unfused (GrMBConv) local blocks, k2 g2 as CPUBone uses them.
void fused_vs_unfused(const std::map<Key, Point>& idx, ThreadRules& r) {
  const int64_t t = r.threads;
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> by_res;  // res -> (C, fused/unfused MACpS)
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> by_res_latency;
  for (const auto& [k, p] : idx) {
    const auto& [v, kernel, groups, c, res, s, tt] = k;
    if (v != BlockVariant::grfumbconv || kernel != 2 || groups != 2 || s != 1 || tt != t) continue;
    const auto u = idx.find(Key{BlockVariant::grmbconv, 2, 2, c, res, 1, t});
    if (u == idx.end()) continue;
    const double macps_ratio = p.macps / u->second.macps;
    const double latency_ratio = p.latency_us / u->second.latency_us;
    r.fused_points.push_back({c, res, macps_ratio, latency_ratio});
    by_res[res].emplace_back(c, macps_ratio);
    by_res_latency[res].emplace_back(c, latency_ratio);
  }
  for (const auto& [res, v] : by_res)
    r.crossovers.push_back({res, crossover_channels(v, true), crossover_channels(by_res_latency[res], false)});
}

// Claim 4: kernel 2 vs 3 (MACpS change), stride 1.
void kernel2_over_kernel3(const std::map<Key, Point>& idx, ThreadRules& r) {
  using V = BlockVariant;
  for (const auto& [v, g] : std::vector<std::pair<V, int64_t>>{{V::dwconv, 1},
                                                               {V::conv, 1},
                                                               {V::fumbconv, 1},
                                                               {V::grfumbconv, 2},
                                                               {V::mbconv, 1},
                                                               {V::grmbconv, 2},
                                                               {V::pconv, 1}})
    r.kernel2_over_kernel3.push_back({v, summary(ratios(idx, v, 2, g, v, 3, g, r.threads))});
}

// Claims 1, 2, 5: groups 2/4/8 against groups 1.
void groups_over_dense(const std::map<Key, Point>& idx, ThreadRules& r) {
  using V = BlockVariant;
  for (const auto& [grouped, dense] :
       std::vector<std::pair<V, V>>{{V::grfumbconv, V::fumbconv}, {V::grmbconv, V::mbconv}, {V::gconv, V::conv}})
    for (int64_t k : {3, 2})
      for (int64_t g : {2, 4, 8})
        r.groups_over_dense.push_back({grouped, k, g, summary(ratios(idx, grouped, k, g, dense, k, 1, r.threads))});
}

// FasterNet Table 1 on this machine.
std::vector<FasternetRow> fasternet_table1(const Profile& profile) {
  std::vector<FasternetRow> table;
  for (const ProfileRecord& f : profile[ProfileSection::fasternet])
    table.push_back({f.op, f.channels, f.resolution, f.threads, f.macs, f.median_us() / 1e3, f.macps});
  return table;
}

// "grfumbconv_k3_g2": a groups comparison as JSON and the text name it.
std::string groups_name(const GroupsEffect& g) {
  return std::string(to_string(g.variant)) + "_k" + std::to_string(g.kernel) + "_g" + std::to_string(g.groups);
}

Json crossovers_json(const std::vector<FusedCrossover>& crossovers) {
  Json out = Json::array();
  auto channels = [](const std::optional<int64_t>& c) { return c ? Json(*c) : Json(nullptr); };
  for (const FusedCrossover& c : crossovers)
    out.push_back({{"resolution", c.resolution},
                   {"macps_crossover_channels", channels(c.macps_channels)},
                   {"latency_crossover_channels", channels(c.latency_channels)}});
  return out;
}

// Claim 6 from the zoo section: B1 as released vs its transposed-conv ablation.
Claim claim_transposed_attention(const Profile& profile, int64_t threads) {
  std::optional<double> b1, b1t;
  for (const ProfileRecord& z : profile[ProfileSection::zoo]) {
    if (z.threads != threads) continue;
    if (z.model == "b1") b1 = z.median_us();
    if (z.model == "b1-transposed") b1t = z.median_us();
  }
  Claim c6{6, threads, "nearest upsampling instead of a transposed conv in the attention: B1 33.5 vs 39.7 ms (RPi 5)",
           "transposed variant 18.5% slower (39.7 / 33.5)"};
  if (b1 && b1t) {
    c6.measured["measured_b1_ms"] = *b1 / 1e3;
    c6.measured["measured_b1_transposed_ms"] = *b1t / 1e3;
    c6.measured["measured_slowdown_pct"] = 100 * (*b1t / *b1 - 1);
  } else {
    c6.measured["measured"] = nullptr;
    c6.measured["why_missing"] = "the profile has no zoo measurement of b1 and b1-transposed at this thread count";
  }
  return c6;
}

// The ratio's median as a percent change; null where there is none.
Json change_pct(double ratio) { return std::isfinite(ratio) ? Json(100 * (ratio - 1)) : Json(nullptr); }
// One of the summary's medians, as written.
double median_of(const RatioSummary* r, double RatioSummary::*figure) { return r ? r->*figure : NAN; }

// Claims 1-6 at one thread count, from that count's derived rules `r`; the measured figures are null where
// the profile lacks data.
void push_claims(const ThreadRules& r, const Profile& profile, std::vector<Claim>& claims) {
  using V = BlockVariant;
  const RatioSummary *g2 = r.groups_effect(V::grfumbconv, 3, 2), *mb = r.groups_effect(V::grmbconv, 3, 2);
  const int64_t t = r.threads;
  claims.push_back({1,
                    t,
                    "GrFuMBConv (g2, k3): 45% fewer MACs than FuMBConv at essentially the same MACpS",
                    "MACs x0.55, MACpS change ~0%",
                    {{"measured_macs_ratio", number_or_null(median_of(g2, &RatioSummary::macs))},
                     {"measured_macps_change_pct", change_pct(median_of(g2, &RatioSummary::macps))}}});
  claims.push_back({2,
                    t,
                    "GrMBConv (g2): ~24% fewer MACs than MBConv at ~5% lower MACpS",
                    "MACs x0.71-0.78, MACpS change ~-5%",
                    {{"measured_macs_ratio", number_or_null(median_of(mb, &RatioSummary::macs))},
                     {"measured_macps_change_pct", change_pct(median_of(mb, &RatioSummary::macps))}}});
  claims.push_back({3,
                    t,
                    "fused ~70% higher MACpS below 256 channels; unfused ~27% higher MACpS at 256 and above",
                    "crossover at C = 256",
                    {{"measured_crossover", crossovers_json(r.crossovers)}}});
  auto k2 = [&](V v) { return change_pct(median_of(r.kernel_effect(v), &RatioSummary::macps)); };
  claims.push_back({4,
                    t,
                    "2x2 kernels raise MACpS by ~42% (DWConv), ~5% (FuMBConv), ~12% (GrFuMBConv) on ARM",
                    "+42% / +5% / +12%",
                    {{"measured_macps_change_pct",
                      {{"dwconv", k2(V::dwconv)}, {"fumbconv", k2(V::fumbconv)}, {"grfumbconv", k2(V::grfumbconv)}}}}});
  auto latency = [&](int64_t g) {
    return number_or_null(median_of(r.groups_effect(V::grfumbconv, 3, g), &RatioSummary::latency));
  };
  claims.push_back({5,
                    t,
                    "groups 4 and 8 bring little latency gain over groups 2 (accuracy cost not measurable here)",
                    "little latency gain",
                    {{"measured_latency_ratio_vs_g1", {{"g2", latency(2)}, {"g4", latency(4)}, {"g8", latency(8)}}}}});
  claims.push_back(claim_transposed_attention(profile, t));
}

}  // namespace

const RatioSummary* ThreadRules::kernel_effect(BlockVariant variant) const {
  for (const KernelEffect& k : kernel2_over_kernel3)
    if (k.variant == variant) return &k.ratio;
  return nullptr;
}

const RatioSummary* ThreadRules::groups_effect(BlockVariant variant, int64_t kernel, int64_t groups) const {
  for (const GroupsEffect& g : groups_over_dense)
    if (g.variant == variant && g.kernel == kernel && g.groups == groups) return &g.ratio;
  return nullptr;
}

DesignRules derive_rules(const Profile& profile) {
  const auto idx = index_configs(profile);
  std::set<int64_t> threads;
  for (const auto& [k, p] : idx) threads.insert(std::get<6>(k));
  DesignRules out;
  out.environment = profile.environment;
  out.complete = profile.complete;
  for (int64_t t : threads) {
    ThreadRules r;
    r.threads = t;
    fused_vs_unfused(idx, r);
    kernel2_over_kernel3(idx, r);
    groups_over_dense(idx, r);
    out.per_threads.push_back(std::move(r));
  }
  out.fasternet_table1 = fasternet_table1(profile);
  // Claims side by side (shared/notes/cpubone_claims.md).
  for (const ThreadRules& r : out.per_threads) push_claims(r, profile, out.claims);
  return out;
}

Json to_json(const DesignRules& rules) {
  Json per_threads = Json::array();
  for (const ThreadRules& r : rules.per_threads) {
    Json points = Json::array(), kernel = Json::object(), groups = Json::object();
    for (const FusedPoint& p : r.fused_points)
      points.push_back({{"channels", p.channels},
                        {"resolution", p.resolution},
                        {"fused_over_unfused_macps", p.macps_ratio},
                        {"fused_over_unfused_latency", p.latency_ratio}});
    for (const KernelEffect& k : r.kernel2_over_kernel3) kernel[std::string(to_string(k.variant))] = to_json(k.ratio);
    for (const GroupsEffect& g : r.groups_over_dense) groups[groups_name(g)] = to_json(g.ratio);
    per_threads.push_back({{"threads", r.threads},
                           {"fused_vs_unfused", {{"points", points}, {"crossover", crossovers_json(r.crossovers)}}},
                           {"kernel2_over_kernel3", kernel},
                           {"groups_over_dense", groups}});
  }
  Json table = Json::array();
  for (const FasternetRow& f : rules.fasternet_table1)
    table.push_back({{"op", f.op},
                     {"channels", f.channels},
                     {"resolution", f.resolution},
                     {"threads", f.threads},
                     {"macs", f.macs},
                     {"latency_ms", f.latency_ms},
                     {"macps", f.macps}});
  Json claims = Json::array();
  for (const Claim& c : rules.claims) {
    Json j = {{"claim", c.claim}, {"threads", c.threads}, {"text", c.text}, {"claimed", c.claimed}};
    for (const auto& [key, value] : c.measured.items()) j[key] = value;
    claims.push_back(std::move(j));
  }
  return {{"schema", "cpubone-explore/design-rules/v1"},
          {"environment", rules.environment},
          {"complete", rules.complete},
          {"per_threads", per_threads},
          {"fasternet_table1", table},
          {"claims", claims}};
}

namespace {

// A claim's measured figures as text: names without "measured_", percentages ("_pct", and what they hold) to one
// decimal, other numbers to three significant digits, nested objects in parentheses, list items after "; ".
std::string readable(const Json& v, bool pct = false) {
  if (v.is_null()) return "none";
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, pct ? "%+.1f %%" : "%.3g", v.get<double>());
    return buf;
  }
  if (v.is_array()) {
    std::string out;
    for (const Json& x : v) out += (out.empty() ? "" : "; ") + readable(x, pct);
    return out;
  }
  if (!v.is_object()) return v.is_string() ? v.get<std::string>() : v.dump();
  std::string out;
  for (const auto& [k, x] : v.items()) {
    const std::string name = k.starts_with("measured_") ? k.substr(9) : k;
    const std::string text = readable(x, pct || k.ends_with("_pct"));
    out += (out.empty() ? "" : ", ") + name + " " + (x.is_object() ? "(" + text + ")" : text);
  }
  return out;
}

}  // namespace

std::string format_rules(const DesignRules& rules) {
  std::ostringstream s;
  auto f = [](double x, int digits = 3) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(digits);
    o << x;
    return o.str();
  };
  auto or_na = [&](double x) { return std::isfinite(x) ? f(x) : std::string("n/a"); };  // null in JSON
  auto channels = [](const std::optional<int64_t>& c) { return c ? std::to_string(*c) : std::string("none"); };
  auto ratio_line = [&](const std::string& name, const RatioSummary& x) {
    s << "  " << name << "\t" << or_na(x.macps) << "\t" << or_na(x.latency) << "\t" << or_na(x.macs) << "  ("
      << x.points << " points)\n";
  };
  if (!rules.complete) s << "NOTE: the profile is incomplete; rules use what was measured.\n";
  for (const ThreadRules& r : rules.per_threads) {
    s << "\n== " << r.threads << " thread(s) ==\n";
    s << "Fused (GrFuMBConv k2 g2) vs unfused (GrMBConv k2 g2), by resolution:\n";
    s << "  res   C     fused/unfused MACpS   fused/unfused latency\n";
    for (const FusedPoint& p : r.fused_points)
      s << "  " << p.resolution << "\t" << p.channels << "\t" << f(p.macps_ratio) << "\t\t" << f(p.latency_ratio)
        << "\n";
    for (const FusedCrossover& c : r.crossovers)
      s << "  crossover at " << c.resolution << "x" << c.resolution << ": MACpS from C = " << channels(c.macps_channels)
        << ", latency from C = " << channels(c.latency_channels) << " (paper: 256)\n";
    s << "Kernel 2 over kernel 3 (median ratio over the grid, stride 1): variant  MACpS  latency  MACs\n";
    for (const KernelEffect& k : r.kernel2_over_kernel3) ratio_line(std::string(to_string(k.variant)), k.ratio);
    s << "Groups over groups 1: variant  MACpS  latency  MACs\n";
    for (const GroupsEffect& g : r.groups_over_dense) ratio_line(groups_name(g), g.ratio);
  }
  s << "\nClaims (shared/notes/cpubone_claims.md) vs this machine:\n";
  for (const Claim& c : rules.claims)
    s << "  [" << c.claim << "] t=" << c.threads << " " << c.text << "\n      claimed: " << c.claimed
      << "; measured: " << readable(c.measured) << "\n";
  s << "\nFasterNet Table 1 on this machine (10 layers, 3x3):\n  op        map           MMACs    latency_ms   GMACpS  "
       " threads\n";
  for (const FasternetRow& row : rules.fasternet_table1)
    s << "  " << row.op << "\t" << row.channels << "x" << row.resolution << "x" << row.resolution << "\t"
      << row.macs / 1000000 << "\t" << f(row.latency_ms) << "\t" << f(row.macps / 1e9, 2) << "\t" << row.threads
      << "\n";
  return s.str();
}

}  // namespace cpx::profiler
