// The advice as JSON ("cpubone-explore/advice/v1"), written only here; the CLI prints its text from the same
// Advice, and the fixed sentences both say are advise.hpp's constants.
#include "explorer/advise.hpp"
#include "space/count.hpp"

namespace cpx::explorer {

namespace {

Json opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json gain_json(const Gain& g) { return {{"point", g.point}, {"low", opt(g.low)}, {"high", opt(g.high)}}; }

double macps(double macs, double us) { return us > 0 ? macs / (us * 1e-6) : 0; }

}  // namespace

double BlockAdvice::macps() const { return explorer::macps(static_cast<double>(macs), latency_us); }

namespace {

}  // namespace

Json to_json(const Advice& a) {
  const Network& net = a.net;
  const NetworkCount counts = count(net);
  std::vector<std::string> block_of(net.ops.size());
  for (const BlockAdvice& b : a.blocks)
    for (size_t k : b.block.ops) block_of[k] = b.block.name;
  Json layers = Json::array(), unrecognised = Json::array(), blocks = Json::array(), suggestions = Json::array(), front = Json::array();
  for (size_t i = 0; i < net.ops.size(); ++i) {
    OpRow op = op_row(net, i, counts.layers[i]);
    op.predicted_us = a.op_us[i];
    if (a.prediction.ops[i].fused_into) op.fused_into = net.ops[*a.prediction.ops[i].fused_into].name;
    Json row = to_json(op, {OpField::name, OpField::op, OpField::conv_class});
    row["block"] = block_of[i].empty() ? Json(nullptr) : Json(block_of[i]);
    write_op_fields(row, op, {OpField::latency_us, OpField::macs});
    row["macps"] = macps(static_cast<double>(op.macs), a.op_us[i]);
    write_op_fields(row, op, {OpField::fused_into});
    layers.push_back(row);
  }
  for (size_t i : a.recognition.unrecognised)
    unrecognised.push_back({{"name", net.ops[i].name}, {"op", std::string(net.ops[i].kind())}, {"latency_us", a.op_us[i]},
                            {"macs", counts.layers[i].cost.macs}});
  for (const BlockAdvice& b : a.blocks) {
    Json ops = Json::array();
    for (size_t k : b.block.ops) ops.push_back(net.ops[k].name);
    blocks.push_back({{"name", b.block.name}, {"kind", std::string(to_string(b.block.kind))}, {"ops", ops},
                      {"residual", b.block.residual}, {"latency_us", b.latency_us}, {"macs", b.macs},
                      {"macps", b.macps()}, {"best_macps", b.best_macps},
                      {"best_variant", b.best_variant}, {"lost_us", b.lost_us}, {"fastest_us", b.fastest_us},
                      {"suggestions", b.suggestions}});
  }
  for (const Suggestion& s : a.suggestions) {
    const RewriteKindInfo& k = info(s.rewrite.kind);
    suggestions.push_back({{"id", s.id}, {"rewrite", to_json(s.rewrite)}, {"what", std::string(k.what)},
                           {"block", a.blocks[s.block].block.name},
                           {"block_kind", std::string(to_string(a.blocks[s.block].block.kind))}, {"latency_us", s.latency_us},
                           {"gain", gain_json(s.gain)}, {"macs_before", a.macs}, {"macs_after", s.macs},
                           {"params_before", a.params}, {"params_after", s.params}, {"keeps_function", s.keeps_function},
                           {"weights", !s.keeps_function ? "needs training (unchanged ops keep their weights)"
                                    : s.rewrite.kind == RewriteKind::reparameterize ? "summed from the branches' weights: the function is unchanged"
                                                                                  : "carried over (zero-padded): the function is unchanged"},
                           {"accuracy_evidence", std::string(k.evidence)},
                           {"receptive_field", s.receptive_field.empty() ? Json(nullptr) : Json(s.receptive_field)}});
  }
  for (const Variant& v : a.front)
    front.push_back({{"id", v.id}, {"suggestions", v.suggestions}, {"latency_us", v.latency_us}, {"gain", gain_json(v.gain)},
                     {"macs", v.macs}, {"params", v.params}});
  Json j;
  j["schema"] = advice_schema;
  j["model"] = net.name;
  j["family"] = net.family;
  j["input_nhwc"] = net.input.to_json();
  j["device"] = a.device;
  j["runtime"] = a.runtime;
  j["threads"] = a.threads;
  j["vector_channels"] = a.vector_channels;
  j["latency_us"] = a.prediction.latency_us;
  j["interval_us"] = a.prediction.interval_us ? Json(*a.prediction.interval_us) : Json(nullptr);
  j["interval"] = a.prediction.interval;
  j["macs"] = a.macs;
  j["params"] = a.params;
  j["gain_definition"] = gain_definition;
  j["gain_interval_method"] = gain_interval_method;
  j["blocks"] = blocks;
  j["unrecognised"] = unrecognised;
  // The share the text's "not recognised" line states, so that a script reads it without summing the rows.
  double unrecognised_us = 0;
  for (size_t i : a.recognition.unrecognised) unrecognised_us += a.op_us[i];
  j["unrecognised_summary"] = {{"ops", a.recognition.unrecognised.size()}, {"latency_us", unrecognised_us},
                               {"share_of_latency", a.prediction.latency_us > 0 ? unrecognised_us / a.prediction.latency_us : 0.0}};
  j["suggestions"] = suggestions;
  j["local_search"] = {{"objectives", local_search_objectives},
                       {"budget", {{"min_params", opt(a.budget.min_params)}, {"max_params", opt(a.budget.max_params)},
                                   {"max_macs", opt(a.budget.max_macs)}}},
                       {"evaluations", a.search.evaluations}, {"generations", a.search.generations}, {"front", front}};
  j["layers"] = layers;
  j["skipped_onnx_nodes"] = a.skipped_onnx_nodes;
  j["warnings"] = a.warnings;
  return j;
}

}  // namespace cpx::explorer
