#include "explorer/advise.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "profiler/executor/isa.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "predictor/gain_interval.hpp"
#include "predictor/statistics.hpp"

namespace cpx::explorer {

int64_t vector_floats(const predictor::Predictor& p) {
  if (p.calibrated && !p.calibrated->hardware.cores.empty() && p.calibrated->hardware.cores[0].fp32_lanes > 0)
    return p.calibrated->hardware.cores[0].fp32_lanes;
  const std::optional<profiler::Isa> isa = profiler::isa_from_name(p.provenance.isa);
  return isa ? profiler::isa_row(*isa).vector_floats : 4;  // a name outside the table: 128-bit registers
}

namespace {

// A network as the device predicts it: the whole, and each op's share (network scale applied).
struct Scored {
  double latency_us = 0, ops_us = 0;  // ops_us: Σ op_us, the whole without the per-network overhead
  int64_t macs = 0, params = 0;
  std::vector<double> op_us;
  predictor::NetworkPrediction prediction;
};

Scored score(const Network& net, const predictor::Predictor& p, int64_t threads) {
  Scored s;
  s.prediction = predictor::predict(p, net, threads);
  s.latency_us = s.prediction.latency_us;
  s.ops_us = s.prediction.latency_us - s.prediction.overhead_us;
  double sum = 0;
  for (const auto& o : s.prediction.ops) sum += o.latency_us;
  const double k = sum > 0 ? s.ops_us / sum : 0;
  for (const auto& o : s.prediction.ops) s.op_us.push_back(o.latency_us * k);
  const NetworkCount c = count(net);
  s.macs = c.total.macs;
  s.params = c.total.params;
  return s;
}

// A combination of one block's rewrites (disjoint ops), as applied to the whole network.
struct BlockVariant {
  uint32_t mask = 0;  // bits into BlockRewrites::rewrites
  double latency_us = 0, block_us = 0;
  int64_t macs = 0, params = 0, block_macs = 0;
  predictor::ChangedTime changed;  // against the original, for the gain's interval
};

bool disjoint(const std::vector<Rewrite>& rs, uint32_t mask) {
  std::set<std::string> seen;
  for (size_t i = 0; i < rs.size(); ++i)
    if (mask & (1u << i))
      for (const std::string& op : rs[i].ops)
        if (!seen.insert(op).second) return false;
  return true;
}

std::vector<Rewrite> chosen(const std::vector<Rewrite>& rs, uint32_t mask) {
  std::vector<Rewrite> out;
  for (size_t i = 0; i < rs.size(); ++i)
    if (mask & (1u << i)) out.push_back(rs[i]);
  return out;
}

// The evidence read where the host model of this advice runs: at its threads, a calibrated device's at its
// host threads.
const predictor::GainEvidence& evidence_for(const Advice& a, const predictor::Predictor& p) {
  return predictor::shipped_gain_evidence(predictor::host_model_threads(p, a.threads));
}

// Gain of a change from a network of before_total_us to one of total_us; its interval from what the change
// does to the predicted time (predictor/gain_interval.hpp: per op class and per op, from held-out evidence,
// in time, then as a gain, both bounds below 1). The measured gain's own noise is not in it.
Gain gain_of(const predictor::ChangedTime& changed, double total_us, double before_total_us,
             const predictor::Predictor& p, const predictor::GainEvidence& evidence) {
  Gain g;
  g.point = 1 - total_us / before_total_us;
  const predictor::GainSpread spread = predictor::gain_spread(changed, evidence, p, before_total_us);
  const auto [low, high] = predictor::gain_bounds(before_total_us, total_us, spread, predictor::interval_level);
  g.low = low;
  g.high = high;
  g.spread = Gain::Spread{spread.class_us, spread.op_us, spread.device_us, spread.floor_us};
  return g;
}

// The local search: one gene per block with rewrites, its options that block's variants (0 = unchanged).
class RewriteProblem : public Problem {
 public:
  RewriteProblem(const Network& net, const predictor::Predictor& p, int64_t threads,
                 const std::vector<BlockRewrites>& sites, const std::vector<std::vector<BlockVariant>>& variants,
                 Constraints budget)
      : net_(net), p_(p), threads_(threads), sites_(sites), variants_(variants), budget_(budget) {}
  size_t genes() const override { return sites_.size(); }
  size_t options(size_t gene) const override { return variants_[gene].size(); }
  int64_t evaluations() const override { return evaluations_; }
  int64_t lookups() const override { return lookups_; }
  std::vector<Rewrite> rewrites(const Genome& g) const {
    std::vector<Rewrite> out;
    for (size_t i = 0; i < g.size(); ++i)
      for (Rewrite& r : chosen(sites_[i].rewrites, variants_[i][g[i]].mask)) out.push_back(std::move(r));
    return out;
  }
  const Candidate& evaluate(const Genome& g) override {
    ++lookups_;
    const std::string key(g.begin(), g.end());
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    ++evaluations_;
    Candidate c;
    c.genome = g;
    const std::vector<Rewrite> rs = rewrites(g);
    try {
      const Scored s = score(apply_rewrites(net_, rs), p_, threads_);
      c.valid = true;
      c.latency_us = s.latency_us;
      c.macs = static_cast<double>(s.macs);
      c.params = static_cast<double>(s.params);
      c.objective = c.macs;
      auto excess = [](std::optional<double> limit, double v, bool upper) {
        if (!limit) return 0.0;
        return upper ? std::max(0.0, v / *limit - 1) : std::max(0.0, 1 - v / *limit);
      };
      c.violation = excess(budget_.max_params, c.params, true) + excess(budget_.min_params, c.params, false) +
                    excess(budget_.max_macs, c.macs, true) + excess(budget_.min_macs, c.macs, false);
    } catch (const InputError& e) {
      c.invalid_reason = e.what();  // blocks' rewrites combine by construction; kept for a message if not
    }
    return cache_.emplace(key, std::move(c)).first->second;
  }

 private:
  const Network& net_;
  const predictor::Predictor& p_;
  int64_t threads_;
  const std::vector<BlockRewrites>& sites_;
  const std::vector<std::vector<BlockVariant>>& variants_;
  Constraints budget_;
  std::unordered_map<std::string, Candidate> cache_;
  int64_t evaluations_ = 0, lookups_ = 0;
};

// The local search's budget: the user's, else params within +-10% of the original's.
Constraints budget_of(const AdviceOptions& o, int64_t params) {
  Constraints c;
  if (o.max_params || o.max_macs) {
    c.max_params = o.max_params;
    c.max_macs = o.max_macs;
  } else {
    c.min_params = 0.9 * static_cast<double>(params);
    c.max_params = 1.1 * static_cast<double>(params);
  }
  return c;
}

// The local search over combinations of the blocks' variants within a.budget; its front, fastest first,
// without the original and without variants that are not faster than it.
void search_front(Advice& a, const Network& net, const predictor::Predictor& p, const AdviceOptions& o,
                  const std::vector<BlockRewrites>& sites, const std::vector<std::vector<BlockVariant>>& variants,
                  double base_us, const std::function<std::vector<std::string>(size_t, uint32_t)>& ids_of,
                  const predictor::GainEvidence& evidence) {
  RewriteProblem problem(net, p, a.threads, sites, variants, a.budget);
  SearchOptions so;
  so.seed = o.seed;
  so.evaluations = o.evaluations;
  so.population = 32;
  so.seeds.push_back(Genome(sites.size(), 0));
  a.search = nsga2(problem, so);
  for (const Candidate& c : a.search.front) {
    AdviceVariant v;
    for (size_t s = 0; s < c.genome.size(); ++s)
      for (const std::string& id : ids_of(s, variants[s][c.genome[s]].mask)) v.suggestions.push_back(id);
    // The original itself, and variants that only buy MACs with time: not advice.
    if (v.suggestions.empty() || c.latency_us >= base_us) continue;
    v.latency_us = c.latency_us;
    v.macs = static_cast<int64_t>(c.macs);
    v.params = static_cast<int64_t>(c.params);
    predictor::ChangedTime changed;  // blocks' changes add; their ops err independently of other blocks'
    for (size_t s = 0; s < c.genome.size(); ++s)
      if (c.genome[s] != 0) changed += variants[s][c.genome[s]].changed;
    v.gain = gain_of(changed, c.latency_us, base_us, p, evidence);
    v.id = "v" + std::to_string(a.local_search.front.size() + 1);
    a.local_search.front.push_back(std::move(v));
  }
}

double macps_of(int64_t macs, double us) { return us > 0 ? static_cast<double>(macs) / (us * 1e-6) : 0; }

// One rewrite alone, as the document states it: the block it is in, the whole network before and after it.
AdviceSuggestion suggestion_of(const Rewrite& r, const AdviceBlock& block, const Network& net, const Scored& before,
                               const Scored& after, const Gain& gain) {
  const RewriteKindInfo& k = info(r.kind);
  AdviceSuggestion s;
  s.rewrite = r;
  s.what = k.what;
  s.block = block.name;
  s.block_kind = block.kind;
  s.latency_us = after.latency_us;
  s.gain = gain;
  s.macs_before = before.macs;
  s.macs_after = after.macs;
  s.params_before = before.params;
  s.params_after = after.params;
  s.keeps_function = keeps_function(r, net);
  s.weights = !s.keeps_function                       ? "needs training (unchanged ops keep their weights)"
              : r.kind == RewriteKind::reparameterize ? "summed from the branches' weights: the function is unchanged"
                                                      : "carried over (zero-padded): the function is unchanged";
  s.accuracy_evidence = k.evidence;
  if (std::string note = receptive_field_note(r, net); !note.empty()) s.receptive_field = std::move(note);
  return s;
}

// The document's per-op rows (each op's block, time and MACpS), the ops in no block, and their share.
void document_rows(Advice& a, const NetworkCount& counts) {
  const Network& net = a.net;
  std::vector<std::string> block_of(net.ops.size());
  for (size_t b = 0; b < a.blocks.size(); ++b)
    for (size_t k : a.recognition.blocks[b].ops) block_of[k] = a.blocks[b].name;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    AdviceLayer l{op_row(net, i, counts.layers[i]), std::nullopt, macps_of(counts.layers[i].cost.macs, a.op_us[i])};
    l.row.predicted_us = a.op_us[i];
    if (a.prediction.ops[i].fused_into) l.row.fused_into = net.ops[*a.prediction.ops[i].fused_into].name;
    if (!block_of[i].empty()) l.block = block_of[i];
    a.layers.push_back(std::move(l));
  }
  double unrecognised_us = 0;
  for (size_t i : a.recognition.unrecognised) {
    a.unrecognised.push_back({net.ops[i].name, std::string(net.ops[i].kind()), a.op_us[i], counts.layers[i].cost.macs});
    unrecognised_us += a.op_us[i];
  }
  a.unrecognised_summary = {a.recognition.unrecognised.size(), unrecognised_us,
                            a.latency_us > 0 ? unrecognised_us / a.latency_us : 0.0};
}

// What the advice cannot vouch for, said in its warnings (and so in its text).
void add_warnings(Advice& a, const predictor::Predictor& p) {
  if (a.recognition.blocks.empty())
    a.warnings.push_back("no block of a known kind was recognised: only per-layer figures, no rewrites");
  // The evidence's times were measured at some thread counts; at another, how far an op errs relative to its
  // network may differ (docs/log/advise.md). A calibrated device's host model runs at its host threads, its
  // own threads in its calibration: its gains were never measured at those.
  if (const int64_t read_at = evidence_for(a, p).threads; a.threads != read_at)
    a.warnings.push_back("the gains' intervals rest on per-op errors read at " + std::to_string(read_at) +
                         (read_at == 1 ? " thread" : " threads") + "; at " + std::to_string(a.threads) +
                         " threads they are unchecked (docs/advise.md)");
  if (!a.prediction.interval_us)
    a.warnings.push_back(
        p.device +
        " has no interval: its time is a point estimate (the gains' intervals rest on held-out evidence of their own)");
}

}  // namespace

Advice advise(const Network& net, const predictor::Predictor& p, const AdviceOptions& o) {
  Advice a;
  a.net = net;
  a.model = net.name;
  a.family = net.family;
  a.input_nhwc = net.input;
  a.device = p.device;
  a.runtime = p.runtime;
  a.threads = predictor::prediction_threads(p, o.threads);
  a.vector_channels = o.vector_channels > 0 ? o.vector_channels : vector_floats(p);
  const Scored base = score(net, p, a.threads);
  a.prediction = base.prediction;
  a.latency_us = base.prediction.latency_us;
  a.interval_us = base.prediction.interval_us;
  a.interval = base.prediction.interval ? predictor::interval_to_json(base.prediction) : Json(nullptr);
  a.macs = base.macs;
  a.params = base.params;
  a.op_us = base.op_us;
  a.recognition = recognise_blocks(net);
  const std::vector<BlockRewrites> sites = candidate_rewrites(net, a.recognition, a.vector_channels);
  const predictor::GainEvidence& evidence = evidence_for(a, p);

  const NetworkCount counts = count(net);
  for (const RecognisedBlock& b : a.recognition.blocks) {
    AdviceBlock ba;
    ba.name = b.name;
    ba.kind = b.kind;
    ba.residual = b.residual;
    for (size_t k : b.ops) {
      ba.ops.push_back(net.ops[k].name);
      ba.latency_us += base.op_us[k];
      ba.macs += counts.layers[k].cost.macs;
    }
    ba.macps = macps_of(ba.macs, ba.latency_us);
    ba.best_macps = ba.macps;
    ba.fastest_us = ba.latency_us;
    a.blocks.push_back(std::move(ba));
  }

  // Every block's variants, each the whole network predicted: block time = whole - the rest (unchanged).
  std::vector<std::vector<BlockVariant>> variants(sites.size());
  std::vector<std::pair<size_t, size_t>> singles;  // (site, rewrite) of each suggestion
  for (size_t s = 0; s < sites.size(); ++s) {
    const auto& rs = sites[s].rewrites;
    AdviceBlock& ba = a.blocks[sites[s].block];
    variants[s].push_back({0, base.latency_us, ba.latency_us, base.macs, base.params, ba.macs, {}});
    for (uint32_t mask = 1; mask < (1u << std::min<size_t>(rs.size(), 10)); ++mask) {
      if (!disjoint(rs, mask)) continue;
      const Network changed = apply_rewrites(net, chosen(rs, mask));
      const Scored v = score(changed, p, a.threads);
      BlockVariant bv{
          mask,
          v.latency_us,
          v.ops_us - (base.ops_us - ba.latency_us),
          v.macs,
          v.params,
          v.macs - (base.macs - ba.macs),
          predictor::changed_time({net, base.prediction, base.op_us}, {changed, v.prediction, v.op_us}, evidence)};
      variants[s].push_back(bv);
      if (std::popcount(mask) == 1) {
        const size_t r = static_cast<size_t>(std::countr_zero(mask));
        a.suggestions.push_back(
            suggestion_of(rs[r], ba, net, base, v, gain_of(bv.changed, v.latency_us, base.latency_us, p, evidence)));
        singles.push_back({s, r});
      }
    }
  }
  // Ids by gain, largest first; blocks list theirs.
  std::vector<size_t> order(a.suggestions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return a.suggestions[x].gain.point > a.suggestions[y].gain.point; });
  std::map<std::pair<size_t, size_t>, std::string> id_of;
  std::vector<AdviceSuggestion> sorted;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    AdviceSuggestion sg = a.suggestions[order[rank]];
    sg.id = "s" + std::to_string(rank + 1);
    id_of[singles[order[rank]]] = sg.id;
    a.blocks[sites[singles[order[rank]].first].block].suggestions.push_back(sg.id);
    sorted.push_back(std::move(sg));
  }
  a.suggestions = std::move(sorted);
  auto ids_of = [&](size_t s, uint32_t mask) {
    std::vector<std::string> ids;
    for (size_t r = 0; r < sites[s].rewrites.size(); ++r)
      if (mask & (1u << r)) ids.push_back(id_of.at({s, r}));
    return ids;
  };
  for (size_t s = 0; s < sites.size(); ++s) {
    AdviceBlock& ba = a.blocks[sites[s].block];
    for (const BlockVariant& v : variants[s]) {
      ba.fastest_us = std::min(ba.fastest_us, v.block_us);
      const double macps = v.block_us > 0 ? static_cast<double>(v.block_macs) / (v.block_us * 1e-6) : 0;
      if (macps > ba.best_macps) {
        ba.best_macps = macps;
        ba.best_variant = ids_of(s, v.mask);
      }
    }
    if (ba.best_macps > 0)
      ba.lost_us = std::max(0.0, ba.latency_us - static_cast<double>(ba.macs) / ba.best_macps * 1e6);
  }

  a.budget = budget_of(o, base.params);
  a.local_search.budget = {a.budget.min_params, a.budget.max_params, a.budget.max_macs};
  if (!sites.empty()) search_front(a, net, p, o, sites, variants, base.latency_us, ids_of, evidence);
  a.local_search.evaluations = a.search.evaluations;
  a.local_search.generations = a.search.generations;
  add_warnings(a, p);
  document_rows(a, counts);
  return a;
}

void note_skipped(Advice& a, std::vector<std::string> skipped, std::string_view (*spell)(Field)) {
  if (skipped.empty()) return;
  a.warnings.push_back(profiler::skipped_note(skipped).spelled(spell) + " (the prediction is low by their time)");
  a.skipped_onnx_nodes = std::move(skipped);
}

std::vector<Rewrite> rewrites_of(const Advice& a, const std::string& ids) {
  std::vector<Rewrite> out;
  std::stringstream ss(ids);
  std::string id;
  auto add_suggestion = [&](const std::string& s) {
    for (const AdviceSuggestion& sg : a.suggestions)
      if (sg.id == s) return out.push_back(sg.rewrite), true;
    return false;
  };
  while (std::getline(ss, id, ',')) {
    bool found = add_suggestion(id);
    for (const AdviceVariant& v : a.local_search.front)
      if (v.id == id) {
        for (const std::string& s : v.suggestions) add_suggestion(s);
        found = true;
      }
    if (!found)
      throw FieldError(Field::apply, "\"" + ids + "\"",
                       "no suggestion or variant \"" + id + "\" (suggestions s1..s" +
                           std::to_string(a.suggestions.size()) + ", variants v1..v" +
                           std::to_string(a.local_search.front.size()) + ")");
  }
  return out;
}

}  // namespace cpx::explorer
