#!/usr/bin/env python3
"""How much PyTorch code as people write it does `cpubone-explore` import? One small module per idiom (an
activation, a pooling, an elementwise pattern, an attention gate, ...) after a 3x3/s2 stem, exported by
torch.onnx.export (Debian's python3-torch, opset 14 unless --opset), then `cpubone-explore count FILE.onnx`:
each idiom imports ("ok"), is refused by import (the one-line error), or does not export from PyTorch at all.

    python3 benchmarks/pytorch_idioms.py [--cli build/explorer/cpubone-explore] [--before OLD_CLI]
                                         [--labels BEFORE,AFTER] [--resolution 33] [--opset 14] [--json OUT.json]

With --before, both CLIs read the same files, side by side. Not a test: it lists what the importer refuses
(the user guide's "Not yet"), so that a change is counted against a fixed list. No timing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def conv(i, o, k=3, s=1):
    return nn.Conv2d(i, o, k, s, k // 2)


class Idiom(nn.Module):
    """A 3x3/s2 stem to 16 channels, then f(self, x); `mods` are the idiom's own layers."""

    def __init__(self, f, mods=()):
        super().__init__()
        self.stem, self.f, self.m = conv(3, 16, 3, 2), f, nn.ModuleList(mods)

    def forward(self, x):
        return self.f(self, self.stem(x))


def _cbam_spatial(s, x):
    return x * torch.sigmoid(s.m[0](torch.cat([x.mean(1, keepdim=True), x.max(1, keepdim=True)[0]], 1)))


def _eca(s, x):
    return x * torch.sigmoid(s.m[0](x.mean((2, 3)).unsqueeze(1)).transpose(1, 2).unsqueeze(-1))


def _sppf(s, x):
    y = F.max_pool2d(x, 5, 1, 2)
    return torch.cat([x, y, F.max_pool2d(y, 5, 1, 2)], 1)


IDIOMS = {
    # activations
    "F.relu6": lambda: Idiom(lambda s, x: F.relu6(x)),
    "x.clamp(min=0)": lambda: Idiom(lambda s, x: x.clamp(min=0)),
    "F.hardtanh": lambda: Idiom(lambda s, x: F.hardtanh(x)),
    "F.leaky_relu(x, 0.1)": lambda: Idiom(lambda s, x: F.leaky_relu(x, 0.1)),
    "F.elu": lambda: Idiom(lambda s, x: F.elu(x)),
    "F.selu": lambda: Idiom(lambda s, x: F.selu(x)),
    "F.mish": lambda: Idiom(lambda s, x: F.mish(x)),
    "torch.tanh": lambda: Idiom(lambda s, x: torch.tanh(x)),
    "F.softplus": lambda: Idiom(lambda s, x: F.softplus(x)),
    "nn.GELU()": lambda: Idiom(lambda s, x: nn.GELU()(x)),
    "F.silu(inplace=True)": lambda: Idiom(lambda s, x: F.silu(x, inplace=True)),
    "nn.PReLU(C)": lambda: Idiom(lambda s, x: s.m[0](x), [nn.PReLU(16)]),
    "nn.PReLU()": lambda: Idiom(lambda s, x: s.m[0](x), [nn.PReLU()]),
    "x * F.relu6(x + 3) / 6": lambda: Idiom(lambda s, x: x * F.relu6(x + 3.) / 6.),
    "F.relu6(x + 3) / 6": lambda: Idiom(lambda s, x: F.relu6(x + 3.) / 6.),
    "x * F.hardsigmoid(x)": lambda: Idiom(lambda s, x: x * F.hardsigmoid(x)),
    "torch.abs": lambda: Idiom(lambda s, x: torch.abs(x)),
    # pooling and resizing
    "F.adaptive_max_pool2d(x, 1)": lambda: Idiom(lambda s, x: F.adaptive_max_pool2d(x, 1)),
    "F.adaptive_avg_pool2d(x, 7)": lambda: Idiom(lambda s, x: F.adaptive_avg_pool2d(x, 7)),
    "F.max_pool2d(ceil_mode=True)": lambda: Idiom(lambda s, x: F.max_pool2d(x, 3, 2, ceil_mode=True)),
    "F.avg_pool2d(2, 2, ceil_mode, no pad count)": lambda: Idiom(lambda s, x: F.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False)),
    "F.avg_pool2d(3, 1, 1, no pad count)": lambda: Idiom(lambda s, x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)),
    "F.max_pool2d(5, 1, 2)": lambda: Idiom(lambda s, x: F.max_pool2d(x, 5, 1, 2)),
    "SPPF (YOLOv5)": lambda: Idiom(_sppf),
    "F.interpolate bilinear": lambda: Idiom(lambda s, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
    "F.interpolate nearest": lambda: Idiom(lambda s, x: F.interpolate(x, scale_factor=2, mode="nearest")),
    "F.pixel_shuffle": lambda: Idiom(lambda s, x: F.pixel_shuffle(x, 2)),
    "F.pixel_unshuffle": lambda: Idiom(lambda s, x: F.pixel_unshuffle(x, 2)),
    # convs and norms
    "dilated conv": lambda: Idiom(lambda s, x: s.m[0](x), [nn.Conv2d(16, 16, 3, padding=2, dilation=2)]),
    "nn.ConvTranspose2d": lambda: Idiom(lambda s, x: s.m[0](x), [nn.ConvTranspose2d(16, 8, 2, 2)]),
    "F.pad reflect": lambda: Idiom(lambda s, x: s.m[0](F.pad(x, (1, 1, 1, 1), mode="reflect")), [nn.Conv2d(16, 16, 3)]),
    "nn.InstanceNorm2d": lambda: Idiom(lambda s, x: s.m[0](x), [nn.InstanceNorm2d(16, affine=True)]),
    "nn.GroupNorm": lambda: Idiom(lambda s, x: s.m[0](x), [nn.GroupNorm(4, 16)]),
    "BatchNorm2d after an add": lambda: Idiom(lambda s, x: s.m[0](x + 1), [nn.BatchNorm2d(16)]),
    # elementwise and data movement
    "x - conv(x)": lambda: Idiom(lambda s, x: x - s.m[0](x), [conv(16, 16)]),
    "x - x.mean((2, 3), keepdim=True)": lambda: Idiom(lambda s, x: x - x.mean((2, 3), keepdim=True)),
    "x / 2": lambda: Idiom(lambda s, x: x / 2),
    "torch.stack(...).sum(0)": lambda: Idiom(lambda s, x: torch.stack([x, x * 2]).sum(0)),
    "x.chunk(2, 1) and cat": lambda: Idiom(lambda s, x: torch.cat(list(reversed(x.chunk(2, 1))), 1)),
    "Focus slices (YOLOv5)": lambda: Idiom(lambda s, x: torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1)),
    "L2 norm over channels": lambda: Idiom(lambda s, x: x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-6)),
    # heads and attention gates
    "x.view(N, -1) then Linear": lambda: Idiom(lambda s, x: s.m[0](F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1)), [nn.Linear(16, 10)]),
    "SE with Linear": lambda: Idiom(lambda s, x: x * torch.sigmoid(s.m[1](F.relu(s.m[0](x.mean((2, 3)))))).view(-1, 16, 1, 1),
                                    [nn.Linear(16, 4), nn.Linear(4, 16)]),
    "CBAM spatial gate": lambda: Idiom(_cbam_spatial, [conv(2, 1, 7)]),
    "ECA (Conv1d gate)": lambda: Idiom(_eca, [nn.Conv1d(1, 1, 3, padding=1, bias=False)]),
    "softmax over pixels": lambda: Idiom(lambda s, x: F.softmax(x.flatten(2), -1).view_as(x)),
}


def import_result(cli, path):
    r = subprocess.run([cli, "count", path], capture_output=True, text=True)
    if r.returncode == 0:
        return "ok", ""
    return "refused", r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    ap.add_argument("--before", help="an older cpubone-explore, read side by side")
    ap.add_argument("--labels", default="", help="what the CLIs are, for the JSON: BEFORE,AFTER (e.g. git revisions)")
    ap.add_argument("--resolution", type=int, default=33)
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--json")
    args = ap.parse_args()
    clis = {"after": args.cli} if not args.before else {"before": args.before, "after": args.cli}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, make) in enumerate(IDIOMS.items()):
            row = {"idiom": name}
            path = os.path.join(tmp, f"{k}.onnx")
            torch.manual_seed(0)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    torch.onnx.export(make().eval(), torch.randn(1, 3, args.resolution, args.resolution), path,
                                      opset_version=args.opset)
            except Exception as e:  # PyTorch's own exporter refuses it: nothing for us to read
                row.update({side: "no export" for side in clis})
                row["why"] = str(e).splitlines()[0][:120]
                rows.append(row)
                continue
            for side, cli in clis.items():
                row[side], why = import_result(cli, path)
                if why:
                    row[f"why_{side}"] = why.split(": ", 2)[-1][:160]
            rows.append(row)
    width = max(len(r["idiom"]) for r in rows)
    for r in rows:
        why = r.get("why") or r.get("why_after") or (r.get("why_before", "") and "before: " + r["why_before"])
        print(f"{r['idiom']:<{width}}  " + "  ".join(f"{r[s]:<9}" for s in clis) + (f"  {why}" if why else ""))
    exported = [r for r in rows if r[next(iter(clis))] != "no export"]
    for side in clis:
        print(f"{side}: {sum(r[side] == 'ok' for r in exported)} of {len(exported)} idioms PyTorch exports import "
              f"({len(rows) - len(exported)} of {len(rows)} do not export from PyTorch {torch.__version__})")
    if args.json:
        with open(args.json, "w") as f:
            labels = dict(zip(clis, args.labels.split(","))) if args.labels else {}
            json.dump({"torch": torch.__version__, "opset": args.opset, "resolution": args.resolution, "clis": labels,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
