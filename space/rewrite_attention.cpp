#include "space/rewrite_attention.hpp"

#include <algorithm>
#include <set>

namespace cpx {

namespace {

constexpr size_t no_index = static_cast<size_t>(-1);

const Op& attn_op_named(const Network& net, const std::string& name, const std::string& file) {
  const size_t i = net.index_of(name);
  if (i >= net.ops.size())
    throw InputError(file + ": rewrite names op \"" + name + "\", which " + net.name + " does not have");
  return net.ops[i];
}

void require_kind(const Network& net, const Rewrite& r, size_t role, bool ok, const char* expected,
                  const std::string& file) {
  if (!ok)
    throw InputError(file + ": " + std::string(to_string(r.kind)) + " names op \"" + r.ops[role] + "\" (" +
                     std::string(attn_op_named(net, r.ops[role], file).kind()) + ") in role " + std::to_string(role) +
                     ", expected " + expected);
}

bool is_weighted_projection(const Op& op) { return op.as<Conv2d>() || op.as<FullyConnected>(); }
bool is_depthwise_conv(const Conv2d& c, int64_t in_channels) { return c.groups == in_channels && c.groups > 1; }

// Padding for a stride-2 window of `kernel` over `size` pixels that gives ceil(size / 2) outputs: odd kernels
// pad kernel/2 on both sides (as PyTorch's padding=k//2), even ones pad what is missing at the bottom/right.
std::pair<int64_t, int64_t> stride2_padding(int64_t kernel, int64_t size) {
  if (kernel % 2 == 1) return {kernel / 2, kernel / 2};
  const int64_t total = std::max<int64_t>(0, ((size + 1) / 2 - 1) * 2 + kernel - size);
  return {total / 2, total - total / 2};
}

// The op the downsampling starts at: a stride-1 depthwise conv the block already has before its
// projections (CPUBone's and LowFormer's stride-1 attention), or the first projection (a depthwise conv
// is inserted before it and every projection reading the same tensor).
struct Anchor {
  size_t op = no_index;
  bool restride = false;
};

Anchor downsample_anchor(const Network& net, const RecognisedBlock& blk, size_t join) {
  for (size_t k : blk.ops) {
    if (k == join || !is_weighted_projection(net.ops[k])) continue;
    const Conv2d* c = net.ops[k].as<Conv2d>();
    const int64_t in_c = net.shape_of(net.ops[k].inputs[0]).c;
    if (c && is_depthwise_conv(*c, in_c))
      return c->stride == std::array<int64_t, 2>{1, 1} && !c->dilated() ? Anchor{k, true} : Anchor{};
    if (c && c->kernel != std::array<int64_t, 2>{1, 1}) return {};
    return {k, false};
  }
  return {};
}

std::optional<Rewrite> downsample_candidate(const Network& net, const RecognisedBlock& blk) {
  if (blk.kind != BlockKind::attention || !blk.residual) return std::nullopt;
  size_t join = no_index;
  bool grid = true, attention = false;
  for (size_t k : blk.ops) {
    const Op& op = net.ops[k];
    // Tokens that are not one pixel grid (a class token, windows, reshaped sequences), or attention that
    // already runs on a resampled map, admit no further downsampling here. A stride-1 transposed conv
    // (LowFormer's stage-4 output projection) is a conv on the tokens, not an upsampling.
    const ConvTranspose2d* t = op.as<ConvTranspose2d>();
    grid = grid && !op.as<Reshape>() && !op.as<ClassToken>() && !op.as<WindowPartition>() &&
           !op.as<UpsampleNearest>() && !op.as<ResizeBilinear>() && !(t && t->stride != std::array<int64_t, 2>{1, 1});
    if (const Matmul* m = op.as<Matmul>(); m && m->transpose_b) {
      attention = true;
      grid = grid && net.shape_of(op.inputs[1]).pixels() == net.shape_of(blk.input).pixels();
    }
    if (op.as<Add>() && std::find(op.inputs.begin(), op.inputs.end(), blk.input) != op.inputs.end()) join = k;
  }
  const ShapeNhwc in = net.shape_of(blk.input);
  if (join == no_index || !grid || !attention || in.h < 4 || in.w < 4) return std::nullopt;
  const Anchor a = downsample_anchor(net, blk, join);
  if (a.op == no_index) return std::nullopt;
  const std::string& source = net.ops[a.op].inputs[0];
  std::set<std::string> reached{net.ops[a.op].name};
  Rewrite r{RewriteKind::attention_downsample, {net.ops[a.op].name, net.ops[join].name}, 2};
  for (size_t k : blk.ops) {
    const Op& op = net.ops[k];
    if (k == join || k == a.op || k < a.op) continue;
    const bool reads = std::any_of(op.inputs.begin(), op.inputs.end(), [&](const std::string& t) {
      return reached.count(t) || (!a.restride && t == source);
    });
    if (reads) reached.insert(op.name), r.ops.push_back(op.name);
  }
  const Op& j = net.ops[join];
  if (!std::any_of(j.inputs.begin(), j.inputs.end(), [&](const std::string& t) { return reached.count(t) > 0; }))
    return std::nullopt;
  return r;
}

// mlp_ratio: the widening projection, the depthwise convs on the hidden width, and the projection back.
void mlp_ratio_candidates(const Network& net, const RecognisedBlock& blk, std::vector<Rewrite>& out) {
  if (blk.kind != BlockKind::mlp || !blk.roles.expand || !blk.roles.project) return;
  const size_t e = *blk.roles.expand, p = *blk.roles.project;
  const int64_t c = net.shape_of(net.ops[e].inputs[0]).c, hidden = net.shape_of(net.ops[e].name).c;
  const Conv2d* ec = net.ops[e].as<Conv2d>();
  if ((ec && ec->groups != 1) || c < 1 || hidden % c != 0 || hidden / c < 2) return;
  std::vector<std::string> ops{net.ops[e].name};
  for (size_t k : blk.ops) {
    if (k <= e || k >= p || !is_weighted_projection(net.ops[k])) continue;
    const Conv2d* dw = net.ops[k].as<Conv2d>();
    if (!dw || !is_depthwise_conv(*dw, net.shape_of(net.ops[k].inputs[0]).c)) return;
    ops.push_back(net.ops[k].name);
  }
  ops.push_back(net.ops[p].name);
  const int64_t ratio = hidden / c;
  out.push_back({RewriteKind::mlp_ratio, ops, (ratio - 1) * c});
  if (ratio % 2 == 0 && ratio / 2 < ratio - 1) out.push_back({RewriteKind::mlp_ratio, ops, ratio / 2 * c});
}

}  // namespace

bool is_attention_rewrite(RewriteKind k) {
  return k == RewriteKind::attention_downsample || k == RewriteKind::mlp_ratio;
}

void check_attention_rewrite(const Network& net, const Rewrite& r, const std::string& file) {
  for (const std::string& name : r.ops) attn_op_named(net, name, file);
  const auto op = [&](size_t role) -> const Op& { return net.ops[net.index_of(r.ops[role])]; };
  const std::string what = std::string(to_string(r.kind));
  switch (r.kind) {
    case RewriteKind::attention_downsample:
      if (r.ops.size() < 3 || r.value != 2)
        throw InputError(
            file + ": " + what + " lists " + std::to_string(r.ops.size()) + " ops with value " +
            std::to_string(r.value) +
            ": expected the first projection or depthwise conv, the residual add, the ops between, and value 2");
      require_kind(net, r, 0, is_weighted_projection(op(0)), "a conv2d or fully_connected", file);
      require_kind(net, r, 1, op(1).as<Add>() != nullptr, "the residual add", file);
      break;
    case RewriteKind::mlp_ratio:
      if (r.ops.size() < 2 || r.value < 1)
        throw InputError(file + ": " + what + " lists " + std::to_string(r.ops.size()) + " ops with value " +
                         std::to_string(r.value) +
                         ": expected the widening projection, the depthwise convs after it, the projection back, and "
                         "the new hidden width");
      for (size_t role = 0; role < r.ops.size(); ++role)
        require_kind(
            net, r, role,
            role == 0 || role + 1 == r.ops.size() ? is_weighted_projection(op(role)) : op(role).as<Conv2d>() != nullptr,
            role == 0 || role + 1 == r.ops.size() ? "a conv2d or fully_connected" : "a depthwise conv2d", file);
      break;
    default: throw InputError(file + ": " + what + " is not an attention or MLP rewrite");
  }
}

void AttentionRewriter::add(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs, const Rewrite& r,
                            size_t role) {
  if (r.kind == RewriteKind::attention_downsample) return add_downsample(b, op, std::move(inputs), r, role);
  add_mlp_ratio(b, op, std::move(inputs), r, role);
}

void AttentionRewriter::add_downsample(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs,
                                       const Rewrite& r, size_t role) {
  const Op& anchor = net_.ops[net_.index_of(r.ops[0])];
  const ShapeNhwc grid = net_.shape_of(anchor.inputs[0]);
  OpAttrs attrs = op.attrs;
  if (role == 0) {
    const Conv2d* c = op.as<Conv2d>();
    if (c && is_depthwise_conv(*c, grid.c) && c->stride == std::array<int64_t, 2>{1, 1}) {
      Conv2d s = *c;
      s.stride = {2, 2};
      const auto [top, bottom] = stride2_padding(c->kernel[0], grid.h);
      const auto [left, right] = stride2_padding(c->kernel[1], grid.w);
      s.padding = {top, bottom, left, right};
      attrs = s;
    } else {
      Conv2d dw{grid.c, {3, 3}, {2, 2}, {1, 1, 1, 1}, grid.c, {1, 1}, true, false, Activation::none};
      downsampled_[r.ops[0]] = b.add(op.name + ".down", {inputs[0]}, dw);
    }
  }
  const auto down = downsampled_.find(r.ops[0]);
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (role == 1) {
      // The residual add: the branch comes back to the block's map by nearest-neighbour upsampling.
      if (std::find(r.ops.begin() + 2, r.ops.end(), op.inputs[k]) == r.ops.end() && op.inputs[k] != r.ops[0]) continue;
      const ShapeNhwc full = net_.shape_of(op.name);
      inputs[k] = b.add(op.name + ".upsample", {inputs[k]}, UpsampleNearest{{0, 0}, {full.h, full.w}});
    } else if (down != downsampled_.end() && op.inputs[k] == anchor.inputs[0]) {
      inputs[k] = down->second;
    }
  }
  if (const Matmul* m = op.as<Matmul>(); m && !m->transpose_b) {
    Matmul n = *m;
    n.a.size = b.shape(inputs[1]).pixels();  // the contraction runs over the fewer keys
    attrs = n;
  }
  if (const AttentionBias* ab = op.as<AttentionBias>()) {
    AttentionBias n = *ab;
    n.table_size = b.shape(inputs[0]).pixels();  // one offset per position of the smaller square grid
    attrs = n;
  }
  b.add(op.name, std::move(inputs), attrs);
}

void AttentionRewriter::add_mlp_ratio(NetworkBuilder& b, const Op& op, std::vector<std::string> inputs,
                                      const Rewrite& r, size_t role) {
  OpAttrs attrs = op.attrs;
  if (role + 1 < r.ops.size()) {
    if (const FullyConnected* f = op.as<FullyConnected>()) {
      FullyConnected n = *f;
      n.out_features = r.value;
      attrs = n;
    } else if (const Conv2d* c = op.as<Conv2d>()) {
      Conv2d n = *c;
      n.out_channels = r.value;
      if (role > 0) n.groups = r.value;  // a depthwise conv on the hidden width stays depthwise
      attrs = n;
    }
  }
  b.add(op.name, std::move(inputs), attrs);
}

std::vector<Rewrite> attention_candidates(const Network& net, const RecognisedBlock& block, int64_t) {
  std::vector<Rewrite> out;
  if (auto d = downsample_candidate(net, block)) out.push_back(std::move(*d));
  mlp_ratio_candidates(net, block, out);
  return out;
}

}  // namespace cpx
