#!/usr/bin/env python3
"""A tiny ViT exported as torch.onnx.export writes torchvision's VisionTransformer (the same class at small
sizes): patch conv, class token, position embedding, encoder blocks of nn.MultiheadAttention (batch_first=False)
and an MLP with GELU, LayerNorm, token 0 into the head. The class token, position embedding and head are drawn
at random (torchvision starts the token and the head at zero), so that a wrong one shows in the outputs.

    /usr/bin/python3 tests/tiny_vit.py OUT.onnx [--layers 2] [--heads 4] [--hidden 32] [--size 32] [--patch 8]

Prints PyTorch's parameter count. Exported outside torch.no_grad(): there nn.MultiheadAttention takes its
fused fast path, which torch 1.13 cannot export.
"""
import argparse

import torch
from torchvision.models.vision_transformer import VisionTransformer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--patch", type=int, default=8)
    a = ap.parse_args()
    torch.manual_seed(0)
    model = VisionTransformer(image_size=a.size, patch_size=a.patch, num_layers=a.layers, num_heads=a.heads,
                              hidden_dim=a.hidden, mlp_dim=2 * a.hidden, num_classes=10).eval()
    model.class_token.data.normal_()
    model.encoder.pos_embedding.data.normal_(std=0.5)
    model.heads.head.weight.data.normal_(std=0.2)
    model.heads.head.bias.data.normal_(std=0.2)
    torch.onnx.export(model, torch.randn(1, 3, a.size, a.size), a.out)
    print(sum(p.numel() for p in model.parameters()))


if __name__ == "__main__":
    main()
