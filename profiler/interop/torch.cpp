// PyTorch export: one line of __init__ per layer with weights and one line of forward per op, over NCHW
// tensors. Each op's translation follows the ONNX exporter's (profiler/interop/onnx/export.cpp): the same
// weight layouts (weights.hpp), and ops that read the NHWC byte order (reshape, per-head matmul) go
// through explicit permutes. BatchNorms after a conv or linear are their own layers (PyTorch-style
// params, as count() counts them) holding the folded shift, scale 1, mean 0 and var 1 - eps.
#include "profiler/interop/torch.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace cpx::profiler {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// Swin's per-window biases (NCHW blocks) as the one bias they share and each window's mask: a mask only
// subtracts (-100 where a shifted window joins pixels that were not neighbours), so the shared bias is the
// largest of the blocks at each entry and the masks are what each block has less.
std::pair<std::vector<float>, std::vector<float>> split_window_masks(const std::vector<float>& blocks,
                                                                     int64_t windows) {
  const size_t per = blocks.size() / static_cast<size_t>(windows);
  std::vector<float> bias(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(per)), masks(blocks.size());
  for (size_t b = 1; b < static_cast<size_t>(windows); ++b)
    for (size_t j = 0; j < per; ++j) bias[j] = std::max(bias[j], blocks[b * per + j]);
  for (size_t j = 0; j < blocks.size(); ++j) masks[j] = blocks[j] - bias[j % per];
  return {std::move(bias), std::move(masks)};
}

std::string tuple(std::initializer_list<int64_t> v) {
  std::string s = "(";
  for (int64_t x : v) s += std::to_string(x) + ", ";
  if (v.size() > 1) s.resize(s.size() - 2);
  return s + ")";
}

// Every emitted shape leaves the batch to the runtime (-1): the module trains at any batch size. Our
// networks are batch 1, and every reshape keeps a sample's elements together, so -1 is that batch.
constexpr int64_t any_batch = -1;
std::string nchw(const ShapeNhwc& s) { return tuple({any_batch, s.c, s.h, s.w}); }

// alpha: leaky_relu's and elu's (an op's own activation never takes one).
std::string activate(Activation a, const std::string& x, double alpha = 0) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return "F.relu(" + x + ")";
    case Activation::relu6: return "F.relu6(" + x + ")";
    case Activation::hardswish: return "F.hardswish(" + x + ")";
    case Activation::hardsigmoid: return "F.hardsigmoid(" + x + ")";
    case Activation::sigmoid: return "torch.sigmoid(" + x + ")";
    case Activation::silu: return "F.silu(" + x + ")";
    case Activation::gelu: return "F.gelu(" + x + ")";
    case Activation::gelu_tanh: return "F.gelu(" + x + ", approximate=\"tanh\")";
    case Activation::leaky_relu: return "F.leaky_relu(" + x + ", " + num(alpha) + ")";
    case Activation::elu: return "F.elu(" + x + ", " + num(alpha) + ")";
    case Activation::tanh: return "torch.tanh(" + x + ")";
    case Activation::softplus: return "F.softplus(" + x + ")";
    case Activation::mish: return "F.mish(" + x + ")";
  }
  throw std::logic_error("unknown activation");
}

// F.pad's order: (left, right, top, bottom).
std::string pad(const std::string& x, const Padding& p, const char* value = nullptr) {
  if (p == Padding{}) return x;
  return "F.pad(" + x + ", " + tuple({p.left, p.right, p.top, p.bottom}) +
         (value ? std::string(", value=") + value : "") + ")";
}

// PyTorch's output size of a pool on `size` with `pad` on both sides (pooling_output_shape).
int64_t torch_pool_output(int64_t size, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  int64_t out = (size + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= size + pad) --out;
  return out;
}

// avg_pool with padded cells left out of the divisor. PyTorch's own arguments where they give our windows:
// its padding is our top and left (at most half the kernel, on both sides) and its ceil_mode, one flag
// for both axes, gives our output size; its windows then start where ours do and hold the same input
// cells. Else, as PyTorch has no asymmetric padding, the window's sum over its count of input cells.
std::string avg_pool_without_pads(const std::string& x, const AvgPool& p, const ShapeNhwc& in, const ShapeNhwc& out) {
  const std::string window = tuple({p.kernel[0], p.kernel[1]}) + ", " + tuple({p.stride[0], p.stride[1]});
  if (p.padding.top <= p.kernel[0] / 2 && p.padding.left <= p.kernel[1] / 2)
    for (bool ceil_mode : {false, true})
      if (torch_pool_output(in.h, p.kernel[0], p.stride[0], p.padding.top, ceil_mode) == out.h &&
          torch_pool_output(in.w, p.kernel[1], p.stride[1], p.padding.left, ceil_mode) == out.w)
        return "F.avg_pool2d(" + x + ", " + window +
               (p.padding.top || p.padding.left ? ", " + tuple({p.padding.top, p.padding.left}) : "") +
               (ceil_mode ? ", ceil_mode=True" : "") + ", count_include_pad=False)";
  return "F.avg_pool2d(" + pad(x, p.padding) + ", " + window + ", divisor_override=1) / F.avg_pool2d(" +
         pad("torch.ones_like(" + x + "[:, :1])", p.padding) + ", " + window + ", divisor_override=1)";
}

// The PyTorch module path an op's name reads as, so that a user can map their own state_dict: torch.onnx.export
// names a node by its module scope, each module's name repeating its parent's as a prefix
// (/features/features.3/block/block.0/block.0.0/Conv: features.3.block.0.0, the node's own name last);
// other names (the zoo's s1.down.conv1) are paths already. What a Python name cannot hold becomes '_'.
std::string module_path(const std::string& name) {
  std::vector<std::string> parts;
  for (size_t at = 0; at <= name.size();) {
    const size_t end = std::min(name.find('/', at), name.size());
    if (end > at) parts.push_back(name.substr(at, end - at));
    at = end + 1;
  }
  if (parts.size() > 1 && name.front() == '/') parts.pop_back();  // the node's type (Conv, Gemm_1)
  std::string path;
  for (size_t k = 0; k < parts.size(); ++k) {
    const bool repeats = k > 0 && parts[k].rfind(parts[k - 1] + ".", 0) == 0;
    const std::string own = repeats ? parts[k].substr(parts[k - 1].size() + 1) : parts[k];
    path += (path.empty() ? "" : ".") + own;
  }
  std::string out;
  for (char ch : path) out += std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ? ch : '_';
  // No empty names between dots, none at the ends.
  std::string clean;
  for (size_t k = 0; k < out.size(); ++k)
    if (out[k] != '.' || (!clean.empty() && clean.back() != '.')) clean += out[k];
  while (!clean.empty() && clean.back() == '.') clean.pop_back();
  return clean.empty() ? "op" : clean;
}

struct Generator {
  const Network& net;
  const NetworkWeights& weights;
  std::vector<std::string> init, forward;
  std::vector<std::pair<std::string, std::vector<int64_t>>> state;
  std::string data;
  int64_t params = 0;
  std::set<std::string> keys, containers;  // module paths that hold a layer; their prefixes
  size_t i = 0;                            // the op being written

  const Op& op() const { return net.ops[i]; }
  const ShapeNhwc& in(size_t k = 0) const { return net.shape_of(op().inputs[k]); }
  const ShapeNhwc& out() const { return net.shapes[i]; }
  std::string var(size_t k = 0) const {
    const std::string& t = op().inputs[k];
    return t == input_tensor ? "x" : "t" + std::to_string(net.index_of(t));
  }
  void emit(const std::string& expr) { forward.push_back("t" + std::to_string(i) + " = " + expr + "  # " + op().name); }

  // The op's module path (module_path), unique: a path that another op's module already holds, or that is a
  // module another path nests in (or nests in one), gets "_2", "_3", ... on its last name.
  std::string key(const std::string& suffix = "") {
    std::string k = module_path(op().name) + suffix;
    // Under a path that is already a layer it cannot nest (a layer holds no layers), and no "_N" of it would
    // ever be free: it is flattened to one name instead.
    if (under_a_layer(k)) std::replace(k.begin(), k.end(), '.', '_');
    std::string unique = k;
    for (int n = 2; !claim(unique); ++n) unique = k + "_" + std::to_string(n);
    return unique;
  }
  bool under_a_layer(const std::string& path) const {
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
      if (keys.count(path.substr(0, dot))) return true;
    return false;
  }
  bool claim(const std::string& path) {
    if (keys.count(path) || containers.count(path)) return false;
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
      if (keys.count(path.substr(0, dot))) return false;
    keys.insert(path);
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
      containers.insert(path.substr(0, dot));
    return true;
  }
  std::string layer(const std::string& k) const { return "L[\"" + k + "\"]"; }
  void tensor(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values,
              bool parameter = true) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (n != static_cast<int64_t>(values.size()))
      throw std::logic_error(name + ": " + std::to_string(values.size()) + " values for " + std::to_string(n));
    if (parameter) params += n;
    state.emplace_back(name, std::move(shape));
    data.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  }
  // The BatchNorm after a conv or linear (the path's sibling "<name>_bn"): scale 1, shift = the folded bias,
  // mean 0, var 1 - eps, so that in eval mode it adds the bias (up to float rounding in var + eps).
  std::string batch_norm_after(const std::string& k, int64_t c, const char* cls) {
    std::string bn = k + "_bn";
    for (int n = 2; !claim(bn); ++n) bn = k + "_bn_" + std::to_string(n);
    const double eps = 1e-5;
    init.push_back(layer(bn) + " = nn." + cls + "(" + std::to_string(c) + ", eps=" + num(eps) + ")");
    const size_t n = static_cast<size_t>(c);
    tensor(bn + ".weight", {c}, std::vector<float>(n, 1.0f));
    tensor(bn + ".bias", {c}, weights[i].bias);
    tensor(bn + ".running_mean", {c}, std::vector<float>(n, 0.0f), false);
    tensor(bn + ".running_var", {c}, std::vector<float>(n, static_cast<float>(1.0 - eps)), false);
    return bn;
  }
  std::vector<float> conv_bias(bool batch_norm, int64_t c) const {
    return batch_norm ? std::vector<float>(static_cast<size_t>(c), 0.0f) : weights[i].bias;
  }

  void operator()(const Conv2d& c) {
    const std::string k = key();
    const int64_t cin = in().c;
    const auto [cout, kh, kw, in_pg] = c.weight_shape(cin);
    const bool sym = c.padding.top == c.padding.bottom && c.padding.left == c.padding.right;
    init.push_back(layer(k) + " = nn.Conv2d(" + std::to_string(cin) + ", " + std::to_string(c.out_channels) + ", " +
                   tuple({kh, kw}) + ", stride=" + tuple({c.stride[0], c.stride[1]}) +
                   ", padding=" + (sym ? tuple({c.padding.top, c.padding.left}) : "0") +
                   (c.dilated() ? ", dilation=" + tuple({c.dilation[0], c.dilation[1]}) : "") +
                   ", groups=" + std::to_string(c.groups) + ", bias=" + (c.bias ? "True" : "False") + ")");
    tensor(k + ".weight", {cout, in_pg, kh, kw}, conv_weight_oihw(weights[i].weight, cout, in_pg, kh, kw));
    if (c.bias) tensor(k + ".bias", {c.out_channels}, conv_bias(c.batch_norm, c.out_channels));
    std::string y = layer(k) + "(" + (sym ? var() : pad(var(), c.padding)) + ")";
    if (c.batch_norm) y = layer(batch_norm_after(k, c.out_channels, "BatchNorm2d")) + "(" + y + ")";
    emit(activate(c.activation, y));
  }

  // PyTorch's ConvTranspose2d pads both sides alike; other paddings crop the unpadded output.
  void operator()(const ConvTranspose2d& c) {
    const std::string k = key();
    const int64_t cin = in().c, kh = c.kernel[0], kw = c.kernel[1];
    const bool sym = c.padding.top == c.padding.bottom && c.padding.left == c.padding.right;
    init.push_back(layer(k) + " = nn.ConvTranspose2d(" + std::to_string(cin) + ", " + std::to_string(c.out_channels) +
                   ", " + tuple({kh, kw}) + ", stride=" + tuple({c.stride[0], c.stride[1]}) +
                   ", padding=" + (sym ? tuple({c.padding.top, c.padding.left}) : "0") +
                   ", output_padding=" + tuple({c.output_padding[0], c.output_padding[1]}) +
                   ", groups=" + std::to_string(c.groups) + ", bias=" + (c.bias ? "True" : "False") + ")");
    tensor(k + ".weight", {cin, c.out_channels / c.groups, kh, kw},
           conv_transpose_weight_iohw(weights[i].weight, cin, c.out_channels, c.groups, kh, kw));
    if (c.bias) tensor(k + ".bias", {c.out_channels}, conv_bias(c.batch_norm, c.out_channels));
    std::string y = layer(k) + "(" + var() + ")";
    if (!sym)
      y += "[:, :, " + std::to_string(c.padding.top) + ":" + std::to_string(c.padding.top + out().h) + ", " +
           std::to_string(c.padding.left) + ":" + std::to_string(c.padding.left + out().w) + "]";
    if (c.batch_norm) y = layer(batch_norm_after(k, c.out_channels, "BatchNorm2d")) + "(" + y + ")";
    emit(activate(c.activation, y));
  }

  // On a 1x1 input the PyTorch head (flatten, Linear, BatchNorm1d); elsewhere a 1x1 convolution.
  void operator()(const FullyConnected& f) {
    const std::string k = key();
    const ShapeNhwc& s = in();
    const bool flat = s.h == 1 && s.w == 1;
    const std::string fo = std::to_string(f.out_features), fi = std::to_string(s.c), b = f.bias ? "True" : "False";
    init.push_back(layer(k) + (flat ? " = nn.Linear(" + fi + ", " + fo + ", bias=" + b + ")"
                                    : " = nn.Conv2d(" + fi + ", " + fo + ", 1, bias=" + b + ")"));
    tensor(k + ".weight",
           flat ? std::vector<int64_t>{f.out_features, s.c} : std::vector<int64_t>{f.out_features, s.c, 1, 1},
           weights[i].weight);
    if (f.bias) tensor(k + ".bias", {f.out_features}, conv_bias(f.batch_norm, f.out_features));
    std::string y = layer(k) + "(" + var() + (flat ? ".flatten(1))" : ")");
    if (f.batch_norm)
      y = layer(batch_norm_after(k, f.out_features, flat ? "BatchNorm1d" : "BatchNorm2d")) + "(" + y + ")";
    y = activate(f.activation, y);
    emit(flat ? y + ".reshape" + nchw(out()) : y);
  }

  // Per head: views of N x heads x seg x HW, a batched matmul, back to NCHW with channel = head·cols + j.
  void operator()(const Matmul& m) {
    auto view = [&](size_t k, const ChannelView& v) {
      const ShapeNhwc& s = in(k);
      return var(k) + ".reshape(" + std::to_string(any_batch) + ", " + std::to_string(m.heads) + ", " +
             std::to_string(s.c / m.heads) + ", " + std::to_string(s.pixels()) + ")[:, :, " + std::to_string(v.offset) +
             ":" + std::to_string(v.offset + v.size) + "]";
    };
    const std::string a = view(0, m.a) + ".transpose(2, 3)";
    const std::string b = view(1, m.b) + (m.transpose_b ? "" : ".transpose(2, 3)");
    std::string prod = "torch.matmul(" + a + ", " + b + ")";
    if (m.scale != 1.0) prod = "(" + prod + " * " + num(m.scale) + ")";
    emit(prod + ".transpose(2, 3).reshape" + nchw(out()));
  }

  void operator()(const Softmax& s) {
    const ShapeNhwc& x = in();
    if (s.groups == 1) return emit("F.softmax(" + var() + ", dim=1)");
    emit("F.softmax(" + var() + ".reshape(" + std::to_string(any_batch) + ", " + std::to_string(s.groups) + ", " +
         std::to_string(x.c / s.groups) + ", " + std::to_string(x.pixels()) + "), dim=2).reshape" + nchw(x));
  }

  void operator()(const ActivationOp& a) { emit(activate(a.function, var(), a.alpha)); }

  void operator()(const BatchNorm& b) {
    const std::string k = key();
    const int64_t c = in().c;
    const size_t n = static_cast<size_t>(c);
    init.push_back(layer(k) + " = nn.BatchNorm2d(" + std::to_string(c) + ", eps=" + num(b.eps) + ")");
    tensor(k + ".weight", {c}, weights[i].weight);
    tensor(k + ".bias", {c}, weights[i].bias);
    tensor(k + ".running_mean", {c}, std::vector<float>(n, 0.0f), false);
    tensor(k + ".running_var", {c}, std::vector<float>(n, static_cast<float>(1.0 - b.eps)), false);
    emit(layer(k) + "(" + var() + ")");
  }

  void operator()(const GroupNorm& g) {
    const std::string k = key();
    const int64_t c = in().c;
    init.push_back(layer(k) + " = nn.GroupNorm(" + std::to_string(g.groups) + ", " + std::to_string(c) +
                   ", eps=" + num(g.eps) + (g.affine ? "" : ", affine=False") + ")");
    if (g.affine) {
      tensor(k + ".weight", {c}, weights[i].weight);
      tensor(k + ".bias", {c}, weights[i].bias);
    }
    emit(layer(k) + "(" + var() + ")");
  }

  void operator()(const LayerNorm& l) {
    const std::string k = key();
    const int64_t c = in().c;
    init.push_back(layer(k) + " = nn.LayerNorm(" + std::to_string(c) + ", eps=" + num(l.eps) + ")");
    tensor(k + ".weight", {c}, weights[i].weight);
    tensor(k + ".bias", {c}, weights[i].bias);
    emit(layer(k) + "(" + var() + ".permute(0, 2, 3, 1)).permute(0, 3, 1, 2)");
  }

  void operator()(const Add&) { emit(var(0) + " + " + var(1)); }
  void operator()(const Subtract&) { emit(var(0) + " - " + var(1)); }
  void operator()(const Multiply&) { emit(var(0) + " * " + var(1)); }
  void operator()(const GlobalAvgPool&) { emit(var() + ".mean((2, 3), keepdim=True)"); }
  void operator()(const AvgPool& p) {
    if (!p.count_include_pad && p.padding != Padding{}) return emit(avg_pool_without_pads(var(), p, in(), out()));
    emit("F.avg_pool2d(" + pad(var(), p.padding) + ", " + tuple({p.kernel[0], p.kernel[1]}) + ", " +
         tuple({p.stride[0], p.stride[1]}) + ")");
  }
  void operator()(const MaxPool& p) {
    emit("F.max_pool2d(" + pad(var(), p.padding, "float(\"-inf\")") + ", " + tuple({p.kernel[0], p.kernel[1]}) + ", " +
         tuple({p.stride[0], p.stride[1]}) + ")");
  }
  // PyTorch's "nearest" is source = floor(dst·in/out), as ours.
  void operator()(const UpsampleNearest&) {
    emit("F.interpolate(" + var() + ", size=" + tuple({out().h, out().w}) + ", mode=\"nearest\")");
  }
  void operator()(const ResizeBilinear& r) {
    emit("F.interpolate(" + var() + ", size=" + tuple({out().h, out().w}) +
         ", mode=\"bilinear\", align_corners=" + (r.align_corners ? "True" : "False") + ")");
  }
  // Our reshape reinterprets the NHWC byte order; NCHW order equals it only with one pixel or one channel.
  void operator()(const Reshape& r) {
    const auto same_order = [](const ShapeNhwc& s) { return s.pixels() == 1 || s.c == 1; };
    if (same_order(in()) && same_order(r.shape)) return emit(var() + ".reshape" + nchw(out()));
    emit(var() + ".permute(0, 2, 3, 1).reshape" + tuple({any_batch, r.shape.h, r.shape.w, r.shape.c}) +
         ".permute(0, 3, 1, 2)");
  }
  void operator()(const Slice& s) {
    emit(var() + "[:, " + std::to_string(s.begin) + ":" + std::to_string(s.end) + "]");
  }
  void operator()(const Concat&) {
    std::string list;
    for (size_t k = 0; k < op().inputs.size(); ++k) list += (k ? ", " : "") + var(k);
    emit("torch.cat([" + list + "], dim=1)");
  }
  void operator()(const Pad& p) { emit(pad(var(), p.padding)); }
  void operator()(const ChannelShuffle& s) {
    const ShapeNhwc& x = in();
    emit(var() + ".reshape(" + std::to_string(any_batch) + ", " + std::to_string(s.groups) + ", " +
         std::to_string(x.c / s.groups) + ", " + std::to_string(x.h) + ", " + std::to_string(x.w) +
         ").transpose(1, 2).reshape" + nchw(x));
  }

  void operator()(const PixelShuffle& p) {
    const std::string k = key();
    init.push_back(layer(k) + " = nn.PixelShuffle(" + std::to_string(p.upscale) + ")");
    emit(layer(k) + "(" + var() + ")");
  }
  // The bounds as written; PyTorch clamps a float tensor to them as float32, as the executor does.
  void operator()(const Clamp& c) {
    std::string bounds;
    if (std::isfinite(c.min)) bounds += ", min=" + num(c.min);
    if (std::isfinite(c.max)) bounds += ", max=" + num(c.max);
    emit("torch.clamp(" + var() + bounds + ")");
  }

  // Swin's window partition in NCHW: torch.roll, then the windows to the batch (and back, rolled back).
  void operator()(const WindowPartition& p) {
    const int64_t c = in().c, wh = p.window[0], ww = p.window[1];
    const std::string shift =
        p.shift[0] || p.shift[1] ? "(" + std::to_string(p.shift[0]) + ", " + std::to_string(p.shift[1]) + ")" : "";
    if (!p.reverse) {
      const std::string x = shift.empty() ? var()
                                          : "torch.roll(" + var() + ", (-" + std::to_string(p.shift[0]) + ", -" +
                                                std::to_string(p.shift[1]) + "), (2, 3))";
      return emit(x + ".reshape" + tuple({any_batch, c, p.grid[0], wh, p.grid[1], ww}) +
                  (p.column_major ? ".permute(0, 2, 4, 1, 5, 3)" : ".permute(0, 2, 4, 1, 3, 5)") + ".reshape" +
                  nchw(out()));
    }
    const std::string merged = var() + ".reshape" + tuple({any_batch, p.grid[0], p.grid[1], c, wh, ww}) +
                               ".permute(0, 3, 1, 4, 2, 5).reshape" + tuple({any_batch, c, p.grid_h(), p.grid_w()});
    const std::string rolled = shift.empty() ? merged : "torch.roll(" + merged + ", " + shift + ", (2, 3))";
    const bool crops = p.map_h() != p.grid_h() || p.map_w() != p.grid_w();
    emit(crops ? rolled + "[:, :, :" + std::to_string(p.map_h()) + ", :" + std::to_string(p.map_w()) + "]" : rolled);
  }

  void operator()(const Affine& a) { emit(var() + " * " + num(a.scale) + " + " + num(a.shift)); }

  void operator()(const PRelu& p) {
    const std::string k = key();
    const int64_t slopes = p.shared ? 1 : in().c;
    init.push_back(layer(k) + " = nn.PReLU(" + std::to_string(slopes) + ")");
    tensor(k + ".weight", {slopes}, weights[i].weight);
    emit(layer(k) + "(" + var() + ")");
  }

  void operator()(const LayerScale&) {
    const std::string k = key();
    const int64_t c = in().c;
    init.push_back(layer(k) + " = LayerScale(" + std::to_string(c) + ")");
    tensor(k + ".gamma", {c}, weights[i].weight);
    emit(layer(k) + "(" + var() + ")");
  }

  void operator()(const AttentionBias& a) {
    const std::string k = key();
    const ShapeNhwc& s = in();
    if (a.windows != 1) {  // Swin's: each window's block is the gathered bias plus that window's mask
      init.push_back(layer(k) + " = WindowAttentionBias(" + std::to_string(a.windows) + ", " + std::to_string(s.c) +
                     ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + ")");
      const auto [bias, masks] = split_window_masks(per_window_bias_nchw(a, s, weights[i].weight), a.windows);
      tensor(k + ".bias", {1, s.c, s.h, s.w}, bias);
      tensor(k + ".mask", {a.windows, s.c, s.h, s.w}, masks, false);
      emit(layer(k) + "(" + var() + ")");
      return;
    }
    init.push_back(layer(k) + " = AttentionBias(" + std::to_string(a.heads) + ", " + std::to_string(a.table_size) +
                   ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + ", " + std::to_string(s.c / a.heads) +
                   ")");
    tensor(k + ".table", {a.heads, a.table_size}, attention_bias_table(a, s, weights[i].weight));
    emit(layer(k) + "(" + var() + ")");
  }

  void operator()(const ClassToken& t) {
    const std::string k = key();
    const int64_t c = in().c;
    init.push_back(layer(k) + " = ClassToken(" + std::to_string(t.tokens) + ", " + std::to_string(c) + ")");
    tensor(k + ".token", {1, t.tokens, c}, weights[i].weight);
    emit(layer(k) + "(" + var() + ")");
  }

  // A 1x1 convolution over the head axis of N x heads x Lk x HW, as in EfficientFormerV2.
  void operator()(const HeadMix& h) {
    const std::string k = key();
    const ShapeNhwc& s = in();
    init.push_back(layer(k) + " = nn.Conv2d(" + std::to_string(h.heads) + ", " + std::to_string(h.heads) +
                   ", 1, bias=" + (h.bias ? "True" : "False") + ")");
    tensor(k + ".weight", {h.heads, h.heads, 1, 1}, weights[i].weight);
    if (h.bias) tensor(k + ".bias", {h.heads}, weights[i].bias);
    emit(layer(k) + "(" + var() + ".reshape(" + std::to_string(any_batch) + ", " + std::to_string(h.heads) + ", " +
         std::to_string(s.c / h.heads) + ", " + std::to_string(s.pixels()) + ")).reshape" + nchw(s));
  }
};

constexpr const char* preamble = R"py(import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Layers:
    """The network's layers by module path ("features.3.block.0.0"), nested as PyTorch nests modules, so that
    state_dict keys read as the original model's where the path came from its ONNX node names."""

    def __init__(self, root):
        self.root = root

    def __setitem__(self, path, module):
        *parents, name = path.split(".")
        at = self.root
        for p in parents:
            if p not in at._modules:
                at.add_module(p, nn.Module())
            at = at._modules[p]
        at.add_module(name, module)

    def __getitem__(self, path):
        return self.root.get_submodule(path)


class LayerScale(nn.Module):
    """y = gamma * x, per channel."""

    def __init__(self, channels):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return x * self.gamma.view(1, -1, 1, 1)


class AttentionBias(nn.Module):
    """Adds a learned bias to attention scores laid out N x (heads * keys) x hq x wq: query q, key s of head h
    reads table[h, (q * keys + s) % table_size] (cpubone-explore's attention_bias gather)."""

    def __init__(self, heads, table_size, hq, wq, keys):
        super().__init__()
        self.shape = (1, heads * keys, hq, wq)
        self.table = nn.Parameter(torch.zeros(heads, table_size))
        index = (torch.arange(hq * wq)[:, None] * keys + torch.arange(keys)[None, :]) % table_size
        self.register_buffer("index", index, persistent=False)

    def forward(self, x):
        bias = self.table[:, self.index]  # heads x queries x keys
        return x + bias.permute(0, 2, 1).reshape(self.shape)


class WindowAttentionBias(nn.Module):
    """Adds a learned bias and a fixed mask per window to attention scores laid out (N * windows) x (heads * keys)
    x hq x wq: sample n adds bias + mask[n % windows] (Swin's windows in the batch, its shifted windows' masks).
    The bias is the relative position bias as the ONNX file held it, gathered (heads * keys x hq x wq), not
    Swin's table of offsets."""

    def __init__(self, windows, channels, hq, wq):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, channels, hq, wq))
        self.register_buffer("mask", torch.zeros(windows, channels, hq, wq))

    def forward(self, x):
        return (x.reshape(-1, *self.mask.shape) + (self.bias + self.mask)).reshape(x.shape)


class ClassToken(nn.Module):
    """Learned tokens before the map's pixels read as a sequence: N x C x H x W -> N x C x 1 x (tokens + H * W)."""

    def __init__(self, tokens, channels):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, tokens, channels))

    def forward(self, x):
        t = self.token.expand(x.shape[0], -1, -1).transpose(1, 2)
        return torch.cat([t, x.flatten(2)], dim=2).unsqueeze(2)


)py";

}  // namespace

TorchExport export_torch(const Network& net, const NetworkWeights& weights, const std::string& weights_file) {
  if (weights.size() != net.ops.size()) throw std::logic_error("weights do not match the network");
  Generator g{net, weights, {}, {}, {}, {}, 0, {}, {}, 0};
  for (g.i = 0; g.i < net.ops.size(); ++g.i) {
    try {
      std::visit(g, net.ops[g.i].attrs);
    } catch (const InputError& e) {
      throw InputError(net.name + ": ops[" + std::to_string(g.i) + "] \"" + net.ops[g.i].name + "\" (" +
                       std::string(net.ops[g.i].kind()) + "): no PyTorch export: " + e.what());
    }
  }

  std::ostringstream py;
  py << "# Generated by cpubone-explore (export --torch) from network \"" << net.name << "\" (family " << net.family
     << "): input NCHW " << net.input.n << "x" << net.input.c << "x" << net.input.h << "x" << net.input.w << ", "
     << g.params
     << " parameters\n# (BatchNorms as their own layers, as `cpubone-explore count` counts params). Needs torch and "
        "numpy "
        "only.\n# Net() has PyTorch's default initialisation, for training at any batch size; load() gives the weights "
        "the export was "
        "made with\n# (e.g. `measure --seed`'s), from WEIGHTS_FILE: raw little-endian float32, the STATE entries in "
        "order.\n"
        "# Layers sit at their ops' module paths (an ONNX export's node /layer1/layer1.0/conv1/Conv: layer1.0.conv1); "
        "a BatchNorm\n"
        "# after a conv is its sibling <conv>_bn, holding gamma 1, beta = the folded shift, running mean 0 and var 1 - "
        "eps: in\n"
        "# eval mode it adds the shift, so BN(conv(x)) is the folded conv's output up to float rounding.\n"
     << preamble;
  py << "INPUT_NCHW = " << tuple({net.input.n, net.input.c, net.input.h, net.input.w})
     << "  # one sample; Net() takes any batch size\nPARAMS = " << g.params << "\nWEIGHTS_FILE = \"" << weights_file
     << "\"\n";
  py << "STATE = [\n";
  for (const auto& [name, shape] : g.state) {
    py << "    (\"" << name << "\", (";
    for (size_t k = 0; k < shape.size(); ++k) py << (k ? ", " : "") << shape[k];
    py << (shape.size() == 1 ? ",)),\n" : ")),\n");
  }
  py << "]\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     << "        L = Layers(self)\n";
  for (const auto& line : g.init) py << "        " << line << "\n";
  py << "\n    def forward(self, x):\n        L = Layers(self)\n";
  for (const auto& line : g.forward) py << "        " << line << "\n";
  // A classifier's output (one pixel) as PyTorch's classifiers return it, N x classes, for a standard loss.
  const bool one_pixel = net.shape_of(net.output).pixels() == 1;
  py << "        return t" << net.index_of(net.output) << (one_pixel ? ".flatten(1)" : "") << "\n\n"
     << R"py(    def load_weights(self, path=None):
        """Loads WEIGHTS_FILE (by default the one next to this file) into the parameters and BatchNorm statistics."""
        if path is None:
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS_FILE)
        flat = np.fromfile(path, dtype="<f4")
        state, at = {}, 0
        for name, shape in STATE:
            n = int(np.prod(shape))
            if at + n > flat.size:
                raise ValueError(f"{path}: holds {flat.size} floats, STATE needs more")
            state[name] = torch.from_numpy(flat[at:at + n].reshape(shape).copy())
            at += n
        if at != flat.size:
            raise ValueError(f"{path}: holds {flat.size} floats, STATE needs {at}")
        missing, unexpected = self.load_state_dict(state, strict=False)
        missing = [m for m in missing if not m.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
        return self

    @torch.no_grad()
    def calibrate_batch_norms(self, batches):
        """Before fine-tuning on your data: sets every BatchNorm's running statistics to those of its input
        over `batches` (input tensors, eval mode) and its gamma and beta so that eval mode computes what it
        computed before (up to float rounding). Train mode, which normalises by each batch's statistics,
        then starts from that same function instead of one whose scale and shift per channel differ."""
        norms = [m for m in self.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        sums = {m: [0.0, 0.0, 0] for m in norms}

        def hook(m, inputs, _):
            z = inputs[0].transpose(0, 1).reshape(inputs[0].shape[1], -1).double()
            sums[m][0] = sums[m][0] + z.sum(1)
            sums[m][1] = sums[m][1] + z.square().sum(1)
            sums[m][2] += z.shape[1]

        handles = [m.register_forward_hook(hook) for m in norms]
        was_training = self.training
        self.eval()
        try:
            for x in batches:
                self(x)
        finally:
            for h in handles:
                h.remove()
            self.train(was_training)
        for m in norms:
            s1, s2, n = sums[m]
            if n == 0:
                continue
            mean = s1 / n
            var = (s2 / n - mean.square()).clamp(min=0)
            scale = m.weight.double() / (m.running_var.double() + m.eps).sqrt()  # y = scale * z + shift
            shift = m.bias.double() - m.running_mean.double() * scale
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.weight.copy_(scale * (var + m.eps).sqrt())
            m.bias.copy_(shift + scale * mean)
        return self


def load(path=None):
    """Net with the exported weights, in eval mode."""
    return Net().load_weights(path).eval()
)py";
  return {py.str(), std::move(g.data), g.params};
}

}  // namespace cpx::profiler
