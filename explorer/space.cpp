#include "explorer/space.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <type_traits>

namespace cpx::explorer {

namespace {

// The struct that declares a member pointer's field, and the field's type.
template <class M>
struct MemberOf;
template <class C, class T>
struct MemberOf<T C::*> {
  using owner = C;
  using value = T;
};

template <class T>
constexpr ValueKind value_kind() {
  if constexpr (std::is_same_v<T, bool>) return ValueKind::boolean;
  else if constexpr (std::is_same_v<T, MacroBlock>) return ValueKind::block;
  else if constexpr (std::is_same_v<T, double>) return ValueKind::number;
  else if constexpr (std::is_same_v<T, int64_t>) return ValueKind::integer;
  else {
    static_assert(std::is_same_v<T, std::array<int64_t, 2>>,
                  "a dimension's field is an integer, number, bool, block or pair");
    return ValueKind::pair;
  }
}

using Getter = Json (*)(const Macro&, size_t);
using Setter = void (*)(Macro&, size_t, const Json&);

DimensionRow make_row(DimensionField field, Part part, ValueKind kind, Getter get, Setter set, double lo, double hi,
                      std::vector<Json> values, bool capacity, Moot moot) {
  return {field, part, kind, get, set, lo, hi, std::move(values), capacity, moot};
}

// Field `f` of `m` (a Macro, const or not) for a row of `part` at `stage`, found by the struct that
// declares it: the macro, its head, the stage, or the block of the part (down: the downsampling one).
template <Part part, auto f, class M>
auto& field_of(M& m, size_t stage) {
  using Owner = typename MemberOf<decltype(f)>::owner;
  if constexpr (std::is_same_v<Owner, Macro>) return m.*f;
  else if constexpr (std::is_same_v<Owner, Head>) return m.head.*f;
  else if constexpr (std::is_same_v<Owner, Stage>) return m.stages[stage].*f;
  else if constexpr (part == Part::down) return std::get<Owner>(*m.stages[stage].down).*f;
  else return std::get<Owner>(*m.stages[stage].block).*f;
}

// A row setting field `f`.
template <Part part, auto f>
DimensionRow row(DimensionField field, double lo, double hi, std::vector<Json> values, bool capacity = false,
                 Moot moot = Moot::never) {
  using T = typename MemberOf<decltype(f)>::value;
  return make_row(
      field, part, value_kind<T>(), [](const Macro& m, size_t stage) { return Json(field_of<part, f>(m, stage)); },
      [](Macro& m, size_t stage, const Json& v) { field_of<part, f>(m, stage) = v.get<T>(); }, lo, hi,
      std::move(values), capacity, moot);
}

constexpr size_t first_stage(Part part) {
  size_t stage = 0;
  while (stage < stage_count && !in_part(part, stage)) ++stage;
  return stage;
}

// A network row whose field every stage of `part` holds in its block (the fused threshold).
template <Part part, auto f>
DimensionRow shared_row(DimensionField field, double lo, double hi, std::vector<Json> values) {
  using T = typename MemberOf<decltype(f)>::value;
  return make_row(
      field, Part::network, value_kind<T>(),
      [](const Macro& m, size_t) { return Json(field_of<part, f>(m, first_stage(part))); },
      [](Macro& m, size_t, const Json& v) {
        for (size_t stage = 0; stage < stage_count; ++stage)
          if (in_part(part, stage)) field_of<part, f>(m, stage) = v.get<T>();
      },
      lo, hi, std::move(values), false, Moot::never);
}

// Field `f` of block `b` if `b` is the struct that declares it.
template <auto f, class B>
void read_if(const B& b, Json& out) {
  if constexpr (std::is_same_v<B, typename MemberOf<decltype(f)>::owner>) out = b.*f;
}
template <auto f, class B>
void write_if(B& b, const Json& v) {
  if constexpr (std::is_same_v<B, typename MemberOf<decltype(f)>::owner>)
    b.*f = v.get<typename MemberOf<decltype(f)>::value>();
}

// A row of a field of the early block, one member per kind that has it. A kind without it reads 1:
// only pconv lacks one (groups), and a block without groups is ungrouped.
template <auto... fs>
DimensionRow early_row(DimensionField field, double lo, double hi, std::vector<Json> values, Moot moot = Moot::never) {
  using T = std::tuple_element_t<0, std::tuple<typename MemberOf<decltype(fs)>::value...>>;
  static_assert((std::is_same_v<T, typename MemberOf<decltype(fs)>::value> && ...));
  return make_row(
      field, Part::block, value_kind<T>(),
      [](const Macro& m, size_t stage) {
        Json out = 1;
        std::visit([&](const auto& b) { (read_if<fs>(b, out), ...); }, *m.stages[stage].block);
        return out;
      },
      [](Macro& m, size_t stage, const Json& v) {
        std::visit([&](auto& b) { (write_if<fs>(b, v), ...); }, *m.stages[stage].block);
      },
      lo, hi, std::move(values), false, moot);
}

// The early block's kind: setting it replaces the block with the kind's defaults, whose fields the
// rows after it set.
DimensionRow kind_row(DimensionField field, std::vector<Json> values) {
  return make_row(
      field, Part::block, ValueKind::block,
      [](const Macro& m, size_t stage) { return Json(kind_of(*m.stages[stage].block)); },
      [](Macro& m, size_t stage, const Json& v) { m.stages[stage].block = default_block(v.get<MacroBlock>()); }, 0, 0,
      std::move(values), false, Moot::never);
}

// Row i sets DimensionField i, so that a field's row is found by its value (dimension_row).
std::vector<DimensionRow> in_field_order(std::vector<DimensionRow> rows) {
  for (size_t i = 0; i < rows.size(); ++i)
    if (static_cast<size_t>(rows[i].field) != i)
      throw std::logic_error("dimension_rows: row " + std::to_string(i) + " out of DimensionField's order");
  if (rows.size() != dimension_field_names.size())
    throw std::logic_error("dimension_rows: not one row per DimensionField");
  return rows;
}

// The block kinds the space builds in its early stages (early_block), in the order errors list them.
constexpr std::array<MacroBlock, 3> early_blocks{MacroBlock::fumbconv, MacroBlock::mbconv, MacroBlock::pconv};

}  // namespace

// The defaults contain every choice CPUBone B0-B3 make, so those four are points of the default space.
const std::vector<DimensionRow>& dimension_rows() {
  constexpr double maxc = static_cast<double>(limits::max_channels);
  constexpr bool capacity = true;
  using enum Part;
  using F = DimensionField;
  static const std::vector<DimensionRow> rows = in_field_order({
      row<network, &Macro::resolution>(F::resolution, 32, 1024, {{224}}, capacity),
      row<network, &Head::widths>(F::head, 1, maxc, {{{1024, 1280}, {1536, 1600}, {2304, 2560}}}, capacity),
      shared_row<cpubone, &CPUBoneBlock::fused_threshold>(F::fused_threshold, 0, maxc + 1,
                                                          {{128, 192, 256, 320, 384, 512, 1024}}),
      row<stage, &Stage::width>(F::width, 1, maxc,
                                {{8, 12, 14, 16, 20, 24, 32, 40, 48},
                                 {16, 24, 28, 32, 40, 48, 64, 80, 96},
                                 {32, 48, 56, 64, 80, 96, 128, 160, 192},
                                 {64, 96, 112, 128, 160, 192, 256, 320, 384},
                                 {128, 192, 224, 256, 320, 384, 448, 512, 640}},
                                capacity),
      row<stage, &Stage::depth>(
          F::blocks, 0, 64, {{0, 1, 2}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}},
          capacity),
      kind_row(F::block, {Json(early_blocks)}),
      early_row<&FuMBConv::kernel, &MBConv::kernel, &PConv::kernel>(F::kernel, 1, 15, {{2, 3}}),
      early_row<&FuMBConv::groups, &MBConv::groups>(F::groups, 1, 64, {{1, 2, 4, 8}}, Moot::without_groups),
      early_row<&FuMBConv::expansion, &MBConv::expansion, &PConv::mlp_expansion>(F::expansion, 0.25, 16,
                                                                                 {{2, 3, 4, 6}}),
      row<down, &FuMBConv::kernel>(F::down_kernel, 2, 15, {{2, 3}}),
      row<down, &FuMBConv::groups>(F::down_groups, 1, 64, {{1, 2, 4, 8}}),
      row<down, &FuMBConv::expansion>(F::down_expansion, 0.25, 16, {{3, 4, 6}}),
      row<cpubone, &CPUBoneBlock::attention>(F::attention, 0, 0, {{true, false}}, capacity),
      // Stage 4 runs at 7x7 at 224: a stride-2 token downsampling there would not upsample back exactly.
      row<cpubone, &CPUBoneBlock::attention_stride>(F::attention_stride, 1, 8, {{1, 2}, {1}}, false,
                                                    Moot::without_attention),
      row<cpubone, &CPUBoneBlock::local_kernel>(F::local_kernel, 1, 15, {{2, 3}}),
      row<cpubone, &CPUBoneBlock::local_groups>(F::local_groups, 1, 64, {{1, 2, 4, 8}}),
      row<cpubone, &CPUBoneBlock::local_expansion>(F::local_expansion, 0.25, 16, {{2, 3, 4}}),
      row<cpubone, &CPUBoneBlock::mlp_expansion>(F::mlp_expansion, 0.25, 16, {{2, 3, 4}}),
  });
  return rows;
}

namespace {
// The row that sets `field`.
const DimensionRow& dimension_row(DimensionField field) { return dimension_rows()[static_cast<size_t>(field)]; }
}  // namespace

bool moot(const Dimension& d, const Macro& m) {
  const Stage& s = m.stages[d.stage];
  if (d.row->part == Part::block && s.depth == 0) return true;  // no repeated block: its choices build nothing
  switch (d.row->moot) {
    case Moot::never: return false;
    case Moot::without_groups: return !has_groups(kind_of(*s.block));
    case Moot::without_attention: return !std::get<CPUBoneBlock>(*s.block).attention;
  }
  return false;
}

namespace {

// The default space's dimension of `r` at `stage`.
Dimension default_dimension(const DimensionRow& r, size_t stage) {
  size_t position = 0;  // among the stages of the part
  for (size_t s = 0; s < stage; ++s) position += in_part(r.part, s);
  const Json& values = r.values.size() == 1 ? r.values[0] : r.values.at(position);
  const std::string field(dimension_field_names.name_of(r.field));
  const std::string name = r.part == Part::network ? field : "stages[" + std::to_string(stage) + "]." + field;
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
  return type && !type->grouped &&
         std::find(early_blocks.begin(), early_blocks.end(), type->kind) != early_blocks.end();
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
  // The gene of `field` (at `stage`, for a stage's dimension).
  auto pos = [&](DimensionField field, size_t stage = 0) {
    for (size_t i = 0; i < dims_.size(); ++i)
      if (dims_[i].row->field == field && dims_[i].stage == stage) return i;
    throw std::logic_error("no dimension " + std::string(dimension_field_names.name_of(field)));
  };
  stem_genes_ = {pos(DimensionField::width, 0)};
  head_genes_ = {pos(DimensionField::head)};
  for (size_t i = 0; i < stage_count; ++i) down_genes_[i].clear(), block_genes_[i].clear();
  for (size_t d = 0; d < dims_.size(); ++d) {
    const DimensionRow& r = *dims_[d].row;
    if (r.part == Part::network || r.field == DimensionField::blocks)
      continue;  // blocks: how often a block repeats, not what it is
    if (r.field == DimensionField::width || r.part == Part::down) down_genes_[dims_[d].stage].push_back(d);
    if (r.part != Part::down) block_genes_[dims_[d].stage].push_back(d);
  }
  // A CPUBone block fuses its local block below the threshold.
  for (size_t i = 0; i < stage_count; ++i)
    if (in_part(Part::cpubone, i)) block_genes_[i].push_back(pos(DimensionField::fused_threshold));
}

SearchSpace SearchSpace::from_json(const Json& j, const std::string& file) {
  ObjectReader r(j, Where(file));
  check_file_version(r.at("schema"), r.raw("schema"), {space_version});
  SearchSpace s = defaults();
  s.name_ = r.string("name", file);
  const Json& dims = r.raw("dimensions");
  if (!dims.is_object()) r.at("dimensions").fail(dims, "expected an object {dimension name: [values]}");
  for (const auto& [name, values] : dims.items()) {
    const Where w = r.at("dimensions") / name;
    const auto it = std::find_if(s.dims_.begin(), s.dims_.end(), [&](const Dimension& d) { return d.name == name; });
    if (it == s.dims_.end()) w.fail("unknown dimension (see `cpubone-explore space` for the known ones)");
    if (!values.is_array() || values.empty() || values.size() > 256)
      w.fail(values, "expected a list of 1 to 256 values");
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

Macro SearchSpace::decode(const Genome& g, const std::string& name) const {
  Macro m;
  m.name = name;
  m.family = "explored";
  m.stages.resize(stage_count);
  // The blocks of the down and cpubone parts, which their rows set; the early block's kind row makes it.
  for (size_t i = 0; i < stage_count; ++i) {
    if (in_part(Part::down, i)) m.stages[i].down = FuMBConv{};
    if (in_part(Part::cpubone, i)) m.stages[i].block = CPUBoneBlock{};
  }
  for (size_t i = 0; i < dims_.size(); ++i) dims_[i].row->set(m, dims_[i].stage, dims_[i].values[g[i]]);
  m.stem = {m.stages[0].width, 3, 2, Activation::hardswish};
  return m;
}

namespace {

struct NotExpressible {
  Where where;
  [[noreturn]] void operator()(const std::string& what) const {
    where.fail("is not a point of the CPUBone search space: " + what);
  }
};

void check_early_block(const std::optional<BlockSpec>& block, const std::string& stage, const NotExpressible& fail) {
  if (!block) fail(stage + " has no block");
  switch (kind_of(*block)) {
    case MacroBlock::fumbconv: {
      const auto& f = std::get<FuMBConv>(*block);
      if (f.bias != std::array<bool, 2>{false, false} || f.activation != Activation::hardswish)
        fail(stage + " fused block has biases or another activation");
      return;
    }
    case MacroBlock::mbconv: {
      const auto& b = std::get<MBConv>(*block);
      if (b.bias != MBConv{}.bias || b.batch_norm != MBConv{}.batch_norm || b.activation != Activation::hardswish)
        fail(stage + " mbconv differs from CPUBone's in biases, norms or activation");
      return;
    }
    case MacroBlock::pconv: {
      const auto& p = std::get<PConv>(*block);
      if (p.divisor != 4 || p.mlp_expansion <= 0) fail(stage + " pconv is not a FasterNet block");
      return;
    }
    case MacroBlock::dsconv:
    case MacroBlock::cpubone: fail(stage + " block type");
  }
}

void check_stage(const Stage& st, size_t i, int64_t fused_threshold, const NotExpressible& fail) {
  const std::string stage = "stage " + std::to_string(i);
  if (st.down_stride != 2) fail(stage + " downsamples with stride " + std::to_string(st.down_stride));
  if (in_part(Part::block, i)) check_early_block(st.block, stage, fail);
  if (!in_part(Part::down, i) && st.down) fail(stage + " has a downsampling block");
  if (in_part(Part::down, i)) {
    const auto* d = st.down ? std::get_if<FuMBConv>(&*st.down) : nullptr;
    if (!d || d->bias != std::array<bool, 2>{false, false}) fail(stage + " does not downsample with a fused block");
  }
  if (in_part(Part::cpubone, i)) {
    const auto* b = st.block ? std::get_if<CPUBoneBlock>(&*st.block) : nullptr;
    if (!b || b->attention_kernel != 2 || b->head_dim_multiplier != 0.5 || b->transposed_upsampling ||
        b->activation != Activation::hardswish || b->fused_threshold != fused_threshold)
      fail(stage + " CPUBone block differs from the released one");
  }
}

// Fails unless `m` has the space's layout, with the blocks as the space builds them; the rows then read
// its fields.
void check_layout(const Macro& m) {
  const NotExpressible fail{Where(m.name)};
  if (m.stages.size() != stage_count)
    fail("it has " + std::to_string(m.stages.size()) + " stages, not " + std::to_string(stage_count));
  if (m.stem.kernel != 3 || m.stem.stride != 2 || m.stem.activation != Activation::hardswish ||
      m.stem.width != m.stages[0].width)
    fail("its stem is not a 3x3/s2 hardswish conv to the stage-0 width");
  if (m.in_channels != 3 || m.num_classes != 1000 || m.batch != 1 || m.head.activation != Activation::hardswish)
    fail("input, classes, batch or head activation differ from CPUBone's");
  const auto* late = std::get_if<CPUBoneBlock>(m.stages[3].block ? &*m.stages[3].block : nullptr);
  if (!late) fail("stage 3 does not repeat CPUBone blocks");
  for (size_t i = 0; i < stage_count; ++i) check_stage(m.stages[i], i, late->fused_threshold, fail);
}

}  // namespace

Genome SearchSpace::encode(const Macro& m) const {
  check_layout(m);
  Genome g(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dimension& d = dims_[i];
    const Json value = d.row->get(m, d.stage);
    const auto it = std::find(d.values.begin(), d.values.end(), value);
    // A pconv holds no groups, so any listed value stands for it; other moot values are held by the
    // macro (a depth-0 stage's block, a stride without attention) and must be listed.
    const bool held = d.row->moot != Moot::without_groups || has_groups(kind_of(*m.stages[d.stage].block));
    if (it == d.values.end() && held)
      (Where(m.name) / d.name)
          .fail(value, "not a value of search space \"" + name_ + "\" (values: " + Json(d.values).dump() + ")");
    g[i] = static_cast<uint16_t>(it == d.values.end() ? 0 : it - d.values.begin());
  }
  return g;
}

namespace {

// The value of the row `field` at `stage` of `m`, as the summary reads it.
Json at(const Macro& m, DimensionField field, size_t stage = 0) { return dimension_row(field).get(m, stage); }

std::string num(const Json& x) {
  const double d = x.get<double>();
  return d == std::floor(d) ? std::to_string(static_cast<int64_t>(d)) : Json(d).dump();
}

// " s0:fu k3 g1 e4" per early stage with repeated blocks.
std::string early_summary(const Macro& m) {
  std::string out;
  for (size_t i = 0; i < stage_count; ++i) {
    if (!in_part(Part::block, i) || m.stages[i].depth == 0) continue;
    const MacroBlock kind = kind_of(*m.stages[i].block);
    out += " s" + std::to_string(i) + ":" + std::string(names_of(kind).abbreviation) + " k" +
           at(m, DimensionField::kernel, i).dump() +
           (has_groups(kind) ? " g" + at(m, DimensionField::groups, i).dump() : "") + " e" +
           num(at(m, DimensionField::expansion, i));
  }
  return out;
}

// The downsampling blocks once when they agree, else each (capacity-matched configurations differ there).
std::string down_summary(const Macro& m) {
  std::vector<std::string> downs, stages;
  for (size_t i = 0; i < stage_count; ++i) {
    if (!in_part(Part::down, i)) continue;
    downs.push_back("k" + at(m, DimensionField::down_kernel, i).dump() + " g" +
                    at(m, DimensionField::down_groups, i).dump() + " e" +
                    num(at(m, DimensionField::down_expansion, i)));
    stages.push_back(" s" + std::to_string(i) + ":");
  }
  if (std::all_of(downs.begin(), downs.end(), [&](const std::string& x) { return x == downs[0]; }))
    return " down " + downs[0];
  std::string out = " down";
  for (size_t i = 0; i < downs.size(); ++i) out += stages[i] + downs[i];
  return out;
}

std::string cpubone_summary(const Macro& m) {
  std::string out;
  for (size_t i = 0; i < stage_count; ++i) {
    if (!in_part(Part::cpubone, i)) continue;
    const bool attention = at(m, DimensionField::attention, i) == true;
    out += " s" + std::to_string(i) + ":" +
           (attention ? "att/" + at(m, DimensionField::attention_stride, i).dump() : "noatt") + " k" +
           at(m, DimensionField::local_kernel, i).dump() + " g" + at(m, DimensionField::local_groups, i).dump() + " e" +
           num(at(m, DimensionField::local_expansion, i)) + "/" + num(at(m, DimensionField::mlp_expansion, i));
  }
  return out;
}

}  // namespace

std::string explain(const Macro& m) {
  auto block_text = [](const BlockSpec& b) {
    const Json j = to_json(b);
    std::string out(display_name(kind_of(b), j.value("groups", 1) > 1 && has_groups(kind_of(b))));
    for (const auto& [k, v] : j.items())
      if (k != "type") out += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    return out;
  };
  std::string out = m.name + ": input " + std::to_string(m.resolution) + "x" + std::to_string(m.resolution) +
                    ", stem " + std::to_string(m.stem.kernel) + "x" + std::to_string(m.stem.kernel) + "/" +
                    std::to_string(m.stem.stride) + " to " + std::to_string(m.stem.width) + " channels, head " +
                    std::to_string(m.head.widths[0]) + "-" + std::to_string(m.head.widths[1]) + "\n";
  for (size_t i = 0; i < m.stages.size(); ++i) {
    const Stage& s = m.stages[i];
    out += "  stage " + std::to_string(i) + ": width " + std::to_string(s.width) + "\n";
    if (s.down) out += "    down (stride " + std::to_string(s.down_stride) + "): " + block_text(*s.down) + "\n";
    if (s.block && s.depth > 0) out += "    " + std::to_string(s.depth) + " x " + block_text(*s.block) + "\n";
  }
  return out;
}

std::string SearchSpace::summary(const Genome& g) const {
  const Macro m = decode(g, "");
  std::string w = "w", d = " b";
  for (size_t i = 0; i < stage_count; ++i) {
    w += (i ? "-" : " ") + at(m, DimensionField::width, i).dump();
    d += (i ? "-" : " ") + at(m, DimensionField::blocks, i).dump();
  }
  return w + d + early_summary(m) + down_summary(m) + cpubone_summary(m) + " fuse<" +
         at(m, DimensionField::fused_threshold).dump() + " head " + at(m, DimensionField::head)[0].dump() + " r" +
         at(m, DimensionField::resolution).dump();
}

}  // namespace cpx::explorer
