// The sweep's work: the block grid of the CPUBone design study, single operators of every class, FasterNet's
// Table 1 stacks, sampled whole networks and the zoo, each as a list of SweepItems in measuring order.
#include "profiler/profile/sweep_grid.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <random>
#include <string_view>

#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/xnnpack_caps.hpp"
#include "space/blocks.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

namespace cpx::profiler {

namespace {

std::string threads_suffix(int64_t threads) { return "_t" + std::to_string(threads); }

// Moves the items of `sections` to even intervals among the others, keeping both orders. Whole networks
// run at a speed the reference conv does not track: their common speed moves between windows of seconds,
// and a conv timed alongside explains little of it. The profile's sampled networks took seconds as one
// block, and the network scale fitted on them multiplies every prediction: the block's draw of the
// machine went into all of them (standalone, the same networks later ran markedly slower than in that
// profile: docs/log/predictor.md, moved from code comments). Spread through the grid's minutes, the
// networks average over what the machine did meanwhile.
void spread_sections(std::vector<SweepItem>& work, std::initializer_list<std::string_view> sections) {
  std::vector<SweepItem> spread, rest;
  for (auto& w : work)
    (std::find(sections.begin(), sections.end(), w.section) != sections.end() ? spread : rest).push_back(std::move(w));
  work.clear();
  size_t r = 0;
  for (size_t k = 0; k < spread.size(); ++k) {
    // spread[k] goes after the share (k + 1/2) / n of the others.
    const size_t until = static_cast<size_t>((static_cast<double>(k) + 0.5) / static_cast<double>(spread.size()) *
                                             static_cast<double>(rest.size()));
    while (r < until) work.push_back(std::move(rest[r++]));
    work.push_back(std::move(spread[k]));
  }
  while (r < rest.size()) work.push_back(std::move(rest[r++]));
}

// Channel counts at each resolution where CPUBone-like networks have them (stage by stage).
const std::vector<std::pair<int64_t, std::vector<int64_t>>> full_positions{{112, {16, 32, 64}},
                                                                           {56, {16, 32, 64, 128}},
                                                                           {28, {32, 64, 128, 256}},
                                                                           {14, {64, 128, 256, 512}},
                                                                           {7, {128, 256, 512, 1024}}};
const std::vector<std::pair<int64_t, std::vector<int64_t>>> quick_positions{{56, {32, 64}}, {14, {128, 256}}};

Conv2d plain_conv(int64_t out, int64_t k, int64_t stride, int64_t groups) {
  return same_conv(out, k, stride, groups, true, false, Activation::none);
}

// FasterNet's Table 1: ten stacked layers of one operator on a typical feature map.
const std::vector<std::pair<int64_t, int64_t>> fasternet_maps{{96, 56}, {192, 28}, {384, 14}, {768, 7}};
const std::vector<std::string> fasternet_ops{"conv", "gconv16", "dwconv", "pconv"};

Network fasternet_network(const std::string& op, int64_t c, int64_t r) {
  const std::string name = "fasternet_" + op + "_c" + std::to_string(c) + "_r" + std::to_string(r);
  NetworkBuilder b(name, "sweep", {1, r, r, c}, Where("sweep", name));
  std::string x(input_tensor);
  for (int i = 0; i < 10; ++i) {
    const std::string p = "l" + std::to_string(i);
    if (op == "pconv") x = expand_block(b, PConv{3, 4}, x, p, c, 1, false);
    else x = b.add(p, {x}, plain_conv(c, 3, 1, op == "conv" ? 1 : op == "gconv16" ? 16 : c));
  }
  return std::move(b).finish(x);
}

// Single operators of every class that the block grid does not exercise, over shapes like the zoo's, so
// that a predictor fitted on the profile never needs the zoo (which stays held out for validation).
struct OpItem {
  std::string id;
  std::function<Network()> build;
};

Network one_op(const std::string& name, ShapeNhwc input, const std::function<std::string(NetworkBuilder&)>& body) {
  NetworkBuilder b(name, "sweep", input, Where("sweep", name));
  const std::string out = body(b);
  return std::move(b).finish(out);
}

using AddOp = std::function<void(std::string id, ShapeNhwc in, std::function<std::string(NetworkBuilder&)> body)>;

// Fully connected layers and attention on tokens.
void add_token_ops(bool quick, const AddOp& add) {
  const std::string x(input_tensor);
  for (int64_t in : quick ? std::vector<int64_t>{1536} : std::vector<int64_t>{256, 512, 1024, 1536, 2304})
    for (int64_t out : quick ? std::vector<int64_t>{1000} : std::vector<int64_t>{1000, 1600, 2560})
      add("fc_" + std::to_string(in) + "_" + std::to_string(out), {1, 1, 1, in}, [=](NetworkBuilder& b) {
        return b.add("fc", {x}, FullyConnected{out, true, false, Activation::none});
      });
  // Fully connected layers on token maps (attention and MLP projections of token-based networks): a GEMM
  // with as many rows as tokens, unlike a classifier head's single row.
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> token_maps =
      quick ? std::vector<std::pair<int64_t, std::vector<int64_t>>>{{14, {128}}}
            : std::vector<std::pair<int64_t, std::vector<int64_t>>>{
                  {7, {256, 512}}, {14, {128, 256}}, {28, {64, 128}}, {56, {32, 64}}};
  for (const auto& [grid, widths] : token_maps)
    for (int64_t c : widths)
      for (const auto& [in, out] : std::vector<std::pair<int64_t, int64_t>>{{c, c}, {c, 4 * c}, {4 * c, c}}) {
        const int64_t o = out;  // clang 14: lambdas cannot capture structured bindings
        add("fc_tokens_" + std::to_string(grid * grid) + "_" + std::to_string(in) + "_" + std::to_string(out),
            {1, grid, grid, in}, [=](NetworkBuilder& b) {
              return b.add("fc", {x}, FullyConnected{o, true, false, Activation::none});
            });
      }
  for (int64_t heads : quick ? std::vector<int64_t>{2} : std::vector<int64_t>{1, 2, 4, 8})
    // 28x28 (784 tokens: a 224 network's stage-2 map, as PVT's stage-2 queries; MobileViT's are 1024 at 256)
    // puts score matrices of up to 20 MB past the L2, where softmax streams: with 196 tokens at most, a
    // 1024-token softmax of MobileViT-XXS (4 heads, 16 MB) was predicted at 223 us and ran in 808.
    for (int64_t grid : quick ? std::vector<int64_t>{7} : std::vector<int64_t>{7, 14, 28})
      for (int64_t hd : quick ? std::vector<int64_t>{32} : std::vector<int64_t>{32, 64}) {
        const std::string tag =
            "h" + std::to_string(heads) + "_l" + std::to_string(grid * grid) + "_d" + std::to_string(hd);
        const int64_t tokens = grid * grid;
        add("attention_" + tag, {1, grid, grid, 3 * heads * hd}, [=](NetworkBuilder& b) {
          const auto s = b.add("scores", {x, x}, Matmul{heads, {0, hd}, {hd, hd}, true, 1.0});
          const auto p = b.add("softmax", {s}, Softmax{heads});
          return b.add("av", {p, x}, Matmul{heads, {0, tokens}, {2 * hd, hd}, false, 1.0});
        });
        add("head_mix_" + tag, {1, grid, grid, heads * tokens}, [=](NetworkBuilder& b) {
          const auto m = b.add("mix", {x}, HeadMix{heads, true});
          return b.add("bias", {m}, AttentionBias{heads, tokens});
        });
      }
}

// Normalisation, elementwise, pooling, resizing, depthwise and transposed convs on feature maps.
void add_map_ops(bool quick, const AddOp& add) {
  const std::string x(input_tensor);
  const std::vector<std::pair<int64_t, int64_t>> maps =
      quick ? std::vector<std::pair<int64_t, int64_t>>{{56, 64}, {14, 256}}
            : std::vector<std::pair<int64_t, int64_t>>{{112, 32}, {56, 64}, {28, 128}, {14, 256}, {7, 512}};
  // The maps above all hold 100k values, and ops that only move memory take a time set by how many they
  // move, and measured on that one size alone a larger one was predicted several times too slow
  // (docs/log/predictor.md). So these ops are also measured on a quarter and four times the channels of each map.
  auto memory_ops = [&](int64_t r, int64_t c) {
    const std::string tag = std::to_string(r) + "_" + std::to_string(c);
    const ShapeNhwc in{1, r, r, c};
    add("group_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("gn", {x}, GroupNorm{1, 1e-5}); });
    add("layer_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("ln", {x}, LayerNorm{1e-5}); });
    add("batch_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("bn", {x}, BatchNorm{1e-5}); });
    add("layer_scale_" + tag, in, [=](NetworkBuilder& b) { return b.add("ls", {x}, LayerScale{}); });
    add("add_" + tag, in, [=](NetworkBuilder& b) { return b.add("add", {x, x}, Add{}); });
    add("subtract_" + tag, in, [=](NetworkBuilder& b) { return b.add("sub", {x, x}, Subtract{}); });
    add("prelu_" + tag, in, [=](NetworkBuilder& b) { return b.add("prelu", {x}, PRelu{false}); });
    add("affine_" + tag, in, [=](NetworkBuilder& b) { return b.add("affine", {x}, Affine{0.5, 1}); });
    add("clamp_" + tag, in, [=](NetworkBuilder& b) { return b.add("clamp", {x}, Clamp{-1, 1}); });
    add("multiply_broadcast_" + tag, in, [=](NetworkBuilder& b) {
      const auto g = b.add("pool", {x}, GlobalAvgPool{});
      return b.add("mul", {x, g}, Multiply{});
    });
    // Twice in a row: the first reads the cold input, the second what the first just wrote, as an
    // activation pass after a conv does inside a network. With only the cold one, fit priced hardswish's
    // pass after a 28x28x192 conv at 21 us where about 7 us was left in the network's time, and the conv
    // models, which learn a conv's time less its activation pass, came out a third too fast for convs
    // whose ReLU is fused.
    for (Activation a : {Activation::relu, Activation::hardswish, Activation::hardsigmoid, Activation::sigmoid,
                         Activation::silu, Activation::gelu})
      add("activation_" + std::string(to_string(a)) + "_" + tag, in,
          [=](NetworkBuilder& b) { return b.add("act_warm", {b.add("act", {x}, ActivationOp{a})}, ActivationOp{a}); });
    add("max_pool_3s2_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("pool", {x}, MaxPool{{3, 3}, {2, 2}, {1, 1, 1, 1}});
    });
    add("avg_pool_2s2_" + tag, in, [=](NetworkBuilder& b) { return b.add("pool", {x}, AvgPool{{2, 2}, {2, 2}, {}}); });
    add("avg_pool_3s1p1_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("pool", {x}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}});
    });
    add("upsample_x2_" + tag, in, [=](NetworkBuilder& b) { return b.add("up", {x}, UpsampleNearest{{2, 2}, {0, 0}}); });
    add("resize_bilinear_x2_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("up", {x}, ResizeBilinear{{2 * r, 2 * r}, false});
    });
    add("slice_concat_" + tag, in, [=](NetworkBuilder& b) {
      const auto a = b.add("head", {x}, Slice{0, c / 4});
      const auto rest = b.add("rest", {x}, Slice{c / 4, c});
      return b.add("cat", {rest, a}, Concat{});
    });
    add("pad_" + tag, in, [=](NetworkBuilder& b) { return b.add("pad", {x}, Pad{{1, 0, 1, 0}}); });
    if (c % 4 == 0)
      add("pixel_shuffle_x2_" + tag, in, [=](NetworkBuilder& b) { return b.add("ps", {x}, PixelShuffle{2}); });
    // The data movement of a ShuffleNet unit, each kind both cold and warm (warm_twin_kinds): a shuffle
    // of the input, a split of what it wrote, the halves joined and shuffled again; and a concat of the
    // input. Slices and shuffles timed only reading the cold input left ShuffleNetV2's slices and shuffles
    // inside the network predicted far too slow (docs/log/predictor.md, moved from code comments).
    if (c % 2 == 0)
      add("shuffle_split_" + tag, in, [=](NetworkBuilder& b) {
        const auto mixed = b.add("shuffle", {x}, ChannelShuffle{2});
        const auto a = b.add("half0", {mixed}, Slice{0, c / 2});
        const auto rest = b.add("half1", {mixed}, Slice{c / 2, c});
        return b.add("shuffle_warm", {b.add("cat", {rest, a}, Concat{})}, ChannelShuffle{2});
      });
    add("concat_" + tag, in, [=](NetworkBuilder& b) { return b.add("cat", {x, x}, Concat{}); });
  };
  for (const auto& map : maps) {
    const int64_t r = map.first, c = map.second;  // lambdas below capture these (clang 14: not bindings)
    const std::string tag = std::to_string(r) + "_" + std::to_string(c);
    const ShapeNhwc in{1, r, r, c};
    memory_ops(r, c);
    if (!quick) {
      memory_ops(r, c / 4);
      memory_ops(r, 4 * c);
    }
    // Depthwise kernels beyond the grid's 2x2 and 3x3 (EfficientNet, FastViT, GhostNetV2, EfficientMod):
    // XNNPACK has fast microkernels for some tap counts only, so each shape is measured.
    for (const auto& [kh, kw, stride] :
         std::vector<std::array<int64_t, 3>>{{5, 5, 1}, {5, 5, 2}, {7, 7, 1}, {7, 7, 2}, {1, 5, 1}, {5, 1, 1}}) {
      Conv2d dw;
      dw.out_channels = c;
      dw.kernel = {kh, kw};
      dw.stride = {stride, stride};
      dw.padding = {kh / 2, kh / 2, kw / 2, kw / 2};
      dw.groups = c;
      dw.bias = true;
      add("dwconv_" + std::to_string(kh) + "x" + std::to_string(kw) + "s" + std::to_string(stride) + "_" + tag, in,
          [=](NetworkBuilder& b) { return b.add("dw", {x}, dw); });
      // Kernels without an XNNPACK microkernel run as the executor's own loops, whose speed also depends
      // on the channel count (16-channel vectors): half and double the map's width as well.
      if (quick || xnnpack_has_depthwise_microkernel(kh * kw)) continue;
      for (int64_t width : {c / 2, 2 * c}) {
        Conv2d other = dw;
        other.out_channels = other.groups = width;
        add("dwconv_" + std::to_string(kh) + "x" + std::to_string(kw) + "s" + std::to_string(stride) + "_" +
                std::to_string(r) + "_" + std::to_string(width),
            {1, r, r, width}, [=](NetworkBuilder& b) { return b.add("dw", {x}, other); });
      }
    }
    if (r <= 14) {
      add("global_avg_pool_" + tag, in, [=](NetworkBuilder& b) { return b.add("pool", {x}, GlobalAvgPool{}); });
      ConvTranspose2d up;
      up.out_channels = c;
      up.kernel = {4, 4};
      up.stride = {2, 2};
      up.padding = {1, 1, 1, 1};
      up.bias = true;
      add("conv_transpose_k4s2_" + tag, in, [=](NetworkBuilder& b) { return b.add("deconv", {x}, up); });
      ConvTranspose2d same = up;
      same.kernel = {3, 3};
      same.stride = {1, 1};
      add("conv_transpose_k3s1_" + tag, in, [=](NetworkBuilder& b) { return b.add("deconv", {x}, same); });
    }
  }
}

std::vector<OpItem> op_items(bool quick) {
  std::vector<OpItem> items;
  const AddOp add = [&](std::string id, ShapeNhwc in, std::function<std::string(NetworkBuilder&)> body) {
    items.push_back({"op_" + id, [=] { return one_op("op_" + id, in, body); }});
  };
  add_token_ops(quick, add);
  add_map_ops(quick, add);
  return items;
}

}  // namespace

std::string SweepConfig::id() const {
  return std::string(to_string(variant)) + "_k" + std::to_string(kernel) + "_g" + std::to_string(groups) + "_c" +
         std::to_string(channels) + "_r" + std::to_string(resolution) + "_s" + std::to_string(stride) + "_t" +
         std::to_string(threads);
}

Network SweepConfig::network() const {
  NetworkBuilder b(id(), "sweep", {1, resolution, resolution, channels}, Where("sweep", id()));
  const std::string in(input_tensor);
  std::string out;
  switch (variant) {
    case BlockVariant::conv:
    case BlockVariant::gconv:
    case BlockVariant::pwconv: out = b.add("conv", {in}, plain_conv(channels, kernel, stride, groups)); break;
    case BlockVariant::dwconv: out = b.add("conv", {in}, plain_conv(channels, kernel, stride, channels)); break;
    case BlockVariant::pconv: out = expand_block(b, PConv{kernel, 4}, in, "blk", channels, 1, false); break;
    case BlockVariant::fumbconv:
    case BlockVariant::grfumbconv:
      out = expand_block(b, FuMBConv{kernel, 4, groups, {false, false}, Activation::hardswish}, in, "blk", channels,
                         stride, false);
      break;
    case BlockVariant::mbconv:
    case BlockVariant::grmbconv: {
      MBConv m;
      m.kernel = kernel;
      m.groups = groups;
      out = expand_block(b, m, in, "blk", channels, stride, false);
      break;
    }
    case BlockVariant::count_: throw std::logic_error("BlockVariant::count_ is no variant");
  }
  return std::move(b).finish(out);
}

std::vector<SweepConfig> sweep_grid(bool quick, const std::vector<int64_t>& threads) {
  std::vector<SweepConfig> grid;
  const std::vector<int64_t> kernels{2, 3};
  const std::vector<int64_t> groups = quick ? std::vector<int64_t>{2} : std::vector<int64_t>{2, 4, 8};
  const std::vector<int64_t> strides = quick ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 2};
  for (int64_t t : threads) {
    for (const auto& position : quick ? quick_positions : full_positions) {
      const int64_t r = position.first;  // captured below (clang 14 cannot capture a structured binding)
      for (int64_t c : position.second) {
        for (int64_t s : strides) {
          auto add = [&](BlockVariant v, int64_t k, int64_t g) { grid.push_back({v, k, g, c, r, s, t}); };
          add(BlockVariant::pwconv, 1, 1);
          for (int64_t k : kernels) {
            add(BlockVariant::conv, k, 1);
            add(BlockVariant::dwconv, k, 1);
            add(BlockVariant::fumbconv, k, 1);
            add(BlockVariant::mbconv, k, 1);
            if (s == 1) add(BlockVariant::pconv, k, 1);  // a partial conv keeps its resolution
            for (int64_t g : groups) {
              add(BlockVariant::gconv, k, g);
              add(BlockVariant::grfumbconv, k, g);
              add(BlockVariant::grmbconv, k, g);
            }
          }
        }
      }
    }
  }
  return grid;
}

std::vector<SweepItem> sweep_work(bool quick, const std::vector<int64_t>& threads, uint64_t seed) {
  std::vector<SweepItem> work;
  // Grid configs and single ops in a seeded random order, so that slow drifts of the machine do not line
  // up with one variant.
  std::mt19937_64 shuffle_rng(seed);
  std::vector<SweepConfig> grid = sweep_grid(quick, threads);
  std::shuffle(grid.begin(), grid.end(), shuffle_rng);
  for (const SweepConfig& c : grid)
    work.push_back({"configs", c.id(), c.threads, [c] { return c.network(); },
                    [c](const Network&, ProfileRecord& r) {
                      r.variant = c.variant;
                      r.kernel = c.kernel;
                      r.groups = c.groups;
                      r.channels = c.channels;
                      r.resolution = c.resolution;
                      r.stride = c.stride;
                    }});
  std::vector<std::pair<OpItem, int64_t>> ops;
  for (int64_t t : threads)
    for (auto& item : op_items(quick)) ops.emplace_back(item, t);
  std::shuffle(ops.begin(), ops.end(), shuffle_rng);
  for (const auto& [item, t] : ops) work.push_back({"ops", item.id + threads_suffix(t), t, item.build, {}});
  // Whole networks sampled from the CPUBone-like space, with seeds from training_seed_base on: they give
  // predictors per-op times in context and the network overhead. Validation samples other seeds.
  for (uint64_t i = 0; i < (quick ? 4u : 40u); ++i)
    for (int64_t t : threads) {
      const uint64_t s = training_seed_base + i;
      work.push_back({"networks", "sampled_" + std::to_string(s) + threads_suffix(t), t,
                      [s] {
                        const Macro m = sample_cpubone_like(s);
                        return expand(m, m.name);
                      },
                      [s](const Network&, ProfileRecord& r) { r.sample_seed = s; }});
    }
  for (int64_t t : threads)
    for (const auto& op : fasternet_ops)
      for (const auto& [c, r] : fasternet_maps) {
        if (quick && !(t == 1 && (r == 56 || r == 14))) continue;
        const int64_t channels = c, resolution = r;  // clang 14: lambdas cannot capture structured bindings
        work.push_back({"fasternet",
                        "fasternet_" + op + "_c" + std::to_string(c) + "_r" + std::to_string(r) + threads_suffix(t), t,
                        [=] { return fasternet_network(op, channels, resolution); },
                        [=](const Network&, ProfileRecord& rec) {
                          rec.op = op;
                          rec.channels = channels;
                          rec.resolution = resolution;
                        },
                        false});  // ten identical layers: the totals are the point
      }
  // The zoo networks in context (spread with the sampled ones below): never used in fitting, they validate it.
  for (const auto& e : zoo())
    for (int64_t t : threads)
      if (!quick || e.name == "b0") {
        const std::string name = e.name;
        work.push_back({"zoo", "zoo_" + name + threads_suffix(t), t, [name] { return find_zoo(name)->build(0); },
                        [name](const Network& net, ProfileRecord& r) {
                          r.model = name;
                          r.resolution = net.input.h;
                        }});
      }
  // Each section over the whole grid, each thread count over all of it.
  spread_sections(work, {"networks"});
  spread_sections(work, {"zoo"});
  return work;
}

double default_budget_s(bool quick) { return quick ? 60 : 600; }

std::string profile_duration_estimate(bool quick, double budget_s) {
  const double s = budget_s > 0 ? budget_s : default_budget_s(quick);
  const long minutes = std::lround(s / 60);
  const std::string about = minutes <= 1 ? "about a minute" : "about " + std::to_string(minutes) + " minutes";
  return about + " (an estimate from the " + std::string(quick ? "quick " : "") + "profile's " +
         std::to_string(std::lround(s)) + " s budget; a slow or busy machine overruns it)";
}

}  // namespace cpx::profiler
