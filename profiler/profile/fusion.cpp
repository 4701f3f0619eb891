#include "profiler/profile/fusion.hpp"

#include <map>
#include <string>

namespace cpx::profiler {

namespace {

bool clamp_activation(Activation a) { return a == Activation::relu || a == Activation::relu6; }

// A conv or fully connected op that igemm runs and whose own activation is none (its clamp would have to
// come before the residual).
bool igemm_producer(const Network& net, size_t i, const IgemmRule& igemm, size_t threads) {
  const Op& op = net.ops[i];
  const int64_t in_channels = net.shape_of(op.inputs[0]).c;
  if (const auto* c = op.as<Conv2d>())
    return c->activation == Activation::none && igemm.takes(*c, in_channels, threads);
  if (const auto* f = op.as<FullyConnected>())
    return f->activation == Activation::none && igemm.takes(in_channels, f->out_features, 1, threads);
  return false;
}

}  // namespace

IgemmRule igemm_rule_of(const Json& environment, const Where& where) {
  ObjectReader env(environment, where);
  IgemmRule rule;
  const Json& available = env.raw("igemm");
  if (!available.is_boolean()) env.at("igemm").fail(available, "expected true or false");
  rule.available = available.get<bool>();
  rule.min_out_per_group = env.integer("igemm_min_out_per_group", 0, limits::max_channels);
  return rule;
}

Fusions plan_fusions(const Network& net, const IgemmRule& igemm, size_t threads) {
  const size_t n = net.ops.size();
  Fusions f{std::vector<std::optional<size_t>>(n), std::vector<Epilogue>(n)};
  // Readers of each tensor; the network output counts as one more, so it is never fused away.
  std::map<std::string, int> readers{{net.output, 1}};
  for (const auto& op : net.ops)
    for (const auto& in : op.inputs) ++readers[in];
  // Step of the op that computes a tensor: 0 for the network input, i + 1 for ops[i].
  auto step = [&](const std::string& t) { return t == input_tensor ? size_t{0} : net.index_of(t) + 1; };

  for (size_t j = 0; j < n; ++j) {
    const Op& add = net.ops[j];
    if (!add.as<Add>()) continue;
    size_t owner = j;  // the op whose kernel computes the add
    const size_t a = step(add.inputs[0]), b = step(add.inputs[1]);
    const size_t p = std::max(a, b);
    if (igemm.available && a != b && p > 0 && net.shape_of(add.inputs[0]) == net.shape_of(add.inputs[1]) &&
        readers[net.ops[p - 1].name] == 1 && igemm_producer(net, p - 1, igemm, threads) && f.epilogue[p - 1].empty()) {
      owner = p - 1;
      f.into[j] = owner;
      f.epilogue[owner].residual_add = j;
    }
    // relu/relu6 as the add's only reader: the owner's store clamps.
    if (readers[add.name] != 1) continue;
    for (size_t k = j + 1; k < n; ++k) {
      const Op& next = net.ops[k];
      if (next.inputs.size() != 1 || next.inputs[0] != add.name) continue;
      if (const auto* act = next.as<ActivationOp>(); act && clamp_activation(act->function)) {
        f.into[k] = owner;
        f.epilogue[owner].activation = k;
      }
      break;
    }
  }
  return f;
}

}  // namespace cpx::profiler
