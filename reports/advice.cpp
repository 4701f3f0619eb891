// The advice report: renders the advice document (space/advice_doc.hpp; `advise --json`,
// cpubone-explore/advice/v1) as advice.html and advice.md with the network's per-block losses, the
// suggestions with their intervals and evidence, and the local front.
#include <algorithm>

#include "reports/chart_specs.hpp"
#include "reports/parts.hpp"
#include "reports/report.hpp"

namespace cpx::reports {

namespace {

std::string pct(std::optional<double> v) { return !v ? "—" : (*v >= 0 ? "+" : "") + fixed(Json(100 * *v), 1) + " %"; }
std::string gain_text(const Gain& g) {
  return pct(g.point) + (!g.low ? "" : " [" + pct(g.low) + ", " + pct(g.high) + "]");
}
std::string joined(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& x : list) s += (s.empty() ? "" : ", ") + x;
  return s;
}
Json gain_bound_json(std::optional<double> v) { return v ? Json(*v) : Json(nullptr); }

const char* const front_original = "the network as given";
const char* const front_variant = "variant: its rewrites combined";

void add_datasets(const AdviceDocument& a, Report& rep) {
  Dataset blocks{"advice_blocks",
                 {"name", "kind", "latency_us", "macs", "macps", "best_macps", "lost_us", "kept_us", "suggestions"}};
  for (const AdviceBlock& b : a.blocks)
    blocks.rows.push_back({{"name", b.name},
                           {"kind", std::string(to_string(b.kind))},
                           {"latency_us", b.latency_us},
                           {"macs", b.macs},
                           {"macps", b.macps},
                           {"best_macps", b.best_macps},
                           {"lost_us", b.lost_us},
                           {"kept_us", b.latency_us - b.lost_us},
                           {"suggestions", joined(b.suggestions)}});
  Dataset suggestions{"advice_suggestions",
                      {"id", "rewrite", "op", "block", "gain", "gain_low", "gain_high", "macs_after", "params_after",
                       "keeps_function", "accuracy_evidence"}};
  for (const AdviceSuggestion& s : a.suggestions)
    suggestions.rows.push_back({{"id", s.id},
                                {"rewrite", std::string(to_string(s.rewrite.kind))},
                                {"op", s.rewrite.ops[0]},
                                {"block", s.block},
                                {"gain", s.gain.point},
                                {"gain_low", gain_bound_json(s.gain.low)},
                                {"gain_high", gain_bound_json(s.gain.high)},
                                {"macs_after", s.macs_after},
                                {"params_after", s.params_after},
                                {"keeps_function", s.keeps_function},
                                {"accuracy_evidence", s.accuracy_evidence}});
  // "network" tells the original from the variants, for the front chart's legend.
  Dataset front{"advice_front", {"id", "network", "latency_us", "macs", "params", "gain", "suggestions"}};
  front.rows.push_back({{"id", "original"},
                        {"network", front_original},
                        {"latency_us", a.latency_us},
                        {"macs", a.macs},
                        {"params", a.params},
                        {"gain", 0.0},
                        {"suggestions", ""}});
  for (const AdviceVariant& v : a.local_search.front)
    front.rows.push_back({{"id", v.id},
                          {"network", front_variant},
                          {"latency_us", v.latency_us},
                          {"macs", v.macs},
                          {"params", v.params},
                          {"gain", v.gain.point},
                          {"suggestions", joined(v.suggestions)}});
  rep.datasets.push_back(std::move(blocks));
  rep.datasets.push_back(std::move(suggestions));
  rep.datasets.push_back(std::move(front));
}

// The title names the chart and the subtitle the network, device and threads (an empty title hid the subtitle too).
Json spec_of(const Report& rep, const std::string& title, const std::string& subtitle,
             std::initializer_list<std::string> data, Json body) {
  Json spec = {{"$schema", "https://vega.github.io/schema/vega-lite/v5.json"},
               {"width", 560},
               {"title", {{"text", title}, {"subtitle", subtitle}, {"anchor", "start"}}}};
  spec["datasets"] = Json::object();
  for (const auto& name : data) spec["datasets"][name] = dataset(rep, name).rows;
  spec.update(body);
  return spec;
}

Chart blocks_chart(const AdviceDocument& a, Report& rep, const std::string& subtitle) {
  const std::string kept = "kept at best variant's MACpS", lost = "lost to lower MACpS";
  const Json parts = Json::array({{{"field", "kept_ms"}, {"time", kept}}, {{"field", "lost_ms"}, {"time", lost}}});
  Chart blocks{"advice-blocks",
               "Where the time goes, per block",
               "Each recognised block's predicted time, split into the time its MACs would take at the MACpS of the "
               "block's best "
               "variant on the device (kept) and the rest (lost to low MACpS). Blocks in network order.",
               Json(nullptr),
               static_cast<int64_t>(a.blocks.size()),
               {}};
  if (!a.blocks.empty())
    blocks.spec = spec_of(
        rep, blocks.heading, subtitle, {"advice_blocks"},
        {{"data", {{"name", "advice_blocks"}}},
         {"transform", in_ms({"kept_us", "lost_us"},
                             {{{"fold", {"kept_ms", "lost_ms"}}, {"as", {"part", "ms"}}},
                              // The legend reads what each part is, not the data's field names.
                              {{"lookup", "part"},
                               {"from", {{"data", {{"values", parts}}}, {"key", "field"}, {"fields", {"time"}}}}}})},
         {"mark", "bar"},
         {"height", {{"step", 12}}},
         // Whole names on the axis (Vega-Lite cuts labels at 180 px by default): two blocks never read the same.
         {"encoding",
          {{"y",
            {{"field", "name"},
             {"type", "nominal"},
             {"sort", nullptr},
             {"title", "block"},
             {"axis", {{"labelLimit", 0}}}}},
           {"x", {{"field", "ms"}, {"type", "quantitative"}, {"title", "predicted time (ms)"}}},
           {"color",
            {{"field", "time"},
             {"type", "nominal"},
             {"title", "predicted time"},
             {"scale", {{"domain", {kept, lost}}, {"range", {"#4c78a8", "#e45756"}}}}}},
           {"tooltip", Json::array({{{"field", "name"}},
                                    {{"field", "kind"}},
                                    {{"field", "time"}},
                                    {{"field", "ms"}, {"format", ".3f"}},
                                    {{"field", "suggestions"}}})}}}});
  return blocks;
}

Chart gains_chart(const AdviceDocument& a, Report& rep, const std::string& subtitle) {
  Chart gains{"advice-gains",
              "Suggestions: predicted gain and its interval",
              "Each single rewrite's predicted share of the whole network's time saved (dot) and its 80% interval "
              "(bar: the predicted gain's "
              "error from the changed ops' time per op class and per op, in time, then as a gain, so below 100 %; a "
              "measurement's own "
              "noise is not in it). Largest gain first.",
              Json(nullptr),
              static_cast<int64_t>(a.suggestions.size()),
              {}};
  if (!a.suggestions.empty())
    gains.spec = spec_of(
        rep, gains.heading, subtitle, {"advice_suggestions"},
        {{"data", {{"name", "advice_suggestions"}}},
         {"height", {{"step", 12}}},
         {"encoding",
          {{"y", {{"field", "id"}, {"type", "nominal"}, {"sort", nullptr}, {"title", "suggestion"}}},
           {"tooltip", Json::array({{{"field", "id"}},
                                    {{"field", "rewrite"}},
                                    {{"field", "op"}},
                                    {{"field", "gain"}, {"format", "+.1%"}}})}}},
         {"layer",
          Json::array(
              {{{"mark", "rule"},
                {"encoding",
                 {{"x",
                   {{"field", "gain_low"}, {"type", "quantitative"}, {"axis", {{"format", "+%"}}}, {"title", "gain"}}},
                  {"x2", {{"field", "gain_high"}}}}}},
               {{"mark", {{"type", "point"}, {"filled", true}}},
                {"encoding",
                 {{"x", {{"field", "gain"}, {"type", "quantitative"}}},
                  {"color", {{"field", "rewrite"}, {"type", "nominal"}}}}}}})}});
  return gains;
}

Chart front_chart(const AdviceDocument& a, Report& rep, const std::string& subtitle) {
  Chart front{"advice-front",
              "The local search's front: predicted time against MACs",
              "Variants of this network (combinations of its rewrites within the budget) on the Pareto front of "
              "predicted latency "
              "(lower is better) and MACs (more work kept for the time), next to the original.",
              Json(nullptr),
              static_cast<int64_t>(a.local_search.front.size()) + 1,
              {}};
  const Json networks = {front_original, front_variant};
  front.spec = spec_of(
      rep, front.heading, subtitle, {"advice_front"},
      {{"data", {{"name", "advice_front"}}},
       {"transform", in_ms({"latency_us"})},
       {"mark", {{"type", "point"}, {"filled", true}, {"size", 90}, {"opacity", 0.9}}},
       {"encoding",
        {{"x",
          {{"field", "latency_ms"},
           {"type", "quantitative"},
           {"scale", {{"zero", false}}},
           {"title", "predicted latency (ms)"}}},
         {"y",
          {{"field", "macs"},
           {"type", "quantitative"},
           {"scale", {{"zero", false}}},
           {"title", "MACs"},
           {"axis", {{"format", "~s"}}}}},
         // The original stands apart from its variants, in shape and colour, and the legend says which is which.
         {"shape",
          {{"field", "network"},
           {"type", "nominal"},
           {"title", "network"},
           {"scale", {{"domain", networks}, {"range", {"diamond", "circle"}}}}}},
         {"color",
          {{"field", "network"},
           {"type", "nominal"},
           {"title", "network"},
           {"scale", {{"domain", networks}, {"range", {"#222222", "#4c78a8"}}}}}},
         {"tooltip", Json::array({{{"field", "id"}},
                                  {{"field", "latency_ms"}, {"format", ".2f"}},
                                  {{"field", "macs"}, {"format", ","}},
                                  {{"field", "params"}, {"format", ","}},
                                  {{"field", "suggestions"}}})}}}});
  return front;
}

void add_charts(const AdviceDocument& a, Report& rep) {
  const std::string subtitle = a.model + " on " + a.device + ", " + std::to_string(a.threads) + " thread(s), predicted";
  rep.charts.push_back(blocks_chart(a, rep, subtitle));
  rep.charts.push_back(gains_chart(a, rep, subtitle));
  rep.charts.push_back(front_chart(a, rep, subtitle));
}

void add_tables(const AdviceDocument& a, Report& rep) {
  Table blocks{"Blocks, by time lost to low MACpS",
               "Lost: the block's time minus its MACs at the MACpS of its best variant.",
               {"block", "kind", "ms", "MACs", "GMACpS", "best GMACpS", "lost ms", "suggestions"},
               {},
               false};
  std::vector<const AdviceBlock*> sorted;
  for (const AdviceBlock& b : a.blocks) sorted.push_back(&b);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const AdviceBlock* x, const AdviceBlock* y) { return x->lost_us > y->lost_us; });
  for (const AdviceBlock* b : sorted)
    blocks.rows.push_back({b->name, std::string(to_string(b->kind)), ms(Json(b->latency_us), 3), si(Json(b->macs)),
                           fixed(Json(b->macps / 1e9), 2), fixed(Json(b->best_macps / 1e9), 2), ms(Json(b->lost_us), 3),
                           joined(b->suggestions)});
  Table suggestions{
      "Suggestions",
      a.gain_definition + "; interval: " + a.gain_interval_method + ".",
      {"id", "rewrite", "op", "gain [interval]", "MACs after", "params after", "weights", "receptive field"},
      {},
      false};
  for (const AdviceSuggestion& s : a.suggestions)
    suggestions.rows.push_back({s.id, std::string(to_string(s.rewrite.kind)), s.rewrite.ops[0], gain_text(s.gain),
                                si(Json(s.macs_after)), si(Json(s.params_after)), s.weights,
                                s.receptive_field.value_or("—")});
  Table evidence{"Accuracy evidence, per rewrite kind",
                 "Published ablations only; no accuracy figure is invented.",
                 {"rewrite", "evidence"},
                 {},
                 false};
  for (const AdviceSuggestion& s : a.suggestions) {
    const std::string kind(to_string(s.rewrite.kind));
    if (std::none_of(evidence.rows.begin(), evidence.rows.end(), [&](const auto& r) { return r[0] == kind; }))
      evidence.rows.push_back({kind, s.accuracy_evidence});
  }
  Table front{"Local front",
              "NSGA-II over combinations of the rewrites, " + a.local_search.objectives +
                  "; only variants predicted faster than the original.",
              {"id", "ms", "gain [interval]", "MACs", "params", "suggestions"},
              {},
              false};
  for (const AdviceVariant& v : a.local_search.front)
    front.rows.push_back({v.id, ms(Json(v.latency_us), 2), gain_text(v.gain), si(Json(v.macs)), si(Json(v.params)),
                          joined(v.suggestions)});
  Table unrecognised{"Not recognised",
                     "Ops in no block of a known kind: counted and predicted, never rewritten.",
                     {"op", "kind", "ms", "MACs"},
                     {},
                     true};
  for (const UnrecognisedOp& u : a.unrecognised)
    unrecognised.rows.push_back({u.name, u.op, ms(Json(u.latency_us), 3), si(Json(u.macs))});
  for (Table* t : {&blocks, &suggestions, &evidence, &front, &unrecognised}) rep.tables.push_back(std::move(*t));
}

void add_summary(const AdviceDocument& a, Report& rep) {
  double lost_us = 0, unrecognised_us = 0;
  for (const AdviceBlock& b : a.blocks) lost_us += b.lost_us;
  for (const UnrecognisedOp& u : a.unrecognised) unrecognised_us += u.latency_us;
  const double total_us = a.latency_us;
  rep.summary.push_back("Predicted " + ms(Json(a.latency_us), 2) + " ms on " + a.device +
                        "; the recognised blocks lose " + ms(Json(lost_us), 2) + " ms (" +
                        fixed(Json(100 * lost_us / total_us), 0) + " %) to MACpS below their best variants'.");
  if (!a.suggestions.empty()) {
    const AdviceSuggestion& s = a.suggestions[0];
    const std::string kind(to_string(s.rewrite.kind));
    rep.verdict = "Build first: " + s.id + " (" + kind + " on " + s.rewrite.ops[0] + ", predicted " +
                  gain_text(s.gain) + "): cpubone-explore advise MODEL --device " + a.device + " --apply " + s.id +
                  " --out DIR";
    rep.summary.push_back("Build first: " + s.id + ", " + kind + " on " + s.rewrite.ops[0] + ", predicted gain " +
                          gain_text(s.gain) + " (" + s.weights + ").");
  } else {
    rep.summary.push_back("No rewrite applies to this network's recognised blocks.");
  }
  if (!a.local_search.front.empty()) {
    const AdviceVariant& v = a.local_search.front[0];
    rep.summary.push_back("Fastest variant within the budget: " + v.id + ", " + ms(Json(v.latency_us), 2) + " ms (" +
                          gain_text(v.gain) + "), " + std::to_string(v.suggestions.size()) + " rewrites, " +
                          si(Json(v.params)) + " params.");
  }
  rep.summary.push_back(std::to_string(a.unrecognised.size()) + " ops are in no recognised block (" +
                        ms(Json(unrecognised_us), 2) + " ms, " + fixed(Json(100 * unrecognised_us / total_us), 0) +
                        " % of the time).");
  rep.summary.push_back(
      "Every gain here is the device predictor's; benchmarks/advise.py measures how far such gains hold on a machine "
      "you have.");
}

}  // namespace

Rendered render_advice(const AdviceDocument& advice, const std::string& advice_file,
                       const std::filesystem::path& out_dir) {
  Report rep;
  rep.input_file = "advice.json";
  rep.title = "Advice: " + advice.model + " on " + advice.device;
  rep.context.push_back("Device " + advice.device + ": " + advice.runtime + ", " + std::to_string(advice.threads) +
                        " thread(s); vector width " + std::to_string(advice.vector_channels) + " floats.");
  rep.context.push_back("Network " + advice.model + ": " + si(Json(advice.macs)) + " MACs, " + si(Json(advice.params)) +
                        " params; from " + advice_file + ".");
  for (const std::string& w : advice.warnings) rep.missing.push_back(w);
  if (const std::optional<std::string> w = interval_warning(advice)) rep.missing.push_back(*w);
  add_datasets(advice, rep);
  add_charts(advice, rep);
  add_tables(advice, rep);
  add_summary(advice, rep);
  return write_report(rep, to_json(advice), "advice", out_dir);
}

}  // namespace cpx::reports
