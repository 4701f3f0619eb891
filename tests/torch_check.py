"""Checks PyTorch modules written by `export_torch` against the executor: each directory argument holds
net.py (+ net.f32), input.f32 and output.f32 (NHWC, float32) and params.txt (count()'s params). The
module's parameter count must equal it and its output on the input must match within 1e-4 relative
(max |difference| / max |output|). Prints one line per network; exit 1 if any fails."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch

failed = 0
for d in map(Path, sys.argv[1:]):
    spec = importlib.util.spec_from_file_location(d.name, d / "net.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.load()
    params = sum(p.numel() for p in net.parameters())
    expected_params = int((d / "params.txt").read_text())
    n, c, h, w = module.INPUT_NCHW
    x = np.fromfile(d / "input.f32", dtype="<f4").reshape(n, h, w, c).transpose(0, 3, 1, 2)
    with torch.no_grad():
        y = net(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    if y.ndim == 2:  # a classifier's output, N x classes: the executor's N x 1 x 1 x classes
        y = y.reshape(*y.shape, 1, 1)
    ref = np.fromfile(d / "output.f32", dtype="<f4").reshape(y.shape[0], y.shape[2], y.shape[3], y.shape[1]).transpose(0, 3, 1, 2)
    rel = float(np.abs(y - ref).max() / max(float(np.abs(ref).max()), 1e-30))
    ok = params == expected_params and module.PARAMS == params and rel <= 1e-4
    failed += not ok
    print(f"{d.name}: params {params} (count {expected_params}), max relative difference {rel:.2e}: {'ok' if ok else 'FAIL'}")
sys.exit(1 if failed else 0)
