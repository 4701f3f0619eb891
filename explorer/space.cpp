#include "explorer/space.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace cpx::explorer {

namespace {

template <class M>
struct MemberOf;
template <class C, class T>
struct MemberOf<T C::*> {
  using owner = C;
  using value = T;
};

// Member `m` of point `c`: a network member of Choices, or a stage member of c.stages[stage].
template <auto m, class C>
auto& member(C& c, size_t stage) {
  if constexpr (std::is_same_v<typename MemberOf<decltype(m)>::owner, StageChoices>) return c.stages[stage].*m;
  else return c.*m;
}

template <class T>
constexpr ValueKind value_kind() {
  if constexpr (std::is_same_v<T, bool>) return ValueKind::boolean;
  else if constexpr (std::is_same_v<T, MacroBlock>) return ValueKind::block;
  else if constexpr (std::is_same_v<T, double>) return ValueKind::number;
  else if constexpr (std::is_same_v<T, int64_t>) return ValueKind::integer;
  else {
    static_assert(std::is_same_v<T, std::array<int64_t, 2>>, "a dimension's member is an integer, number, bool, block or pair");
    return ValueKind::pair;
  }
}

// A row whose value is member `m` of Choices or StageChoices.
template <auto m>
DimensionRow row(std::string_view field, Part part, double lo, double hi, std::vector<Json> values, bool capacity = false,
                 Moot moot = Moot::never) {
  using T = typename MemberOf<decltype(m)>::value;
  return {field,
          part,
          value_kind<T>(),
          [](const Choices& c, size_t stage) { return Json(member<m>(c, stage)); },
          [](Choices& c, size_t stage, const Json& v) { member<m>(c, stage) = v.get<T>(); },
          lo,
          hi,
          std::move(values),
          capacity,
          moot};
}

// The block kinds the space builds in its early stages (early_block), in the order errors list them.
constexpr std::array<MacroBlock, 3> early_blocks{MacroBlock::fumbconv, MacroBlock::mbconv, MacroBlock::pconv};

}  // namespace

// The defaults contain every choice CPUBone B0-B3 make, so those four are points of the default space.
const std::vector<DimensionRow>& dimension_rows() {
  constexpr double maxc = static_cast<double>(limits::max_channels);
  constexpr bool capacity = true;
  using C = Choices;
  using S = StageChoices;
  using enum Part;
  static const std::vector<DimensionRow> rows{
      row<&C::resolution>("resolution", network, 32, 1024, {{224}}, capacity),
      row<&C::head>("head", network, 1, maxc, {{{1024, 1280}, {1536, 1600}, {2304, 2560}}}, capacity),
      row<&C::fused_threshold>("fused_threshold", network, 0, maxc + 1, {{128, 192, 256, 320, 384, 512, 1024}}),
      row<&S::width>("width", stage, 1, maxc,
                     {{8, 12, 14, 16, 20, 24, 32, 40, 48},
                      {16, 24, 28, 32, 40, 48, 64, 80, 96},
                      {32, 48, 56, 64, 80, 96, 128, 160, 192},
                      {64, 96, 112, 128, 160, 192, 256, 320, 384},
                      {128, 192, 224, 256, 320, 384, 448, 512, 640}},
                     capacity),
      row<&S::blocks>("blocks", stage, 0, 64, {{0, 1, 2}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}},
                      capacity),
      row<&S::block>("block", block, 0, 0, {Json(early_blocks)}),
      row<&S::kernel>("kernel", block, 1, 15, {{2, 3}}),
      row<&S::groups>("groups", block, 1, 64, {{1, 2, 4, 8}}, false, Moot::without_groups),
      row<&S::expansion>("expansion", block, 0.25, 16, {{2, 3, 4, 6}}),
      row<&S::down_kernel>("down_kernel", down, 2, 15, {{2, 3}}),
      row<&S::down_groups>("down_groups", down, 1, 64, {{1, 2, 4, 8}}),
      row<&S::down_expansion>("down_expansion", down, 0.25, 16, {{3, 4, 6}}),
      row<&S::attention>("attention", cpubone, 0, 0, {{true, false}}, capacity),
      // Stage 4 runs at 7x7 at 224: a stride-2 token downsampling there would not upsample back exactly.
      row<&S::attention_stride>("attention_stride", cpubone, 1, 8, {{1, 2}, {1}}, false, Moot::without_attention),
      row<&S::local_kernel>("local_kernel", cpubone, 1, 15, {{2, 3}}),
      row<&S::local_groups>("local_groups", cpubone, 1, 64, {{1, 2, 4, 8}}),
      row<&S::local_expansion>("local_expansion", cpubone, 0.25, 16, {{2, 3, 4}}),
      row<&S::mlp_expansion>("mlp_expansion", cpubone, 0.25, 16, {{2, 3, 4}}),
  };
  return rows;
}

bool moot(const Dimension& d, const Choices& c) {
  const StageChoices& s = c.stages[d.stage];
  if (d.row->part == Part::block && s.blocks == 0) return true;  // no repeated block: its choices build nothing
  switch (d.row->moot) {
    case Moot::never: return false;
    case Moot::without_groups: return !has_groups(s.block);
    case Moot::without_attention: return !s.attention;
  }
  return false;
}

namespace {

// The default space's dimension of `r` at `stage`.
Dimension default_dimension(const DimensionRow& r, size_t stage) {
  size_t position = 0;  // among the stages of the part
  for (size_t s = 0; s < stage; ++s) position += in_part(r.part, s);
  const Json& values = r.values.size() == 1 ? r.values[0] : r.values.at(position);
  const std::string name = r.part == Part::network ? std::string(r.field) : "stages[" + std::to_string(stage) + "]." + std::string(r.field);
  return {name, values.get<std::vector<Json>>(), &r, stage};
}

// Every dimension, in decoding order: the network's, then stage by stage.
std::vector<Dimension> every_dimension() {
  std::vector<Dimension> dims;
  for (const DimensionRow& r : dimension_rows())
    if (r.part == Part::network) dims.push_back(default_dimension(r, 0));
  for (size_t stage = 0; stage < stage_count; ++stage)
    for (const DimensionRow& r : dimension_rows())
      if (in_part(r.part, stage)) dims.push_back(default_dimension(r, stage));
  return dims;
}

std::string quoted_list(const std::array<MacroBlock, early_blocks.size()>& kinds) {
  std::string list;
  for (size_t i = 0; i < kinds.size(); ++i)
    list += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + Json(kinds[i]).dump();
  return list;
}

bool is_early_block(const Json& value) {
  const auto type = value.is_string() ? macro_block_from_string(value.get<std::string>()) : std::nullopt;
  return type && !type->grouped && std::find(early_blocks.begin(), early_blocks.end(), type->kind) != early_blocks.end();
}

void check_value(const DimensionRow& k, const Json& value, const Where& w) {
  auto number_in_range = [&](const Json& x, const Where& at, bool integer) {
    if (!x.is_number() || (integer && !x.is_number_integer()))
      at.fail(x, integer ? "expected an integer" : "expected a number");
    const double d = x.get<double>();
    if (!std::isfinite(d) || d < k.lo || d > k.hi)
      at.fail(x, "out of range [" + Json(k.lo).dump() + ", " + Json(k.hi).dump() + "]");
  };
  switch (k.kind) {
    case ValueKind::integer: number_in_range(value, w, true); break;
    case ValueKind::number: number_in_range(value, w, false); break;
    case ValueKind::boolean:
      if (!value.is_boolean()) w.fail(value, "expected true or false");
      break;
    case ValueKind::block:
      if (!is_early_block(value)) w.fail(value, "expected " + quoted_list(early_blocks));
      break;
    case ValueKind::pair:
      if (!value.is_array() || value.size() != 2) w.fail(value, "expected [conv width, hidden width]");
      number_in_range(value[0], w[0], true);
      number_in_range(value[1], w[1], true);
      break;
  }
}

}  // namespace

SearchSpace SearchSpace::defaults() {
  SearchSpace s;
  s.dims_ = every_dimension();
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
  for (size_t i = 0; i < stage_count; ++i) down_genes_[i].clear(), block_genes_[i].clear();
  for (size_t d = 0; d < dims_.size(); ++d) {
    const DimensionRow& r = *dims_[d].row;
    if (r.part == Part::network || r.field == "blocks") continue;  // blocks: how often a block repeats, not what it is
    if (r.field == "width" || r.part == Part::down) down_genes_[dims_[d].stage].push_back(d);
    if (r.part != Part::down) block_genes_[dims_[d].stage].push_back(d);
  }
  // A CPUBone block fuses its local block below the threshold.
  for (size_t i = 0; i < stage_count; ++i)
    if (in_part(Part::cpubone, i)) block_genes_[i].push_back(pos("fused_threshold"));
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
    const auto it = std::find_if(s.dims_.begin(), s.dims_.end(), [&](const Dimension& d) { return d.name == name; });
    if (it == s.dims_.end()) w.fail("unknown dimension (see `cpubone-explore space` for the known ones)");
    if (!values.is_array() || values.empty() || values.size() > 256) w.fail(values, "expected a list of 1 to 256 values");
    for (size_t v = 0; v < values.size(); ++v) {
      check_value(*it->row, values[v], w[v]);
      for (size_t u = 0; u < v; ++u)
        if (values[u] == values[v]) w[v].fail(values[v], "listed twice");
    }
    it->values = values.get<std::vector<Json>>();
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

Choices SearchSpace::choices(const Genome& g) const {
  Choices c;
  for (size_t i = 0; i < dims_.size(); ++i) dims_[i].row->set(c, dims_[i].stage, dims_[i].values[g[i]]);
  return c;
}

namespace {

// The repeated early block of a stage's choices.
BlockSpec early_block(const StageChoices& s) {
  switch (s.block) {
    case MacroBlock::fumbconv: return FuMBConv{s.kernel, s.expansion, s.groups, {false, false}, Activation::hardswish};
    case MacroBlock::mbconv: {
      MBConv b;
      b.kernel = s.kernel;
      b.expansion = s.expansion;
      b.groups = s.groups;
      return b;
    }
    case MacroBlock::pconv: return PConv{s.kernel, 4, s.expansion, Activation::hardswish};
    case MacroBlock::dsconv:
    case MacroBlock::cpubone: break;
  }
  // check_value admits only early_blocks.
  throw std::logic_error("the space builds no early " + std::string(to_string(s.block)) + " block");
}

CPUBoneBlock cpubone_block(const StageChoices& s, int64_t fused_threshold) {
  CPUBoneBlock b;
  b.attention = s.attention;
  b.attention_stride = s.attention_stride;
  b.local_kernel = s.local_kernel;
  b.local_groups = s.local_groups;
  b.local_expansion = s.local_expansion;
  b.mlp_expansion = s.mlp_expansion;
  b.fused_threshold = fused_threshold;
  return b;
}

Stage to_stage(const StageChoices& s, size_t i, int64_t fused_threshold) {
  Stage st;
  st.width = s.width;
  st.depth = s.blocks;
  if (in_part(Part::block, i)) st.block = early_block(s);
  if (in_part(Part::down, i)) st.down = FuMBConv{s.down_kernel, s.down_expansion, s.down_groups, {false, false}, Activation::hardswish};
  if (in_part(Part::cpubone, i)) st.block = cpubone_block(s, fused_threshold);
  return st;
}

}  // namespace

Macro SearchSpace::decode(const Genome& g, const std::string& name) const {
  const Choices c = choices(g);
  Macro m;
  m.name = name;
  m.family = "explored";
  m.resolution = c.resolution;
  m.head.widths = c.head;
  for (size_t i = 0; i < stage_count; ++i) m.stages.push_back(to_stage(c.stages[i], i, c.fused_threshold));
  m.stem = {c.stages[0].width, 3, 2, Activation::hardswish};
  return m;
}

namespace {

struct NotExpressible {
  Where where;
  [[noreturn]] void operator()(const std::string& what) const { where.fail("is not a point of the CPUBone search space: " + what); }
};

void read_early_block(const std::optional<BlockSpec>& block, const std::string& stage, StageChoices& s, const NotExpressible& fail) {
  if (!block) fail(stage + " has no block");
  switch (kind_of(*block)) {
    case MacroBlock::fumbconv: {
      const auto& f = std::get<FuMBConv>(*block);
      if (f.bias != std::array<bool, 2>{false, false} || f.activation != Activation::hardswish)
        fail(stage + " fused block has biases or another activation");
      s.kernel = f.kernel, s.groups = f.groups, s.expansion = f.expansion;
      break;
    }
    case MacroBlock::mbconv: {
      const auto& b = std::get<MBConv>(*block);
      if (b.bias != MBConv{}.bias || b.batch_norm != MBConv{}.batch_norm || b.activation != Activation::hardswish)
        fail(stage + " mbconv differs from CPUBone's in biases, norms or activation");
      s.kernel = b.kernel, s.groups = b.groups, s.expansion = b.expansion;
      break;
    }
    case MacroBlock::pconv: {
      const auto& p = std::get<PConv>(*block);
      if (p.divisor != 4 || p.mlp_expansion <= 0) fail(stage + " pconv is not a FasterNet block");
      s.kernel = p.kernel, s.groups = 1, s.expansion = p.mlp_expansion;
      break;
    }
    case MacroBlock::dsconv:
    case MacroBlock::cpubone: fail(stage + " block type");
  }
  s.block = kind_of(*block);
}

void read_cpubone_block(const std::optional<BlockSpec>& block, const std::string& stage, int64_t fused_threshold,
                        StageChoices& s, const NotExpressible& fail) {
  const auto* b = block ? std::get_if<CPUBoneBlock>(&*block) : nullptr;
  if (!b || b->attention_kernel != 2 || b->head_dim_multiplier != 0.5 || b->transposed_upsampling ||
      b->activation != Activation::hardswish || b->fused_threshold != fused_threshold)
    fail(stage + " CPUBone block differs from the released one");
  s.attention = b->attention, s.attention_stride = b->attention_stride;
  s.local_kernel = b->local_kernel, s.local_groups = b->local_groups, s.local_expansion = b->local_expansion;
  s.mlp_expansion = b->mlp_expansion;
}

StageChoices read_stage(const Stage& st, size_t i, int64_t fused_threshold, const NotExpressible& fail) {
  const std::string stage = "stage " + std::to_string(i);
  StageChoices s;
  s.width = st.width;
  s.blocks = st.depth;
  if (st.down_stride != 2) fail(stage + " downsamples with stride " + std::to_string(st.down_stride));
  if (in_part(Part::block, i)) read_early_block(st.block, stage, s, fail);
  if (!in_part(Part::down, i) && st.down) fail(stage + " has a downsampling block");
  if (in_part(Part::down, i)) {
    const auto* d = st.down ? std::get_if<FuMBConv>(&*st.down) : nullptr;
    if (!d || d->bias != std::array<bool, 2>{false, false}) fail(stage + " does not downsample with a fused block");
    s.down_kernel = d->kernel, s.down_groups = d->groups, s.down_expansion = d->expansion;
  }
  if (in_part(Part::cpubone, i)) read_cpubone_block(st.block, stage, fused_threshold, s, fail);
  return s;
}

// The choices of a macro network, or an error if it is no point of the space's layout.
Choices read_choices(const Macro& m) {
  const NotExpressible fail{Where(m.name)};
  if (m.stages.size() != stage_count) fail("it has " + std::to_string(m.stages.size()) + " stages, not " + std::to_string(stage_count));
  if (m.stem.kernel != 3 || m.stem.stride != 2 || m.stem.activation != Activation::hardswish || m.stem.width != m.stages[0].width)
    fail("its stem is not a 3x3/s2 hardswish conv to the stage-0 width");
  if (m.in_channels != 3 || m.num_classes != 1000 || m.batch != 1 || m.head.activation != Activation::hardswish)
    fail("input, classes, batch or head activation differ from CPUBone's");
  Choices c;
  c.resolution = m.resolution;
  c.head = m.head.widths;
  const auto* late = std::get_if<CPUBoneBlock>(m.stages[3].block ? &*m.stages[3].block : nullptr);
  if (!late) fail("stage 3 does not repeat CPUBone blocks");
  c.fused_threshold = late->fused_threshold;
  for (size_t i = 0; i < stage_count; ++i) c.stages[i] = read_stage(m.stages[i], i, c.fused_threshold, fail);
  return c;
}

}  // namespace

Genome SearchSpace::encode(const Macro& m) const {
  const Choices c = read_choices(m);
  Genome g(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dimension& d = dims_[i];
    const Json value = d.row->get(c, d.stage);
    const auto it = std::find(d.values.begin(), d.values.end(), value);
    // A pconv holds no groups, so any listed value stands for it; other moot values are held by the
    // macro (a depth-0 stage's block, a stride without attention) and must be listed.
    const bool held = d.row->moot != Moot::without_groups || has_groups(c.stages[d.stage].block);
    if (it == d.values.end() && held)
      (Where(m.name) / d.name).fail(value, "not a value of search space \"" + name_ + "\" (values: " + Json(d.values).dump() + ")");
    g[i] = static_cast<uint16_t>(it == d.values.end() ? 0 : it - d.values.begin());
  }
  return g;
}

namespace {

std::string num(double x) { return x == std::floor(x) ? std::to_string(static_cast<int64_t>(x)) : Json(x).dump(); }

// " s0:fu k3 g1 e4" per early stage with repeated blocks.
std::string early_summary(const Choices& c) {
  std::string out;
  for (size_t i = 0; i < stage_count; ++i) {
    const StageChoices& s = c.stages[i];
    if (!in_part(Part::block, i) || s.blocks == 0) continue;
    out += " s" + std::to_string(i) + ":" + std::string(names_of(s.block).abbreviation) + " k" + std::to_string(s.kernel) +
           (has_groups(s.block) ? " g" + std::to_string(s.groups) : "") + " e" + num(s.expansion);
  }
  return out;
}

// The downsampling blocks once when they agree, else each (capacity-matched configurations differ there).
std::string down_summary(const Choices& c) {
  std::vector<std::string> downs, stages;
  for (size_t i = 0; i < stage_count; ++i) {
    if (!in_part(Part::down, i)) continue;
    const StageChoices& s = c.stages[i];
    downs.push_back("k" + std::to_string(s.down_kernel) + " g" + std::to_string(s.down_groups) + " e" + num(s.down_expansion));
    stages.push_back(" s" + std::to_string(i) + ":");
  }
  if (std::all_of(downs.begin(), downs.end(), [&](const std::string& x) { return x == downs[0]; })) return " down " + downs[0];
  std::string out = " down";
  for (size_t i = 0; i < downs.size(); ++i) out += stages[i] + downs[i];
  return out;
}

std::string cpubone_summary(const Choices& c) {
  std::string out;
  for (size_t i = 0; i < stage_count; ++i) {
    if (!in_part(Part::cpubone, i)) continue;
    const StageChoices& s = c.stages[i];
    out += " s" + std::to_string(i) + ":" + (s.attention ? "att/" + std::to_string(s.attention_stride) : "noatt") + " k" +
           std::to_string(s.local_kernel) + " g" + std::to_string(s.local_groups) + " e" + num(s.local_expansion) + "/" +
           num(s.mlp_expansion);
  }
  return out;
}

}  // namespace

std::string SearchSpace::summary(const Genome& g) const {
  const Choices c = choices(g);
  std::string w = "w", d = " b";
  for (size_t i = 0; i < stage_count; ++i) {
    w += (i ? "-" : " ") + std::to_string(c.stages[i].width);
    d += (i ? "-" : " ") + std::to_string(c.stages[i].blocks);
  }
  return w + d + early_summary(c) + down_summary(c) + cpubone_summary(c) + " fuse<" + std::to_string(c.fused_threshold) + " head " +
         std::to_string(c.head[0]) + " r" + std::to_string(c.resolution);
}

}  // namespace cpx::explorer
