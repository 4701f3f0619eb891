# Issue 71 item 10: count of a torchvision model exported with torch.onnx.export's defaults (eval mode, every
# BatchNorm folded into the conv before it) gives the file's params and the PyTorch-style count inferred with
# BatchNorm separate, which must be PyTorch's own sum(p.numel() for p in m.parameters()).
import pytest
import torch
import torchvision

import cpubone_explore as cx
from conftest import cli


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_large", "efficientnet_b0"])
def test_count_of_a_torchvision_export_infers_pytorchs_params(tmp_path, name):
    model = getattr(torchvision.models, name)(weights=None).eval()
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), str(path))
    c = cx.count(path, layers=False)
    assert c["params_batch_norm_separate"] == sum(p.numel() for p in model.parameters())
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert c["batch_norm_folding"]["convs"] == len(batch_norms)
    assert c["batch_norm_folding"]["channels"] == sum(m.num_features for m in batch_norms)
    # What the file holds: each folded BatchNorm as its conv's bias, one parameter per channel.
    assert c["params"] == c["params_batch_norm_separate"] - c["batch_norm_folding"]["channels"]
    code, out, err = cli("count", str(path))
    assert code == 0, err
    assert f"params_batch_norm_separate {c['params_batch_norm_separate']:,}  (PyTorch-style, BatchNorm separate, inferred" in out
    assert "as the file holds them" in out
