#include "space/rewrite.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "space/blocks.hpp"
#include "space/reparam.hpp"
#include "space/rewrite_attention.hpp"

namespace cpx {

namespace {

bool zero_at_zero(Activation a) {
  switch (a) {
    case Activation::none:
    case Activation::relu:
    case Activation::relu6:
    case Activation::hardswish:
    case Activation::silu:
    case Activation::gelu:
    case Activation::gelu_tanh:
    case Activation::leaky_relu:
    case Activation::elu:
    case Activation::tanh:
    case Activation::mish: return true;
    case Activation::hardsigmoid:
    case Activation::sigmoid:
    case Activation::softplus: return false;
  }
  return false;
}

const Conv2d& conv_named(const Network& net, const std::string& name, const std::string& file) {
  const size_t i = net.index_of(name);
  if (i >= net.ops.size())
    throw InputError(file + ": rewrite names op \"" + name + "\", which " + net.name + " does not have");
  const Conv2d* c = net.ops[i].as<Conv2d>();
  if (!c)
    throw InputError(file + ": rewrite names op \"" + name + "\" (" + std::string(net.ops[i].kind()) +
                     "), not a conv2d");
  return *c;
}

// Ops whose shapes may follow a changed channel count without being named by the rewrite: they pass their
// input's channels on (a squeeze-excite's pool and gate, activations, BatchNorm). Any change reaches a conv,
// a join or the output, where it is caught.
bool passes_channels_on(const Op& op) {
  return op.as<ActivationOp>() || op.as<BatchNorm>() || op.as<Multiply>() || op.as<GlobalAvgPool>();
}

// The change `r` makes to the op in role `role`; nullopt: the op is removed (its output is its input's).
std::optional<Conv2d> rewritten(const Rewrite& r, size_t role, Conv2d c, std::map<std::string, int64_t>& fused_groups) {
  switch (r.kind) {
    case RewriteKind::group_conv: c.groups = r.value; return c;
    case RewriteKind::kernel_2x2:
      c.kernel = {2, 2};
      c.padding = same_padding(2, c.stride[0]);
      return c;
    case RewriteKind::depthwise_kernel:
      c.kernel = {r.value, r.value};
      c.padding = same_padding(r.value, c.stride[0]);
      return c;
    case RewriteKind::round_channels:
      c.out_channels = r.value;
      if (role == 1) c.groups = r.value;
      return c;
    case RewriteKind::unfuse_mbconv:
      c.groups = c.out_channels;  // the kxk becomes the depthwise conv; its 1x1 is inserted before it
      return c;
    case RewriteKind::fuse_mbconv:
      if (role == 0) {
        fused_groups[r.ops[1]] = c.groups;
        return std::nullopt;
      }
      c.groups = fused_groups.at(r.ops[1]);
      return c;
    case RewriteKind::reparameterize:
      if (role > 0) return std::nullopt;  // a branch merged into the first conv
      c.bias = true;  // the branches' biases and the identity's shift sum there (a folded BatchNorm's shift too)
      c.batch_norm = false;
      return c;
    case RewriteKind::attention_downsample:
    case RewriteKind::mlp_ratio:
    case RewriteKind::count_: break;  // rewrite_attention.cpp rebuilds their ops
  }
  return c;
}

void require_shapes_kept(const Network& before, const Network& after,
                         const std::map<std::string, std::pair<size_t, size_t>>& named, const std::string& file) {
  for (size_t i = 0; i < after.ops.size(); ++i) {
    const Op& op = after.ops[i];
    const size_t j = before.index_of(op.name);
    if (j >= before.ops.size() || named.count(op.name) || passes_channels_on(op)) continue;
    if (after.shapes[i] != before.shapes[j])
      throw InputError(file + ": the rewrites change op \"" + op.name + "\"'s output from " + before.shapes[j].str() +
                       " to " + after.shapes[i].str() + ": a rewrite must keep its block's input and output shapes");
  }
  if (after.shape_of(after.output) != before.shape_of(before.output))
    throw InputError(file + ": the rewrites change the network's output from " + before.shape_of(before.output).str() +
                     " to " + after.shape_of(after.output).str() +
                     ": a rewrite must keep its block's input and output shapes");
}

// The ops a reparameterize rewrite removes besides its branch convs (identity BatchNorms, the adds), each
// mapped to the merged conv whose output replaces the sum; the rewrite must name the block's branch convs,
// the largest first.
void plan_reparameterize(const Network& net, const Rewrite& r, const std::string& file,
                         std::map<std::string, std::string>& merged_into) {
  const std::optional<ParallelBranches> b = BranchFinder(net).at(net.index_of(r.ops[0]));
  std::vector<std::string> convs;
  if (b)
    for (size_t k : b->convs) convs.push_back(net.ops[k].name);
  std::vector<std::string> named(r.ops.begin() + 1, r.ops.end());
  std::sort(convs.begin(), convs.end());
  std::sort(named.begin(), named.end());
  if (!b || net.ops[b->merged].name != r.ops[0] ||
      !std::includes(convs.begin(), convs.end(), named.begin(), named.end()) || convs.size() != named.size() + 1)
    throw InputError(file + ": rewrite reparameterize names op \"" + r.ops[0] + "\" and " +
                     std::to_string(named.size()) +
                     " other(s), which are not the largest and the other convs of parallel branches that merge into "
                     "one conv exactly");
  for (const auto* ops : {&b->norms, &b->adds})
    for (size_t k : *ops) merged_into[net.ops[k].name] = r.ops[0];
}

}  // namespace

bool keeps_function(const Rewrite& r, const Network& net) {
  if (r.kind == RewriteKind::reparameterize) return true;  // apply_rewrites refuses any other merge
  if (r.kind != RewriteKind::round_channels) return false;
  const Conv2d* expand = net.ops[net.index_of(r.ops[0])].as<Conv2d>();
  const Conv2d* dw = net.ops[net.index_of(r.ops[1])].as<Conv2d>();
  return expand && dw && r.value > expand->out_channels && expand->groups == 1 && zero_at_zero(expand->activation) &&
         zero_at_zero(dw->activation);
}

std::string receptive_field_note(const Rewrite& r, const Network& net) {
  const std::string& name = r.ops[0];
  if (r.kind == RewriteKind::attention_downsample) {
    const ShapeNhwc s = net.shape_of(net.ops[net.index_of(name)].inputs[0]);
    return name + ": the attention attends over a " + std::to_string((s.h + 1) / 2) + "x" +
           std::to_string((s.w + 1) / 2) + " map instead of " + std::to_string(s.h) + "x" + std::to_string(s.w) +
           "; each 2x2 patch of its output shares one token's value";
  }
  if (r.kind == RewriteKind::mlp_ratio) return "";
  const Conv2d& c = conv_named(net, name, "rewrite");
  switch (r.kind) {
    case RewriteKind::kernel_2x2:
      return name +
             ": 3x3/s2 -> 2x2/s2 windows no longer overlap; this layer's receptive field shrinks from 3 to 2 input "
             "pixels per axis (the network's by 1 pixel of this resolution per axis)";
    case RewriteKind::depthwise_kernel:
      return name + ": " + std::to_string(c.kernel[0]) + "x" + std::to_string(c.kernel[1]) + " -> " +
             std::to_string(r.value) + "x" + std::to_string(r.value) + ": the receptive field shrinks by " +
             std::to_string(c.kernel[0] - r.value) + " pixels per axis at this resolution";
    case RewriteKind::group_conv:
      return name + ": each output channel sees 1/" + std::to_string(r.value) + " of the input channels";
    case RewriteKind::round_channels:
    case RewriteKind::unfuse_mbconv:
    case RewriteKind::fuse_mbconv:
    case RewriteKind::reparameterize:
    case RewriteKind::attention_downsample:
    case RewriteKind::mlp_ratio:
    case RewriteKind::count_: break;
  }
  return "";
}

Network apply_rewrites(const Network& net, std::span<const Rewrite> rewrites, const std::string& file) {
  std::map<std::string, std::pair<size_t, size_t>> named;  // op -> (rewrite, role)
  for (size_t k = 0; k < rewrites.size(); ++k)
    for (size_t role = 0; role < rewrites[k].ops.size(); ++role) {
      const std::string& name = rewrites[k].ops[role];
      if (!is_attention_rewrite(rewrites[k].kind)) conv_named(net, name, file);
      else if (role == 0) check_attention_rewrite(net, rewrites[k], file);
      if (!named.emplace(name, std::pair{k, role}).second)
        throw InputError(file + ": two rewrites change op \"" + name + "\": rewrites must touch disjoint ops");
    }
  std::map<std::string, std::string> merged_into;  // an identity BatchNorm or add a merge removes -> the merged conv
  for (const Rewrite& r : rewrites)
    if (r.kind == RewriteKind::reparameterize) plan_reparameterize(net, r, file, merged_into);
  NetworkBuilder b(net.name + "+rewrites", net.family, net.input, Where(file));
  std::map<std::string, std::string> renamed;  // a removed op's output -> the tensor that replaces it
  std::map<std::string, int64_t> fused_groups;
  AttentionRewriter attention(net);
  for (const Op& op : net.ops) {
    std::vector<std::string> inputs = op.inputs;
    for (std::string& t : inputs)
      if (auto it = renamed.find(t); it != renamed.end()) t = it->second;
    b.locate(Where(file, "rewritten op \"" + op.name + "\""));
    if (auto m = merged_into.find(op.name); m != merged_into.end()) {
      renamed[op.name] = m->second;
      continue;
    }
    auto it = named.find(op.name);
    if (it == named.end()) {
      b.add(op.name, std::move(inputs), op.attrs);
      continue;
    }
    const Rewrite& r = rewrites[it->second.first];
    if (is_attention_rewrite(r.kind)) {
      attention.add(b, op, std::move(inputs), r, it->second.second);
      continue;
    }
    const std::optional<Conv2d> c = rewritten(r, it->second.second, *op.as<Conv2d>(), fused_groups);
    if (!c) {
      renamed[op.name] = inputs[0];
      continue;
    }
    if (r.kind == RewriteKind::unfuse_mbconv) {
      Conv2d pw = *op.as<Conv2d>();
      pw.kernel = {1, 1};
      pw.stride = {1, 1};
      pw.padding = {};
      pw.dilation = {1, 1};
      inputs = {b.add(op.name + ".pw", std::move(inputs), pw)};
    }
    b.add(op.name, std::move(inputs), *c);
  }
  Network out = std::move(b).finish(renamed.count(net.output) ? renamed.at(net.output) : net.output);
  require_shapes_kept(net, out, named, file);
  return out;
}

namespace {

// Collects the rewrites one block admits; each is kept only if it applies alone.
class Candidates {
 public:
  Candidates(const Network& net, int64_t vector_channels) : net_(net), vector_(vector_channels) {}

  std::vector<Rewrite> of(const RecognisedBlock& b) {
    out_.clear();
    const BlockRoles& r = b.roles;
    switch (b.kind) {
      case BlockKind::inverted_residual:
        group(r.expand), group(r.project), stride2(r.spatial), smaller_dw(r.spatial), round(b), fuse(r);
        break;
      case BlockKind::fused_mbconv: group(r.expand), group(r.project), stride2(r.expand), unfuse(r.expand); break;
      case BlockKind::depthwise_separable: group(r.project), stride2(r.spatial), smaller_dw(r.spatial); break;
      case BlockKind::bottleneck: group(r.expand), group(r.spatial), group(r.project), stride2(r.spatial); break;
      case BlockKind::basic_residual: group(r.spatial), group(r.second), stride2(r.spatial); break;
      case BlockKind::mlp: group(r.expand), group(r.project), smaller_dw(r.spatial), attention_and_mlp(b); break;
      case BlockKind::conv: group(r.spatial), stride2(r.spatial); break;
      case BlockKind::shuffle_unit:
      case BlockKind::ghost_module:
      case BlockKind::dense_layer:
      case BlockKind::inception:
      case BlockKind::token_mixer:
      case BlockKind::pointwise:
        each_conv(b);
        if (r.expand && r.spatial) round(b), fuse(r);
        break;
      case BlockKind::parallel_branches: reparameterize(b); break;
      case BlockKind::attention: attention_and_mlp(b); break;
      case BlockKind::classifier:
      case BlockKind::count_: break;
    }
    return out_;
  }

 private:
  const Network& net_;
  int64_t vector_;
  std::vector<Rewrite> out_;

  const Conv2d* conv(std::optional<size_t> i) const { return i ? net_.ops[*i].as<Conv2d>() : nullptr; }
  int64_t in_channels(size_t i) const { return net_.shape_of(net_.ops[i].inputs[0]).c; }
  void keep_if_it_applies(Rewrite r) {
    try {
      const Rewrite one[] = {r};
      apply_rewrites(net_, one);
      out_.push_back(std::move(r));
    } catch (const InputError&) {
      // Not applicable here (e.g. a 2x2 window would not cover an odd input): not a candidate.
    }
  }
  void group(std::optional<size_t> i) {
    const Conv2d* c = conv(i);
    if (c && c->groups == 1 && in_channels(*i) % 2 == 0 && c->out_channels % 2 == 0 && in_channels(*i) >= 8)
      keep_if_it_applies({RewriteKind::group_conv, {net_.ops[*i].name}, 2});
  }
  // Blocks whose convs have no fixed roles (branches joined by a concat, lone convs): each conv takes the
  // rewrites of its class, a 1x1 or dense kxk conv groups 2, a strided 3x3 a 2x2 kernel, a depthwise a smaller kernel.
  void each_conv(const RecognisedBlock& b) {
    for (size_t k : b.ops) {
      const Conv2d* c = conv(k);
      if (!c) continue;
      if (c->groups == in_channels(k) && c->groups > 1) {
        stride2(k), smaller_dw(k);
      } else {
        group(k);
        if (c->kernel != std::array<int64_t, 2>{1, 1}) stride2(k);
      }
    }
  }
  void stride2(std::optional<size_t> i) {
    const Conv2d* c = conv(i);
    // Dilated convs keep their kernel: a smaller one would change the receptive field they were dilated for.
    if (c && !c->dilated() && c->stride == std::array<int64_t, 2>{2, 2} && c->kernel == std::array<int64_t, 2>{3, 3})
      keep_if_it_applies({RewriteKind::kernel_2x2, {net_.ops[*i].name}, 2});
  }
  void smaller_dw(std::optional<size_t> i) {
    const Conv2d* c = conv(i);
    if (c && !c->dilated() && c->groups == in_channels(*i) && c->groups > 1 && c->kernel[0] == c->kernel[1] &&
        c->kernel[0] >= 5 && c->kernel[0] % 2 == 1)
      keep_if_it_applies({RewriteKind::depthwise_kernel, {net_.ops[*i].name}, c->kernel[0] - 2});
  }
  void round(const RecognisedBlock& b) {
    const Conv2d* e = conv(b.roles.expand);
    if (!e || e->groups != 1 || vector_ < 2 || e->out_channels % vector_ == 0) return;
    std::vector<std::string> ops{net_.ops[*b.roles.expand].name, net_.ops[*b.roles.spatial].name};
    // The squeeze-excite's last conv gives the gate one value per expanded channel.
    for (auto k = b.roles.squeeze_excite.rbegin(); k != b.roles.squeeze_excite.rend(); ++k)
      if (const Conv2d* se = net_.ops[*k].as<Conv2d>(); se && se->out_channels == e->out_channels) {
        ops.push_back(net_.ops[*k].name);
        break;
      }
    const int64_t down = e->out_channels / vector_ * vector_, up = down + vector_;
    keep_if_it_applies({RewriteKind::round_channels, ops, up});
    if (down >= vector_) keep_if_it_applies({RewriteKind::round_channels, ops, down});
  }
  void attention_and_mlp(const RecognisedBlock& b) {
    for (Rewrite& r : attention_candidates(net_, b, vector_)) keep_if_it_applies(std::move(r));
  }
  void fuse(const BlockRoles& r) {
    if (conv(r.expand) && conv(r.spatial))
      keep_if_it_applies({RewriteKind::fuse_mbconv, {net_.ops[*r.expand].name, net_.ops[*r.spatial].name}, 0});
  }
  void reparameterize(const RecognisedBlock& b) {
    const size_t merged = *b.roles.spatial;
    std::vector<std::string> ops{net_.ops[merged].name};
    for (size_t k : b.ops)
      if (k != merged && conv(k)) ops.push_back(net_.ops[k].name);
    keep_if_it_applies({RewriteKind::reparameterize, ops, 0});
  }
  void unfuse(std::optional<size_t> i) {
    if (const Conv2d* c = conv(i); c && c->groups == 1)
      keep_if_it_applies({RewriteKind::unfuse_mbconv, {net_.ops[*i].name}, 0});
  }
};

}  // namespace

std::vector<BlockRewrites> candidate_rewrites(const Network& net, const Recognition& r, int64_t vector_channels) {
  std::vector<BlockRewrites> out;
  Candidates c(net, vector_channels);
  for (size_t k = 0; k < r.blocks.size(); ++k) {
    std::vector<Rewrite> rewrites = c.of(r.blocks[k]);
    if (!rewrites.empty()) out.push_back({k, std::move(rewrites)});
  }
  return out;
}

Json to_json(const Rewrite& r) {
  return Json{{"kind", std::string(to_string(r.kind))}, {"ops", r.ops}, {"value", r.value}};
}

Rewrite read_rewrite(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  const std::string kind = o.string("kind");
  const std::optional<RewriteKind> found = rewrite_kind_names.find(kind);
  if (!found) o.at("kind").fail(kind, "unknown rewrite kind");
  Rewrite r{*found, {}, 0};
  const Json& ops = o.raw("ops");
  if (!ops.is_array() || ops.empty()) o.at("ops").fail(ops, "expected a non-empty array of op names");
  for (const Json& n : ops) {
    if (!n.is_string()) o.at("ops").fail(n, "expected an op name");
    r.ops.push_back(n.get<std::string>());
  }
  r.value = o.integer("value", 0, limits::max_channels, 0);
  o.finish();
  return r;
}

}  // namespace cpx
