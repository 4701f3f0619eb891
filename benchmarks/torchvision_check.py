#!/usr/bin/env python3
"""Do torchvision's models, imported with their weights, compute on our executor what ONNX Runtime computes?
Each model is built by torchvision 0.14 (Debian's python3-torchvision, weights=None), its BatchNorm running
statistics randomised (so that folding them into the convs is exercised; untrained they are 0 and 1),
exported by torch.onnx.export with its defaults at the documented input size, then
`cpubone-explore check FILE.onnx --json` runs it on both with the file's weights and one seeded input.

    /usr/bin/python3 benchmarks/torchvision_check.py [--cli build/explorer/cpubone-explore] [--models a,b,...]
                                                     [--dir DIR] [--threads 1] [--json OUT.json]

Not a test: the figures go to the report and docs (the goal is a relative error of at most 1e-4).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["resnet18", "mobilenet_v3_large", "efficientnet_b0", "regnet_y_400mf", "convnext_tiny", "vgg11_bn", "alexnet",
          "shufflenet_v2_x1_0", "densenet121"]


def randomise_batch_norms(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) * 0.4 - 0.2)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            if m.affine:
                m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.data.copy_(torch.rand(n, generator=g) * 0.4 - 0.2)


def export(name, path, seed=0):
    torch.manual_seed(seed)
    model = torchvision.models.get_model(name, weights=None).eval()
    randomise_batch_norms(model, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), path)


def check(cli, path, threads):
    p = subprocess.run([cli, "check", path, "--json", "--threads", str(threads)], capture_output=True, text=True)
    if p.returncode == 2 or not p.stdout.strip():
        return {"error": (p.stderr.strip().splitlines() or ["(no message)"])[-1]}
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--dir", default="")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="tv-check-")
    rows = []
    for name in a.models.split(","):
        path = os.path.join(work, name + ".onnx")
        if not os.path.exists(path):
            export(name, path)
        r = check(a.cli, path, a.threads)
        out = r.get("outputs", [{}])[0]
        first = r.get("first_disagreeing_op") or {}
        row = {"model": name, "agrees": r.get("agrees"), "relative_error": out.get("relative_error"),
               "max_abs_error": out.get("max_abs_error"), "scale": out.get("scale"),
               "first_disagreeing_op": first.get("op"), "first_relative_error": first.get("relative_error"),
               "seeded_weight_ops": len(r.get("seeded_weight_ops", [])), "error": r.get("error")}
        rows.append(row)
        err = row["relative_error"]
        print(f"{name:22s} {'agrees' if row['agrees'] else 'DISAGREES' if row['agrees'] is False else 'error':10s} "
              f"{'' if err is None else f'{err:.3g}':>10s}  {row['error'] or ''}"
              f"{'  first: ' + str(row['first_disagreeing_op']) if row['first_disagreeing_op'] else ''}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"schema": "cpubone-explore/torchvision-check/v1", "torch": torch.__version__,
                       "torchvision": torchvision.__version__, "threads": a.threads, "rows": rows}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
