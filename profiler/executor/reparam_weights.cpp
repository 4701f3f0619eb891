// See weights.hpp: merged_branch_weights, the weights of a `reparameterize` rewrite's conv.
#include "profiler/executor/weights.hpp"

namespace cpx::profiler {

namespace {

const std::vector<float>& sized(const std::vector<float>& v, size_t n, const std::string& op, const char* what) {
  if (v.size() != n)
    throw InputError("reparameterize: op \"" + op + "\" has " + std::to_string(v.size()) + " " + what +
                     " values, expected " + std::to_string(n));
  return v;
}

}  // namespace

OpWeights merged_branch_weights(const Network& net, const NetworkWeights& weights, const ParallelBranches& b) {
  const Conv2d& m = *net.ops[b.merged].as<Conv2d>();
  const int64_t in = net.shape_of(b.input).c;
  const ConvWeightShape s = m.weight_shape(in);
  // Summed in double, rounded once: the merged conv is as close to the branches' sum as float allows.
  std::vector<double> w(static_cast<size_t>(s.elements()), 0.0), bias(static_cast<size_t>(s.out_channels), 0.0);
  const auto at = [&](int64_t o, int64_t y, int64_t x, int64_t i) {
    return static_cast<size_t>(((o * s.kh + y) * s.kw + x) * s.in_per_group + i);
  };
  for (size_t k : b.convs) {
    const Conv2d& c = *net.ops[k].as<Conv2d>();
    const ConvWeightShape cs = c.weight_shape(in);
    const std::array<int64_t, 2> off = branch_offset(m, c);
    const std::vector<float>& cw =
        sized(weights[k].weight, static_cast<size_t>(cs.elements()), net.ops[k].name, "weight");
    for (int64_t o = 0; o < cs.out_channels; ++o)
      for (int64_t y = 0; y < cs.kh; ++y)
        for (int64_t x = 0; x < cs.kw; ++x)
          for (int64_t i = 0; i < cs.in_per_group; ++i)
            w[at(o, y + off[0], x + off[1], i)] +=
                cw[static_cast<size_t>(((o * cs.kh + y) * cs.kw + x) * cs.in_per_group + i)];
    if (!weights[k].bias.empty()) {
      const std::vector<float>& cb = sized(weights[k].bias, bias.size(), net.ops[k].name, "bias");
      for (size_t o = 0; o < bias.size(); ++o) bias[o] += cb[o];
    }
  }
  // The identity: output channel o reads input channel o (as many of each), which is the (o mod
  // in_per_group)-th of its group, at the tap that reads the output pixel's own input pixel.
  const auto identity = [&](const std::vector<float>* scale, const std::vector<float>* shift) {
    for (int64_t o = 0; o < s.out_channels; ++o) {
      w[at(o, m.padding.top, m.padding.left, o % s.in_per_group)] += scale ? (*scale)[static_cast<size_t>(o)] : 1.0;
      if (shift) bias[static_cast<size_t>(o)] += (*shift)[static_cast<size_t>(o)];
    }
  };
  for (size_t k : b.norms)
    identity(&sized(weights[k].weight, bias.size(), net.ops[k].name, "scale"),
             &sized(weights[k].bias, bias.size(), net.ops[k].name, "shift"));
  for (int64_t k = 0; k < b.skips; ++k) identity(nullptr, nullptr);
  return {std::vector<float>(w.begin(), w.end()), std::vector<float>(bias.begin(), bias.end())};
}

}  // namespace cpx::profiler
