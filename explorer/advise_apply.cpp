// See advise_apply.hpp.
#include "explorer/advise_apply.hpp"

#include <charconv>
#include <filesystem>

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

Json apply_advice(const Advice& advice, const ApplyOptions& o) {
  if (o.out.empty()) throw FieldError(Field::apply, "\"" + o.ids + "\"", {"needs ", Field::out, " DIR (where the rewritten network is written)"});
  const std::vector<Rewrite> rewrites = rewrites_of(advice, o.ids);
  const Network net = apply_rewrites(advice.net, rewrites, "apply");
  const bool use_own = o.weights.empty() && o.own;
  const WeightsSpec spec = use_own ? WeightsSpec{std::nullopt, "the model file's"} : read_weights_spec(o.weights.empty() ? "0" : o.weights);
  const profiler::NetworkWeights original = use_own ? std::move(*o.own) : weights_for(advice.net, spec, spec.label);
  const profiler::CarriedWeights carried = profiler::carry_weights(advice.net, original, net, spec.seed.value_or(0));
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
  Json rs = Json::array();
  for (const Rewrite& r : rewrites) rs.push_back(to_json(r));
  return {{"ids", o.ids}, {"rewrites", rs}, {"files", {base + ".json", base + ".onnx", base + ".py", base + ".f32"}},
          {"macs", c.total.macs}, {"params", c.total.params}, {"torch_params", torch.params},
          {"weights", spec.label}, {"fresh_weight_ops", carried.fresh_ops}};
}

}  // namespace cpx::explorer
