#include "explorer/rules.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "profiler/measure/sweep.hpp"
#include "profiler/profile/block_variant.hpp"
#include "space/count.hpp"

namespace cpx::explorer {

profiler::Profile predicted_profile(const predictor::Predictor& p, int64_t threads) {
  profiler::Profile out;
  out.device = p.device;
  out.complete = true;
  for (const profiler::SweepConfig& c : profiler::sweep_grid(false, {threads})) {
    const Network net = c.network();
    profiler::ProfileRecord r;
    r.timing.stats_us.median = predictor::predict(p, net, threads).latency_us;
    r.macs = count(net).total.macs;
    r.macps = static_cast<double>(r.macs) / (r.median_us() * 1e-6);
    r.variant = c.variant, r.kernel = c.kernel, r.groups = c.groups, r.channels = c.channels,
    r.resolution = c.resolution;
    r.stride = c.stride, r.threads = c.threads;
    out[profiler::ProfileSection::configs].push_back(std::move(r));
  }
  return out;
}

namespace {

// Blocks of a proposal that carry a kernel or groups choice: (kind, kernel, groups), kind = fused/unfused.
struct Used {
  bool fused;  // a fused local block (FuMBConv), else an unfused one (MBConv)
  int64_t kernel, groups;
};
std::vector<Used> used_blocks(const Macro& m) {
  std::vector<Used> out;
  for (size_t i = 0; i < m.stages.size(); ++i) {
    const Stage& s = m.stages[i];
    if (s.depth == 0 || !s.block) continue;
    if (const auto* f = std::get_if<FuMBConv>(&*s.block)) out.push_back({true, f->kernel, f->groups});
    if (const auto* b = std::get_if<MBConv>(&*s.block)) out.push_back({false, b->kernel, b->groups});
    if (const auto* c = std::get_if<CPUBoneBlock>(&*s.block))
      out.push_back({s.width < c->fused_threshold, c->local_kernel, c->local_groups});
  }
  return out;
}

// A median ratio of the derived rules as a percent change; null where there is none.
Json ratio_pct(double ratio) { return std::isfinite(ratio) ? Json(100 * (ratio - 1)) : Json(nullptr); }

std::string fmt(double v, int digits = 0, bool sign = true) {
  char buf[64];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", digits, v);
  return buf;
}

std::string side_text(int64_t side) { return std::to_string(side) + "x" + std::to_string(side); }

results::BlockAtWidth block_at(const BlockAt& b) { return {b.variant, b.macps, b.latency_us}; }

// The MACpS side of the comparison, so that the highest-MACpS fused variant is not read as the faster one.
std::string macps_text(const FusedVsUnfused& f) {
  size_t fused_higher = 0;
  for (const FusedVsUnfusedWidth& w : f.widths) fused_higher += w.best_fused.macps > w.best_unfused.macps;
  if (fused_higher == 0) return "; unfused variants reach the higher MACpS at every width";
  const std::string where = fused_higher == f.widths.size() ? "at every width"
                                                            : "at " + std::to_string(fused_higher) + " of " +
                                                                  std::to_string(f.widths.size()) + " widths";
  return "; fused variants reach the higher MACpS " + where + ", but do more MACs";
}

}  // namespace

std::optional<LocalBlock> local_block(const profiler::ProfileRecord& config, int64_t threads) {
  if (config.threads != threads || config.stride != 1) return std::nullopt;
  const profiler::BlockVariantRow& v = profiler::row_of(config.variant);
  if (v.block != MacroBlock::fumbconv && v.block != MacroBlock::mbconv) return std::nullopt;
  if (v.grouped && config.groups != 2) return std::nullopt;
  return LocalBlock{*v.block, v.grouped, config.kernel,
                    std::string(display_name(*v.block, v.grouped)) + " k" + std::to_string(config.kernel)};
}

FusedVsUnfused fused_vs_unfused(const profiler::Profile& profile, int64_t threads) {
  FusedVsUnfused f;
  std::map<int64_t, FusedVsUnfusedWidth> at;  // by channels
  for (const profiler::ProfileRecord& cfg : profile[profiler::ProfileSection::configs]) {
    const std::optional<LocalBlock> b = local_block(cfg, threads);
    if (!b || cfg.resolution != f.resolution) continue;
    const BlockAt here{b->name, cfg.macps, cfg.median_us()};
    FusedVsUnfusedWidth& w = at[cfg.channels];
    const bool fused = b->kind == MacroBlock::fumbconv;
    if (BlockAt& best = fused ? w.best_fused : w.best_unfused; here.macps > best.macps) best = here;
    if (b->grouped && b->kernel == 2) (fused ? w.fused : w.unfused) = here;
  }
  for (auto& [channels, w] : at)
    if (w.fused.latency_us > 0 && w.unfused.latency_us > 0) w.channels = channels, f.widths.push_back(w);
  for (size_t i = f.widths.size(); i-- > 0 && f.widths[i].unfused.latency_us < f.widths[i].fused.latency_us;)
    f.crossover_channels = f.widths[i].channels;
  return f;
}

std::string FusedVsUnfused::statement() const {
  if (widths.empty()) return "no fused/unfused pair at " + side_text(resolution);
  const std::string range =
      std::to_string(widths.front().channels) + " to " + std::to_string(widths.back().channels) + " channels";
  const std::string pair = " (" + widths.front().fused.variant + " g2 vs " + widths.front().unfused.variant +
                           " g2, latency, " + side_text(resolution) + macps_text(*this) + ")";
  if (!crossover_channels) return "fused local blocks are faster at every width from " + range + pair;
  if (*crossover_channels == widths.front().channels)
    return "unfused local blocks are faster at every width from " + range + pair;
  return "fused local blocks below " + std::to_string(*crossover_channels) + " channels, unfused from there on" + pair;
}

results::FusedVsUnfused to_results(const FusedVsUnfused& f) {
  results::FusedVsUnfused out{f.resolution, f.crossover_channels, f.statement(), {}};
  for (const FusedVsUnfusedWidth& w : f.widths)
    out.widths.push_back(
        {w.channels, block_at(w.fused), block_at(w.unfused), block_at(w.best_fused), block_at(w.best_unfused)});
  return out;
}

std::vector<results::DesignRule> state_rules(const profiler::DesignRules& derived, const FusedVsUnfused& fused,
                                             int64_t threads, results::RuleSource source,
                                             const std::vector<Macro>& proposals) {
  const profiler::ThreadRules* r = nullptr;
  for (const profiler::ThreadRules& x : derived.per_threads)
    if (x.threads == threads) r = &x;
  std::vector<results::DesignRule> rules;
  if (!r) return rules;
  auto follow = [&](const std::function<bool(const Macro&)>& ok) -> std::optional<std::string> {
    if (proposals.empty()) return std::nullopt;
    int64_t n = 0;
    for (const Macro& m : proposals) n += ok(m);
    return std::to_string(n) + " of " + std::to_string(proposals.size()) + " proposals";
  };

  // Fused vs unfused local blocks, at the stage-3 resolution of a 224 input (14x14).
  if (!fused.widths.empty()) {
    const bool never = !fused.crossover_channels;
    const double n = never ? INFINITY : static_cast<double>(*fused.crossover_channels);
    rules.push_back({"fused_crossover", fused.statement(), never ? Json(nullptr) : Json(*fused.crossover_channels),
                     "channels", source, "claim 3: fused below 256 channels",
                     !never && std::abs(std::log2(n / 256)) <= 0.5, follow([&](const Macro& m) {
                       for (size_t i = 3; i < m.stages.size(); ++i) {
                         const auto& b = std::get<CPUBoneBlock>(*m.stages[i].block);
                         if ((static_cast<double>(m.stages[i].width) < n) != (m.stages[i].width < b.fused_threshold))
                           return false;
                       }
                       return true;
                     })});
  }
  // Kernel 2 vs 3.
  using V = profiler::BlockVariant;
  for (const auto& [v, claim, fused_variant] :
       std::vector<std::tuple<V, std::string, bool>>{{V::dwconv, "claim 4: +42% MACpS for DWConv", false},
                                                     {V::grfumbconv, "claim 4: +12% MACpS for GrFuMBConv", true}}) {
    const std::string variant(to_string(v));
    const profiler::RatioSummary* effect = r->kernel_effect(v);
    const Json macps = ratio_pct(effect ? effect->macps : NAN);
    const Json latency = ratio_pct(effect ? effect->latency : NAN);
    if (!macps.is_number()) continue;
    const bool k2 = macps.get<double>() > 0;
    rules.push_back({"kernel2_" + variant,
                     // The verb carries the sign: "lowers ... by 12%", not "by -12%".
                     "k=2 " + std::string(k2 ? "raises" : "lowers") + " MACpS of " + variant + " by " +
                         fmt(std::abs(macps.get<double>()), 0, false) + "% (latency " + fmt(latency.get<double>()) +
                         "%) vs k=3",
                     macps, "% MACpS change", source, claim, k2, follow([&](const Macro& m) {
                       for (const Used& u : used_blocks(m))
                         if (u.fused == fused_variant && (u.kernel == 2) != k2) return false;
                       return true;
                     })});
  }
  // Groups in the fused block.
  auto groups_ratio = [&](V variant, int64_t groups, double profiler::RatioSummary::*figure) {
    const profiler::RatioSummary* x = r->groups_effect(variant, 3, groups);
    return x && std::isfinite(x->*figure) ? Json(x->*figure) : Json(nullptr);  // null in the rules' JSON
  };
  constexpr double profiler::RatioSummary::*latency_median = &profiler::RatioSummary::latency;
  const Json g2 = groups_ratio(V::grfumbconv, 2, latency_median), g4 = groups_ratio(V::grfumbconv, 4, latency_median),
             g8 = groups_ratio(V::grfumbconv, 8, latency_median);
  if (g2.is_number() && g4.is_number() && g8.is_number()) {
    const double gain4 = 100 * (1 - g4.get<double>() / g2.get<double>()),
                 gain8 = 100 * (1 - g8.get<double>() / g2.get<double>());
    rules.push_back(
        {"groups_fused",
         "GrFuMBConv k3: groups 2 saves " + fmt(100 * (1 - g2.get<double>()), 0, false) +
             "% latency vs groups 1; groups 4 saves a further " + fmt(gain4, 0, false) + "%, groups 8 " +
             fmt(gain8, 0, false) + "% (at -0.3 / -0.7 pp top-1 in the paper)",
         Json{{"g2_vs_g1_pct", 100 * (g2.get<double>() - 1)}, {"g4_vs_g2_pct", -gain4}, {"g8_vs_g2_pct", -gain8}},
         "% latency change", source, "claim 5: groups 4 and 8 bring little latency gain over groups 2",
         gain4 < 10 && gain8 < 15, follow([&](const Macro& m) {
           for (const Used& u : used_blocks(m))
             if (u.fused && u.groups != 2) return false;
           return true;
         })});
  }
  // GrMBConv vs MBConv (claim 2): informational.
  const Json mb_ratio = groups_ratio(V::grmbconv, 2, &profiler::RatioSummary::macps);
  const Json mb = ratio_pct(mb_ratio.is_number() ? mb_ratio.get<double>() : NAN);
  if (mb.is_number())
    rules.push_back({"grmbconv_macps", "GrMBConv (g2) MACpS " + fmt(mb.get<double>()) + "% vs MBConv", mb,
                     "% MACpS change", source, "claim 2: ~5% lower MACpS",
                     mb.get<double>() < 0 && mb.get<double>() > -15, std::nullopt});
  return rules;
}

}  // namespace cpx::explorer
