#include "space/macro.hpp"

namespace cpx {

namespace {

std::optional<BlockSpec> read_optional_block(ObjectReader& r, std::string_view key) {
  if (!r.has(key)) return std::nullopt;
  const Json& j = r.raw(key);
  if (j.is_null()) return std::nullopt;
  return read_block(j, r.at(key));
}

}  // namespace

Macro read_macro(const Json& j, const std::string& file) {
  ObjectReader r(j, Where(file));
  check_file_version(r.at("schema"), r.raw("schema"), {macro_version});
  Macro m;
  m.name = r.string("name");
  m.family = r.string("family", "");
  m.resolution = r.integer("resolution", 1, limits::max_spatial, m.resolution);
  m.in_channels = r.integer("in_channels", 1, limits::max_channels, m.in_channels);
  m.batch = r.integer("batch", 1, limits::max_batch, m.batch);
  m.num_classes = r.integer("num_classes", 1, limits::max_channels, m.num_classes);
  {
    ObjectReader s(r.raw("stem"), r.at("stem"));
    m.stem.width = s.integer("width", 1, limits::max_channels);
    m.stem.kernel = s.integer("kernel", 1, limits::max_kernel, m.stem.kernel);
    m.stem.stride = s.integer("stride", 1, limits::max_kernel, m.stem.stride);
    m.stem.activation = read_block_activation(s);
    s.finish();
  }
  const Json& stages = r.raw("stages");
  if (!stages.is_array()) r.at("stages").fail(stages, "expected an array of stages");
  for (size_t i = 0; i < stages.size(); ++i) {
    ObjectReader s(stages[i], r.at("stages")[i]);
    Stage st;
    st.width = s.integer("width", 1, limits::max_channels);
    st.down = read_optional_block(s, "down");
    st.down_stride = s.integer("down_stride", 1, limits::max_kernel, st.down_stride);
    st.block = read_optional_block(s, "block");
    st.depth = s.integer("depth", 0, 1000, 0);
    if (st.depth > 0 && !st.block) s.at("depth").fail(st.depth, "a stage with depth > 0 needs a \"block\"");
    s.finish();
    m.stages.push_back(std::move(st));
  }
  {
    ObjectReader h(r.raw("head"), r.at("head"));
    const Json& w = h.raw("widths");
    if (!w.is_array() || w.size() != 2) h.at("widths").fail(w, "expected [conv width, hidden width]");
    m.head.widths = read_pair(w, h.at("widths"), 1, limits::max_channels);
    m.head.activation = read_block_activation(h);
    h.finish();
  }
  r.finish();
  return m;
}

Json to_json(const Macro& m) {
  Json j;
  j["schema"] = macro_schema;
  j["name"] = m.name;
  j["family"] = m.family;
  j["resolution"] = m.resolution;
  j["in_channels"] = m.in_channels;
  j["batch"] = m.batch;
  j["num_classes"] = m.num_classes;
  j["stem"] = {{"width", m.stem.width},
               {"kernel", m.stem.kernel},
               {"stride", m.stem.stride},
               {"activation", to_string(m.stem.activation)}};
  Json stages = Json::array();
  for (const Stage& s : m.stages) {
    Json st;
    st["width"] = s.width;
    st["down"] = s.down ? to_json(*s.down) : Json(nullptr);
    st["down_stride"] = s.down_stride;
    st["block"] = s.block ? to_json(*s.block) : Json(nullptr);
    st["depth"] = s.depth;
    stages.push_back(std::move(st));
  }
  j["stages"] = std::move(stages);
  j["head"] = {{"widths", m.head.widths}, {"activation", to_string(m.head.activation)}};
  return j;
}

std::string expand_stem(NetworkBuilder& b, const Macro& m, const std::string& x) {
  Conv2d stem;
  stem.out_channels = m.stem.width;
  stem.kernel = {m.stem.kernel, m.stem.kernel};
  stem.stride = {m.stem.stride, m.stem.stride};
  stem.padding = same_padding(m.stem.kernel, m.stem.stride);
  stem.batch_norm = true;
  stem.activation = m.stem.activation;
  return b.add("stem.conv", {x}, stem);
}

std::string expand_head(NetworkBuilder& b, const Macro& m, const Where& top, std::string x) {
  b.locate(top / "head");
  Conv2d head_conv;
  head_conv.out_channels = m.head.widths[0];
  head_conv.batch_norm = true;
  head_conv.activation = m.head.activation;
  x = b.add("head.conv", {x}, head_conv);
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc1", {x}, FullyConnected{m.head.widths[1], false, false, Activation::none});
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  if (m.head.activation != Activation::none) x = b.add("head.act", {x}, ActivationOp{m.head.activation});
  b.locate(top / "num_classes");
  return b.add("head.fc2", {x}, FullyConnected{m.num_classes, true, false, Activation::none});
}

Network expand(const Macro& m, const std::string& file) {
  const Where top(file);
  NetworkBuilder b(m.name, m.family, {m.batch, m.resolution, m.resolution, m.in_channels}, top / "resolution");
  b.locate(top / "stem");
  std::string x = expand_stem(b, m, std::string(input_tensor));
  for (size_t i = 0; i < m.stages.size(); ++i) {
    const Stage& s = m.stages[i];
    const Where w = (top / "stages")[i];
    const std::string p = "s" + std::to_string(i);
    if (s.down) {
      b.locate(w / "down");
      x = expand_block(b, *s.down, x, p + ".down", s.width, s.down_stride, false);
    } else if (b.shape(x).c != s.width) {
      (w / "width")
          .fail(s.width, "differs from the " + std::to_string(b.shape(x).c) +
                             " channels before it, so the stage needs a \"down\" block");
    }
    b.locate(w / "block");
    for (int64_t d = 0; d < s.depth; ++d)
      x = expand_block(b, *s.block, x, p + ".b" + std::to_string(d), s.width, 1, true);
  }
  x = expand_head(b, m, top, x);
  return std::move(b).finish(x);
}

}  // namespace cpx
