// See advise_apply.hpp.
#include "explorer/advise_apply.hpp"

#include <charconv>
#include <filesystem>
#include <set>

#include "profiler/interop/onnx.hpp"
#include "profiler/interop/torch.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"

namespace cpx::explorer {

WeightsSpec read_weights_spec(const std::string& value) {
  uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
  if (ec == std::errc() && end == value.data() + value.size()) return {seed, "seed " + value};
  return {std::nullopt, value};
}

profiler::NetworkWeights weights_for(const Network& net, const WeightsSpec& spec, const std::string& file) {
  return spec.seed ? profiler::make_weights(net, *spec.seed) : profiler::read_weights_file(net, file);
}

namespace {

// The convs the exporter folded a BatchNorm into that the rewritten network keeps, and the 1x1 conv
// unfuse_mbconv inserts before one ("<name>.pw", a copy of it), become conv (no bias) + BatchNorm: the op's
// weights are the same numbers (the bias is the BatchNorm's shift), so everything that runs it computes
// the same, and the PyTorch module and ONNX file hold a BatchNorm to train.
std::vector<std::string> unfold_batch_norms(Network& net, const BatchNormFolding& folding) {
  const std::set<std::string> folded(folding.convs.begin(), folding.convs.end());
  const auto inserted_before_folded = [&](const std::string& name) {
    return name.size() > 3 && name.ends_with(".pw") && folded.count(name.substr(0, name.size() - 3));
  };
  std::vector<std::string> out;
  for (Op& op : net.ops) {
    Conv2d* c = std::get_if<Conv2d>(&op.attrs);
    if (!c || !c->bias || c->batch_norm || !(folded.count(op.name) || inserted_before_folded(op.name))) continue;
    c->bias = false;
    c->batch_norm = true;
    out.push_back(op.name);
  }
  return out;
}

// Which weights are the user's (carried bit-exact, or embedded in zeros where a conv grew), which are
// seeded, and which need training: the seeded ones, or every one when the original's were a seed.
WeightSources weight_sources(const Network& net, const profiler::CarriedWeights& c,
                             const std::vector<std::string>& seeded_in_file, bool yours) {
  const std::set<std::string> fresh(c.fresh_ops.begin(), c.fresh_ops.end()),
      padded(c.padded_ops.begin(), c.padded_ops.end()), merged(c.merged_ops.begin(), c.merged_ops.end()),
      unset(seeded_in_file.begin(), seeded_in_file.end());
  WeightSources out;
  out.yours = yours;
  out.zero_padded_ops = c.padded_ops;
  out.merged_ops = c.merged_ops;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const std::string& name = net.ops[i].name;
    if (c.weights[i].weight.empty() && c.weights[i].bias.empty()) continue;
    const bool is_seeded = fresh.count(name) || unset.count(name);
    if (is_seeded) out.seeded_ops.push_back(name);
    else if (!padded.count(name) && !merged.count(name)) out.carried_ops.push_back(name);
    if (is_seeded || !yours) out.need_training_ops.push_back(name);
  }
  return out;
}

std::string count_of(const std::vector<std::string>& list, const std::string& what = "") {
  return std::to_string(list.size()) + " op" + (list.size() == 1 ? "" : "s") + (what.empty() ? "" : " " + what);
}

// The sentences `advise --apply` prints after its summary line, also the JSON's "notes".
std::vector<std::string> apply_notes(const Network& net, const WeightSources& sources, const std::string& label,
                                     const BatchNormsApplied& batch_norms) {
  std::vector<std::string> notes;
  const bool yours = sources.yours;
  std::string w = "weights (" + label +
                  "): " + (yours ? "yours, bit-exact, on " : "carried over (not trained: a seed) to ") +
                  count_of(sources.carried_ops);
  if (!sources.zero_padded_ops.empty())
    w += "; " + std::string(yours ? "yours " : "") + "embedded in zeros on " +
         count_of(sources.zero_padded_ops, "that grew (the function kept)");
  if (!sources.merged_ops.empty())
    w += "; " + std::string(yours ? "yours " : "") + "summed from parallel branches on " +
         count_of(sources.merged_ops, "that merged them (the function kept, up to float rounding)");
  const std::vector<std::string>& seeded = sources.seeded_ops;
  w += "; seeded on " + count_of(seeded);
  if (!seeded.empty() && seeded.size() <= 8) {
    std::string names;
    for (const std::string& n : seeded) names += (names.empty() ? "" : ", ") + n;
    w += " (" + names + ")";
  }
  w += yours ? (sources.need_training_ops.empty() ? "; nothing needs training" : "; the seeded need training")
             : "; every op needs training (pass your weights: the ONNX file's own, or --weights FILE)";
  notes.push_back(w);
  if (!sources.zero_padded_ops.empty())
    notes.push_back(
        "zero-padded channels: their weights are zero on both sides (what makes them and what reads them), so they get "
        "no gradient and stay zero in fine-tuning; to train them, give the side that makes them random weights (the "
        "function is kept while what reads them stays zero)");
  notes.push_back(batch_norms.note);
  notes.push_back(
      "dropout: none in advised.py (an eval-mode ONNX export has no Dropout, and the import reads one as identity): "
      "add yours where the original had it (torchvision's classifiers: before the last Linear) to fine-tune as it "
      "trained");
  if (net.shape_of(net.output).pixels() == 1)
    notes.push_back(
        "output: advised.py returns N x " + std::to_string(net.shape_of(net.output).c) +
        " (the 1x1 map flattened, as PyTorch's classifiers return it): a standard loss (CrossEntropyLoss) takes it");
  return notes;
}

BatchNormsApplied batch_norms_of(const std::vector<std::string>& unfolded, const ApplyOptions& o) {
  std::string note;
  if (!o.folding || o.folding->convs.empty())
    note =
        "batch norms: the file shows no folded BatchNorm (no conv whose weight torch.onnx.export computed), so none is "
        "added";
  else if (!o.batch_norms)
    note = "batch norms: " + std::to_string(o.folding->convs.size()) +
           " convs hold a BatchNorm the exporter folded in; kept folded (--no-batch-norm): fine-tuning trains them "
           "without one";
  else
    note = "batch norms: " + std::to_string(unfolded.size()) +
           " convs held a BatchNorm the exporter folded in: each is written as conv (no bias) + BatchNorm (advised.py: "
           "the sibling "
           "<conv>_bn) with gamma 1, beta = the folded bias, running mean 0, running var 1 - eps, so eval mode "
           "computes the file's "
           "function (up to float rounding); train mode normalises by each batch's statistics, so call advised.py's "
           "calibrate_batch_norms(your batches) first: it sets their statistics from your data, eval mode unchanged, "
           "and train "
           "mode then starts from the same function (--no-batch-norm keeps them folded)";
  BatchNormsApplied b;
  b.unfolded_convs = unfolded;
  b.note = note;
  return b;
}

}  // namespace

AppliedAdvice apply_advice(const Advice& advice, const ApplyOptions& o) {
  if (o.out.empty())
    throw FieldError(Field::apply, "\"" + o.ids + "\"",
                     {"needs ", Field::out, " DIR (where the rewritten network is written)"});
  const std::vector<Rewrite> rewrites = rewrites_of(advice, o.ids);
  Network net = apply_rewrites(advice.net, rewrites, "apply");
  const int64_t params_folded = count(net).total.params;
  const std::vector<std::string> unfolded =
      o.folding && o.batch_norms ? unfold_batch_norms(net, *o.folding) : std::vector<std::string>{};
  const bool use_own = o.weights.empty() && o.own;
  const WeightsSpec spec =
      use_own ? WeightsSpec{std::nullopt, "the model file's"} : read_weights_spec(o.weights.empty() ? "0" : o.weights);
  const profiler::NetworkWeights original = use_own ? std::move(*o.own) : weights_for(advice.net, spec, spec.label);
  const profiler::CarriedWeights carried =
      profiler::carry_weights(advice.net, original, net, spec.seed.value_or(0), rewrites);
  const std::string onnx = profiler::export_onnx(net, carried.weights);
  const std::string base = (std::filesystem::path(o.out) / "advised").string();
  profiler::check_onnx(onnx, base + ".onnx");
  const profiler::TorchExport torch = profiler::export_torch(net, carried.weights, "advised.f32");
  std::error_code err;
  std::filesystem::create_directories(o.out, err);
  if (err) throw FieldError(Field::out, "\"" + o.out + "\"", "cannot create the directory: " + err.message());
  write_file_atomic(base + ".json", to_json(net).dump(2) + "\n");
  write_file_atomic(base + ".onnx", onnx);
  write_file_atomic(base + ".f32", torch.weights);
  write_file_atomic(base + ".py", torch.source);
  const NetworkCount c = count(net);
  AppliedAdvice a;
  a.ids = o.ids;
  a.rewrites = rewrites;
  a.files = {base + ".json", base + ".onnx", base + ".py", base + ".f32"};
  a.macs = c.total.macs;
  a.params = c.total.params;
  a.torch_params = torch.params;
  a.weights = spec.label;
  a.fresh_weight_ops = carried.fresh_ops;
  a.weight_sources =
      weight_sources(net, carried, o.seeded_in_file ? *o.seeded_in_file : std::vector<std::string>{}, !spec.seed);
  a.batch_norms = batch_norms_of(unfolded, o);
  a.notes = apply_notes(net, a.weight_sources, spec.label, a.batch_norms);
  if (!unfolded.empty()) a.params_batch_norm_folded = params_folded;
  return a;
}

}  // namespace cpx::explorer
