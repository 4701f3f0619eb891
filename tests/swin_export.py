#!/usr/bin/env python3
"""Tiny Swin Transformers (torchvision 0.14's own SwinTransformer, small embed_dim, depths and window),
exported by torch.onnx.export with its defaults, for tests/test_onnx_swin.cpp:

  swin_shifted.onnx  64 x 64: 16 x 16 then 8 x 8 maps of 4 x 4 windows, shifted blocks (roll + mask) in both
                     stages, patch merging between them;
  swin_padded.onnx   60 x 60: a 15 x 15 map padded to 16 x 16 for its windows and cropped back, an odd
                     map before the patch merging (padded to 16 x 16 too), then 8 x 8;

and params.json per file: PyTorch's sum(p.numel()) and the file's float initializers' element count (the
exporter writes each block's relative position bias gathered, heads x L x L, not its (2w - 1)^2 x heads table). The weights are drawn at random (seed 0, std 0.2), the
relative position bias tables at std 1 (torchvision draws them at std 0.02, where a bias read from the wrong
table entry would change the output by less than the test's bound), so that no two parameters are equal
(torch.onnx.export would write equal ones once) and no LayerNorm is the identity.

    /usr/bin/python3 tests/swin_export.py OUT_DIR
"""
import json
import math
import os
import sys

import onnx

import torch
from torchvision.models.swin_transformer import SwinTransformer


def export(size, path):
    torch.manual_seed(0)
    m = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                        stochastic_depth_prob=0.0, num_classes=10).eval()
    for name, p in m.named_parameters():  # no two equal (the exporter would share them), none the identity
        p.data.normal_(0.0, 1.0 if name.endswith("relative_position_bias_table") else 0.2)
    torch.onnx.export(m, torch.randn(1, 3, size, size), path)
    graph = 0
    for t in onnx.load(path).graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            graph += math.prod(t.dims)
    return {"pytorch": sum(p.numel() for p in m.parameters()), "graph": graph}


def main():
    out = sys.argv[1]
    params = {name: export(size, os.path.join(out, name + ".onnx")) for name, size in (("swin_shifted", 64), ("swin_padded", 60))}
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(params, f)


if __name__ == "__main__":
    main()
