#include "space/recognise.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace cpx {

namespace {

constexpr size_t no_op = static_cast<size_t>(-1);
constexpr const char* separators = "./";

bool is_separator(char c) { return c == '.' || c == '/'; }

// Whether a name's path ends or breaks at position `len` (`/layer3/layer3.0` at 16 of `/layer3/layer3.0/Add`).
bool at_separator(std::string_view name, size_t len) {
  return len == name.size() || is_separator(name[len]) || (len > 0 && is_separator(name[len - 1]));
}

// Whether `name` is `path` or continues it past a separator (`/layer3/layer3.0/conv1/Conv` continues `/layer3/layer3.0`).
bool continues(std::string_view name, std::string_view path) {
  return name.substr(0, path.size()) == path && at_separator(name, path.size());
}

// The shortest path of `first` (cut before a separator) longer than `shared` that no other first op of
// `others` continues and no block is named; `first` itself, unique in a network, is the last resort.
std::string shortest_unique_path(const std::string& first, const std::string& shared, const std::vector<std::string_view>& others,
                                 const std::set<std::string, std::less<>>& used) {
  for (size_t len = shared.size() + 1; len < first.size(); ++len) {
    if (!at_separator(first, len) || is_separator(first[len - 1])) continue;
    const std::string_view candidate = std::string_view(first).substr(0, len);
    if (!used.count(candidate) && std::none_of(others.begin(), others.end(), [&](std::string_view o) { return continues(o, candidate); }))
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
  explicit Recogniser(const Network& net) : net_(net), assigned_(net.ops.size(), false) {
    for (size_t i = 0; i < net.ops.size(); ++i)
      for (const std::string& t : net.ops[i].inputs) consumers_[t].push_back(i);
  }

  Recognition run() {
    Recognition r;
    // Attention branches first: their QKV and projection convs would otherwise start conv chains.
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && net_.ops[i].as<Add>())
        if (auto b = residual_branch(i); b && b->kind == BlockKind::attention) take(r, std::move(*b));
    // Conv chains closed by a residual add, then other residual branches (an MLP whose spatial conv sits
    // behind a norm or a split, as in ConvNeXt and FasterNet), then conv chains without a residual.
    for (bool residual : {true, false}) {
      for (size_t i = 0; i < net_.ops.size(); ++i)
        if (!assigned_[i] && net_.ops[i].as<Conv2d>())
          if (auto b = conv_block(i); b && b->residual == residual) take(r, std::move(*b));
      if (residual)
        for (size_t i = 0; i < net_.ops.size(); ++i)
          if (!assigned_[i] && net_.ops[i].as<Add>())
            if (auto b = residual_branch(i)) take(r, std::move(*b));
    }
    // Last, each kxk conv left over is a block of its own, so that the rewrites of a block's kxk conv reach it.
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i] && is_spatial(i)) take(r, lone_conv(i));
    std::sort(r.blocks.begin(), r.blocks.end(), [](const auto& a, const auto& b) { return a.ops.front() < b.ops.front(); });
    make_names_unique(net_, r.blocks);
    for (size_t i = 0; i < net_.ops.size(); ++i)
      if (!assigned_[i]) r.unrecognised.push_back(i);
    return r;
  }

 private:
  const Network& net_;
  std::vector<bool> assigned_;
  std::map<std::string, std::vector<size_t>, std::less<>> consumers_;

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
      if (!net_.ops[pool].as<GlobalAvgPool>() || !net_.ops[mul].as<Multiply>() || assigned_[pool] || assigned_[mul]) continue;
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
      if (is_depthwise(s[1].conv) && widens(s[0].conv)) return std::pair{BlockKind::inverted_residual, size_t{3}};
      if (is_spatial(s[1].conv)) return std::pair{BlockKind::bottleneck, size_t{3}};
    }
    if (s.size() >= 2 && is_depthwise(s[0].conv) && is_1x1(s[1].conv)) return std::pair{BlockKind::depthwise_separable, size_t{2}};
    if (s.size() >= 2 && is_spatial(s[0].conv) && widens(s[0].conv) && is_1x1(s[1].conv))
      return std::pair{BlockKind::fused_mbconv, size_t{2}};
    if (s.size() >= 2 && is_spatial(s[0].conv) && is_spatial(s[1].conv)) return std::pair{BlockKind::basic_residual, size_t{2}};
    if (s.size() >= 2 && is_1x1(s[0].conv) && widens(s[0].conv) && is_1x1(s[1].conv)) return std::pair{BlockKind::mlp, size_t{2}};
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
        other != b.input && n < net_.ops.size() && !assigned_[n] && net_.ops[n].inputs.size() == 1 && net_.ops[n].inputs[0] == other &&
        consumers(b.input).size() == 1 && (net_.ops[n].as<GroupNorm>() || net_.ops[n].as<LayerNorm>() || net_.ops[n].as<BatchNorm>())) {
      b.ops.push_back(n);
      b.input = other;
    }
    if (other != b.input) {
      const size_t s = net_.index_of(other);
      if (s >= net_.ops.size() || assigned_[s] || net_.ops[s].inputs.size() != 1 || net_.ops[s].inputs[0] != b.input) return false;
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
      case BlockKind::count_:
        break;
    }
    if (!close_residual(b, steps[n - 1].last) && kind == BlockKind::basic_residual) return std::nullopt;
    return b;
  }

  // A conv with the BatchNorm and activation ops after it, and a residual add if one closes it.
  RecognisedBlock lone_conv(size_t i) const {
    RecognisedBlock b{BlockKind::conv, {i}, net_.ops[i].inputs[0], i, false, {}, {}};
    b.roles.spatial = i;
    b.output = absorb_passthrough(i, b.ops);
    close_residual(b, b.output);
    return b;
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
      if (widening != weights.begin() && (widening - weights.begin() > 1 || !conv(weights[0]) || is_1x1(weights[0]))) return std::nullopt;
      b.kind = BlockKind::mlp;
      if (widening != weights.begin()) b.roles.spatial = weights.front();
      b.roles.expand = *widening;
      b.roles.project = weights.back();
    }
    return b;
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
    const bool boundary = std::all_of(ops.begin(), ops.end(), [&](size_t k) { return at_separator(net_.ops[k].name, p.size()); });
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
