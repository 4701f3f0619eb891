# advise --apply on a torchvision model as a user has it (issue 73 item 5, issue 72 item 3): the written
# PyTorch module computes what the original PyTorch model computes, holds the BatchNorms the exporter folded
# (as conv + BatchNorm), returns N x classes, names its layers by the original's module paths with the
# file's weights there bit-exact, and trains; a function-keeping rewrite keeps the executor's outputs, and a
# rewrite that does not keep the function changes the weights of the ops it lists only.
import importlib.util

import numpy as np
import pytest
import torch

import cpubone_explore as cx
from conftest import cli, cli_json

torchvision = pytest.importorskip("torchvision")
onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

# AVX-512: a vector of 16 floats, so MobileNetV3-Small's expanded widths 72 and 88 round up (function kept).
DEVICE = "xeon-gold5118"
SIZE = 96


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """torchvision's mobilenet_v3_small, weights=None with its BatchNorms' statistics and affines randomised,
    in eval mode, and its export by torch.onnx.export with the defaults."""
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v3_small()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    path = tmp_path_factory.mktemp("trainable") / "mobilenet_v3_small.onnx"
    torch.onnx.export(model, torch.randn(1, 3, SIZE, SIZE), str(path))
    advice = cli_json("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--json")
    return model, path, advice


def _applied(path, ids, out, *extra):
    return cli_json("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--apply", ids, "--out", str(out), "--json",
                    *extra)["applied"]


def _module(out):
    spec = importlib.util.spec_from_file_location(f"advised_{abs(hash(str(out)))}", out / "advised.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _module_path(node_name):
    """The module path of a torch.onnx.export node name, as advised.py names its layers:
    /features/features.3/block/block.0/block.0.0/Conv -> features.3.block.0.0."""
    parts = [p for p in node_name.split("/") if p][:-1]
    out = []
    for k, p in enumerate(parts):
        out.append(p[len(parts[k - 1]) + 1:] if k and p.startswith(parts[k - 1] + ".") else p)
    return ".".join(out)


def _file_weights(path):
    """Each Conv and Gemm node's (weight, bias or None) as the ONNX file holds them, by node name, and
    whether its weight is one torch.onnx.export computed (a BatchNorm folded in: named onnx::...)."""
    g = onnx.load(str(path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for n in g.node:  # torch.onnx.export dedupes equal initializers (zero biases) through Identity nodes
        if n.op_type == "Identity" and n.input[0] in init:
            init[n.output[0]] = init[n.input[0]]
    return {n.name: (init[n.input[1]], init[n.input[2]] if len(n.input) > 2 else None, n.input[1].startswith("onnx::"))
            for n in g.node if n.op_type in ("Conv", "Gemm")}


def _keeping(advice):
    return [s for s in advice["suggestions"] if s["keeps_function"]]


def test_the_written_module_computes_the_originals_outputs_holds_its_batch_norms_and_trains(exported, tmp_path):
    model, path, advice = exported
    keeping = _keeping(advice)
    assert keeping, "MobileNetV3-Small's 72 and 88 channels round up to 16"
    s = keeping[0]
    out = tmp_path / "advised"
    applied = _applied(path, s["id"], out)
    assert applied["fresh_weight_ops"] == []
    sources = applied["weight_sources"]
    assert sources["yours"] and sources["seeded_ops"] == [] and sources["need_training_ops"] == []
    assert set(s["rewrite"]["ops"]) <= set(sources["zero_padded_ops"])  # and the conv reading the grown channels
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(applied["batch_norms"]["unfolded_convs"]) == len(batch_norms)

    advised = _module(out).load()
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in advised.modules()) == len(batch_norms)
    x = torch.randn(4, 3, SIZE, SIZE)
    with torch.no_grad():
        y, ref = advised(x), model(x)
    assert y.shape == ref.shape == (4, 1000)
    error = float((y - ref).abs().max() / ref.abs().max())
    print(f"{s['id']} {s['rewrite']['kind']} -> {s['rewrite']['value']}: PyTorch module against the original, rel error {error:.2e}")
    assert error <= 1e-4

    # The file's weights, bit-exact, at the original's module paths: every conv and linear the rewrite kept,
    # a folded conv's bias as its BatchNorm's shift; where the exporter kept a layer whole (the SE convs, the
    # classifier), the original's own state_dict entries.
    # A conv that grew (the rewrite's, and the one reading its channels) holds the file's weights in its corner.
    state = advised.state_dict()
    for name, (w, b, folded) in _file_weights(path).items():
        p = _module_path(name)
        mine = state[p + ".weight"].numpy()
        if name in sources["zero_padded_ops"]:
            assert np.array_equal(mine[:w.shape[0], :w.shape[1]], w), name
            assert not mine[w.shape[0]:].any() and not mine[:, w.shape[1]:].any(), name
            continue
        assert np.array_equal(mine, w), name
        if b is not None:
            assert np.array_equal(state[p + ("_bn.bias" if folded else ".bias")].numpy(), b), name
    original = model.state_dict()
    files = _file_weights(path)
    whole = {_module_path(n) for n, (_, _, folded) in files.items() if not folded and n not in sources["zero_padded_ops"]}
    shared = [k for k in state if k in original and k.rsplit(".", 1)[0] in whole]
    assert any(k.startswith("classifier.") for k in shared) and any(".fc1." in k for k in shared)
    for k in shared:
        assert torch.equal(state[k], original[k]), k

    # One step of plain training at batch 8 with a standard loss.
    advised.train()
    opt = torch.optim.SGD(advised.parameters(), lr=1e-2, momentum=0.9)
    before = [p.detach().clone() for p in advised.parameters()]
    loss = torch.nn.CrossEntropyLoss()(advised(torch.randn(8, 3, SIZE, SIZE)), torch.randint(0, 1000, (8,)))
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    assert all(not torch.equal(a, b) for a, b in zip(before, advised.parameters()) if a.requires_grad)
    # As the summary says: zero-padded channels get no gradient (zero weights on both sides), so stay zero.
    expand = s["rewrite"]["ops"][0]
    grown = advised.get_submodule(_module_path(expand)).weight
    assert not grown[files[expand][0].shape[0]:].any()


def test_no_batch_norm_keeps_the_convs_folded(exported, tmp_path):
    _, path, advice = exported
    out = tmp_path / "folded"
    applied = _applied(path, _keeping(advice)[0]["id"], out, "--no-batch-norm")
    assert applied["batch_norms"]["unfolded_convs"] == []
    assert "--no-batch-norm" in applied["batch_norms"]["note"]
    advised = _module(out).load()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in advised.modules())


@pytest.mark.parametrize("keeping_index", [0, 1, 2])
def test_a_function_keeping_rewrite_keeps_the_executors_outputs(exported, tmp_path, keeping_index):
    # Rounding channels up (the zero-padded channels carry zeros), with the BatchNorms unfolded: our executor
    # on advised.onnx computes what it computes on the file.
    _, path, advice = exported
    keeping = _keeping(advice)
    if keeping_index >= len(keeping):
        pytest.skip("fewer function-keeping suggestions")
    s = keeping[keeping_index]
    out = tmp_path / "advised"
    applied = _applied(path, s["id"], out)
    assert applied["fresh_weight_ops"] == []
    a, b = cx.run(cx.load(path)), cx.run(cx.load(out / "advised.onnx"))
    error = float(np.abs(a["output_nhwc"] - b["output_nhwc"]).max() / np.abs(a["output_nhwc"]).max())
    print(f"{s['id']} {s['rewrite']['kind']} {s['rewrite']['ops'][0]} -> {s['rewrite']['value']}: executor, rel error {error:.2e}")
    assert error <= 1e-4


@pytest.mark.parametrize("kind", ["group_conv", "depthwise_kernel", "fuse_mbconv", "kernel_2x2"])
def test_a_rewrite_that_changes_the_function_changes_only_the_ops_it_lists(exported, tmp_path, kind):
    _, path, advice = exported
    s = next((s for s in advice["suggestions"] if s["rewrite"]["kind"] == kind), None)
    if s is None:
        pytest.skip(f"no {kind} suggestion")
    assert not s["keeps_function"]
    out = tmp_path / "advised"
    applied = _applied(path, s["id"], out)
    listed = set(s["rewrite"]["ops"])
    assert set(applied["fresh_weight_ops"]) <= listed
    assert set(applied["weight_sources"]["seeded_ops"]) == set(applied["fresh_weight_ops"])
    assert applied["fresh_weight_ops"], "a rewrite that changes the function gives its ops fresh weights"
    state = _module(out).load().state_dict()
    kept = 0
    for name, (w, b, folded) in _file_weights(path).items():
        if name in listed:
            continue
        p = _module_path(name)
        assert np.array_equal(state[p + ".weight"].numpy(), w), name
        if b is not None:
            assert np.array_equal(state[p + ("_bn.bias" if folded else ".bias")].numpy(), b), name
        kept += 1
    assert kept >= len(_file_weights(path)) - len(listed)


def test_the_text_says_what_the_json_says(exported, tmp_path):
    _, path, advice = exported
    s = _keeping(advice)[0]
    code, text, err = cli("advise", str(path), "--device", DEVICE, "--evaluations", "50", "--apply", s["id"], "--out",
                          str(tmp_path / "t"))
    assert code == 0, err
    applied = _applied(path, s["id"], tmp_path / "j")
    for note in applied["notes"]:
        assert note in text
    assert "yours, bit-exact" in text and "nothing needs training" in text


def test_calibrating_the_batch_norms_on_data_keeps_eval_mode(exported, tmp_path):
    # calibrate_batch_norms: each BatchNorm's statistics become its input's over the batches given, and its
    # gamma and beta follow so that eval mode computes what it did.
    _, path, advice = exported
    out = tmp_path / "advised"
    _applied(path, _keeping(advice)[0]["id"], out)
    advised = _module(out).load()
    torch.manual_seed(3)
    x = torch.randn(8, 3, SIZE, SIZE)
    with torch.no_grad():
        before = advised(x)
    first = next(m for m in advised.modules() if isinstance(m, torch.nn.BatchNorm2d))
    conv_out = {}
    handle = first.register_forward_hook(lambda m, i, o: conv_out.setdefault("z", i[0]))
    batches = [torch.randn(8, 3, SIZE, SIZE) for _ in range(2)]
    with torch.no_grad():
        advised(torch.cat(batches))
    handle.remove()
    advised.calibrate_batch_norms(batches)
    assert not advised.training
    with torch.no_grad():
        after = advised(x)
    assert float((after - before).abs().max() / before.abs().max()) <= 1e-4
    z = conv_out["z"].transpose(0, 1).reshape(first.num_features, -1).double()
    assert torch.allclose(first.running_mean.double(), z.mean(1), rtol=1e-4, atol=1e-6)
    assert torch.allclose(first.running_var.double(), z.var(1, unbiased=False), rtol=1e-4, atol=1e-6)


def test_python_advise_applies_as_the_cli_does(exported, tmp_path):
    # The Python module knows the file's folded BatchNorms as the CLI does (load keeps the import's record).
    _, path, advice = exported
    s = _keeping(advice)[0]
    doc = cx.advise(cx.load(str(path)), device=DEVICE, evaluations=50, apply=s["id"], out=tmp_path / "py")
    cli_applied = _applied(path, s["id"], tmp_path / "cli")
    assert doc["applied"]["batch_norms"] == cli_applied["batch_norms"]
    assert doc["applied"]["weight_sources"] == cli_applied["weight_sources"]
    assert (tmp_path / "py" / "advised.py").read_text() == (tmp_path / "cli" / "advised.py").read_text()
    folded = cx.advise(cx.load(str(path)), device=DEVICE, evaluations=50, apply=s["id"], out=tmp_path / "f", batch_norm=False)
    assert folded["applied"]["batch_norms"]["unfolded_convs"] == []
