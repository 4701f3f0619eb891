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
    out[Key{c.variant, c.kernel, c.groups, c.channels, c.resolution, c.stride, c.threads}] = {c.macps, c.median_us(), c.macs};
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

Json summary(const Ratios& r) {
  return {{"points", r.macps.size()},
          {"macps_ratio_median", number_or_null(median(r.macps))},
          {"latency_ratio_median", number_or_null(median(r.latency))},
          {"macs_ratio_median", number_or_null(median(r.macs))}};
}

// Crossover: the smallest C from which unfused is ahead at every larger C of that resolution.
Json crossover_channels(std::vector<std::pair<int64_t, double>> v, bool unfused_ahead_if_ratio_below_1) {
  std::sort(v.begin(), v.end());
  Json result = nullptr;
  for (size_t i = v.size(); i-- > 0;) {
    const bool ahead = unfused_ahead_if_ratio_below_1 ? v[i].second < 1.0 : v[i].second > 1.0;
    if (!ahead) break;
    result = v[i].first;
  }
  return result;
}

// Claim 3: fused (GrFuMBConv) vs unfused (GrMBConv) local blocks, k2 g2 as CPUBone uses them.
Json fused_vs_unfused(const std::map<Key, Point>& idx, int64_t t) {
  Json cross = Json::array();
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> by_res;  // res -> (C, fused/unfused MACpS)
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> by_res_latency;
  for (const auto& [k, p] : idx) {
    const auto& [v, kernel, groups, c, res, s, tt] = k;
    if (v != BlockVariant::grfumbconv || kernel != 2 || groups != 2 || s != 1 || tt != t) continue;
    const auto u = idx.find(Key{BlockVariant::grmbconv, 2, 2, c, res, 1, t});
    if (u == idx.end()) continue;
    const double macps_ratio = p.macps / u->second.macps;
    const double latency_ratio = p.latency_us / u->second.latency_us;
    cross.push_back({{"channels", c}, {"resolution", res}, {"fused_over_unfused_macps", macps_ratio},
                     {"fused_over_unfused_latency", latency_ratio}});
    by_res[res].emplace_back(c, macps_ratio);
    by_res_latency[res].emplace_back(c, latency_ratio);
  }
  Json crossovers = Json::array();
  for (const auto& [res, v] : by_res)
    crossovers.push_back({{"resolution", res},
                          {"macps_crossover_channels", crossover_channels(v, true)},
                          {"latency_crossover_channels", crossover_channels(by_res_latency[res], false)}});
  return {{"points", cross}, {"crossover", crossovers}};
}

// Claim 4: kernel 2 vs 3 (MACpS change), stride 1.
Json kernel2_over_kernel3(const std::map<Key, Point>& idx, int64_t t) {
  Json kernel_effect = Json::object();
  using V = BlockVariant;
  for (const auto& [v, g] : std::vector<std::pair<V, int64_t>>{
           {V::dwconv, 1}, {V::conv, 1}, {V::fumbconv, 1}, {V::grfumbconv, 2}, {V::mbconv, 1}, {V::grmbconv, 2}, {V::pconv, 1}})
    kernel_effect[std::string(to_string(v))] = summary(ratios(idx, v, 2, g, v, 3, g, t));
  return kernel_effect;
}

// Claims 1, 2, 5: groups 2/4/8 against groups 1.
Json groups_over_dense(const std::map<Key, Point>& idx, int64_t t) {
  Json groups_effect = Json::object();
  using V = BlockVariant;
  for (const auto& [grouped, dense] : std::vector<std::pair<V, V>>{{V::grfumbconv, V::fumbconv}, {V::grmbconv, V::mbconv}, {V::gconv, V::conv}})
    for (int64_t k : {3, 2})
      for (int64_t g : {2, 4, 8})
        groups_effect[std::string(to_string(grouped)) + "_k" + std::to_string(k) + "_g" + std::to_string(g)] = summary(ratios(idx, grouped, k, g, dense, k, 1, t));
  return groups_effect;
}

// FasterNet Table 1 on this machine.
Json fasternet_table1(const Profile& profile) {
  Json table = Json::array();
  for (const ProfileRecord& f : profile[ProfileSection::fasternet])
    table.push_back({{"op", f.op}, {"channels", f.channels}, {"resolution", f.resolution}, {"threads", f.threads},
                     {"macs", f.macs}, {"latency_ms", f.median_us() / 1e3}, {"macps", f.macps}});
  return table;
}

// Claim 6 from the zoo section: B1 as released vs its transposed-conv ablation.
Json claim_transposed_attention(const Profile& profile, const Json& threads) {
  Json b1 = nullptr, b1t = nullptr;
  for (const ProfileRecord& z : profile[ProfileSection::zoo]) {
    if (threads != z.threads) continue;
    if (z.model == "b1") b1 = z.median_us();
    if (z.model == "b1-transposed") b1t = z.median_us();
  }
  Json c6 = {{"claim", 6}, {"threads", threads},
             {"text", "nearest upsampling instead of a transposed conv in the attention: B1 33.5 vs 39.7 ms (RPi 5)"},
             {"claimed", "transposed variant 18.5% slower (39.7 / 33.5)"}};
  if (b1.is_number() && b1t.is_number()) {
    c6["measured_b1_ms"] = b1.get<double>() / 1e3;
    c6["measured_b1_transposed_ms"] = b1t.get<double>() / 1e3;
    c6["measured_slowdown_pct"] = 100 * (b1t.get<double>() / b1.get<double>() - 1);
  } else {
    c6["measured"] = nullptr;
    c6["why_missing"] = "the profile has no zoo measurement of b1 and b1-transposed at this thread count";
  }
  return c6;
}

// Claims 1-6 at one thread count, from that count's derived rules `r`; "measured" is null where the
// profile lacks data.
void push_claims(const Json& r, const Profile& profile, Json& claims) {
  const auto& g = r["groups_over_dense"];
  const auto& k = r["kernel2_over_kernel3"];
  auto pct = [](const Json& ratio) { return ratio.is_number() ? Json(100 * (ratio.get<double>() - 1)) : Json(nullptr); };
  claims.push_back({{"claim", 1}, {"threads", r["threads"]},
                    {"text", "GrFuMBConv (g2, k3): 45% fewer MACs than FuMBConv at essentially the same MACpS"},
                    {"claimed", "MACs x0.55, MACpS change ~0%"},
                    {"measured_macs_ratio", g["grfumbconv_k3_g2"]["macs_ratio_median"]},
                    {"measured_macps_change_pct", pct(g["grfumbconv_k3_g2"]["macps_ratio_median"])}});
  claims.push_back({{"claim", 2}, {"threads", r["threads"]},
                    {"text", "GrMBConv (g2): ~24% fewer MACs than MBConv at ~5% lower MACpS"},
                    {"claimed", "MACs x0.71-0.78, MACpS change ~-5%"},
                    {"measured_macs_ratio", g["grmbconv_k3_g2"]["macs_ratio_median"]},
                    {"measured_macps_change_pct", pct(g["grmbconv_k3_g2"]["macps_ratio_median"])}});
  claims.push_back({{"claim", 3}, {"threads", r["threads"]},
                    {"text", "fused ~70% higher MACpS below 256 channels; unfused ~27% higher MACpS at 256 and above"},
                    {"claimed", "crossover at C = 256"},
                    {"measured_crossover", r["fused_vs_unfused"]["crossover"]}});
  claims.push_back({{"claim", 4}, {"threads", r["threads"]},
                    {"text", "2x2 kernels raise MACpS by ~42% (DWConv), ~5% (FuMBConv), ~12% (GrFuMBConv) on ARM"},
                    {"claimed", "+42% / +5% / +12%"},
                    {"measured_macps_change_pct",
                     {{"dwconv", pct(k["dwconv"]["macps_ratio_median"])},
                      {"fumbconv", pct(k["fumbconv"]["macps_ratio_median"])},
                      {"grfumbconv", pct(k["grfumbconv"]["macps_ratio_median"])}}}});
  claims.push_back({{"claim", 5}, {"threads", r["threads"]},
                    {"text", "groups 4 and 8 bring little latency gain over groups 2 (accuracy cost not measurable here)"},
                    {"claimed", "little latency gain"},
                    {"measured_latency_ratio_vs_g1",
                     {{"g2", g["grfumbconv_k3_g2"]["latency_ratio_median"]},
                      {"g4", g["grfumbconv_k3_g4"]["latency_ratio_median"]},
                      {"g8", g["grfumbconv_k3_g8"]["latency_ratio_median"]}}}});
  claims.push_back(claim_transposed_attention(profile, r["threads"]));
}

}  // namespace

Json derive_rules(const Profile& profile) {
  const auto idx = index_configs(profile);
  std::set<int64_t> threads;
  for (const auto& [k, p] : idx) threads.insert(std::get<6>(k));
  Json out;
  out["schema"] = "cpubone-explore/design-rules/v1";
  out["environment"] = profile.environment;
  out["complete"] = profile.complete;
  out["per_threads"] = Json::array();
  for (int64_t t : threads) {
    Json r;
    r["threads"] = t;
    r["fused_vs_unfused"] = fused_vs_unfused(idx, t);
    r["kernel2_over_kernel3"] = kernel2_over_kernel3(idx, t);
    r["groups_over_dense"] = groups_over_dense(idx, t);
    out["per_threads"].push_back(std::move(r));
  }
  out["fasternet_table1"] = fasternet_table1(profile);
  // Claims side by side (shared/notes/cpubone_claims.md).
  Json claims = Json::array();
  for (const auto& r : out["per_threads"]) push_claims(r, profile, claims);
  out["claims"] = claims;
  return out;
}

namespace {

// A claim's measured figures as text: names without "measured_", percentages ("_pct", and what they hold) to one decimal,
// other numbers to three significant digits, nested objects in parentheses, list items after "; ".
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

std::string format_rules(const Json& rules) {
  std::ostringstream s;
  auto f = [](const Json& x, int digits = 3) {
    if (!x.is_number()) return std::string("n/a");
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(digits);
    o << x.get<double>();
    return o.str();
  };
  if (!rules.value("complete", false)) s << "NOTE: the profile is incomplete; rules use what was measured.\n";
  for (const auto& r : rules["per_threads"]) {
    s << "\n== " << r["threads"] << " thread(s) ==\n";
    s << "Fused (GrFuMBConv k2 g2) vs unfused (GrMBConv k2 g2), by resolution:\n";
    s << "  res   C     fused/unfused MACpS   fused/unfused latency\n";
    for (const auto& p : r["fused_vs_unfused"]["points"])
      s << "  " << p["resolution"] << "\t" << p["channels"] << "\t" << f(p["fused_over_unfused_macps"]) << "\t\t"
        << f(p["fused_over_unfused_latency"]) << "\n";
    for (const auto& c : r["fused_vs_unfused"]["crossover"])
      s << "  crossover at " << c["resolution"] << "x" << c["resolution"] << ": MACpS from C = "
        << (c["macps_crossover_channels"].is_null() ? "none" : c["macps_crossover_channels"].dump())
        << ", latency from C = " << (c["latency_crossover_channels"].is_null() ? "none" : c["latency_crossover_channels"].dump())
        << " (paper: 256)\n";
    s << "Kernel 2 over kernel 3 (median ratio over the grid, stride 1): variant  MACpS  latency  MACs\n";
    for (const auto& [v, x] : r["kernel2_over_kernel3"].items())
      s << "  " << v << "\t" << f(x["macps_ratio_median"]) << "\t" << f(x["latency_ratio_median"]) << "\t"
        << f(x["macs_ratio_median"]) << "  (" << x["points"] << " points)\n";
    s << "Groups over groups 1: variant  MACpS  latency  MACs\n";
    for (const auto& [v, x] : r["groups_over_dense"].items())
      s << "  " << v << "\t" << f(x["macps_ratio_median"]) << "\t" << f(x["latency_ratio_median"]) << "\t"
        << f(x["macs_ratio_median"]) << "  (" << x["points"] << " points)\n";
  }
  s << "\nClaims (shared/notes/cpubone_claims.md) vs this machine:\n";
  for (const auto& c : rules["claims"]) {
    s << "  [" << c["claim"] << "] t=" << c["threads"] << " " << c["text"].get<std::string>() << "\n      claimed: "
      << c["claimed"].get<std::string>() << "; measured: ";
    Json m = c;
    for (const char* k : {"claim", "threads", "text", "claimed"}) m.erase(k);
    s << readable(m) << "\n";
  }
  s << "\nFasterNet Table 1 on this machine (10 layers, 3x3):\n  op        map           MMACs    latency_ms   GMACpS   threads\n";
  for (const auto& row : rules["fasternet_table1"])
    s << "  " << row["op"].get<std::string>() << "\t" << row["channels"] << "x" << row["resolution"] << "x"
      << row["resolution"] << "\t" << row["macs"].get<int64_t>() / 1000000 << "\t" << f(row["latency_ms"]) << "\t"
      << f(Json(row["macps"].get<double>() / 1e9), 2) << "\t" << row["threads"] << "\n";
  return s.str();
}

}  // namespace cpx::profiler
