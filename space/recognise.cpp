#include "space/recognise.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "space/reparam.hpp"

namespace cpx {

namespace {

constexpr size_t no_op = static_cast<size_t>(-1);
constexpr const char* separators = "./";

bool is_separator(char c) { return c == '.' || c == '/'; }

// Whether a name's path ends or breaks at position `len` (`/layer3/layer3.0` at 16 of `/layer3/layer3.0/Add`).
bool at_separator(std::string_view name, size_t len) {
  return len == name.size() || is_separator(name[len]) || (len > 0 && is_separator(name[len - 1]));
}

// Whether `name` is `path` or continues it past a separator (`/layer3/layer3.0/conv1/Conv` continues
// `/layer3/layer3.0`).
bool continues(std::string_view name, std::string_view path) {
  return name.substr(0, path.size()) == path && at_separator(name, path.size());
}

// The shortest path of `first` (cut before a separator) longer than `shared` that no other first op of
// `others` continues and no block is named; `first` itself, unique in a network, is the last resort.
std::string shortest_unique_path(const std::string& first, const std::string& shared,
                                 const std::vector<std::string_view>& others,
                                 const std::set<std::string, std::less<>>& used) {
  for (size_t len = shared.size() + 1; len < first.size(); ++len) {
    if (!at_separator(first, len) || is_separator(first[len - 1])) continue;
    const std::string_view candidate = std::string_view(first).substr(0, len);
    if (!used.count(candidate) &&
        std::none_of(others.begin(), others.end(), [&](std::string_view o) { return continues(o, candidate); }))
      return std::string(candidate);
  }
  return first;
}

// Blocks whose shared paths coincide (two blocks of one module) each take the shortest path of their first
// op that tells them apart, so that a user finds each block by its name in text, JSON and the report.
void make_names_unique(const Network& net, std::vector<RecognisedBlock>& blocks) {
  std::map<std::string, std::vector<size_t>, std::less<>> by_name;
  std::set<std::string, std::less<>> used;
  for (size_t i = 0; i < blocks.size(); ++i) by_name[blocks[i].name].push_back(i), used.insert(blocks[i].name);
  for (const auto& [shared, group] : by_name) {
    if (group.size() < 2) continue;
    for (size_t i : group) {
      std::vector<std::string_view> others;
      for (size_t j : group)
        if (j != i) others.push_back(net.ops[blocks[j].ops.front()].name);
      blocks[i].name = shortest_unique_path(net.ops[blocks[i].ops.front()].name, shared, others, used);
      used.insert(blocks[i].name);
    }
  }
}

// One conv of a chain, with the ops that only pass its output on (an activation or BatchNorm op, a
// squeeze-excite gate) and the tensor the step ends in.
struct Step {
  size_t conv;
  std::vector<size_t> extra;
  std::vector<size_t> squeeze_excite;
  size_t last;  // op whose output ends the step
};

class Recogniser {
 public:
  explicit Recogniser(const Network& net)
      : net_(net), assigned_(net.ops.size(), false), idom_(net.ops.size(), root), depth_(net.ops.size(), 1) {
    for (size_t i = 0; i < net.ops.size(); ++i)
      for (const std::string& t : net.ops[i].inputs) consumers_[t].push_back(i);
    dominators();
  }

  Recognition run() {
    Recognition r;
    // Parallel branches summed (RepVGG's and MobileOne's blocks in training form) first: their convs would
    // otherwise stand alone, and their identity BatchNorm and adds go unrecognised.
    const BranchFinder branches(net_);
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && net_.ops[i].as<Conv2d>())
        if (auto p = branches.at(i)) take(r, parallel_block(*p));
    // Attention branches: their QKV and projection convs would otherwise start conv chains.
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && net_.ops[i].as<Add>())
        if (auto b = residual_branch(i); b && b->kind == BlockKind::attention) take(r, std::move(*b));
    // Conv chains closed by a residual add, then other residual branches (an MLP whose spatial conv sits
    // behind a norm or a split, as in ConvNeXt and FasterNet), then conv chains without a residual.
    // Branches joined by a concat come before the chains without a residual, whose convs they hold: the
    // same unit is then one kind wherever it sits, whether or not its first 1x1 widens.
    for (bool residual : {true, false}) {
      for (size_t i = 0; i < net_.ops.size(); ++i)
        if (!assigned_[i] && net_.ops[i].as<Conv2d>())
          if (auto b = conv_block(i); b && b->residual == residual) take(r, std::move(*b));
      if (residual) {
        for (size_t i = 0; i < net_.ops.size(); ++i)
          if (!assigned_[i] && net_.ops[i].as<Add>())
            if (auto b = residual_branch(i)) take(r, std::move(*b));
        for (size_t i = 0; i < net_.ops.size(); ++i)
          if (!assigned_[i] && (net_.ops[i].as<Add>() || net_.ops[i].as<Concat>()))
            if (auto b = attention_region(i)) take(r, std::move(*b));
        for (size_t i = 0; i < net_.ops.size(); ++i)
          if (!assigned_[i] && net_.ops[i].as<Concat>())
            if (auto b = concat_block(i)) take(r, std::move(*b));
      }
    }
    // Last, each conv left over is a block of its own, so that the rewrites of its class reach it: kxk
    // convs, depthwise convs (token mixers), 1x1 convs; then classifier heads and the adds left between blocks.
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && (is_pool(net_.ops[i]) || net_.ops[i].as<FullyConnected>() || net_.ops[i].as<Reshape>()))
        if (auto b = classifier(i)) take(r, std::move(*b));
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && is_spatial(i)) take(r, lone_conv(i, BlockKind::conv));
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && is_depthwise(i)) take(r, lone_conv(i, BlockKind::token_mixer));
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && is_1x1(i)) take(r, lone_conv(i, BlockKind::pointwise));
    attach_leftover_adds(r);
    std::sort(r.blocks.begin(), r.blocks.end(),
              [](const auto& a, const auto& b) { return a.ops.front() < b.ops.front(); });
    make_names_unique(net_, r.blocks);
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i]) r.unrecognised.push_back(i);
    return r;
  }

 private:
  static constexpr int64_t root = -1;  // the network's input, which dominates every op
  const Network& net_;
  std::vector<bool> assigned_;
  std::map<std::string, std::vector<size_t>, std::less<>> consumers_;
  std::vector<int64_t> idom_;   // each op's immediate dominator: the last op every path from the input to it passes
  std::vector<int64_t> depth_;  // its depth in the dominator tree (the input at 0)

  int64_t producer(const std::string& t) const {
    return t == input_tensor ? root : static_cast<int64_t>(net_.index_of(t));
  }
  int64_t depth(int64_t k) const { return k == root ? 0 : depth_[static_cast<size_t>(k)]; }
  int64_t common_dominator(int64_t a, int64_t b) const {
    while (a != b) {
      if (depth(a) < depth(b)) std::swap(a, b);
      a = idom_[static_cast<size_t>(a)];
    }
    return a;
  }
  // Ops are in execution order, so each op's inputs have their dominators when it is reached.
  void dominators() {
    for (size_t i = 0; i < net_.ops.size(); ++i) {
      const auto& in = net_.ops[i].inputs;
      int64_t d = in.empty() ? root : producer(in[0]);
      for (const std::string& t : in) d = common_dominator(d, producer(t));
      idom_[i] = d;
      depth_[i] = depth(d) + 1;
    }
  }
  std::string tensor_of(int64_t k) const {
    return k == root ? std::string(input_tensor) : net_.ops[static_cast<size_t>(k)].name;
  }

  const std::vector<size_t>& consumers(const std::string& tensor) const {
    static const std::vector<size_t> none;
    auto it = consumers_.find(tensor);
    return it == consumers_.end() ? none : it->second;
  }
  // The single unassigned consumer of op i's output, if it has exactly one consumer.
  size_t only_consumer(size_t i) const {
    const auto& c = consumers(net_.ops[i].name);
    return c.size() == 1 && !assigned_[c[0]] ? c[0] : no_op;
  }
  int64_t in_channels(size_t i) const { return net_.shape_of(net_.ops[i].inputs[0]).c; }
  int64_t out_channels(size_t i) const { return net_.shapes[i].c; }
  const Conv2d* conv(size_t i) const { return net_.ops[i].as<Conv2d>(); }
  bool is_1x1(size_t i) const { return conv(i) && conv(i)->kernel == std::array<int64_t, 2>{1, 1}; }
  bool is_depthwise(size_t i) const { return conv(i) && conv_class(*conv(i), in_channels(i)) == ConvClass::depthwise; }
  bool is_spatial(size_t i) const { return conv(i) && !is_1x1(i) && !is_depthwise(i); }  // dense or grouped kxk

  // Passes on op `last`'s output through activation and BatchNorm ops; returns the new last op.
  size_t absorb_passthrough(size_t last, std::vector<size_t>& extra) const {
    for (size_t k = only_consumer(last); k != no_op && (net_.ops[k].as<ActivationOp>() || net_.ops[k].as<BatchNorm>());
         k = only_consumer(last)) {
      extra.push_back(k);
      last = k;
    }
    return last;
  }

  // Squeeze-excite on op t's output: t feeds a global pool and a multiply; the pool's single-consumer chain
  // of convs, linears and activations reaches that multiply. Returns its ops (pool first, multiply last).
  std::vector<size_t> squeeze_excite(size_t t) const {
    const auto& c = consumers(net_.ops[t].name);
    if (c.size() != 2) return {};
    for (int first = 0; first < 2; ++first) {
      const size_t pool = c[first], mul = c[1 - first];
      if (!net_.ops[pool].as<GlobalAvgPool>() || !net_.ops[mul].as<Multiply>() || assigned_[pool] || assigned_[mul])
        continue;
      std::vector<size_t> ops{pool};
      for (size_t k = only_consumer(pool); k != no_op; k = only_consumer(ops.back())) {
        if (k == mul) {
          ops.push_back(mul);
          return ops;
        }
        const Op& op = net_.ops[k];
        if (!op.as<Conv2d>() && !op.as<FullyConnected>() && !op.as<ActivationOp>()) break;
        ops.push_back(k);
      }
    }
    return {};
  }

  std::vector<Step> chain(size_t i) const {
    std::vector<Step> steps;
    for (size_t cur = i; cur != no_op && !assigned_[cur] && conv(cur) && steps.size() < 4;) {
      Step s{cur, {}, {}, cur};
      s.last = absorb_passthrough(cur, s.extra);
      s.squeeze_excite = squeeze_excite(s.last);
      if (!s.squeeze_excite.empty()) s.last = absorb_passthrough(s.squeeze_excite.back(), s.extra);
      steps.push_back(s);
      const size_t next = only_consumer(s.last);
      cur = next != no_op && conv(next) ? next : no_op;
    }
    return steps;
  }

  // The conv patterns, longest first, on a chain's leading steps: the block's kind and how many steps.
  std::optional<std::pair<BlockKind, size_t>> match(const std::vector<Step>& s) const {
    auto widens = [&](size_t i) { return out_channels(i) > in_channels(i); };
    if (s.size() >= 3 && is_1x1(s[0].conv) && is_1x1(s[2].conv)) {
      // Not only a widening 1x1: the same unit is one kind whatever its expansion ratio (ShuffleNet keeps widths).
      if (is_depthwise(s[1].conv) && out_channels(s[0].conv) >= in_channels(s[0].conv))
        return std::pair{BlockKind::inverted_residual, size_t{3}};
      if (is_spatial(s[1].conv)) return std::pair{BlockKind::bottleneck, size_t{3}};
    }
    if (s.size() >= 2 && is_depthwise(s[0].conv) && is_1x1(s[1].conv))
      return std::pair{BlockKind::depthwise_separable, size_t{2}};
    if (s.size() >= 2 && is_spatial(s[0].conv) && widens(s[0].conv) && is_1x1(s[1].conv))
      return std::pair{BlockKind::fused_mbconv, size_t{2}};
    if (s.size() >= 2 && is_spatial(s[0].conv) && is_spatial(s[1].conv))
      return std::pair{BlockKind::basic_residual, size_t{2}};
    if (s.size() >= 2 && is_1x1(s[0].conv) && widens(s[0].conv) && is_1x1(s[1].conv))
      return std::pair{BlockKind::mlp, size_t{2}};
    return std::nullopt;
  }

  // The residual add closing a block that reads `input` and ends in op `last`: the add's other input is
  // `input` itself or a shortcut op (conv or pooling) reading only it. Adds the ops to `b`.
  bool close_residual(RecognisedBlock& b, size_t last) const {
    const size_t add = only_consumer(last);
    if (add == no_op || !net_.ops[add].as<Add>() || net_.ops[add].inputs.size() != 2) return false;
    const Op& a = net_.ops[add];
    const std::string& other = a.inputs[0] == net_.ops[last].name ? a.inputs[1] : a.inputs[0];
    // A pre-norm block, x + f(norm(x)): the norm belongs to the block, which then reads x.
    if (const size_t n = b.input == input_tensor ? no_op : net_.index_of(b.input);
        other != b.input && n < net_.ops.size() && !assigned_[n] && net_.ops[n].inputs.size() == 1 &&
        net_.ops[n].inputs[0] == other && consumers(b.input).size() == 1 &&
        (net_.ops[n].as<GroupNorm>() || net_.ops[n].as<LayerNorm>() || net_.ops[n].as<BatchNorm>())) {
      b.ops.push_back(n);
      b.input = other;
    }
    if (other != b.input) {
      const size_t s = net_.index_of(other);
      if (s >= net_.ops.size() || assigned_[s] || net_.ops[s].inputs.size() != 1 || net_.ops[s].inputs[0] != b.input)
        return false;
      const Op& sc = net_.ops[s];
      if (!sc.as<Conv2d>() && !sc.as<AvgPool>() && !sc.as<MaxPool>()) return false;
      b.ops.push_back(s);
    }
    b.ops.push_back(add);
    b.output = add;
    std::vector<size_t> after;
    b.output = absorb_passthrough(add, after);
    b.ops.insert(b.ops.end(), after.begin(), after.end());
    b.residual = true;
    return true;
  }

  std::optional<RecognisedBlock> conv_block(size_t i) const {
    const std::vector<Step> steps = chain(i);
    const auto m = match(steps);
    if (!m) return std::nullopt;
    const auto [kind, n] = *m;
    RecognisedBlock b{kind, {}, net_.ops[i].inputs[0], steps[n - 1].last, false, {}, {}};
    for (size_t k = 0; k < n; ++k) {
      b.ops.push_back(steps[k].conv);
      b.ops.insert(b.ops.end(), steps[k].extra.begin(), steps[k].extra.end());
      b.ops.insert(b.ops.end(), steps[k].squeeze_excite.begin(), steps[k].squeeze_excite.end());
      if (!steps[k].squeeze_excite.empty()) b.roles.squeeze_excite = steps[k].squeeze_excite;
    }
    switch (kind) {
      case BlockKind::inverted_residual:
      case BlockKind::bottleneck:
        b.roles = {steps[0].conv, steps[1].conv, steps[2].conv, std::nullopt, b.roles.squeeze_excite};
        break;
      case BlockKind::depthwise_separable:
        b.roles = {std::nullopt, steps[0].conv, steps[1].conv, std::nullopt, b.roles.squeeze_excite};
        break;
      case BlockKind::fused_mbconv:
      case BlockKind::mlp:
        b.roles = {steps[0].conv, std::nullopt, steps[1].conv, std::nullopt, b.roles.squeeze_excite};
        break;
      case BlockKind::basic_residual:
        b.roles = {std::nullopt, steps[0].conv, std::nullopt, steps[1].conv, b.roles.squeeze_excite};
        break;
      case BlockKind::attention:
      case BlockKind::conv:
      case BlockKind::shuffle_unit:
      case BlockKind::ghost_module:
      case BlockKind::dense_layer:
      case BlockKind::inception:
      case BlockKind::token_mixer:
      case BlockKind::pointwise:
      case BlockKind::classifier:
      case BlockKind::parallel_branches:
      case BlockKind::count_: break;
    }
    if (!close_residual(b, steps[n - 1].last) && kind == BlockKind::basic_residual) return std::nullopt;
    return b;
  }

  // A conv with the BatchNorm and activation ops after it (a token mixer's squeeze-excite too), the norm
  // and activation ops before it that feed only it (a pre-activation), and a residual add if one closes it.
  RecognisedBlock lone_conv(size_t i, BlockKind kind) const {
    RecognisedBlock b{kind, {i}, net_.ops[i].inputs[0], i, false, {}, {}};
    (kind == BlockKind::pointwise ? b.roles.project : b.roles.spatial) = i;
    b.output = absorb_passthrough(i, b.ops);
    if (kind == BlockKind::token_mixer)
      if (std::vector<size_t> se = squeeze_excite(b.output); !se.empty()) {
        b.ops.insert(b.ops.end(), se.begin(), se.end());
        b.roles.squeeze_excite = se;
        b.output = absorb_passthrough(se.back(), b.ops);
      }
    // A norm after a stem or downsampling conv (ConvNeXt's LayerNorm), and one before it, belong to it.
    if (const size_t n = only_consumer(b.output); n != no_op && is_norm(net_.ops[n])) b.ops.push_back(n), b.output = n;
    absorb_preceding(b);
    close_residual(b, b.output);
    return b;
  }

  static RecognisedBlock parallel_block(const ParallelBranches& p) {
    RecognisedBlock b{BlockKind::parallel_branches,    p.convs, p.input, p.activation.value_or(p.adds.back()),
                      !p.norms.empty() || p.skips > 0, {},      {}};
    b.ops.insert(b.ops.end(), p.norms.begin(), p.norms.end());
    b.ops.insert(b.ops.end(), p.adds.begin(), p.adds.end());
    if (p.activation) b.ops.push_back(*p.activation);
    b.roles.spatial = p.merged;
    return b;
  }

  // The norm and activation ops before a block's first op that feed only it (DenseNet's transitions).
  void absorb_preceding(RecognisedBlock& b) const {
    for (int64_t k = producer(b.input); k != root;) {
      const size_t p = static_cast<size_t>(k);
      const Op& op = net_.ops[p];
      if (assigned_[p] || consumers(op.name).size() != 1 || (!op.as<ActivationOp>() && !is_norm(op))) break;
      b.ops.push_back(p);
      b.input = op.inputs[0];
      k = producer(b.input);
    }
  }

  // x + branch(x) where the branch holds attention (matmul, softmax) or is an MLP (two or more weight
  // layers, the first widening): the ops between x and the add, none of them in another block.
  std::optional<RecognisedBlock> residual_branch(size_t add) const {
    const Op& a = net_.ops[add];
    if (a.inputs.size() != 2) return std::nullopt;
    auto index = [&](const std::string& t) { return t == input_tensor ? -1 : static_cast<int64_t>(net_.index_of(t)); };
    const bool first_is_skip = index(a.inputs[0]) < index(a.inputs[1]);
    const std::string& skip = a.inputs[first_is_skip ? 0 : 1];
    const std::string& branch = a.inputs[first_is_skip ? 1 : 0];
    std::set<size_t> ops;
    std::vector<std::string> todo{branch};
    while (!todo.empty()) {
      const std::string t = todo.back();
      todo.pop_back();
      if (t == skip) continue;
      const int64_t k = index(t);
      if (k <= index(skip) || assigned_[static_cast<size_t>(k)] || ops.size() > 64) return std::nullopt;
      if (!ops.insert(static_cast<size_t>(k)).second) continue;
      for (const std::string& in : net_.ops[static_cast<size_t>(k)].inputs) todo.push_back(in);
    }
    std::vector<size_t> weights;
    bool attention = false;
    for (size_t k : ops) {
      const Op& op = net_.ops[k];
      attention = attention || op.as<Matmul>() || op.as<Softmax>();
      if (op.as<Conv2d>() || op.as<FullyConnected>()) weights.push_back(k);
    }
    RecognisedBlock b{BlockKind::attention, {ops.begin(), ops.end()}, skip, add, true, {}, {}};
    b.ops.push_back(add);
    if (!attention) {
      // An MLP: a widening 1x1 conv or linear, projected back later, behind at most one spatial conv.
      const auto widening = std::find_if(weights.begin(), weights.end(), [&](size_t k) {
        return (is_1x1(k) || net_.ops[k].as<FullyConnected>()) && out_channels(k) > in_channels(k);
      });
      if (weights.size() < 2 || widening >= weights.end() - 1) return std::nullopt;
      if (widening != weights.begin() && (widening - weights.begin() > 1 || !conv(weights[0]) || is_1x1(weights[0])))
        return std::nullopt;
      b.kind = BlockKind::mlp;
      if (widening != weights.begin()) b.roles.spatial = weights.front();
      b.roles.expand = *widening;
      b.roles.project = weights.back();
    }
    return b;
  }

  // The unassigned ops on the paths from tensor `fork` to op `join` (join included); `bounded`: some path
  // also starts at an op of another block (a dense layer reads the earlier layers' outputs). nullopt past 64 ops.
  struct Region {
    std::vector<size_t> ops;
    bool bounded = false;
  };
  std::optional<Region> region(size_t join, const std::string& fork) const {
    Region out;
    std::set<size_t> ops{join};
    std::vector<std::string> todo(net_.ops[join].inputs);
    while (!todo.empty()) {
      const std::string t = todo.back();
      todo.pop_back();
      const int64_t k = producer(t);
      if (t == fork || k == root) continue;
      if (assigned_[static_cast<size_t>(k)]) {
        out.bounded = true;
        continue;
      }
      if (ops.size() > 64) return std::nullopt;
      if (ops.insert(static_cast<size_t>(k)).second)
        for (const std::string& in : net_.ops[static_cast<size_t>(k)].inputs) todo.push_back(in);
    }
    out.ops.assign(ops.begin(), ops.end());
    return out;
  }
  bool has(const std::vector<size_t>& ops, bool (*what)(const Op&)) const {
    return std::any_of(ops.begin(), ops.end(), [&](size_t k) { return what(net_.ops[k]); });
  }
  static bool is_norm(const Op& op) { return op.as<BatchNorm>() || op.as<LayerNorm>() || op.as<GroupNorm>(); }
  static bool is_attention_op(const Op& op) { return op.as<Matmul>() || op.as<Softmax>(); }
  static bool is_conv_op(const Op& op) { return op.as<Conv2d>(); }

  // Attention that no residual add closes around (EfficientFormerV2's downsampling attention, whose add
  // joins a strided shortcut): the ops between the join and the tensor every path to it starts from.
  std::optional<RecognisedBlock> attention_region(size_t join) const {
    const auto reg = region(join, tensor_of(idom_[join]));
    if (!reg || reg->bounded || !has(reg->ops, is_attention_op)) return std::nullopt;
    RecognisedBlock b{
        BlockKind::attention, reg->ops, tensor_of(idom_[join]), join, net_.ops[join].as<Add>() != nullptr, {}, {}};
    b.output = absorb_passthrough(join, b.ops);
    return b;
  }

  // Branches joined by a concat: the ops from the tensor every branch starts from (the concat's immediate
  // dominator) to the concat, then what finishes the join (a channel shuffle, a ghost module's slice and gate).
  std::optional<RecognisedBlock> concat_block(size_t c) const {
    const std::string fork = tensor_of(idom_[c]);
    const auto reg = region(c, fork);
    if (!reg || !has(reg->ops, is_conv_op)) return std::nullopt;
    const std::set<size_t> inside(reg->ops.begin(), reg->ops.end());
    size_t computed = 0, passed = 0;
    for (const std::string& t : net_.ops[c].inputs) {
      const int64_t k = producer(t);
      (k != root && inside.count(static_cast<size_t>(k)) ? computed : passed) += 1;
    }
    RecognisedBlock b{BlockKind::inception, reg->ops, fork, c, false, {}, {}};
    b.output = absorb_passthrough(c, b.ops);
    if (const size_t k = only_consumer(b.output); k != no_op && net_.ops[k].as<ChannelShuffle>()) {
      b.kind = BlockKind::shuffle_unit;
      b.ops.push_back(k);
      b.output = absorb_passthrough(k, b.ops);
    } else if (ghost_module(b, c)) {
      b.kind = BlockKind::ghost_module;
    } else if (passed > 0 || reg->bounded) {
      b.kind = BlockKind::dense_layer;
    } else if (computed < 2) {
      return std::nullopt;
    }
    b.roles = expand_depthwise_project(b.ops);
    close_residual(b, b.output);
    return b;
  }

  // A ghost module: the concat joins a conv's output (the fork, behind its BatchNorm and activation ops) and
  // a depthwise conv of it. Takes the conv, a slice after the concat, and GhostNetV2's gate: a multiply by a
  // single-input chain (pool, convs, upsample) from the conv's input. Adds them to `b`.
  bool ghost_module(RecognisedBlock& b, size_t c) const {
    std::vector<size_t> primary;
    int64_t k = idom_[c];
    while (k != root && !assigned_[static_cast<size_t>(k)] && !conv(static_cast<size_t>(k)) &&
           net_.ops[static_cast<size_t>(k)].inputs.size() == 1 &&
           (net_.ops[static_cast<size_t>(k)].as<ActivationOp>() || net_.ops[static_cast<size_t>(k)].as<BatchNorm>()))
      primary.push_back(static_cast<size_t>(k)), k = producer(net_.ops[static_cast<size_t>(k)].inputs[0]);
    if (k == root || assigned_[static_cast<size_t>(k)] || !conv(static_cast<size_t>(k))) return false;
    primary.push_back(static_cast<size_t>(k));
    const bool cheap = std::any_of(b.ops.begin(), b.ops.end(),
                                   [&](size_t o) { return is_depthwise(o) && net_.ops[o].inputs[0] == b.input; });
    const bool joined =
        std::find(net_.ops[c].inputs.begin(), net_.ops[c].inputs.end(), b.input) != net_.ops[c].inputs.end();
    if (!cheap || !joined) return false;
    b.ops.insert(b.ops.end(), primary.begin(), primary.end());
    b.input = net_.ops[primary.back()].inputs[0];
    if (const size_t s = only_consumer(b.output); s != no_op && net_.ops[s].as<Slice>())
      b.ops.push_back(s), b.output = s;
    const size_t mul = only_consumer(b.output);
    if (mul == no_op || !net_.ops[mul].as<Multiply>()) return true;
    const Op& m = net_.ops[mul];
    std::vector<size_t> gate;
    for (int64_t g = producer(m.inputs[0] == net_.ops[b.output].name ? m.inputs[1] : m.inputs[0]); gate.size() < 12;) {
      if (g == root || assigned_[static_cast<size_t>(g)] || net_.ops[static_cast<size_t>(g)].inputs.size() != 1)
        return true;
      gate.push_back(static_cast<size_t>(g));
      if (net_.ops[static_cast<size_t>(g)].inputs[0] == b.input) {
        b.ops.insert(b.ops.end(), gate.begin(), gate.end());
        b.ops.push_back(mul);
        b.output = absorb_passthrough(mul, b.ops);
        return true;
      }
      g = producer(net_.ops[static_cast<size_t>(g)].inputs[0]);
    }
    return true;
  }

  // The roles of a 1x1 -> depthwise -> 1x1 chain among `ops` (a ShuffleNet unit's main branch), so that the
  // inverted residual's rewrites (channel rounding, fusing) reach it; empty roles without one.
  BlockRoles expand_depthwise_project(const std::vector<size_t>& ops) const {
    const std::set<size_t> inside(ops.begin(), ops.end());
    auto next_conv = [&](size_t k) {
      const size_t n = only_consumer_within(absorb_passthrough_within(k, inside), inside);
      return n != no_op && conv(n) ? n : no_op;
    };
    for (size_t e : ops) {
      if (!is_1x1(e)) continue;
      const size_t d = next_conv(e);
      if (d == no_op || !is_depthwise(d)) continue;
      const size_t p = next_conv(d);
      if (p != no_op && is_1x1(p)) return {e, d, p, std::nullopt, {}};
    }
    return {};
  }
  size_t only_consumer_within(size_t i, const std::set<size_t>& inside) const {
    const auto& c = consumers(net_.ops[i].name);
    return c.size() == 1 && inside.count(c[0]) ? c[0] : no_op;
  }
  size_t absorb_passthrough_within(size_t last, const std::set<size_t>& inside) const {
    for (size_t k = only_consumer_within(last, inside);
         k != no_op && (net_.ops[k].as<ActivationOp>() || net_.ops[k].as<BatchNorm>());
         k = only_consumer_within(last, inside))
      last = k;
    return last;
  }

  static bool is_pool(const Op& op) { return op.as<GlobalAvgPool>() || op.as<AvgPool>() || op.as<MaxPool>(); }
  // A pool (or a flatten, or a linear) and what follows it to the network's output (pools, linear layers,
  // 1x1 convs on a pooled 1x1 map, activations, reshapes), with a norm before it: a classifier head (AlexNet's and
  // VGG's three linears too). nullopt when the chain does not end the network or holds no weight layer.
  std::optional<RecognisedBlock> classifier(size_t start) const {
    RecognisedBlock b{BlockKind::classifier, {start}, net_.ops[start].inputs[0], start, false, {}, {}};
    for (size_t k = only_consumer(start); k != no_op; k = only_consumer(b.output)) {
      const Op& op = net_.ops[k];
      const bool pooled_1x1 = is_1x1(k) && net_.shape_of(op.inputs[0]).h == 1 && net_.shape_of(op.inputs[0]).w == 1;
      if (!op.as<FullyConnected>() && !pooled_1x1 && !op.as<ActivationOp>() && !op.as<Reshape>() && !is_norm(op) &&
          !is_pool(op))
        break;
      b.ops.push_back(k);
      b.output = k;
    }
    const bool weights =
        std::any_of(b.ops.begin(), b.ops.end(), [&](size_t k) { return net_.ops[k].as<FullyConnected>() || conv(k); });
    if (net_.ops[b.output].name != net_.output || !weights) return std::nullopt;
    absorb_preceding(b);
    return b;
  }

  // An add left between blocks (a ghost bottleneck's, around two ghost modules) closes the block whose
  // output is its later input: that block is residual.
  void attach_leftover_adds(Recognition& r) {
    std::map<size_t, size_t> by_output;
    for (size_t k = 0; k < r.blocks.size(); ++k) by_output[r.blocks[k].output] = k;
    for (size_t i = 0; i < net_.ops.size(); ++i) {
      const Op& a = net_.ops[i];
      if (assigned_[i] || !a.as<Add>() || a.inputs.size() != 2) continue;
      const int64_t later = std::max(producer(a.inputs[0]), producer(a.inputs[1]));
      const auto it = later == root ? by_output.end() : by_output.find(static_cast<size_t>(later));
      if (it == by_output.end() || consumers(net_.ops[static_cast<size_t>(later)].name).size() != 1) continue;
      RecognisedBlock& b = r.blocks[it->second];
      const size_t before = b.ops.size();
      b.ops.push_back(i);
      b.output = absorb_passthrough(i, b.ops);
      b.residual = true;
      for (size_t k = before; k < b.ops.size(); ++k) assigned_[b.ops[k]] = true;
      std::sort(b.ops.begin(), b.ops.end());
      b.name = common_prefix(b.ops);
      by_output.erase(it);
      by_output[b.output] = static_cast<size_t>(&b - r.blocks.data());
    }
  }

  void take(Recognition& r, RecognisedBlock b) {
    std::sort(b.ops.begin(), b.ops.end());
    for (size_t k : b.ops) assigned_[k] = true;
    b.name = common_prefix(b.ops);
    r.blocks.push_back(std::move(b));
  }

  // The longest path the block's op names share, cut at a separator: '.' in the zoo's names
  // (`stage2.block0.expand`), '/' and '.' in PyTorch's export (`/layer3/layer3.0/conv1/Conv`, whose blocks
  // share `/layer3/layer3` when cut at '.' only). Without a shared path, the first op names the block.
  std::string common_prefix(const std::vector<size_t>& ops) const {
    std::string p = net_.ops[ops.front()].name;
    for (size_t k : ops) {
      const std::string& n = net_.ops[k].name;
      size_t len = 0;
      while (len < p.size() && len < n.size() && p[len] == n[len]) ++len;
      p.resize(len);
    }
    const bool boundary =
        std::all_of(ops.begin(), ops.end(), [&](size_t k) { return at_separator(net_.ops[k].name, p.size()); });
    if (!boundary) {
      const size_t cut = p.find_last_of(separators);
      p = cut == std::string::npos ? "" : p.substr(0, cut);
    }
    while (!p.empty() && is_separator(p.back())) p.pop_back();
    return p.empty() ? net_.ops[ops.front()].name : without_repeated_module(p);
  }

  // PyTorch's export repeats a module's name as the start of its children's (`/features.2/block/block.0`):
  // a path cut there ends in the module's name twice (`/block/block`), which reads better once.
  static std::string without_repeated_module(const std::string& p) {
    const size_t last = p.rfind('/');
    if (last == std::string::npos || last == 0) return p;
    const size_t before = p.rfind('/', last - 1);
    const size_t start = before == std::string::npos ? 0 : before + 1;
    return p.compare(start, last - start, p, last + 1) == 0 ? p.substr(0, last) : p;
  }
};

}  // namespace

Recognition recognise_blocks(const Network& net) { return Recogniser(net).run(); }

}  // namespace cpx
