#include "explorer/space.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace cpx::explorer {

namespace {

enum class Kind { integer, number, boolean, block, pair };

struct Known {
  std::string name;
  Kind kind;
  double lo, hi;  // range of integer and number values (pair: of both entries)
  Json defaults;
};

std::string stage(size_t i, std::string_view field) { return "stages[" + std::to_string(i) + "]." + std::string(field); }

// Every dimension the explorer knows, in decoding order, with the default space's values. The defaults
// contain every choice CPUBone B0-B3 make, so those four are points of the default space.
const std::vector<Known>& known() {
  static const std::vector<Known> k = [] {
    std::vector<Known> v;
    const double maxc = static_cast<double>(limits::max_channels);
    v.push_back({"resolution", Kind::integer, 32, 1024, {224}});
    v.push_back({"head", Kind::pair, 1, maxc, {{1024, 1280}, {1536, 1600}, {2304, 2560}}});
    v.push_back({"fused_threshold", Kind::integer, 0, maxc + 1, {128, 192, 256, 320, 384, 512, 1024}});
    const Json widths[5] = {{8, 12, 14, 16, 20, 24, 32, 40, 48},
                            {16, 24, 28, 32, 40, 48, 64, 80, 96},
                            {32, 48, 56, 64, 80, 96, 128, 160, 192},
                            {64, 96, 112, 128, 160, 192, 256, 320, 384},
                            {128, 192, 224, 256, 320, 384, 448, 512, 640}};
    const Json blocks[5] = {{0, 1, 2}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}};
    for (size_t i = 0; i < 5; ++i) {
      v.push_back({stage(i, "width"), Kind::integer, 1, maxc, widths[i]});
      v.push_back({stage(i, "blocks"), Kind::integer, 0, 64, blocks[i]});
      if (i <= 2) {
        v.push_back({stage(i, "block"), Kind::block, 0, 0, {"fumbconv", "mbconv", "pconv"}});
        v.push_back({stage(i, "kernel"), Kind::integer, 1, 15, {2, 3}});
        v.push_back({stage(i, "groups"), Kind::integer, 1, 64, {1, 2, 4, 8}});
        v.push_back({stage(i, "expansion"), Kind::number, 0.25, 16, {2, 3, 4, 6}});
      }
      if (i >= 1) {
        v.push_back({stage(i, "down_kernel"), Kind::integer, 2, 15, {2, 3}});
        v.push_back({stage(i, "down_groups"), Kind::integer, 1, 64, {1, 2, 4, 8}});
        v.push_back({stage(i, "down_expansion"), Kind::number, 0.25, 16, {3, 4, 6}});
      }
      if (i >= 3) {
        v.push_back({stage(i, "attention"), Kind::boolean, 0, 0, {true, false}});
        // Stage 4 runs at 7x7 at 224: a stride-2 token downsampling there would not upsample back exactly.
        v.push_back({stage(i, "attention_stride"), Kind::integer, 1, 8, i == 3 ? Json{1, 2} : Json{1}});
        v.push_back({stage(i, "local_kernel"), Kind::integer, 1, 15, {2, 3}});
        v.push_back({stage(i, "local_groups"), Kind::integer, 1, 64, {1, 2, 4, 8}});
        v.push_back({stage(i, "local_expansion"), Kind::number, 0.25, 16, {2, 3, 4}});
        v.push_back({stage(i, "mlp_expansion"), Kind::number, 0.25, 16, {2, 3, 4}});
      }
    }
    return v;
  }();
  return k;
}

void check_value(const Known& k, const Json& value, const Where& w) {
  auto number_in_range = [&](const Json& x, const Where& at, bool integer) {
    if (!x.is_number() || (integer && !x.is_number_integer()))
      at.fail(x, integer ? "expected an integer" : "expected a number");
    const double d = x.get<double>();
    if (!std::isfinite(d) || d < k.lo || d > k.hi)
      at.fail(x, "out of range [" + Json(k.lo).dump() + ", " + Json(k.hi).dump() + "]");
  };
  switch (k.kind) {
    case Kind::integer: number_in_range(value, w, true); break;
    case Kind::number: number_in_range(value, w, false); break;
    case Kind::boolean:
      if (!value.is_boolean()) w.fail(value, "expected true or false");
      break;
    case Kind::block:
      if (!value.is_string() || (value != "fumbconv" && value != "mbconv" && value != "pconv"))
        w.fail(value, "expected \"fumbconv\", \"mbconv\" or \"pconv\"");
      break;
    case Kind::pair:
      if (!value.is_array() || value.size() != 2) w.fail(value, "expected [conv width, hidden width]");
      number_in_range(value[0], w[0], true);
      number_in_range(value[1], w[1], true);
      break;
  }
}

}  // namespace

SearchSpace SearchSpace::defaults() {
  SearchSpace s;
  for (const Known& k : known()) s.dims_.push_back({k.name, k.defaults.get<std::vector<Json>>()});
  s.index_genes();
  return s;
}

void SearchSpace::index_genes() {
  auto pos = [&](const std::string& name) {
    for (size_t i = 0; i < dims_.size(); ++i)
      if (dims_[i].name == name) return i;
    throw std::logic_error("no dimension " + name);
  };
  stem_genes_ = {pos("stages[0].width")};
  head_genes_ = {pos("head")};
  for (size_t i = 0; i < 5; ++i) {
    down_genes_[i].clear();
    block_genes_[i].clear();
    const std::string p = "stages[" + std::to_string(i) + "].";
    for (size_t d = 0; d < dims_.size(); ++d) {
      const std::string& n = dims_[d].name;
      if (!n.starts_with(p)) continue;
      const std::string field = n.substr(p.size());
      if (field == "blocks") continue;  // how often a block repeats, not what it is
      if (field == "width" || field.starts_with("down_")) down_genes_[i].push_back(d);
      if (!field.starts_with("down_")) block_genes_[i].push_back(d);
    }
    if (i >= 3) block_genes_[i].push_back(pos("fused_threshold"));
  }
}

SearchSpace SearchSpace::from_json(const Json& j, const std::string& file) {
  ObjectReader r(j, Where(file));
  const std::string schema = r.string("schema");
  if (schema != space_schema) r.at("schema").fail(schema, "expected \"" + std::string(space_schema) + "\"");
  SearchSpace s = defaults();
  s.name_ = r.string("name", file);
  const Json& dims = r.raw("dimensions");
  if (!dims.is_object()) r.at("dimensions").fail(dims, "expected an object {dimension name: [values]}");
  for (const auto& [name, values] : dims.items()) {
    const Where w = r.at("dimensions") / name;
    const auto it = std::find_if(known().begin(), known().end(), [&](const Known& k) { return k.name == name; });
    if (it == known().end()) w.fail("unknown dimension (see `cpubone-explore space` for the known ones)");
    if (!values.is_array() || values.empty() || values.size() > 256) w.fail(values, "expected a list of 1 to 256 values");
    for (size_t v = 0; v < values.size(); ++v) {
      check_value(*it, values[v], w[v]);
      for (size_t u = 0; u < v; ++u)
        if (values[u] == values[v]) w[v].fail(values[v], "listed twice");
    }
    s.dims_[static_cast<size_t>(it - known().begin())].values = values.get<std::vector<Json>>();
  }
  r.finish();
  return s;
}

Json SearchSpace::to_json() const {
  Json dims = Json::object();
  for (const Dimension& d : dims_) dims[d.name] = d.values;
  return {{"schema", space_schema}, {"name", name_}, {"dimensions", dims}};
}

double SearchSpace::size() const {
  double n = 1;
  for (const Dimension& d : dims_) n *= static_cast<double>(d.values.size());
  return n;
}

Genome SearchSpace::random(std::mt19937_64& rng) const {
  Genome g(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i)
    g[i] = static_cast<uint16_t>(std::uniform_int_distribution<size_t>(0, dims_[i].values.size() - 1)(rng));
  return g;
}

namespace {

// Reads a genome dimension by dimension, in the order of known().
struct Cursor {
  const std::vector<Dimension>& dims;
  const Genome& g;
  size_t i = 0;
  const Json& next() {
    const Json& v = dims[i].values[g[i]];
    ++i;
    return v;
  }
  int64_t integer() { return next().get<int64_t>(); }
  double number() { return next().get<double>(); }
};

}  // namespace

Macro SearchSpace::decode(const Genome& g, const std::string& name) const {
  Cursor c{dims_, g};
  Macro m;
  m.name = name;
  m.family = "explored";
  m.resolution = c.integer();
  const Json& head = c.next();
  m.head.widths = {head[0].get<int64_t>(), head[1].get<int64_t>()};
  const int64_t fused_threshold = c.integer();
  for (size_t i = 0; i < 5; ++i) {
    Stage st;
    st.width = c.integer();
    st.depth = c.integer();
    if (i <= 2) {
      const std::string type = c.next().get<std::string>();
      const int64_t k = c.integer(), groups = c.integer();
      const double e = c.number();
      if (type == "fumbconv") {
        st.block = FuMBConv{k, e, groups, {false, false}, Activation::hardswish};
      } else if (type == "mbconv") {
        MBConv b;
        b.kernel = k;
        b.expansion = e;
        b.groups = groups;
        st.block = b;
      } else {
        st.block = PConv{k, 4, e, Activation::hardswish};
      }
    }
    if (i >= 1) {
      const int64_t k = c.integer(), groups = c.integer();
      const double e = c.number();
      st.down = FuMBConv{k, e, groups, {false, false}, Activation::hardswish};
    }
    if (i >= 3) {
      CPUBoneBlock b;
      b.attention = c.next().get<bool>();
      b.attention_stride = c.integer();
      b.local_kernel = c.integer();
      b.local_groups = c.integer();
      b.local_expansion = c.number();
      b.mlp_expansion = c.number();
      b.fused_threshold = fused_threshold;
      st.block = b;
    }
    if (i == 0) m.stem = {st.width, 3, 2, Activation::hardswish};
    m.stages.push_back(std::move(st));
  }
  return m;
}

Genome SearchSpace::encode(const Macro& m) const {
  const Where where(m.name);
  std::vector<Json> values;
  auto not_expressible = [&](const std::string& what) { where.fail("is not a point of the CPUBone search space: " + what); };
  if (m.stages.size() != 5) not_expressible("it has " + std::to_string(m.stages.size()) + " stages, not 5");
  if (m.stem.kernel != 3 || m.stem.stride != 2 || m.stem.activation != Activation::hardswish || m.stem.width != m.stages[0].width)
    not_expressible("its stem is not a 3x3/s2 hardswish conv to the stage-0 width");
  if (m.in_channels != 3 || m.num_classes != 1000 || m.batch != 1 || m.head.activation != Activation::hardswish)
    not_expressible("input, classes, batch or head activation differ from CPUBone's");
  values.push_back(m.resolution);
  values.push_back(m.head.widths);
  const auto* late = std::get_if<CPUBoneBlock>(m.stages[3].block ? &*m.stages[3].block : nullptr);
  if (!late) not_expressible("stage 3 does not repeat CPUBone blocks");
  values.push_back(late->fused_threshold);
  for (size_t i = 0; i < 5; ++i) {
    const Stage& st = m.stages[i];
    values.push_back(st.width);
    values.push_back(st.depth);
    if (st.down_stride != 2) not_expressible("stage " + std::to_string(i) + " downsamples with stride " + std::to_string(st.down_stride));
    if (i <= 2) {
      if (!st.block) not_expressible("stage " + std::to_string(i) + " has no block");
      if (const auto* f = std::get_if<FuMBConv>(&*st.block)) {
        if (f->bias != std::array<bool, 2>{false, false} || f->activation != Activation::hardswish)
          not_expressible("stage " + std::to_string(i) + " fused block has biases or another activation");
        values.insert(values.end(), {"fumbconv", f->kernel, f->groups, f->expansion});
      } else if (const auto* b = std::get_if<MBConv>(&*st.block)) {
        if (b->bias != MBConv{}.bias || b->batch_norm != MBConv{}.batch_norm || b->activation != Activation::hardswish)
          not_expressible("stage " + std::to_string(i) + " mbconv differs from CPUBone's in biases, norms or activation");
        values.insert(values.end(), {"mbconv", b->kernel, b->groups, b->expansion});
      } else if (const auto* p = std::get_if<PConv>(&*st.block)) {
        if (p->divisor != 4 || p->mlp_expansion <= 0) not_expressible("stage " + std::to_string(i) + " pconv is not a FasterNet block");
        values.insert(values.end(), {"pconv", p->kernel, 1, p->mlp_expansion});
      } else {
        not_expressible("stage " + std::to_string(i) + " block type");
      }
    }
    if (i == 0 && st.down) not_expressible("stage 0 has a downsampling block");
    if (i >= 1) {
      const auto* d = st.down ? std::get_if<FuMBConv>(&*st.down) : nullptr;
      if (!d || d->bias != std::array<bool, 2>{false, false}) not_expressible("stage " + std::to_string(i) + " does not downsample with a fused block");
      values.insert(values.end(), {d->kernel, d->groups, d->expansion});
    }
    if (i >= 3) {
      const auto* b = st.block ? std::get_if<CPUBoneBlock>(&*st.block) : nullptr;
      if (!b || b->attention_kernel != 2 || b->head_dim_multiplier != 0.5 || b->transposed_upsampling ||
          b->activation != Activation::hardswish || b->fused_threshold != late->fused_threshold)
        not_expressible("stage " + std::to_string(i) + " CPUBone block differs from the released one");
      values.insert(values.end(), {b->attention, b->attention_stride, b->local_kernel, b->local_groups, b->local_expansion,
                                   b->mlp_expansion});
    }
  }
  Genome g(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    const auto& vs = dims_[i].values;
    const auto it = std::find(vs.begin(), vs.end(), values[i]);
    // pconv ignores groups: any listed value stands for it.
    if (it == vs.end() && !(dims_[i].name.ends_with(".groups") && values[i - 2] == "pconv"))
      (where / dims_[i].name).fail(values[i], "not a value of search space \"" + name_ + "\" (values: " + Json(vs).dump() + ")");
    g[i] = static_cast<uint16_t>(it == vs.end() ? 0 : it - vs.begin());
  }
  return g;
}

std::string SearchSpace::summary(const Genome& g) const {
  const Macro m = decode(g, "");
  std::string w = "w", d = " b", early, late;
  for (size_t i = 0; i < 5; ++i) {
    w += (i ? "-" : " ") + std::to_string(m.stages[i].width);
    d += (i ? "-" : " ") + std::to_string(m.stages[i].depth);
  }
  auto num = [](double x) { return x == std::floor(x) ? std::to_string(static_cast<int64_t>(x)) : Json(x).dump(); };
  for (size_t i = 0; i <= 2; ++i) {
    if (m.stages[i].depth == 0) continue;
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, FuMBConv>) early += " s" + std::to_string(i) + ":fu k" + std::to_string(b.kernel) + " g" + std::to_string(b.groups) + " e" + num(b.expansion);
          else if constexpr (std::is_same_v<T, MBConv>) early += " s" + std::to_string(i) + ":mb k" + std::to_string(b.kernel) + " g" + std::to_string(b.groups) + " e" + num(b.expansion);
          else if constexpr (std::is_same_v<T, PConv>) early += " s" + std::to_string(i) + ":pc k" + std::to_string(b.kernel) + " e" + num(b.mlp_expansion);
        },
        *m.stages[i].block);
  }
  for (size_t i = 3; i <= 4; ++i) {
    const auto& b = std::get<CPUBoneBlock>(*m.stages[i].block);
    late += " s" + std::to_string(i) + ":" + (b.attention ? "att/" + std::to_string(b.attention_stride) : "noatt") + " k" +
            std::to_string(b.local_kernel) + " g" + std::to_string(b.local_groups) + " e" + num(b.local_expansion) + "/" +
            num(b.mlp_expansion);
  }
  // The four downsampling blocks once when they agree, else each (capacity-matched configurations differ there).
  std::vector<std::string> downs;
  for (size_t i = 1; i <= 4; ++i) {
    const auto& f = std::get<FuMBConv>(*m.stages[i].down);
    downs.push_back("k" + std::to_string(f.kernel) + " g" + std::to_string(f.groups) + " e" + num(f.expansion));
  }
  std::string down = " down " + downs[0];
  if (std::any_of(downs.begin(), downs.end(), [&](const std::string& x) { return x != downs[0]; })) {
    down = " down";
    for (size_t i = 0; i < downs.size(); ++i) down += " s" + std::to_string(i + 1) + ":" + downs[i];
  }
  return w + d + early + down + late + " fuse<" +
         std::to_string(std::get<CPUBoneBlock>(*m.stages[3].block).fused_threshold) + " head " +
         std::to_string(m.head.widths[0]) + " r" + std::to_string(m.resolution);
}

}  // namespace cpx::explorer
