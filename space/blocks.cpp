#include "space/blocks.hpp"

#include <cfenv>
#include <cmath>
#include <stdexcept>

namespace cpx {

Padding same_padding(int64_t kernel, int64_t stride) {
  if (kernel % 2 == 1) return {kernel / 2, kernel / 2, kernel / 2, kernel / 2};
  if (stride == 1) return {kernel / 2, kernel / 2 - 1, kernel / 2, kernel / 2 - 1};
  return {(kernel - 2) / 2, (kernel - 2) / 2, (kernel - 2) / 2, (kernel - 2) / 2};
}

Conv2d same_conv(int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups, bool bias, bool batch_norm,
                 Activation activation) {
  Conv2d c;
  c.out_channels = out_channels;
  c.kernel = {kernel, kernel};
  c.stride = {stride, stride};
  c.padding = same_padding(kernel, stride);
  c.groups = groups;
  c.bias = bias;
  c.batch_norm = batch_norm;
  c.activation = activation;
  return c;
}

int64_t expanded_channels(int64_t channels, double expansion) {
  return static_cast<int64_t>(std::nearbyint(static_cast<double>(channels) * expansion));  // ties to even
}

AttentionShape cpubone_attention_shape(int64_t channels, double head_dim_multiplier) {
  const int64_t heads = std::max<int64_t>(
      1, static_cast<int64_t>(std::floor(head_dim_multiplier * static_cast<double>(channels) / 30.0)));
  const int64_t head_dim =
      static_cast<int64_t>(std::floor(static_cast<double>(channels / heads) * head_dim_multiplier));
  return {heads, head_dim};
}

namespace {

constexpr double max_expansion = 64;

template <size_t N>
std::array<bool, N> read_flags(ObjectReader& r, std::string_view key, std::array<bool, N> fallback) {
  if (!r.has(key)) return fallback;
  const Json& j = r.raw(key);
  if (!j.is_array() || j.size() != N) r.at(key).fail(j, "expected " + std::to_string(N) + " booleans, one per conv");
  std::array<bool, N> out{};
  for (size_t i = 0; i < N; ++i) {
    if (!j[i].is_boolean()) r.at(key)[i].fail(j[i], "expected true or false");
    out[i] = j[i].get<bool>();
  }
  return out;
}

int64_t read_groups(ObjectReader& r, bool grouped_alias) {
  const int64_t g = r.integer("groups", 1, limits::max_channels, grouped_alias ? 2 : 1);
  if (grouped_alias && g < 2) r.at("groups").fail(g, "a grouped block type needs groups >= 2");
  return g;
}

// One reader per kind; `grouped` says the type was the grouped spelling (groups default to 2).
FuMBConv read_fumbconv(ObjectReader& r, bool grouped) {
  FuMBConv s;
  s.kernel = r.integer("kernel", 1, limits::max_kernel, s.kernel);
  s.expansion = r.number("expansion", 0.01, max_expansion, s.expansion);
  s.groups = read_groups(r, grouped);
  s.bias = read_flags(r, "bias", s.bias);
  s.activation = read_block_activation(r);
  return s;
}

MBConv read_mbconv(ObjectReader& r, bool grouped) {
  MBConv s;
  s.kernel = r.integer("kernel", 1, limits::max_kernel, s.kernel);
  s.expansion = r.number("expansion", 0.01, max_expansion, s.expansion);
  s.groups = read_groups(r, grouped);
  s.bias = read_flags(r, "bias", s.bias);
  s.batch_norm = read_flags(r, "batch_norm", s.batch_norm);
  s.activation = read_block_activation(r);
  return s;
}

DSConv read_dsconv(ObjectReader& r) {
  DSConv s;
  s.kernel = r.integer("kernel", 1, limits::max_kernel, s.kernel);
  s.activation = read_block_activation(r);
  return s;
}

CPUBoneBlock read_cpubone(ObjectReader& r) {
  CPUBoneBlock s;
  s.attention = r.boolean("attention", s.attention);
  s.attention_stride = r.integer("attention_stride", 1, limits::max_kernel, s.attention_stride);
  s.attention_kernel = r.integer("attention_kernel", 1, limits::max_kernel, s.attention_kernel);
  s.head_dim_multiplier = r.number("head_dim_multiplier", 0.01, 1.0, s.head_dim_multiplier);
  s.mlp_expansion = r.number("mlp_expansion", 0.01, max_expansion, s.mlp_expansion);
  s.local_kernel = r.integer("local_kernel", 1, limits::max_kernel, s.local_kernel);
  s.local_expansion = r.number("local_expansion", 0.01, max_expansion, s.local_expansion);
  s.local_groups = r.integer("local_groups", 1, limits::max_channels, s.local_groups);
  s.fused_threshold = r.integer("fused_threshold", 0, limits::max_channels + 1, s.fused_threshold);
  const std::string up = r.string("upsampling", "nearest");
  if (up != "nearest" && up != "transposed") r.at("upsampling").fail(up, "expected \"nearest\" or \"transposed\"");
  s.transposed_upsampling = up == "transposed";
  s.activation = read_block_activation(r);
  return s;
}

PConv read_pconv(ObjectReader& r) {
  PConv s;
  s.kernel = r.integer("kernel", 1, limits::max_kernel, s.kernel);
  s.divisor = r.integer("divisor", 1, limits::max_channels, s.divisor);
  s.mlp_expansion = r.number("mlp_expansion", 0, max_expansion, s.mlp_expansion);
  s.activation = read_block_activation(r);
  return s;
}

BlockSpec read_fields(ObjectReader& r, MacroBlockType type) {
  switch (type.kind) {
    case MacroBlock::fumbconv: return read_fumbconv(r, type.grouped);
    case MacroBlock::mbconv: return read_mbconv(r, type.grouped);
    case MacroBlock::dsconv: return read_dsconv(r);
    case MacroBlock::cpubone: return read_cpubone(r);
    case MacroBlock::pconv: return read_pconv(r);
  }
  throw std::logic_error("read_block: a MacroBlock without a reader");
}

}  // namespace

Activation read_block_activation(ObjectReader& r) {
  return r.has("activation") ? read_activation(r.raw("activation"), r.at("activation")) : Activation::hardswish;
}

BlockSpec read_block(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  const std::string name = r.string("type");
  const std::optional<MacroBlockType> type = macro_block_from_string(name);
  if (!type) r.at("type").fail(name, "unknown block type (known: " + macro_block_type_list() + ")");
  BlockSpec out = read_fields(r, *type);
  r.finish();
  return out;
}

Json to_json(const BlockSpec& block) {
  Json j;
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        j["type"] = to_string(T::kind);
        if constexpr (std::is_same_v<T, FuMBConv>) {
          j["kernel"] = s.kernel;
          j["expansion"] = s.expansion;
          j["groups"] = s.groups;
          j["bias"] = s.bias;
        } else if constexpr (std::is_same_v<T, MBConv>) {
          j["kernel"] = s.kernel;
          j["expansion"] = s.expansion;
          j["groups"] = s.groups;
          j["bias"] = s.bias;
          j["batch_norm"] = s.batch_norm;
        } else if constexpr (std::is_same_v<T, DSConv>) {
          j["kernel"] = s.kernel;
        } else if constexpr (std::is_same_v<T, PConv>) {
          j["kernel"] = s.kernel;
          j["divisor"] = s.divisor;
          if (s.mlp_expansion > 0) j["mlp_expansion"] = s.mlp_expansion;
        } else {
          static_assert(std::is_same_v<T, CPUBoneBlock>, "to_json: a block kind whose fields are not written");
          j["attention"] = s.attention;
          j["attention_stride"] = s.attention_stride;
          j["attention_kernel"] = s.attention_kernel;
          j["head_dim_multiplier"] = s.head_dim_multiplier;
          j["mlp_expansion"] = s.mlp_expansion;
          j["local_kernel"] = s.local_kernel;
          j["local_expansion"] = s.local_expansion;
          j["local_groups"] = s.local_groups;
          j["fused_threshold"] = s.fused_threshold;
          j["upsampling"] = s.transposed_upsampling ? "transposed" : "nearest";
        }
        if constexpr (requires { s.activation; }) j["activation"] = to_string(s.activation);
      },
      block);
  return j;
}

namespace {

void require_divides(const NetworkBuilder& b, int64_t groups, int64_t channels, const char* what) {
  if (groups <= 0 || channels % groups != 0)
    (b.where() / "groups").fail(groups, std::string("does not divide the ") + std::to_string(channels) + " " + what);
}

std::string expand(NetworkBuilder& b, const FuMBConv& s, const std::string& x, const std::string& p, int64_t out,
                   int64_t stride) {
  const int64_t in = b.shape(x).c;
  const int64_t mid = expanded_channels(in, s.expansion);
  require_divides(b, s.groups, in, "input channels");
  require_divides(b, s.groups, mid, "expanded channels");
  const std::string h =
      b.add(p + ".conv1", {x}, same_conv(mid, s.kernel, stride, s.groups, s.bias[0], true, s.activation));
  return b.add(p + ".conv2", {h}, same_conv(out, 1, 1, 1, s.bias[1], true, Activation::none));
}

std::string expand(NetworkBuilder& b, const MBConv& s, const std::string& x, const std::string& p, int64_t out,
                   int64_t stride) {
  const int64_t in = b.shape(x).c;
  const int64_t mid = expanded_channels(in, s.expansion);
  require_divides(b, s.groups, in, "input channels");
  require_divides(b, s.groups, mid, "expanded channels");
  const std::string e =
      b.add(p + ".expand", {x}, same_conv(mid, 1, 1, s.groups, s.bias[0], s.batch_norm[0], s.activation));
  const std::string d =
      b.add(p + ".dw", {e}, same_conv(mid, s.kernel, stride, mid, s.bias[1], s.batch_norm[1], s.activation));
  return b.add(p + ".project", {d}, same_conv(out, 1, 1, 1, s.bias[2], s.batch_norm[2], Activation::none));
}

std::string expand(NetworkBuilder& b, const DSConv& s, const std::string& x, const std::string& p, int64_t out,
                   int64_t stride) {
  const int64_t in = b.shape(x).c;
  const std::string d = b.add(p + ".dw", {x}, same_conv(in, s.kernel, stride, in, false, true, s.activation));
  return b.add(p + ".pw", {d}, same_conv(out, 1, 1, 1, false, true, Activation::none));
}

std::string expand(NetworkBuilder& b, const PConv& s, const std::string& x, const std::string& p, int64_t out,
                   int64_t stride) {
  const int64_t c = b.shape(x).c;
  const int64_t part = c / s.divisor;
  if (out != c || stride != 1)
    b.where().fail("a pconv block keeps its " + std::to_string(c) + " channels and resolution");
  if (part < 1 || part == c)
    (b.where() / "divisor")
        .fail(s.divisor,
              "must leave 1 to " + std::to_string(c - 1) + " of " + std::to_string(c) + " channels to the conv");
  const std::string head = b.add(p + ".part", {x}, Slice{0, part});
  const std::string rest = b.add(p + ".rest", {x}, Slice{part, c});
  const std::string conv_out =
      b.add(p + ".conv", {head}, same_conv(part, s.kernel, 1, 1, false, false, Activation::none));
  const std::string mixed = b.add(p + ".concat", {conv_out, rest}, Concat{});
  if (s.mlp_expansion <= 0) return mixed;
  const int64_t hidden = expanded_channels(c, s.mlp_expansion);
  if (hidden < 1)
    (b.where() / "mlp_expansion").fail(s.mlp_expansion, "leaves no hidden channels at " + std::to_string(c));
  const std::string fc1 = b.add(p + ".fc1", {mixed}, same_conv(hidden, 1, 1, 1, false, true, s.activation));
  return b.add(p + ".fc2", {fc1}, same_conv(c, 1, 1, 1, false, true, Activation::none));
}

std::string residual(NetworkBuilder& b, const std::string& x, const std::string& fx, const std::string& name) {
  return b.add(name, {x, fx}, Add{});
}

std::string expand(NetworkBuilder& b, const CPUBoneBlock& s, const std::string& input, const std::string& p,
                   int64_t out, int64_t stride) {
  const int64_t c = b.shape(input).c;
  if (out != c || stride != 1)
    b.where().fail("a cpubone block keeps its " + std::to_string(c) +
                   " channels and resolution; put a "
                   "downsampling block before it");
  std::string x = input;
  if (s.attention) {
    const auto [heads, hd] = cpubone_attention_shape(c, s.head_dim_multiplier);
    if (hd < 1) b.where().fail("attention head dim would be 0 at " + std::to_string(c) + " channels");
    const int64_t sa = s.attention_stride;
    const std::string n = b.add(p + ".attn.norm", {x}, GroupNorm{1, 1e-5});
    const std::string dw =
        b.add(p + ".attn.dw", {n}, same_conv(c, s.attention_kernel, sa, c, false, true, Activation::none));
    const std::string qkv =
        b.add(p + ".attn.qkv", {dw}, same_conv(3 * heads * hd, 1, 1, 1, false, false, Activation::none));
    const int64_t tokens = b.shape(qkv).pixels();
    const std::string scores = b.add(p + ".attn.scores", {qkv, qkv},
                                     Matmul{heads, {0, hd}, {hd, hd}, true, 1.0 / std::sqrt(static_cast<double>(hd))});
    const std::string probs = b.add(p + ".attn.softmax", {scores}, Softmax{heads});
    const std::string av = b.add(p + ".attn.av", {probs, qkv}, Matmul{heads, {0, tokens}, {2 * hd, hd}, false, 1.0});
    std::string y;
    if (s.transposed_upsampling) {
      ConvTranspose2d t;
      t.out_channels = c;
      t.kernel = sa > 1 ? std::array<int64_t, 2>{2 * sa, 2 * sa} : std::array<int64_t, 2>{3, 3};
      t.stride = {sa, sa};
      const int64_t pad = sa > 1 ? sa / 2 : 1;
      t.padding = {pad, pad, pad, pad};
      t.bias = true;
      y = b.add(p + ".attn.proj_up", {av}, t);
    } else {
      y = b.add(p + ".attn.proj", {av}, same_conv(c, 1, 1, 1, true, false, Activation::none));
      if (sa > 1) y = b.add(p + ".attn.upsample", {y}, UpsampleNearest{{sa, sa}, {0, 0}});
    }
    x = residual(b, x, y, p + ".attn.add");
  }
  const int64_t hidden = expanded_channels(c, s.mlp_expansion);
  const std::string n = b.add(p + ".mlp.norm", {x}, GroupNorm{1, 1e-5});
  const std::string fc1 = b.add(p + ".mlp.fc1", {n}, same_conv(hidden, 1, 1, 1, true, false, Activation::gelu));
  const std::string fc2 = b.add(p + ".mlp.fc2", {fc1}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  x = residual(b, x, fc2, p + ".mlp.add");
  std::string local;
  if (c < s.fused_threshold) {
    FuMBConv f{s.local_kernel, s.local_expansion, s.local_groups, {true, false}, s.activation};
    local = expand(b, f, x, p + ".local", c, 1);
  } else {
    MBConv m{s.local_kernel,      s.local_expansion,    s.local_groups,
             {true, true, false}, {false, false, true}, s.activation};
    local = expand(b, m, x, p + ".local", c, 1);
  }
  return residual(b, x, local, p + ".local.add");
}

}  // namespace

std::string expand_block(NetworkBuilder& b, const BlockSpec& block, const std::string& x, const std::string& prefix,
                         int64_t out_channels, int64_t stride, bool with_residual) {
  const std::string y = std::visit([&](const auto& s) { return expand(b, s, x, prefix, out_channels, stride); }, block);
  if (std::holds_alternative<CPUBoneBlock>(block) || !with_residual) return y;
  if (b.shape(x) != b.shape(y))
    b.where().fail("a residual block must keep its shape, but maps " + b.shape(x).str() + " to " + b.shape(y).str());
  return residual(b, x, y, prefix + ".add");
}

int64_t make_divisible(double v, int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  int64_t r = std::max<int64_t>(divisor, static_cast<int64_t>(v + d / 2.0) / divisor * divisor);
  if (static_cast<double>(r) < 0.9 * v) r += divisor;
  return r;
}

std::string squeeze_excite(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t squeeze,
                           Activation activation, Activation gate) {
  const int64_t c = b.shape(x).c;
  const std::string pooled = b.add(p + ".pool", {x}, GlobalAvgPool{});
  const std::string r = b.add(p + ".reduce", {pooled}, same_conv(squeeze, 1, 1, 1, true, false, activation));
  const std::string e = b.add(p + ".expand", {r}, same_conv(c, 1, 1, 1, true, false, gate));
  return b.add(p + ".scale", {x, e}, Multiply{});
}

std::string inverted_residual(NetworkBuilder& b, const std::string& x, const std::string& p,
                              const InvertedResidual& s) {
  const int64_t in = b.shape(x).c;
  std::string h = x;
  if (s.expanded != in) h = b.add(p + ".expand", {h}, same_conv(s.expanded, 1, 1, 1, false, true, s.activation));
  h = b.add(p + ".dw", {h}, same_conv(s.expanded, s.kernel, s.stride, s.expanded, false, true, s.activation));
  if (s.se_squeeze > 0) h = squeeze_excite(b, h, p + ".se", s.se_squeeze, s.se_activation, s.se_gate);
  h = b.add(p + ".project", {h}, same_conv(s.out, 1, 1, 1, false, true, Activation::none));
  if (s.stride == 1 && in == s.out) h = b.add(p + ".add", {x, h}, Add{});
  return h;
}

}  // namespace cpx
