#!/usr/bin/env python3
"""benchmarks/per_node.py, which `ort_vs_ours.py --per-node` matches with, without ONNX Runtime:
  - its protobuf reader reads our export of a zoo network, and every node it finds belongs to one of the
    network's ops by name (so ORT's nodes that keep our names match);
  - on a made-up profile and optimized graph shaped like ORT's (a blocked conv `_nchwc`, a fused Conv+BN
    under the BN's name, a Gelu it made writing its own tensor, layout changes, the body of an expanded
    function absent from the graph, and a node with nothing to follow), each rule matches what it should,
    fused ops group with their owner, and what cannot be matched is listed, not dropped.
Prints PER_NODE_OK.   usage: per_node_match.py CLI
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
import per_node as pn  # noqa: E402


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def exported_names(cli):
    with tempfile.TemporaryDirectory() as tmp:
        onnx = os.path.join(tmp, "m.onnx")
        subprocess.run([cli, "export", "fasternet-t0", "--onnx", onnx, "--fixed-batch"], check=True, capture_output=True)
        nodes = pn.onnx_nodes(onnx)
    ops = {o["name"] for o in json.loads(subprocess.run([cli, "expand", "fasternet-t0"], check=True,
                                                         capture_output=True, text=True).stdout)["ops"]}
    check(len(nodes) >= len(ops), f"{len(nodes)} nodes read for {len(ops)} ops")
    for n in nodes:
        check(pn.owner(n["name"], ops) is not None, f"exported node {n['name']} belongs to none of the ops")
    convs = pn.conv_classes(nodes)
    check("conv 3x3" in convs.values() and "conv 1x1" in convs.values(), f"conv classes {set(convs.values())}")


def layer(name, op, us, fused_into=None):
    l = {"name": name, "op": op, "timing": {"stats_us": {"median": us}}}
    if fused_into:
        l["fused_into"] = fused_into
    return l


def node(name, op_type, inputs, outputs):
    return {"name": name, "op_type": op_type, "inputs": inputs, "outputs": outputs, "attributes": {}}


def synthetic():
    layers = [layer("a", "conv2d", 100), layer("b", "conv2d", 200), layer("b.add", "add", 0, fused_into="b"),
              layer("act", "activation", 5), layer("head", "fully_connected", 50), layer("lonely", "slice", 3)]
    exported = [node("a/conv", "Conv", ["input"], ["a/conv"]), node("a/bn", "BatchNormalization", ["a/conv"], ["a/bn"]),
                node("a", "Mul", ["a/bn"], ["a"]), node("b", "Conv", ["a"], ["b"]),
                node("b.add", "Add", ["b", "a"], ["b.add"]), node("act", "HardSwish", ["b.add"], ["act"]),
                node("head", "Gemm", ["act"], ["head"]), node("lonely", "Slice", ["head"], ["lonely"])]
    exported[0]["attributes"] = {"kernel_shape": [3, 3], "group": 1}
    optimized = [node("ReorderInput", "ReorderInput", ["input"], ["t1"]),
                 node("a/bn_nchwc", "Conv", ["t1"], ["t2"]),
                 node("Gelu_token_4", "Gelu", ["t2"], ["t3"]),
                 node("ReorderOutput_token_9", "ReorderOutput", ["t3"], ["a"]),
                 node("b_nchwc", "Conv", ["a"], ["b.add"]),
                 node("head", "Gemm", ["act"], ["head"]),
                 node("Foo_1", "Foo", ["x"], ["y"])]
    ort = [{"name": n, "op": op, "us": us} for n, op, us in
           [("ReorderInput", "ReorderInput", 4), ("a/bn_nchwc", "Conv", 90), ("Gelu_token_4", "Gelu", 10),
            ("ReorderOutput_token_9", "ReorderOutput", 3), ("Foo_1", "Foo", 1), ("b_nchwc", "Conv", 180),
            ("HardSigmoid_7", "HardSigmoid", 2), ("Mul_8", "Mul", 2), ("head", "Gemm", 60)]]
    result = pn.per_node(layers, ort, exported, optimized, 400.0, 380.0)
    how = {n["name"]: (n["owner"], n["how"].split(":")[0]) for n in ort}
    check(how["a/bn_nchwc"] == ("a", "name"), f"blocked conv under the BN's name: {how['a/bn_nchwc']}")
    check(how["ReorderInput"] == ("a", "consumer"), f"layout change into the blocked conv: {how['ReorderInput']}")
    check(how["Gelu_token_4"] == ("a", "producer"), f"the Gelu ORT made: {how['Gelu_token_4']}")
    check(how["ReorderOutput_token_9"] == ("a", "output"), f"layout change back: {how['ReorderOutput_token_9']}")
    check(how["b_nchwc"] == ("b", "name"), f"conv with the add fused: {how['b_nchwc']}")
    check(how["HardSigmoid_7"] == ("act", "position") and how["Mul_8"] == ("act", "position"),
          f"expanded HardSwish: {how['HardSigmoid_7']}, {how['Mul_8']}")
    check(how["Foo_1"] == (None, "unmatched"), f"nothing to follow: {how['Foo_1']}")
    rows = {r["op"]: r for r in result["rows"]}
    check(rows["b"]["ours_ops"] == ["b", "b.add"] and rows["b"]["ort_us"] == 180, f"fused group: {rows['b']}")
    check(rows["a"]["ort_us"] == 4 + 90 + 10 + 3 and rows["a"]["class"] == "conv 3x3", f"row a: {rows['a']}")
    check([u["name"] for u in result["ort_unmatched"]] == ["Foo_1"], f"unmatched: {result['ort_unmatched']}")
    check(result["ours_only"] == ["lonely"], f"ours only: {result['ours_only']}")
    check(abs(result["ort_sum_of_nodes_us"] - 352) < 1e-9, f"ORT sum {result['ort_sum_of_nodes_us']}")
    classes = {c["class"]: c for c in result["by_class"]}
    check(classes["ORT unmatched Foo"]["ort_us"] == 1, f"unmatched class: {classes}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    exported_names(sys.argv[1])
    synthetic()
    print("PER_NODE_OK")


if __name__ == "__main__":
    main()
