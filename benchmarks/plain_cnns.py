#!/usr/bin/env python3
"""Plain CNNs for benchmarks/transfer.py: cells of 1x1 and 3x3 convs, 3x3 average pooling and residual sums,
32-96 px inputs, 16-256 channels, seeded. Writes "cpubone-explore/network/v1" JSON files.

    python3 benchmarks/plain_cnns.py OUT_DIR [--per-family 14] [--seed 1]

Five cell types, one family each (a network repeats one cell, drawn once per network):
  plain-vgg         3x3 conv (BN, ReLU)
  plain-resnet      x + conv3x3(conv3x3(x)), then ReLU (ResNet basic block)
  plain-bottleneck  x + conv1x1(conv3x3(conv1x1(x))) with a 2x or 4x narrower middle, then ReLU
  plain-pool        y = x + avgpool3x3(x); y + conv1x1(conv1x1(y)) (a MetaFormer cell without norms)
  plain-nb201       a NAS-Bench-201 cell: 4 nodes, each edge skip, conv1x1, conv3x3, avgpool3x3 or none, a node
                    the sum of its edges
Every network: a 3x3 stem (stride 2 above 48 px), three stages of 1-4 cells at widths C, 2C, 4C (C 16-64, at
most 256) joined by stride-2 3x3 convs, global average pooling and a fully connected layer. Draws above
1.5 GMACs are redrawn (from the same seeded stream), so the timing run stays short. Convs carry a folded
BatchNorm and ReLU except the last conv before a residual sum. Deterministic: the same seed and count give
the same files. Used as a module by transfer.py (plain_networks()).
"""
import argparse
import json
import os
import random

SCHEMA = "cpubone-explore/network/v1"
CELLS = ("vgg", "resnet", "bottleneck", "pool", "nb201")
MAX_MACS = 1.5e9
NB201_EDGES = ("none", "skip", "conv1x1", "conv3x3", "avgpool3x3")


class Builder:
    """Ops in execution order with their output shapes (h, w, c), and the MACs as cpubone-explore counts them
    (convs and the fully connected layer; pooling, sums and activations count none)."""

    def __init__(self, name, family, resolution):
        self.net = {"schema": SCHEMA, "name": name, "family": family, "input_nhwc": [1, resolution, resolution, 3],
                    "ops": []}
        self.shapes = {"input": (resolution, resolution, 3)}
        self.macs = 0

    def _add(self, prefix, inputs, shape, **attrs):
        name = f"{prefix}{len(self.net['ops'])}"
        self.net["ops"].append({"name": name, "inputs": list(inputs), **attrs})
        self.shapes[name] = shape
        return name

    def conv(self, x, out, k, stride=1, act="relu"):
        h, w, c = self.shapes[x]
        p = k // 2
        oh, ow = (h + 2 * p - k) // stride + 1, (w + 2 * p - k) // stride + 1
        self.macs += oh * ow * out * c * k * k
        return self._add("conv", [x], (oh, ow, out), op="conv2d", out_channels=out, kernel=[k, k], stride=[stride, stride],
                         padding=[p, p, p, p], groups=1, bias=False, batch_norm=True, activation=act)

    def avgpool3(self, x):
        return self._add("pool", [x], self.shapes[x], op="avg_pool", kernel=[3, 3], stride=[1, 1], padding=[1, 1, 1, 1])

    def add(self, terms):
        y = terms[0]
        for t in terms[1:]:
            y = self._add("add", [y, t], self.shapes[y], op="add")
        return y

    def relu(self, x):
        return self._add("relu", [x], self.shapes[x], op="activation", function="relu")

    def head(self, x, classes):
        x = self._add("gap", [x], (1, 1, self.shapes[x][2]), op="global_avg_pool")
        self.macs += self.shapes[x][2] * classes
        y = self._add("fc", [x], (1, 1, classes), op="fully_connected", out_features=classes, bias=True,
                      batch_norm=False, activation="none")
        self.net["output"] = y
        return y


def nb201_genotype(rng):
    """Edges (i, j) -> op for i < j of a 4-node cell, redrawn until node 3 is reached through a conv."""
    while True:
        edges = {(i, j): rng.choice(NB201_EDGES) for j in range(1, 4) for i in range(j)}
        alive = {0}
        for j in range(1, 4):
            if any(i in alive and edges[(i, j)] != "none" for i in range(j)):
                alive.add(j)
        used = {3}
        for i in (2, 1, 0):
            if any(j in used and edges[(i, j)] != "none" for j in range(i + 1, 4)):
                used.add(i)
        live = {e: op for e, op in edges.items() if op != "none" and e[0] in alive and e[0] in used and e[1] in used}
        if 3 in alive and any(op.startswith("conv") for op in live.values()):
            return live


def cell(b, rng_params, kind, x, width):
    if kind == "vgg":
        return b.conv(x, width, 3)
    if kind == "resnet":
        y = b.conv(b.conv(x, width, 3), width, 3, act="none")
        return b.relu(b.add([x, y]))
    if kind == "bottleneck":
        mid = max(8, width // rng_params["reduction"])
        y = b.conv(b.conv(b.conv(x, mid, 1), mid, 3), width, 1, act="none")
        return b.relu(b.add([x, y]))
    if kind == "pool":
        y = b.add([x, b.avgpool3(x)])
        return b.add([y, b.conv(b.conv(y, width * rng_params["expansion"], 1), width, 1, act="none")])
    if kind == "nb201":
        nodes = {0: x}
        for j in range(1, 4):
            terms = []
            for (i, jj), op in sorted(rng_params["genotype"].items()):
                if jj != j:
                    continue
                src = nodes[i]
                if op == "skip":
                    terms.append(src)
                elif op == "conv1x1":
                    terms.append(b.conv(src, width, 1))
                elif op == "conv3x3":
                    terms.append(b.conv(src, width, 3))
                else:
                    terms.append(b.avgpool3(src))
            if terms:
                nodes[j] = b.add(terms)
        return nodes[3]
    raise ValueError(kind)


def draw(rng, kind, index):
    resolution = 8 * rng.randint(4, 12)  # 32..96
    base = rng.choice((16, 24, 32, 48, 64))
    widths = [min(256, base * 2 ** s) for s in range(3)]
    depths = [rng.randint(1, 4) for _ in range(3)]
    params = {"reduction": rng.choice((2, 4)), "expansion": rng.choice((2, 3, 4))}
    if kind == "nb201":
        params["genotype"] = nb201_genotype(rng)
    classes = rng.choice((10, 100, 1000))
    name = f"plain-{kind}-{index}"
    b = Builder(name, f"plain-{kind}", resolution)
    x = b.conv("input", widths[0], 3, stride=2 if resolution > 48 else 1)
    for s, (width, depth) in enumerate(zip(widths, depths)):
        if s > 0:
            x = b.conv(x, width, 3, stride=2)
        for _ in range(depth):
            x = cell(b, params, kind, x, width)
    b.head(x, classes)
    describe = f"{kind} @{resolution} widths {widths} depths {depths}"
    if kind == "bottleneck":
        describe += f" reduction {params['reduction']}"
    if kind == "pool":
        describe += f" expansion {params['expansion']}"
    if kind == "nb201":
        describe += " " + " ".join(f"{i}>{j}:{op}" for (i, j), op in sorted(params["genotype"].items()))
    return b, describe


def plain_networks(per_family=14, seed=1):
    """[(network dict, family, macs, description)], deterministic for (per_family, seed)."""
    out = []
    for c, kind in enumerate(CELLS):
        rng = random.Random(f"plain-cnns/{seed}/{kind}")
        for i in range(per_family):
            while True:
                b, describe = draw(rng, kind, i)
                if 5e6 <= b.macs <= MAX_MACS:
                    break
            out.append((b.net, f"plain-{kind}", b.macs, describe))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--per-family", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for net, family, macs, describe in plain_networks(a.per_family, a.seed):
        with open(os.path.join(a.out_dir, net["name"] + ".json"), "w") as f:
            json.dump(net, f, indent=1)
        print(f"{net['name']:22s} {family:18s} {macs / 1e6:9.1f} MMACs  {describe}")


if __name__ == "__main__":
    main()
