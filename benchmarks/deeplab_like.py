#!/usr/bin/python3
"""A DeepLabV3-like network twice, as ONNX files for `ort_vs_ours.py --models` and `predict`: its last backbone
stage and its ASPP branches dilated (deeplab_dilated.onnx: rates 2 and 4, then 6, 12 and 18) and the same
network undilated (deeplab_undilated.onnx: the same convs, MACs and params, dilation 1). Both at 257x257,
exported by PyTorch (opset 14). What one dilation costs a runtime is the ratio of the two.

    python3 benchmarks/deeplab_like.py OUT_DIR
"""
import os
import sys

import torch
import torch.nn as nn


def cbr(i, o, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class DeepLabLike(nn.Module):
    def __init__(self, dilated):
        super().__init__()
        d = (2, 4) if dilated else (1, 1)
        self.backbone = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 64, 3, 2), cbr(64, 64), cbr(64, 128, 3, 2), cbr(128, 128),
                                      cbr(128, 256, 3, 1, d[0]), cbr(256, 256, 3, 1, d[0]),
                                      cbr(256, 256, 3, 1, d[1]), cbr(256, 256, 3, 1, d[1]))
        rates = (6, 12, 18) if dilated else (1, 1, 1)
        self.aspp = nn.ModuleList([cbr(256, 128, 1)] + [cbr(256, 128, 3, 1, r) for r in rates])
        self.project = cbr(512, 128, 1)
        self.head = nn.Conv2d(128, 21, 1)

    def forward(self, x):
        x = self.backbone(x)
        return self.head(self.project(torch.cat([a(x) for a in self.aspp], 1)))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for dilated in (True, False):
        path = os.path.join(out, f"deeplab_{'dilated' if dilated else 'undilated'}.onnx")
        torch.onnx.export(DeepLabLike(dilated).eval(), torch.randn(1, 3, 257, 257), path, opset_version=14)
        print(path)
