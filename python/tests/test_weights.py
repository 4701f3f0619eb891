# A user's own trained network, whole (issue 72): a PyTorch module with BatchNorm, PReLU, LayerNorm and a
# Flatten before its Linear, exported by torch.onnx.export with its defaults, loads with its weights; run()
# computes what PyTorch computes on it, and check() finds ONNX Runtime agreeing.
import numpy as np
import pytest
import torch
import torch.nn as nn

import cpubone_explore as cx


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.PReLU(8)
        self.dw = nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.act(self.bn(self.conv(x)))
        x = torch.relu(self.bn2(self.dw(x)))
        return self.fc(torch.flatten(x, 1))


def _exported(tmp_path):
    torch.manual_seed(0)
    model = Small().eval()
    g = torch.Generator().manual_seed(1)
    for bn in (model.bn, model.bn2):  # trained statistics, so that folding them is exercised
        bn.running_mean.copy_(torch.rand(8, generator=g) - 0.5)
        bn.running_var.copy_(torch.rand(8, generator=g) + 0.5)
    path = tmp_path / "small.onnx"
    torch.onnx.export(model, torch.randn(1, 3, 8, 8), str(path))
    return model, path


def test_an_onnx_file_runs_with_its_own_weights_as_pytorch_computes_it(tmp_path):
    model, path = _exported(tmp_path)
    net = cx.load(path)
    r = cx.run(net)
    assert r["weights"] == "the ONNX file's initializers"
    x = torch.from_numpy(np.ascontiguousarray(r["input_nhwc"].transpose(0, 3, 1, 2)))
    with torch.no_grad():
        ref = model(x).numpy()
    ours = r["output_nhwc"].reshape(ref.shape)
    assert np.abs(ours - ref).max() <= 1e-5 * np.abs(ref).max()
    seeded = cx.run(net, seed=0)  # a seed replaces the file's weights
    assert seeded["weights"] == "seed 0"
    assert np.abs(seeded["output_nhwc"].reshape(ref.shape) - ref).max() > 1e-2 * np.abs(ref).max()


def test_check_finds_onnx_runtime_agreeing(tmp_path):
    _, path = _exported(tmp_path)
    r = cx.check(path)
    assert r["agrees"], r
    assert r["outputs"][0]["relative_error"] < 1e-4
    strict = cx.check(path, tolerance=1e-12)
    assert not strict["agrees"]
    assert strict["first_disagreeing_op"] is not None


def test_check_refuses_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07not a model")
    with pytest.raises(cx.InputError, match="not an ONNX model"):
        cx.check(bad)


def test_advise_apply_carries_an_onnx_files_weights_into_a_module_pytorch_trains(tmp_path):
    # advised.onnx and advised.py + advised.f32 hold the same weights (the file's, carried over; the ops the
    # rewrite made fresh are listed): PyTorch's forward equals our executor's on advised.onnx, and one SGD
    # step at batch 8 runs.
    import importlib.util
    from conftest import cli, cli_json

    onnx = tmp_path / "mbv2.onnx"
    code, _, err = cli("export", "mobilenetv2-1.0", "--resolution", "64", "--weights", "3", "--onnx", str(onnx))
    assert code == 0, err
    out = tmp_path / "advised"
    doc = cli_json("advise", str(onnx), "--device", "pi5", "--evaluations", "100", "--apply", "s1", "--out", str(out), "--json")
    applied = doc["applied"]
    assert applied["weights"] == "the model file's"
    assert len(applied["fresh_weight_ops"]) < 5
    spec = importlib.util.spec_from_file_location("advised_mbv2", out / "advised.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load()
    r = cx.run(cx.load(out / "advised.onnx"))
    assert r["weights"] == "the ONNX file's initializers"
    x = torch.from_numpy(np.ascontiguousarray(r["input_nhwc"].transpose(0, 3, 1, 2)))
    with torch.no_grad():
        y = model.eval()(x).numpy()
    ref = r["output_nhwc"].reshape(1, -1)  # a classifier's output: N x classes
    assert y.shape == ref.shape
    assert np.abs(y - ref).max() <= 1e-4 * np.abs(ref).max()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    before = [p.detach().clone() for p in model.parameters()]
    loss = model(torch.randn(8, 3, 64, 64)).square().mean()
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_a_function_keeping_rewrite_of_a_torchvision_model_keeps_its_outputs(tmp_path):
    # Rounding channels up zero-pads the file's weights: the advised network computes what the original does.
    torchvision = pytest.importorskip("torchvision")
    from conftest import cli_json

    torch.manual_seed(0)
    model = torchvision.models.shufflenet_v2_x1_0().eval()
    path = tmp_path / "shufflenet.onnx"
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), str(path))
    doc = cli_json("advise", str(path), "--device", "pi5", "--evaluations", "50", "--json")
    keeping = [s["id"] for s in doc["suggestions"] if s["keeps_function"]]
    assert keeping, "shufflenet_v2's 58 and 116 channels round up to the vector width"
    out = tmp_path / "advised"
    applied = cli_json("advise", str(path), "--device", "pi5", "--evaluations", "50", "--apply", keeping[0], "--out", str(out),
                       "--json")["applied"]
    assert applied["fresh_weight_ops"] == []
    assert applied["macs"] > cx.count(cx.load(path), layers=False)["macs"]
    a, b = cx.run(cx.load(path)), cx.run(cx.load(out / "advised.onnx"))
    assert np.abs(a["output_nhwc"] - b["output_nhwc"]).max() <= 1e-4 * np.abs(a["output_nhwc"]).max()
