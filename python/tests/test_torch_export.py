# Network.to_torch and run: the exported module, loaded with the seeded weights, computes what the
# executor computes (tests/test_torch.cpp checks every zoo family; this checks the Python path).
import importlib.util

import numpy as np
import pytest
import torch

import cpubone_explore as cx




def test_to_torch_module_matches_the_executor(tmp_path):
    net = cx.load("b0", 64)
    info = net.to_torch(str(tmp_path / "b0.py"), seed=4)
    assert info["params"] == cx.count(net, layers=False)["params"]
    spec = importlib.util.spec_from_file_location("b0_torch", info["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load()
    assert sum(p.numel() for p in model.parameters()) == info["params"]
    y, ref = _torch_beside_executor(net, model, 4)
    assert np.abs(y - ref).max() <= 1e-4 * np.abs(ref).max()


def test_to_torch_wants_a_python_file_name(tmp_path):
    with pytest.raises(cx.InputError, match="must end in .py"):
        cx.load("b0").to_torch(str(tmp_path / "b0.txt"))


def _torch_beside_executor(net, model, seed):
    # The PyTorch model's output and the executor's on the executor's seeded input, both N x C x H x W.
    r = cx.run(net, seed=seed)
    x = torch.from_numpy(np.ascontiguousarray(r["input_nhwc"].transpose(0, 3, 1, 2)))
    with torch.no_grad():
        y = model(x).numpy()
    ref = r["output_nhwc"].transpose(0, 3, 1, 2)
    assert y.shape == (ref.shape[:2] if ref.shape[2:] == (1, 1) else ref.shape)  # a classifier's: N x classes
    return y.reshape(ref.shape), ref


def _first_of_each_family():
    seen, names = set(), []
    for name in cx.zoo():
        family = cx.zoo().info(name)["family"]
        if family not in seen:
            seen.add(family)
            names.append(name)
    return names


def _torch_module(net, path, name):
    info = net.to_torch(str(path), seed=1)
    spec = importlib.util.spec_from_file_location(f"{name.replace('-', '_').replace('.', '_')}_torch", info["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resolution(name):
    return 224 if name.startswith("swin") else 64  # Swin's 7x7 windows need its own resolution


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    # One network the search proposes (the first of its Pareto front), its macro at a small resolution.
    out = tmp_path_factory.mktemp("search")
    results = cx.search(device="pi5", evaluations=800, out=str(out))
    return cx.load(str(out / results["pareto"][0]["file"]), 32)


def _small(name):
    # Every family at 32x32 where it builds, else 64, except Swin, whose 7x7 windows need 224: of it the first attention (patch
    # embedding to the first residual add) is enough, since its window groups are the batch-folding
    # reshape, and the whole network at 224 takes minutes at batch 8 on a shared 2-CPU machine.
    if not name.startswith("swin"):
        try:
            return cx.load(name, 32)
        except cx.InputError:  # a family whose stages need more (GhostNetV2's DFC attention)
            return cx.load(name, 64)
    d = cx.load(name, 224).to_dict()
    last = [o["name"] for o in d["ops"]].index("stage1.block0.add1")
    d["ops"], d["output"] = d["ops"][:last + 1], "stage1.block0.add1"
    return cx.load(d)


@pytest.mark.parametrize("name", _first_of_each_family() + ["proposal"])
def test_exported_module_trains_at_any_batch_size(tmp_path, name, request):
    # Issue 57 item 5: Net() is for training, so no reshape may pin the batch. Batch 8 forward and backward
    # in train mode; in eval mode each sample of the batch-8 output equals that sample run alone.
    net = request.getfixturevalue("proposal") if name == "proposal" else _small(name)
    _, h, w, c = net.input_nhwc
    model = _torch_module(net, tmp_path / "m.py", name).Net()
    torch.manual_seed(0)
    x = torch.randn(8, c, h, w)
    model.train()
    y = model(x)
    assert y.shape[0] == 8
    y.square().mean().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads), name
    model.eval()
    with torch.no_grad():
        batched = model(x)
        for k in (0, 7):  # two samples are enough to catch a batch mixed into the wrong axis
            alone = model(x[k:k + 1])
            assert torch.allclose(batched[k:k + 1], alone, rtol=0, atol=1e-4 * float(alone.abs().max()) + 1e-6), (name, k)


# Families whose PyTorch export (torch.onnx.export's defaults, Debian's python3-torch 1.13, opset 14) does
# not import yet (issue 57 item 4): none since import folds constant subgraphs (Shape/Gather/Concat ...),
# reads Reshape's 0, and recognises LayerNorm's decomposition, -inf Pad before MaxPool and one-token
# attention. Strict: a family put here must fail to import, with its cause named beside it.
NOT_YET = {}


def _pytorchs_onnx_export(tmp_path, name, **export_options):
    # The user's path: a PyTorch module (here the zoo's own export), exported by torch.onnx.export with its
    # defaults and randomised BatchNorm statistics, then read back by cpubone-explore.
    res = _resolution(name)
    net = cx.load(name, res)
    model = _torch_module(net, tmp_path / "m.py", name).load().eval()
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen))
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
    onnx_path = tmp_path / "m.onnx"
    torch.onnx.export(model, torch.randn(2 if export_options else 1, 3, res, res), str(onnx_path), **export_options)
    return net, cx.load(str(onnx_path))


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=cx.InputError,
                                                                          reason="PyTorch's export of this family does not import yet"))
                                  if n in NOT_YET else n for n in _first_of_each_family()])
def test_pytorchs_own_onnx_export_of_every_family_imports_with_the_same_counts(tmp_path, name):
    net, imported = _pytorchs_onnx_export(tmp_path, name)
    assert cx.count(imported, layers=False)["macs"] == cx.count(net, layers=False)["macs"], name
    # The same ops, so the same prediction: no activation split in two (PyTorch writes F.relu6 as Relu then
    # Clip, which once imported as a conv's relu plus a relu6 pass after it: MobileNetV2 19% slower on pi5)
    # and no zero Pad left standing (F.pad then F.avg_pool2d). Within 1%: attention's reshapes may differ.
    assert len(imported) == len(net), name
    pi5 = cx.predictor("pi5")
    assert pi5.predict(imported)["latency_us"] == pytest.approx(pi5.predict(net)["latency_us"], rel=0.01), name


@pytest.mark.parametrize("name", ["nano", "mobilevit-xxs", "shufflenetv2-x1.0"])
def test_pytorchs_export_with_a_symbolic_batch_imports_as_batch_1(tmp_path, name):
    # torch.onnx.export's dynamic_axes, as one exports for serving: Shape chains on the batch fold away.
    net, imported = _pytorchs_onnx_export(tmp_path, name, input_names=["input"], dynamic_axes={"input": {0: "batch"}})
    assert imported.input_nhwc == net.input_nhwc
    assert cx.count(imported, layers=False)["macs"] == cx.count(net, layers=False)["macs"], name


# PyTorch code as users write it, beyond the zoo's own export: ConvNeXt's channels-last block (permute,
# LayerNorm, Linear, GELU, Linear, a layer scale over the last axis, permute back), a head that takes
# x.mean((2, 3)) (ReduceMean without keepdims), a mean over H and W of the channels-last view, ViT-style
# tokens (x.flatten(2).transpose(1, 2), and back), timm's attention (qkv reshaped, permuted, unbound),
# SqueezeNet's MaxPool with ceil_mode on odd sizes, ResNet-D's shortcut AvgPool2d(2, 2, ceil_mode=True,
# count_include_pad=False) and PoolFormer's AvgPool2d(3, 1, 1, count_include_pad=False). Each imports
# with the MACs, parameters and output shape that PyTorch itself gives (no BatchNorm here: PyTorch's export folds a BatchNorm after a conv into
# it, so its parameters are no longer in the file).
class _ConvNeXtStyle(torch.nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, c, 4, 4)
        self.dw = torch.nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = torch.nn.LayerNorm(c)
        self.fc1, self.fc2 = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)
        self.gamma = torch.nn.Parameter(torch.full((c,), 1e-6))
        self.head = torch.nn.Linear(c, 10)

    def forward(self, x):
        x = self.stem(x)
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.gamma * self.fc2(torch.nn.functional.gelu(self.fc1(self.norm(y))))
        x = x + y.permute(0, 3, 1, 2)
        return self.head(x.mean((2, 3)))


class _ChannelsLastMean(torch.nn.Module):
    def __init__(self, c=24):
        super().__init__()
        self.patch = torch.nn.Conv2d(3, c, 2, 2)
        self.norm = torch.nn.LayerNorm(c)
        self.mlp = torch.nn.Linear(c, c)
        self.head = torch.nn.Linear(c, 5)

    def forward(self, x):
        x = self.patch(x).permute(0, 2, 3, 1)
        x = x + torch.relu(self.mlp(self.norm(x)))
        return self.head(x.mean((1, 2)))


class _Tokens(torch.nn.Module):
    # ViT-style: x.flatten(2).transpose(1, 2), a token MLP, back to a map for a conv, a mean over the tokens.
    def __init__(self, c=32):
        super().__init__()
        self.patch = torch.nn.Conv2d(3, c, 4, 4)
        self.norm = torch.nn.LayerNorm(c)
        self.fc1, self.fc2 = torch.nn.Linear(c, 2 * c), torch.nn.Linear(2 * c, c)
        self.conv = torch.nn.Conv2d(c, c, 3, padding=1)
        self.head = torch.nn.Linear(c, 10)

    def forward(self, x):
        x = self.patch(x)
        n, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        t = t + self.fc2(torch.nn.functional.gelu(self.fc1(self.norm(t)), approximate="tanh"))  # x³ as x * x * x
        x = self.conv(t.transpose(1, 2).reshape(n, c, h, w))
        return self.head(x.flatten(2).transpose(1, 2).mean(1))


class _TimmAttention(torch.nn.Module):
    # timm's ViT attention: one qkv Linear, reshaped to N x tokens x 3 x heads x d, permuted, unbound; the
    # heads merged back by transpose and reshape. Its two matmuls are 2 x heads x tokens² x d MACs.
    def __init__(self, c=32, heads=4):
        super().__init__()
        self.heads = heads
        self.patch = torch.nn.Conv2d(3, c, 4, 4)
        self.norm = torch.nn.LayerNorm(c)
        self.qkv, self.proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.head = torch.nn.Linear(c, 10)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        a = ((q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5).softmax(dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, n, c))
        return self.head(x.mean(1))

    def matmul_macs(self, res):
        tokens = (res // 4) ** 2
        return 2 * tokens * tokens * self.qkv.in_features


class _CeilPools(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, 16, 3, 2), torch.nn.Conv2d(16, 24, 3, padding=1)
        self.cls = torch.nn.Conv2d(24, 7, 1)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.a(x)), 3, 2, ceil_mode=True)
        x = torch.nn.functional.max_pool2d(torch.relu(self.b(x)), 3, 2, padding=1, ceil_mode=True)
        return self.cls(x).mean((2, 3), keepdim=True)


class _Activations(torch.nn.Module):
    # The activations detection and GAN-era backbones use: YOLO's LeakyReLU(0.1), CSPDarknet's Mish (exported
    # below opset 18 as Softplus -> Tanh -> Mul), ELU, Tanh, Softplus, each after a conv it cannot fuse into.
    def __init__(self):
        super().__init__()
        self.convs = torch.nn.ModuleList(torch.nn.Conv2d(c, 8, 3, padding=1) for c in (3, 8, 8, 8, 8))
        self.acts = torch.nn.ModuleList([torch.nn.LeakyReLU(0.1), torch.nn.Mish(), torch.nn.ELU(0.7), torch.nn.Tanh(),
                                         torch.nn.Softplus()])

    def forward(self, x):
        for conv, act in zip(self.convs, self.acts):
            x = act(conv(x))
        return x


class _CentredClamped(torch.nn.Module):
    # A map minus its spatial mean, minus another map, and clamp(min=0) (a Clip with no max: a ReLU).
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        x = self.a(x)
        x = x - x.mean((2, 3), keepdim=True)
        return (x - self.b(x)).clamp(min=0)


class _PReLUs(torch.nn.Module):
    # MobileFaceNet-style: PReLU with a slope per channel after a conv, and one shared slope after another.
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, 16, 3, 2, 1), torch.nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pa, self.pb = torch.nn.PReLU(16), torch.nn.PReLU()

    def forward(self, x):
        return self.pb(self.b(self.pa(self.a(x))))


class _ResNetDShortcut(torch.nn.Module):
    # timm's resnet50d downsample: AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) then a 1x1 conv,
    # beside a 3x3/s2 conv; at 25x25 the map it pools is 13x13, so its last window holds one row or column.
    def __init__(self, c=16):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, c, 3, 2, 1)
        self.conv = torch.nn.Conv2d(c, 2 * c, 3, 2, 1)
        self.pool = torch.nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)
        self.down = torch.nn.Conv2d(c, 2 * c, 1)
        self.head = torch.nn.Linear(2 * c, 10)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.conv(x) + self.down(self.pool(x)))
        return self.head(x.mean((2, 3)))


class _PoolMixer(torch.nn.Module):
    # PoolFormer's and Inception's pooling: AvgPool2d(3, 1, 1, count_include_pad=False), the borders
    # averaged over their input pixels only.
    def __init__(self, c=16):
        super().__init__()
        self.patch = torch.nn.Conv2d(3, c, 4, 4)
        self.pool = torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.fc = torch.nn.Conv2d(c, c, 1)
        self.head = torch.nn.Linear(c, 10)

    def forward(self, x):
        x = self.patch(x)
        x = x + self.fc(self.pool(x))
        return self.head(x.mean((2, 3)))


class _HandWrittenHardSwish(torch.nn.Module):
    # MobileNetV3 code from before F.hardswish: h_sigmoid = F.relu6(x + 3) / 6, h_swish = x * F.relu6(x + 3) / 6
    # and x * (F.relu6(x + 3) / 6), after convs and alone; the SE gate's h_sigmoid as x * 0.16666667.
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.Conv2d(8, 8, 3, padding=1),
                                  torch.nn.Conv2d(8, 8, 1))

    def forward(self, x):
        x = self.a(x)
        x = x * torch.nn.functional.relu6(x + 3.0) / 6.0
        x = self.b(x)
        x = x * (torch.nn.functional.relu6(x + 3.0) / 6.0)
        g = torch.nn.functional.relu6(self.c(x.mean((2, 3), keepdim=True)) + 3.0) * (1.0 / 6)
        return x * g


class _Arithmetic(torch.nn.Module):
    # Arithmetic with numbers: x / 2, x * 0.5, 1 - x, x + 1, x - 1 (each a Div, Mul, Sub or Add of a scalar).
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        x = self.a(x / 2)
        y = 1 - self.b(x * 0.5)
        return (x + 1) * (y - 1)


class _ASPP(torch.nn.Module):
    # DeepLabV3's atrous spatial pyramid pooling after a dilated backbone stage (torchvision's
    # replace_stride_with_dilation): 3x3 convs dilated 2, 6 and 12, a dilated depthwise conv, the image pool.
    def __init__(self, c=16):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, c, 3, 2, 1)
        self.dw = torch.nn.Conv2d(c, c, 3, padding=2, dilation=2, groups=c)
        self.branches = torch.nn.ModuleList([torch.nn.Conv2d(c, c, 1)] +
                                            [torch.nn.Conv2d(c, c, 3, padding=d, dilation=d) for d in (2, 6, 12)])
        self.pool = torch.nn.Conv2d(c, c, 1)
        self.project = torch.nn.Conv2d(5 * c, c, 1)

    def forward(self, x):
        x = torch.relu(self.dw(torch.relu(self.stem(x))))
        h, w = x.shape[2:]
        pooled = torch.nn.functional.interpolate(torch.relu(self.pool(x.mean((2, 3), keepdim=True))), size=(h, w))
        return self.project(torch.cat([torch.relu(b(x)) for b in self.branches] + [pooled], 1))


class _SuperResolution(torch.nn.Module):
    # ESPCN: convs with tanh, then the last conv's 3·r² channels pixel-shuffled to an r-times larger image,
    # hardtanh'd to [-1, 1]; and nn.PixelShuffle to one channel.
    def __init__(self, r=3):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, 16, 5, padding=2), torch.nn.Conv2d(16, 8, 3, padding=1)
        self.c, self.d = torch.nn.Conv2d(8, 3 * r * r, 3, padding=1), torch.nn.Conv2d(3, 4, 3, padding=1)
        self.r, self.shuffle = r, torch.nn.PixelShuffle(2)

    def forward(self, x):
        x = torch.tanh(self.b(torch.tanh(self.a(x))))
        x = torch.nn.functional.hardtanh(torch.nn.functional.pixel_shuffle(self.c(x), self.r))
        return self.shuffle(self.d(x))


class _Clamps(torch.nn.Module):
    # Clamps as users write them, after convs and alone: hardtanh's [-1, 1], nn.Hardtanh(0, 20) (DeepSpeech),
    # clamp(max=), clamp(min=) with a negative min, and relu6 and clamp(min=0), which stay relu6 and relu.
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.Conv2d(8, 8, 3, padding=1),
                                  torch.nn.Conv2d(8, 8, 1))
        self.h = torch.nn.Hardtanh(0, 20)

    def forward(self, x):
        x = torch.nn.functional.hardtanh(self.a(x))
        x = self.h(self.b(x) * 10).clamp(max=12.5) / 10
        x = torch.nn.functional.relu6(self.c(x.clamp(min=-0.5)))
        return x.clamp(min=0) - 1


class _InstanceNorms(torch.nn.Module):
    # Style-transfer and GAN code: InstanceNorm2d (affine=False by default: no parameters, and affine=True
    # with trained, not unit, weights), beside a GroupNorm.
    def __init__(self, c=16):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(3, c, 3, 2, 1), torch.nn.Conv2d(c, c, 3, padding=1)
        self.n1, self.n2 = torch.nn.InstanceNorm2d(c), torch.nn.InstanceNorm2d(c, affine=True)
        self.n3 = torch.nn.GroupNorm(4, c)
        with torch.no_grad():
            self.n2.weight.uniform_(0.5, 1.5)
            self.n2.bias.uniform_(-0.2, 0.2)

    def forward(self, x):
        x = torch.relu(self.n1(self.a(x)))
        return self.n3(torch.relu(self.n2(self.b(x))))


def _macs_by_hooks(model, x):
    total = [0]

    def hook(mod, _, out):
        if isinstance(mod, torch.nn.Conv2d):
            total[0] += out.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            total[0] += out.numel() * mod.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        y = model(x)
    for h in handles:
        h.remove()
    return total[0], tuple(y.shape)


@pytest.mark.parametrize("module,res", [(_ConvNeXtStyle, 64), (_ChannelsLastMean, 32), (_Tokens, 32), (_TimmAttention, 32),
                                        (_CeilPools, 57), (_CeilPools, 60), (_Activations, 19), (_ResNetDShortcut, 25),
                                        (_ResNetDShortcut, 32), (_PoolMixer, 28), (_CentredClamped, 21), (_PReLUs, 17),
                                        (_HandWrittenHardSwish, 23), (_Arithmetic, 19), (_SuperResolution, 13),
                                        (_Clamps, 21), (_ASPP, 33), (_ASPP, 64), (_InstanceNorms, 23)])
def test_pytorch_code_as_users_write_it_imports_with_the_counts_pytorch_gives(tmp_path, module, res):
    torch.manual_seed(0)
    model = module().eval()
    x = torch.randn(1, 3, res, res)
    macs, shape = _macs_by_hooks(model, x)
    macs += model.matmul_macs(res) if hasattr(model, "matmul_macs") else 0  # not modules: no hook sees them
    torch.onnx.export(model, x, str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    counts = cx.count(net, layers=False)
    assert counts["macs"] == macs
    assert counts["params"] == sum(p.numel() for p in model.parameters())
    n, h, w, c = net.output_nhwc
    assert (n, c, h, w) == (shape if len(shape) == 4 else shape + (1, 1))


@pytest.mark.parametrize("module", [_Activations, _PReLUs, _HandWrittenHardSwish])
def test_activations_import_as_their_own_functions_and_run_as_pytorch_computes_them(tmp_path, module):
    torch.manual_seed(0)
    model = module().eval()
    x = torch.randn(1, 3, 19, 19)
    torch.onnx.export(model, x, str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    # A conv takes its activation into itself, except one with an alpha (or PReLU's slopes): that stays an op of its own.
    acts = [(op["function"], op["alpha"]) if op["op"] == "activation" else
            (op["op"], op["shared"]) if op["op"] == "prelu" else (op["activation"], None)
            for op in net.to_dict()["ops"] if op.get("activation", "none") != "none" or op["op"] in ("activation", "prelu")]
    expected = {_Activations: [("leaky_relu", pytest.approx(0.1)), ("mish", None), ("elu", pytest.approx(0.7)),
                               ("tanh", None), ("softplus", None)],
                _PReLUs: [("prelu", False), ("prelu", True)],
                _HandWrittenHardSwish: [("hardswish", None), ("hardswish", None), ("hardsigmoid", None)]}
    assert acts == expected[module]
    (tmp_path / "m.json").write_text(net.to_json())  # the alphas read back from the network JSON as written
    assert cx.load(str(tmp_path / "m.json")).to_dict() == net.to_dict()
    # The PyTorch module written from the imported network, with our seeded weights, computes what the
    # executor computes: our vectorised tanh, softplus and mish against PyTorch's, XNNPACK's leaky_relu and elu.
    y, ref = _torch_beside_executor(net, _torch_module(net, tmp_path / "m.py", "activations").load(), 1)
    assert np.abs(y - ref).max() <= 1e-4 * np.abs(ref).max()


def test_pixel_shuffle_and_clamps_import_as_their_own_ops_and_run_as_pytorch_computes_them(tmp_path):
    torch.manual_seed(0)
    model = _Clamps().eval()
    torch.onnx.export(model, torch.randn(1, 3, 19, 19), str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    ops = net.to_dict()["ops"]
    assert [(op.get("min"), op.get("max")) for op in ops if op["op"] == "clamp"] == \
        [(-1, 1), (0, 20), (None, 12.5), (-0.5, None)]
    assert [op["activation"] for op in ops if op["op"] == "conv2d"] == ["none", "none", "relu6"]
    assert [op["function"] for op in ops if op["op"] == "activation"] == ["relu"]
    (tmp_path / "m.json").write_text(net.to_json())  # the bounds read back from the network JSON as written
    assert cx.load(str(tmp_path / "m.json")).to_dict() == net.to_dict()
    y, ref = _torch_beside_executor(net, _torch_module(net, tmp_path / "m.py", "clamps").load(), 1)
    assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()

    model = _SuperResolution().eval()
    torch.onnx.export(model, torch.randn(1, 3, 13, 11), str(tmp_path / "sr.onnx"))
    net = cx.load(str(tmp_path / "sr.onnx"))
    assert [op["upscale"] for op in net.to_dict()["ops"] if op["op"] == "pixel_shuffle"] == [3, 2]
    assert tuple(net.output_nhwc) == (1, 78, 66, 1)
    y, ref = _torch_beside_executor(net, _torch_module(net, tmp_path / "sr.py", "sr").load(), 1)
    assert np.abs(y - ref).max() <= 1e-4 * np.abs(ref).max()


class _Shuffles(torch.nn.Module):
    # No weights, so PyTorch's own output is the reference: pixel_shuffle to 4 channels and to 1, clamps.
    def forward(self, x):
        x = torch.nn.functional.pixel_shuffle(x, 3).clamp(-1, 0.5)
        return torch.nn.PixelShuffle(2)(torch.nn.functional.hardtanh(x * 2))


@pytest.mark.parametrize("h,w", [(5, 7), (1, 1)])
def test_pytorchs_pixel_shuffle_and_clamps_import_to_what_pytorch_computes(tmp_path, h, w):
    model = _Shuffles()
    torch.onnx.export(model, torch.randn(1, 36, h, w), str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    y, ours = _torch_beside_executor(net, model, 3)
    assert ours.shape == y.shape == (1, 1, 6 * h, 6 * w)
    assert np.array_equal(ours, y)  # data movement and clamps: the same floats


class _AvgPools(torch.nn.Module):
    # Average pools as PyTorch users write them, no weights: the imported network run by our executor must
    # give PyTorch's numbers, borders and ceil_mode's last windows included.
    def forward(self, x):
        x = torch.nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False)  # PoolFormer, Inception
        x = torch.nn.functional.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False)  # ResNet-D
        x = torch.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True)  # pads counted, ceil_mode's extra not
        x = torch.nn.functional.avg_pool2d(x, 2, 2, ceil_mode=True)  # no pads: nothing past the input counted
        return torch.nn.functional.avg_pool2d(x, 3, 1, 1)  # pads counted


@pytest.mark.parametrize("h,w", [(27, 25), (32, 30), (21, 34)])
def test_pytorchs_average_pools_import_to_what_pytorch_computes(tmp_path, h, w):
    model = _AvgPools()
    torch.onnx.export(model, torch.randn(1, 3, h, w), str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    y, ours = _torch_beside_executor(net, model, 3)
    assert ours.shape == y.shape
    assert np.abs(ours - y).max() <= 1e-5 * np.abs(y).max()


def test_to_torch_of_pools_that_leave_padding_out_matches_the_executor(tmp_path):
    # Written as PyTorch users write them where AvgPool2d's arguments give our windows (Inception's pool,
    # ResNet-D's ceil_mode shortcut); a padding AvgPool2d cannot take is the window's sum over its count.
    def pool(name, x, kernel, stride, padding, count_include_pad):
        return {"name": name, "op": "avg_pool", "inputs": [x], "kernel": kernel, "stride": stride, "padding": padding,
                "count_include_pad": count_include_pad}

    net = cx.load({"schema": "cpubone-explore/network/v1", "name": "pools", "input_nhwc": [1, 13, 11, 8], "output": "mix",
                   "ops": [pool("inception", "input", 3, 1, 1, False),
                           pool("resnet_d", "inception", 2, 2, [0, 1, 0, 1], False),
                           pool("lopsided", "resnet_d", [2, 3], 1, [1, 0, 2, 0], False),
                           pool("counted", "lopsided", 3, 2, [1, 1, 0, 1], True),
                           {"name": "mix", "op": "conv2d", "inputs": ["counted"], "out_channels": 8, "kernel": 1, "bias": True}]})
    info = net.to_torch(str(tmp_path / "pools.py"), seed=4)
    source = (tmp_path / "pools.py").read_text()
    assert "F.avg_pool2d(x, (3, 3), (1, 1), (1, 1), count_include_pad=False)" in source
    assert "F.avg_pool2d(t0, (2, 2), (2, 2), ceil_mode=True, count_include_pad=False)" in source
    assert "divisor_override=1" in source
    spec = importlib.util.spec_from_file_location("pools_torch", info["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    y, ref = _torch_beside_executor(net, module.load(), 4)
    assert y.shape == ref.shape
    assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()


class _WeightlessNorms(torch.nn.Module):
    # No weights, so the imported network run by our executor must give PyTorch's numbers.
    def forward(self, x):
        x = torch.nn.functional.instance_norm(x * 3 + 1)
        return torch.nn.functional.instance_norm(torch.cat([x, x * x], 1), eps=1e-3)


def test_instance_norm_imports_as_pytorch_computes_it(tmp_path):
    model = _WeightlessNorms()
    torch.onnx.export(model, torch.randn(1, 3, 13, 11), str(tmp_path / "m.onnx"))
    net = cx.load(str(tmp_path / "m.onnx"))
    norms = [(op["groups"], op.get("affine", True)) for op in net.to_dict()["ops"] if op["op"] == "group_norm"]
    assert norms == [(3, False), (6, False)]
    assert cx.count(net, layers=False)["params"] == 0
    y, ours = _torch_beside_executor(net, model, 3)
    assert np.abs(ours - y).max() <= 1e-4 * np.abs(y).max()
