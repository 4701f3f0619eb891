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
    r = cx.run(net, seed=4)
    x = torch.from_numpy(np.ascontiguousarray(r["input_nhwc"].transpose(0, 3, 1, 2)))
    with torch.no_grad():
        y = model(x).numpy()
    ref = r["output_nhwc"].transpose(0, 3, 1, 2)
    assert np.abs(y - ref).max() <= 1e-4 * np.abs(ref).max()


def test_to_torch_wants_a_python_file_name(tmp_path):
    with pytest.raises(cx.InputError, match="must end in .py"):
        cx.load("b0").to_torch(str(tmp_path / "b0.txt"))
