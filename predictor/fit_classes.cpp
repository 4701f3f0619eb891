#include "predictor/fit_classes.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "profiler/profile/fusion.hpp"
#include "profiler/profile/profile_file.hpp"
#include "space/field_error.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor::fit_detail {

namespace {

std::string record_group(const std::string& section, const profiler::ProfileRecord& rec) {
  std::string id = rec.id;
  const size_t t = id.rfind("_t");
  if (t != std::string::npos && t + 2 < id.size() && id.find_first_not_of("0123456789", t + 2) == std::string::npos)
    id.resize(t);
  return section + "/" + id;
}

// One op row of a profile as a sample (op kind + attrs + shapes + measured median); nullopt for a view,
// which costs nothing to learn (profiler::runs_as_view).
std::optional<Sample> layer_sample(const profiler::MeasuredOp& layer, int64_t threads, const profiler::IgemmRule& igemm,
                                   const Where& where) {
  Json op = layer.attrs;
  op["op"] = layer.row.op;
  ObjectReader r(op, where / "attrs");
  const OpAttrs attrs = read_op_attrs(r);
  if (profiler::runs_as_view(attrs)) return std::nullopt;
  return Sample{op_features(attrs, layer.row.in_nhwc, layer.row.out_nhwc, threads, ActivationFusion::executor, igemm),
                layer.median_us(),
                false,
                {}};
}

// In a cold section (every run starts with evicted caches), whether an op counts as having read cold data.
// Only an op of a kind the profile times twice (warm_twins: the same shape reading the cold input and
// reading what an earlier op wrote) counts as warm when it read no network input, so that its class sees
// every warm shape next to the same shape cold and the isolated flag carries only that difference. Other
// weightless ops read warm data too (an attention's softmax), but with no cold twin: a concat counted warm
// without one mixed cold and warm shapes in data movement's class, whose largest shapes and ShuffleNetV2's
// shuffles were then predicted far worse. A depthwise conv counts as such a kind: its weights are a few
// numbers per channel, so warm input is all that warm means for it, and the grid times it both ways at
// the same shapes (its dwconv blocks read the input; its mbconv and grmbconv blocks run it on the expand
// conv's output). Counted cold, the isolated flag's shift in the efficiency's sigmoid made it faster
// inside a network than alone by more than `measure` against `measure --cold-caches` shows, and
// validate's depthwise convs were predicted too fast (docs/log/predictor.md, moved from code comments).
bool reads_cold_data(const profiler::MeasuredOp& layer, OpClass op_class, const std::set<std::string>& warm_twins) {
  const bool depthwise = op_class == OpClass::conv_depthwise || op_class == OpClass::conv_depthwise_generic;
  if (!(depthwise || warm_twins.count(layer.row.op))) return true;
  return std::any_of(layer.row.inputs.begin(), layer.row.inputs.end(),
                     [](const std::string& name) { return name == input_tensor; });
}

// Ridge regression on standardised features (the bias column is left unpenalised).
std::array<double, feature_count> ridge(const std::vector<const Sample*>& s, double lambda) {
  const Eigen::Index n = static_cast<Eigen::Index>(s.size());
  const Eigen::Index d = feature_count;
  Eigen::MatrixXd X(n, d);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto x = basis(s[static_cast<size_t>(i)]->f);
    for (Eigen::Index k = 0; k < d; ++k) X(i, k) = x[static_cast<size_t>(k)];
    y(i) = std::log(std::max(1e-3, s[static_cast<size_t>(i)]->latency_us));
  }
  Eigen::VectorXd mean = X.colwise().mean();
  Eigen::VectorXd scale =
      ((X.rowwise() - mean.transpose()).array().square().colwise().sum() / std::max(1.0, static_cast<double>(n)))
          .sqrt();
  mean(0) = 0;
  scale(0) = 1;
  for (Eigen::Index k = 1; k < d; ++k)
    if (scale(k) < 1e-12) scale(k) = 0;  // constant in this class: leave it out
  Eigen::MatrixXd Z(n, d);
  for (Eigen::Index k = 0; k < d; ++k) {
    if (scale(k) > 0) Z.col(k) = ((X.col(k).array() - mean(k)) / scale(k)).matrix();
    else Z.col(k).setZero();
  }
  Eigen::MatrixXd A = Z.transpose() * Z;
  for (Eigen::Index k = 1; k < d; ++k) A(k, k) += lambda * static_cast<double>(n) + (scale(k) > 0 ? 0 : 1);
  const Eigen::VectorXd beta = A.ldlt().solve(Z.transpose() * y);
  // Back to raw features: theta_k = beta_k / scale_k; bias absorbs the means.
  std::array<double, feature_count> theta{};
  theta[0] = beta(0);
  for (Eigen::Index k = 1; k < d; ++k) {
    if (scale(k) == 0) continue;
    theta[static_cast<size_t>(k)] = beta(k) / scale(k);
    theta[0] -= beta(k) * mean(k) / scale(k);
  }
  return theta;
}

}  // namespace

Gathered gather_samples(const profiler::Profile& profile, const Where& where, const FitOptions& options) {
  Gathered g;
  const profiler::IgemmRule igemm = profiler::igemm_rule_of(profile.environment, where / "environment");
  std::optional<profiler::SpeedAtTime> speed;
  if (profile.machine_speed && options.speed_correction == FitOptions::SpeedCorrection::local)
    speed.emplace(profile.machine_speed->samples);
  using profiler::ProfileSection;
  for (const ProfileSection kind :
       {ProfileSection::configs, ProfileSection::ops, ProfileSection::networks, ProfileSection::zoo}) {
    const std::string_view section = profiler::to_string(kind);
    const bool zoo_section = kind == ProfileSection::zoo;
    if (zoo_section && options.zoo_families == FitOptions::ZooFamilies::none) continue;
    const std::vector<profiler::ProfileRecord>& list = profile[kind];
    for (size_t i = 0; i < list.size(); ++i) {
      const profiler::ProfileRecord& rec = list[i];
      // A zoo record is fitted if its family is in the fitted half, and then held out by family in the
      // k folds (its samples' group), so that fit's own held-out figures are of unseen families too.
      const ZooEntry* model = zoo_section ? find_zoo(rec.model) : nullptr;
      if (zoo_section && !model)
        ((where / section)[i] / "model").fail(Json(rec.model), "not a zoo model of this build");
      if (zoo_section && !zoo_family_fitted(model->family)) continue;
      if (zoo_section) g.zoo_families.insert(model->family);
      // The reader requires op rows where fit always learns from them; a fitted family's zoo record needs them too.
      if (zoo_section && rec.layers.empty())
        ((where / section)[i] / "layers").fail("expected the op rows of a zoo network of a fitted family");
      const int64_t t = rec.threads;
      g.noise.add(std::string(section), rec.timing);
      const bool noisy = speed ? profiler::timing_noisy_in_itself(rec.timing) : rec.timing.noisy;
      const double at_median_speed = speed && rec.elapsed_s ? speed->factor(t, *rec.elapsed_s) : 1.0;
      Whole w{t,
              rec.median_us() * at_median_speed,
              {},
              noisy,
              kind == ProfileSection::networks || zoo_section,
              static_cast<double>(rec.bytes)};
      for (size_t k = 0; k < rec.layers.size(); ++k) {
        const Where at = ((where / section)[i] / "layers")[k];
        const profiler::MeasuredOp& layer = rec.layers[k];
        if (!layer.row.fused_into.empty()) continue;  // its time is inside the owner's row
        std::optional<Sample> sample = layer_sample(layer, t, igemm, at);
        if (!sample) continue;
        g.samples.push_back(std::move(*sample));
        if (!w.network && reads_cold_data(layer, g.samples.back().f.op_class, profile.warm_twins))
          g.samples.back().f.base[isolated_feature] = 1;
        g.samples.back().noisy = noisy;
        g.samples.back().latency_us *= at_median_speed;
        g.samples.back().group = zoo_section ? "zoo/" + model->family : record_group(std::string(section), rec);
        w.sample_index.push_back(g.samples.size() - 1);
      }
      g.wholes.push_back(std::move(w));
    }
  }
  return g;
}

void refuse_empty_or_noisy(const Gathered& g, const Where& where, const std::string& profile_path,
                           const FitOptions& options) {
  if (g.samples.empty()) where.fail("the profile has no block or operator measurements to fit from");
  if (options.allow_noisy) return;
  if (const auto* s = g.noise.mostly_noisy_section())
    throw AdvisedError(
        {profile_path + ": " + s->first + ": " + std::to_string(s->second.noisy) + " of " +
             std::to_string(s->second.measurements) + " measurements flagged noisy, more than " +
             std::to_string(static_cast<int>(100 * max_noisy_share_to_fit)) + "% of a section fit learns from (" +
             g.noise.summary() +
             "); the machine was busy while profiling: re-profile on a quiet machine (`cpubone-explore profile ",
         Field::quiet_machine_check, "`), or fit anyway with ", Field::allow_noisy});
}

std::optional<FitReport::SpeedChange> speed_change(const profiler::Profile& profile, const std::string& profile_path,
                                                   const FitOptions& options) {
  if (!profile.machine_speed) return std::nullopt;
  const double spread = profiler::speed_spread(profile.machine_speed->samples);
  if (spread > max_speed_spread_to_fit && !options.allow_noisy)
    throw AdvisedError(
        {profile_path + ": machine_speed: the speed reference's times spread by " +
             std::to_string(std::lround(100 * spread)) + "% (" + profiler::spread_of_meaning + "; limit " +
             std::to_string(std::lround(100 * max_speed_spread_to_fit)) +
             "%): the machine changed speed while profiling; re-profile on a quiet machine, or fit anyway with ",
         Field::allow_noisy});
  return FitReport::SpeedChange{spread, spread > profiler::max_speed_spread};
}

namespace {

bool used_in_class(const Sample& s, size_t c, bool use_noisy) {
  return static_cast<size_t>(s.f.op_class) == c && (use_noisy || !s.noisy);
}

// The samples class c learns from, each with its activation pass (as the fitted elementwise model
// predicts it) taken off.
std::vector<Sample> class_samples(const Predictor& p, const std::vector<Sample>& samples, size_t c, bool use_noisy) {
  std::vector<Sample> own;
  for (const auto& s : samples) {
    if (!used_in_class(s, c, use_noisy)) continue;
    own.push_back(s);
    const auto& elementwise = p.classes[static_cast<size_t>(OpClass::elementwise)];
    if (s.f.has_activation && elementwise) {
      // Floor at a quarter of the measurement: noise must not leave an op with nothing (log of <= 0).
      const double act_us = p.predict_class_us(OpClass::elementwise, s.f.activation);
      own.back().latency_us = std::max(0.25 * s.latency_us, s.latency_us - act_us);
    }
  }
  return own;
}

// Ridge regression, training range, then (optionally) residual trees; leaves the model in p.classes[c].
ClassModel fit_class_model(Predictor& p, size_t c, const std::vector<Sample>& own, const FitOptions& options,
                           const std::map<int64_t, Ceilings>* ceilings) {
  std::vector<const Sample*> mine;
  for (const auto& s : own) mine.push_back(&s);
  ClassModel m;
  if (ceilings) m.roofline_floor = *ceilings;  // before the trees: they learn what the bounded regression leaves
  m.theta = ridge(mine, options.ridge);
  m.lo = mine[0]->f.base;
  m.hi = mine[0]->f.base;
  for (const Sample* smp : mine)
    for (size_t k = 0; k < base_feature_count; ++k) {
      m.lo[k] = std::min(m.lo[k], smp->f.base[k]);
      m.hi[k] = std::max(m.hi[k], smp->f.base[k]);
    }
  m.samples = static_cast<int64_t>(mine.size());
  if (options.residual_trees) {
    p.classes[c] = m;  // the trees learn what the regression alone leaves
    std::vector<std::array<double, base_feature_count>> x;
    std::vector<double> r;
    for (const Sample* smp : mine) {
      x.push_back(smp->f.base);
      for (size_t k = 0; k < base_feature_count; ++k) x.back()[k] = std::clamp(x.back()[k], m.lo[k], m.hi[k]);
      r.push_back(std::log(std::max(1e-3, smp->latency_us)) -
                  std::log(p.predict_class_us(static_cast<OpClass>(c), smp->f.base)));
    }
    m.residual_trees = fit_boost(x, r, options.boost);
  }
  p.classes[c] = m;
  return m;
}

// The roofline model of class c from its samples; with trees, bounded residual trees on its log error.
ClassModel fit_roofline_class(size_t c, const std::vector<Sample>& own, const std::map<int64_t, Ceilings>& ceilings,
                              bool trees, const FitOptions& options) {
  std::vector<RooflineSample> rs;
  for (const auto& s : own) rs.push_back({s.f.base, s.latency_us});
  ClassModel m;
  m.roofline = fit_roofline(rs, ceilings, monotone_features(static_cast<OpClass>(c)), options.ridge);
  if (trees) {
    std::vector<std::array<double, base_feature_count>> x;
    std::vector<double> r;
    for (const auto& s : own) {
      x.push_back(s.f.base);
      r.push_back(std::log(std::max(1e-3, s.latency_us)) - std::log(m.roofline->predict_us(s.f.base)));
    }
    m.roofline->residual_trees = fit_boost(x, r, options.boost);
  }
  m.lo = own[0].f.base;
  m.hi = own[0].f.base;
  for (const auto& s : own)
    for (size_t k = 0; k < base_feature_count; ++k) {
      m.lo[k] = std::min(m.lo[k], s.f.base[k]);
      m.hi[k] = std::max(m.hi[k], s.f.base[k]);
    }
  m.samples = static_cast<int64_t>(own.size());
  return m;
}

// FNV-1a: a fold per group that does not depend on the standard library's hash.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

// Held-out MAPE of each kind on class c's samples: k folds by record group, and the records with the
// largest work (top 20% of samples) held out from a model trained on the rest; the choice is by
// options.selection (why kfold is the default: see FitOptions::Selection).
ClassHeldOut compare_held_out(const Predictor& p, size_t c, const std::vector<Sample>& own,
                              const std::map<int64_t, Ceilings>* ceilings, const std::string& no_ceilings,
                              const FitOptions& options) {
  ClassHeldOut h;
  std::map<std::string, double> group_work;  // largest log work of each group
  for (const auto& s : own) {
    auto [it, fresh] = group_work.emplace(s.group, s.f.base[0]);
    if (!fresh) it->second = std::max(it->second, s.f.base[0]);
  }
  if (!options.roofline) return h.note = "roofline model disabled", h;
  if (!ceilings) return h.note = no_ceilings, h;
  if (static_cast<int64_t>(own.size()) < min_samples_to_select ||
      group_work.size() < 2 * static_cast<size_t>(options.folds))
    return h.note = "too few samples or records for a held-out comparison (" + std::to_string(own.size()) +
                    " samples, " + std::to_string(group_work.size()) + " records)",
           h;
  h.kinds = {ModelKind::quadratic, ModelKind::roofline};
  if (options.residual_trees) h.kinds.push_back(ModelKind::roofline_trees);
  auto fit_kind = [&](ModelKind k, const std::vector<Sample>& train) {
    if (k != ModelKind::quadratic)
      return fit_roofline_class(c, train, *ceilings, k == ModelKind::roofline_trees, options);
    Predictor q = p;  // fit_class_model leaves its model in the predictor it is given
    return fit_class_model(q, c, train, options, ceilings);
  };
  // Sum of absolute percentage errors of each kind over a test set, training on the complement; with
  // `by_group`, also each kind's sum and count per record group.
  using GroupSums = std::map<std::string, std::vector<double>>;
  auto split = [&](const std::function<bool(const Sample&)>& held, std::vector<double>& ape, int64_t& n,
                   GroupSums* by_group) {
    std::vector<Sample> train, test;
    for (const auto& s : own) (held(s) ? test : train).push_back(s);
    if (train.size() < 3 || test.empty()) return;
    n += static_cast<int64_t>(test.size());
    for (size_t i = 0; i < h.kinds.size(); ++i) {
      const ClassModel m = fit_kind(h.kinds[i], train);
      for (const auto& s : test) {
        const double e = std::abs(class_model_us(m, s.f.base) - s.latency_us) / s.latency_us;
        ape[i] += e;
        if (by_group) {
          auto& g = (*by_group)[s.group];
          g.resize(h.kinds.size() + 1, 0.0);
          g[i] += e;
          if (i == 0) g.back() += 1;
        }
      }
    }
  };
  std::vector<double> ape(h.kinds.size(), 0.0);
  int64_t n = 0;
  GroupSums by_group;
  for (int fold = 0; fold < options.folds; ++fold)
    split(
        [&](const Sample& s) {
          return fnv1a(s.group) % static_cast<uint64_t>(options.folds) == static_cast<uint64_t>(fold);
        },
        ape, n, &by_group);
  for (double& a : ape) a /= static_cast<double>(std::max<int64_t>(1, n));
  h.kfold_mape = ape;
  const bool monotone = !monotone_features(static_cast<OpClass>(c)).empty();
  for (ModelKind k : h.kinds) h.eligible.push_back(!(monotone && k == ModelKind::quadratic));
  size_t kfold_best = h.kinds.size();
  for (size_t i = 0; i < h.kinds.size(); ++i)
    if (h.eligible[i] && (kfold_best == h.kinds.size() || ape[i] < ape[kfold_best])) kfold_best = i;
  h.kfold_gap_se.assign(h.kinds.size(), 0.0);
  for (size_t i = 0; i < h.kinds.size(); ++i) {
    if (i == kfold_best) continue;
    // The MAPE gap is a sample-weighted mean of per-record mean differences; its standard error treats
    // records (not samples, which share a configuration) as the independent draws.
    double sum_w = 0, sum_wd = 0, sum_wdd = 0, sum_ww = 0;
    for (const auto& [g, v] : by_group) {
      const double w = v.back(), d = (v[i] - v[kfold_best]) / w;
      sum_w += w, sum_wd += w * d, sum_wdd += w * d * d, sum_ww += w * w;
    }
    const double mean = sum_wd / sum_w, var = std::max(0.0, sum_wdd / sum_w - mean * mean);
    const double groups = static_cast<double>(by_group.size());
    h.kfold_gap_se[i] = std::sqrt(var * sum_ww / (sum_w * sum_w) * groups / std::max(1.0, groups - 1));
  }
  // The largest records, until a fifth of the samples.
  std::vector<std::pair<double, std::string>> by_work;
  for (const auto& [g, w] : group_work) by_work.emplace_back(w, g);
  std::sort(by_work.rbegin(), by_work.rend());
  std::set<std::string> largest;
  size_t held = 0;
  for (const auto& [w, g] : by_work) {
    if (5 * held >= own.size()) break;
    largest.insert(g);
    for (const auto& s : own) held += s.group == g;
  }
  std::vector<double> ape_large(h.kinds.size(), 0.0);
  int64_t n_large = 0;
  split([&](const Sample& s) { return largest.count(s.group) > 0; }, ape_large, n_large, nullptr);
  for (double& a : ape_large) a /= static_cast<double>(std::max<int64_t>(1, n_large));
  h.largest_mape = ape_large;
  if (n_large == 0) throw std::logic_error("compare_held_out: no largest-shapes split");
  size_t best = kfold_best;
  if (options.selection == FitOptions::Selection::kfold) {
    for (size_t i = 0; i < h.kinds.size(); ++i)
      if (h.eligible[i] &&
          h.kfold_mape[i] - h.kfold_mape[kfold_best] <= kfold_tie_standard_errors * h.kfold_gap_se[i] &&
          h.largest_mape[i] < h.largest_mape[best])
        best = i;
  } else {
    auto score = [&](size_t i) { return 0.5 * (h.kfold_mape[i] + h.largest_mape[i]); };
    for (size_t i = 0; i < h.kinds.size(); ++i)
      if (h.eligible[i] && score(i) < score(best)) best = i;
  }
  h.chosen = h.kinds[best];
  h.won_tie = best != kfold_best && options.selection == FitOptions::Selection::kfold;
  return h;
}

// The classes XNNPACK runs as GEMMs (padded_macs): convs with more than one input channel per group and
// linear ops, not depthwise convs, pooling or elementwise ops.
bool runs_on_gemm_tiles(OpClass c) {
  return c == OpClass::conv_dense || c == OpClass::conv_grouped || c == OpClass::conv_pointwise ||
         c == OpClass::conv_transpose || c == OpClass::fully_connected;
}

}  // namespace

Json held_out_json(const ClassHeldOut& h, const FitOptions& options) {
  Json j = {{"chosen", to_string(h.chosen)}, {"won_tie", h.won_tie}};
  if (!h.note.empty()) j["note"] = h.note;
  if (h.kinds.empty()) return j;
  j["folds"] = options.folds;
  j["grouped_by"] = "profile record (a configuration, operator or network at all its thread counts)";
  j["selection"] = options.selection == FitOptions::Selection::kfold
                       ? "of the eligible kinds: lowest k-fold held-out MAPE; of the kinds within " +
                             std::to_string(std::lround(kfold_tie_standard_errors)) +
                             " standard errors (kfold_gap_se) of it, the one with the lowest largest-shapes MAPE"
                       : "of the eligible kinds: lowest mean of the k-fold and largest-shapes held-out MAPE";
  j["largest_shapes"] =
      "records with the largest work, a fifth of the samples, held out from a model fitted on the rest";
  if (std::find(h.eligible.begin(), h.eligible.end(), 0) != h.eligible.end())
    j["not_eligible"] =
        "quadratic: this conv class's efficiency must not fall as its channels or pixels grow, which only the roofline "
        "kinds guarantee";
  for (size_t i = 0; i < h.kinds.size(); ++i)
    j[std::string(to_string(h.kinds[i]))] = {{"kfold_mape", h.kfold_mape[i]},
                                             {"largest_shapes_mape", h.largest_mape[i]},
                                             {"kfold_gap_se", h.kfold_gap_se[i]},
                                             {"eligible", static_cast<bool>(h.eligible[i])}};
  return j;
}

std::vector<FitReport::Class> fit_classes(Predictor& p, const std::vector<Sample>& samples, const FitOptions& options,
                                          NoisyTally& tally, const std::map<int64_t, Ceilings>* ceilings,
                                          const std::string& no_ceilings) {
  std::vector<FitReport::Class> stats;
  // The elementwise model first: the other classes learn their op's time without its activation pass.
  std::vector<size_t> order{static_cast<size_t>(OpClass::elementwise)};
  for (size_t c = 0; c < op_class_count; ++c)
    if (c != order[0]) order.push_back(c);
  for (size_t c : order) {
    int64_t quiet = 0, noisy = 0;
    for (const auto& s : samples)
      if (static_cast<size_t>(s.f.op_class) == c) (s.noisy ? noisy : quiet) += 1;
    const bool use_noisy = quiet < 3;  // what a class needs to be fitted at all (below)
    const std::vector<Sample> own = class_samples(p, samples, c, use_noisy);
    if (own.size() < 3) continue;
    // GEMM tiles pad the work of convs and linear ops only (padded_macs): a depthwise conv's one channel
    // per group is no 16-column tile.
    std::map<int64_t, Ceilings> own_ceilings;
    if (ceilings) {
      own_ceilings = *ceilings;
      if (!runs_on_gemm_tiles(static_cast<OpClass>(c)))
        for (auto& [t, bound] : own_ceilings) bound.gemm_tile_cols = 0;
    }
    const std::map<int64_t, Ceilings>* cc = ceilings ? &own_ceilings : nullptr;
    const ClassHeldOut held = compare_held_out(p, c, own, cc, no_ceilings, options);
    ClassModel m = held.chosen == ModelKind::quadratic
                       ? fit_class_model(p, c, own, options, cc)
                       : fit_roofline_class(c, own, *cc, held.chosen == ModelKind::roofline_trees, options);
    p.classes[c] = m;
    double ape = 0;
    for (const auto& s : samples)
      if (used_in_class(s, c, use_noisy)) ape += std::abs(p.predict_op_us(s.f) - s.latency_us) / s.latency_us;
    m.train_mape = ape / static_cast<double>(own.size());
    stats.push_back(
        {static_cast<OpClass>(c), m.samples, m.train_mape, use_noisy ? 0 : noisy, use_noisy ? noisy : 0, held});
    (use_noisy ? tally.used : tally.dropped) += noisy;
    p.classes[c] = m;
  }
  return stats;
}

}  // namespace cpx::predictor::fit_detail
