# advise's reparameterize rewrite on a user's network in training form (issue 72 item 3): RepVGG blocks
# (3x3 + BN, 1x1 + BN, identity BN, ReLU) and MobileOne-style depthwise and pointwise units (k = 2 kxk
# branches, a 1x1 scale branch, identity BN), exported by torch.onnx.export with its defaults. advise offers
# reparameterize on each block; --apply merges each into one conv whose weights are summed from the
# branches', so advised.onnx on our executor and advised.py + advised.f32 in PyTorch compute the original's
# outputs, with fewer ops, predicted faster.
import importlib.util

import numpy as np
import pytest
import torch
from torch import nn

import cpubone_explore as cx
from conftest import cli, cli_json

onnx = pytest.importorskip("onnx")

DEVICE = "xeon-gold5118"
SIZE = 32


def _bn(c):
    b = nn.BatchNorm2d(c)
    b.running_mean.uniform_(-0.5, 0.5)
    b.running_var.uniform_(0.5, 2.0)
    b.weight.data.uniform_(0.5, 1.5)
    b.bias.data.uniform_(-0.2, 0.2)
    return b


def _conv_bn(cin, cout, k, stride, groups):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), _bn(cout))


class RepVGGBlock(nn.Module):
    """RepVGG's training-time block: 3x3 + BN, 1x1 + BN, and the identity BN where shapes allow it."""

    def __init__(self, cin, cout, stride=1, groups=1):
        super().__init__()
        self.dense = _conv_bn(cin, cout, 3, stride, groups)
        self.one = _conv_bn(cin, cout, 1, stride, groups)
        self.identity = _bn(cout) if cin == cout and stride == 1 else None
        self.act = nn.ReLU()

    def forward(self, x):
        y = self.dense(x) + self.one(x)
        return self.act(y if self.identity is None else y + self.identity(x))


class MobileOneBlock(nn.Module):
    """MobileOne's training-time unit: k kxk conv+BN branches, a 1x1 conv+BN scale branch (kxk > 1), the
    identity BN, summed, ReLU; depthwise with groups = channels, pointwise with k = 1."""

    def __init__(self, c, k, groups, branches=2):
        super().__init__()
        self.convs = nn.ModuleList(_conv_bn(c, c, k, 1, groups) for _ in range(branches))
        self.scale = _conv_bn(c, c, 1, 1, groups) if k > 1 else None
        self.skip = _bn(c)
        self.act = nn.ReLU()

    def forward(self, x):
        y = self.skip(x)
        if self.scale is not None:
            y = y + self.scale(x)
        for conv in self.convs:
            y = y + conv(x)
        return self.act(y)


class Net(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU())
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def _repvgg():
    return Net([RepVGGBlock(32, 32), RepVGGBlock(32, 64, stride=2), RepVGGBlock(64, 64, groups=2)])


def _mobileone():
    # depthwise 3x3 unit, pointwise unit (1x1, k branches), widening by a plain 1x1 conv, another pair.
    return Net([MobileOneBlock(32, 3, 32), MobileOneBlock(32, 1, 1), nn.Sequential(nn.Conv2d(32, 64, 1), nn.ReLU()),
                MobileOneBlock(64, 3, 64), MobileOneBlock(64, 1, 1)])


MODELS = {"repvgg": (_repvgg, 3), "mobileone": (_mobileone, 4)}


@pytest.fixture(scope="module", params=sorted(MODELS))
def exported(request, tmp_path_factory):
    build, blocks = MODELS[request.param]
    torch.manual_seed(0)
    model = build().eval()
    path = tmp_path_factory.mktemp("reparam") / f"{request.param}.onnx"
    torch.onnx.export(model, torch.randn(1, 3, SIZE, SIZE), str(path))
    advice = cli_json("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--json")
    return model, path, advice, blocks


def _reparameterize(advice):
    return [s for s in advice["suggestions"] if s["rewrite"]["kind"] == "reparameterize"]


def _module(out):
    spec = importlib.util.spec_from_file_location(f"advised_{abs(hash(str(out)))}", out / "advised.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _relative_error(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_advise_offers_reparameterize_on_every_training_form_block_as_exact_and_faster(exported):
    _, _, advice, blocks = exported
    merged = [b for b in advice["blocks"] if b["kind"] == "parallel_branches"]
    assert len(merged) == blocks
    offers = _reparameterize(advice)
    assert len(offers) == blocks
    for s in offers:
        assert s["keeps_function"] and s["block_kind"] == "parallel_branches"
        assert "exact" in s["accuracy_evidence"] and "function is unchanged" in s["weights"]
        assert s["gain"]["point"] > 0, s  # one conv instead of two or more, their adds and the identity
    # No op of a block goes unrecognised (the identity BatchNorms and the adds are the block's).
    assert not [u for u in advice["unrecognised"] if u["op"] in ("batch_norm", "add")]


def test_apply_merges_each_block_into_one_conv_computing_the_originals_outputs(exported, tmp_path):
    model, path, advice, blocks = exported
    ids = ",".join(s["id"] for s in _reparameterize(advice))
    out = tmp_path / "advised"
    applied = cli_json("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--apply", ids, "--out", str(out),
                       "--json")["applied"]
    sources = applied["weight_sources"]
    assert applied["fresh_weight_ops"] == [] and sources["seeded_ops"] == [] and sources["need_training_ops"] == []
    assert sorted(sources["merged_ops"]) == sorted(s["rewrite"]["ops"][0] for s in _reparameterize(advice))
    original, advised = cx.load(str(path)), cx.load(str(out / "advised.onnx"))
    assert len(advised.to_dict()["ops"]) < len(original.to_dict()["ops"])
    # Each block one conv: the stem, the blocks and MobileOne's widening 1x1 are the only convs left.
    convs = sum(n.op_type == "Conv" for n in onnx.load(str(out / "advised.onnx")).graph.node)
    assert convs == 1 + blocks + (1 if path.stem == "mobileone" else 0)

    a, b = cx.run(original), cx.run(advised)
    error = _relative_error(b["output_nhwc"], a["output_nhwc"])
    print(f"{path.stem}: executor, advised.onnx against the file, rel error {error:.2e}")
    assert error <= 1e-4

    x = torch.randn(4, 3, SIZE, SIZE)
    module = _module(out).load().eval()
    with torch.no_grad():
        y, ref = module(x), model(x)
    error = _relative_error(y.numpy(), ref.numpy())
    print(f"{path.stem}: PyTorch, advised.py + advised.f32 against the original module, rel error {error:.2e}")
    assert y.shape == ref.shape and error <= 1e-4


def test_the_text_says_what_the_json_says(exported, tmp_path):
    _, path, advice, _ = exported
    ids = ",".join(s["id"] for s in _reparameterize(advice))
    code, text, err = cli("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--apply", ids, "--out", str(tmp_path / "t"))
    assert code == 0, err
    applied = cli_json("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--apply", ids, "--out", str(tmp_path / "j"),
                       "--json")["applied"]
    for note in applied["notes"]:
        assert note in text
    assert "summed from parallel branches" in text
    code, text, err = cli("advise", str(path), "--device", DEVICE, "--evaluations", "50")
    assert code == 0, err
    assert "kept (merged)" in text and "parallel_branches" in text
