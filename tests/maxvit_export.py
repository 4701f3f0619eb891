#!/usr/bin/env python3
"""Tiny MaxViTs (torchvision 0.14's own code, small channels, partition and depth), exported by
torch.onnx.export with its defaults, for tests/test_onnx_maxvit.cpp:

  maxvit_block.onnx  one PartitionAttentionLayer of block windows on a 16 x 8 x 8 input: 2 x 2 windows of
                     4 x 4 tokens (partition, attention with relative position bias, MLP, departition);
  maxvit_grid.onnx   the same layer of grid type: 4 windows of 4 x 4 tokens 2 pixels apart;
  maxvit_tiny.onnx   a whole MaxVit at 64 x 64 (stem, two stages of one layer: MBConv with SE, block and
                     grid attention; 16 x 16 then 8 x 8 maps, partition 4), its BatchNorm statistics drawn
                     at random as benchmarks/torchvision_intake.py draws them;

and params.json per file: PyTorch's sum(p.numel()) and the file's float initializers' element count (the
exporter writes each attention's relative position bias gathered, heads x L x L, not its (2p - 1)^2 x heads
table; and a BatchNorm it could not fold keeps its running statistics). The weights are drawn at random
(seed 0, std 0.2), the relative position bias tables at std 1, so that no two parameters are equal
(torch.onnx.export would write equal ones once), no LayerNorm is the identity, and a bias read from the
wrong table entry would change the output by more than the test's bound.

    /usr/bin/python3 tests/maxvit_export.py OUT_DIR
"""
import json
import math
import os
import sys

import onnx

import torch
from torch import nn
from torchvision.models.maxvit import MaxVit, PartitionAttentionLayer


def randomised(m):
    for name, p in m.named_parameters():  # no two equal (the exporter would share them), none the identity
        p.data.normal_(0.0, 1.0 if name.endswith("relative_position_bias_table") else 0.2)
    for b in m.modules():
        if isinstance(b, nn.modules.batchnorm._BatchNorm):
            b.running_mean.uniform_(-0.5, 0.5)
            b.running_var.uniform_(0.5, 2.0)
    return m.eval()


def export(m, shape, path):
    torch.onnx.export(m, torch.randn(*shape), path)
    graph = 0
    for t in onnx.load(path).graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            graph += math.prod(t.dims)
    return {"pytorch": sum(p.numel() for p in m.parameters()), "graph": graph}


def layer(kind):
    return PartitionAttentionLayer(16, 8, 4, kind, (8, 8), 4, nn.GELU, nn.LayerNorm, 0.0, 0.0, 0.0)


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    params = {}
    for kind in ("block", "grid"):
        params["maxvit_" + kind] = export(randomised(layer("window" if kind == "block" else "grid")), (1, 16, 8, 8),
                                          os.path.join(out, "maxvit_" + kind + ".onnx"))
    tiny = MaxVit(input_size=(64, 64), stem_channels=8, partition_size=4, block_channels=[16, 32], block_layers=[1, 1],
                  head_dim=8, stochastic_depth_prob=0.0, num_classes=10)
    params["maxvit_tiny"] = export(randomised(tiny), (1, 3, 64, 64), os.path.join(out, "maxvit_tiny.onnx"))
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(params, f)


if __name__ == "__main__":
    main()
