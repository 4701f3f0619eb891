"""Node-by-node matching of our `measure --layers` rows to ONNX Runtime's per-node profile, for
`ort_vs_ours.py --per-node`.

Our ONNX export names every node, and the tensor it writes, after our op (`op.name`, or `op.name/suffix` when
an op takes several ONNX nodes: `fc1/conv`, `fc1/bn`, ...). ONNX Runtime keeps those names through most of its
rewrites (`fc1/bn` for a Conv+BatchNorm fusion, `conv_nchwc` for its blocked layout, `rest/GatherSliceToSplit
Fusion`), but the nodes it creates get new ones (`Gelu_token_3` for an erf GELU, `ReorderInput_token_7` for a
layout change). So each profiled ORT node is matched, in this order, by
  1. its name: the longest `/`-prefix (after dropping ORT's `_nchwc` / `_token_N` endings) that is one of our ops;
  2. the tensors it writes, in the graph ORT actually ran (run.mjs --save-optimized): a fused node writes the
     last tensor of what it replaced, which carries our op's name;
  3. its neighbours in that graph: a ReorderInput (into ORT's blocked layout) is counted with the nearest node
     downstream that matched by 1 or 2 (the op it serves), any other node ORT made (an activation it split
     from a conv) with the nearest one upstream (the op whose output it takes);
  4. for a node missing from that graph (an expanded ONNX function's body), its place in execution order
     (match_by_position);
and whatever is left is listed as unmatched, never dropped. Our rows group an op fused into another
(`fused_into`) with the op that runs it, so an add fused into our conv is compared with ORT's conv + add.
The ONNX files are read with a minimal protobuf wire-format reader (the `onnx` package is not a dependency).
"""
import json
import re
import statistics
from collections import defaultdict


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """(field number, wire type, value) of one protobuf message; length-delimited values as memoryviews."""
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            length, i = _varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {wire} not supported")
        yield field, wire, value


def _attribute(buf):
    """An AttributeProto's name and its int (`i`) or ints value; other kinds as None."""
    name, ints, single = "", [], None
    for field, wire, value in _fields(buf):
        if field == 1:
            name = bytes(value).decode()
        elif field == 3:
            single = value
        elif field == 8 and wire == 0:
            ints.append(value)
        elif field == 8 and wire == 2:  # packed
            j = 0
            while j < len(value):
                v, j = _varint(value, j)
                ints.append(v)
    return name, ints if ints else single


def onnx_nodes(path):
    """The nodes of an ONNX model's main graph, in order: name, op_type, inputs, outputs, int attributes."""
    with open(path, "rb") as f:
        model = memoryview(f.read())
    graph = next(value for field, _, value in _fields(model) if field == 7)
    nodes = []
    for field, _, value in _fields(graph):
        if field != 1:
            continue
        node = {"name": "", "op_type": "", "inputs": [], "outputs": [], "attributes": {}}
        for f, _, v in _fields(value):
            if f == 1:
                node["inputs"].append(bytes(v).decode())
            elif f == 2:
                node["outputs"].append(bytes(v).decode())
            elif f == 3:
                node["name"] = bytes(v).decode()
            elif f == 4:
                node["op_type"] = bytes(v).decode()
            elif f == 5:
                key, val = _attribute(v)
                node["attributes"][key] = val
        nodes.append(node)
    return nodes


def ort_nodes(profile_file):
    """ORT's profiled nodes in execution order: name, op type, median kernel time (µs) over the profiled runs."""
    with open(profile_file) as f:
        events = json.load(f)
    durations = defaultdict(list)
    op_type = {}
    for e in events:
        name = e.get("name", "")
        if e.get("cat") == "Node" and name.endswith("_kernel_time"):
            node = name[: -len("_kernel_time")]
            durations[node].append(e["dur"])
            op_type[node] = e.get("args", {}).get("op_name", "?")
    return [{"name": n, "op": op_type[n], "us": statistics.median(d), "runs": len(d)} for n, d in durations.items()]


def median_of_rounds(rounds):
    """One list of ORT nodes from several profiles of the same session options: each node's median over
    rounds of its per-round median. The node names must agree (ORT names the nodes it makes in order)."""
    by_name = [{n["name"]: n for n in r} for r in rounds]
    if any(set(b) != set(by_name[0]) for b in by_name[1:]):
        raise ValueError("ONNX Runtime's profiles of one model name different nodes")
    merged = []
    for n in rounds[0]:
        medians = [b[n["name"]]["us"] for b in by_name]
        merged.append({**n, "us": statistics.median(medians), "round_medians_us": medians})
    return merged


def median_layers(measurements):
    """Our layers from several `measure --layers` runs, each layer's median the median of its runs' medians.
    A row's timing object is "timing" since measurement v2, "latency_us" in v1 (an earlier build's, --before)."""
    def median_us(layer):
        return (layer["timing"] if "timing" in layer else layer["latency_us"])["stats_us"]["median"]
    layers = []
    for i, layer in enumerate(measurements[0]["layers"]):
        medians = [median_us(m["layers"][i]) for m in measurements]
        layers.append({**{k: v for k, v in layer.items() if k != "latency_us"},
                       "timing": {"stats_us": {"median": statistics.median(medians)}}, "round_medians_us": medians})
    return layers


_ORT_ENDING = re.compile(r"(_nchwc|_token_\d+)+$")


def owner(name, ours):
    """The op of ours a node or tensor name belongs to: the longest `/`-prefix that is one of our ops."""
    for candidate in (name, _ORT_ENDING.sub("", name)):
        parts = candidate.split("/")
        for k in range(len(parts), 0, -1):
            prefix = "/".join(parts[:k])
            if prefix in ours:
                return prefix
    return None


def match_ort_nodes(ort, graph, ours):
    """Each ORT node gains `owner` (our op or None) and `how` (name, output, consumer:NODE or unmatched)."""
    by_name = {n["name"]: n for n in graph}
    consumers, producer = defaultdict(list), {}
    for n in graph:
        for t in n["inputs"]:
            consumers[t].append(n["name"])
        for t in n["outputs"]:
            producer[t] = n["name"]

    def direct(name):
        o = owner(name, ours)
        if o:
            return o, "name"
        for t in by_name.get(name, {}).get("outputs", []):
            o = owner(t, ours)
            if o:
                return o, "output"
        return None, None

    def walk(start, step, label):
        """Breadth-first along the data flow (step: a node's neighbours) to the nearest node that matched."""
        frontier, seen = list(step(start)), {start}
        while frontier:
            nxt = []
            for c in frontier:
                if c in seen:
                    continue
                seen.add(c)
                o, _ = direct(c)
                if o:
                    return o, f"{label}:{c}"
                nxt.extend(step(c))
            frontier = nxt
        return None, None

    downstream = lambda n: [c for t in by_name.get(n, {}).get("outputs", []) for c in consumers.get(t, [])]
    upstream = lambda n: [producer[t] for t in by_name.get(n, {}).get("inputs", []) if t in producer]
    for node in ort:
        node["owner"], node["how"] = direct(node["name"])
        if node["owner"]:
            continue
        # A layout change into ORT's blocked format serves the op that reads it; anything else ORT made
        # (an activation it split from a conv, a layout change back) belongs to the op whose output it takes.
        order = [(downstream, "consumer"), (upstream, "producer")]
        if node["op"] != "ReorderInput":
            order.reverse()
        for step, label in order:
            node["owner"], node["how"] = walk(node["name"], step, label)
            if node["owner"]:
                break
        if not node["owner"]:
            node["how"] = "unmatched"
    return ort


def match_by_position(ort, layers):
    """ORT nodes absent from the graph it saved (the body of an ONNX function it expanded, as HardSwish into
    HardSigmoid and Mul) have no tensors to follow: one goes to our op between the matched nodes before and
    after it in execution order, when exactly one of ours there has no ORT node (`position:BEFORE..AFTER`)."""
    order = {l["name"]: i for i, l in enumerate(layers)}
    has_node = {n["owner"] for n in ort if n["owner"]}
    for i, node in enumerate(ort):
        if node["owner"]:
            continue
        prev = next((ort[j]["owner"] for j in range(i - 1, -1, -1) if ort[j]["owner"] in has_node), None)
        after = next((ort[j]["owner"] for j in range(i + 1, len(ort)) if ort[j]["owner"] in has_node), None)
        lo, hi = order[prev] if prev else -1, order[after] if after else len(layers)
        between = [l["name"] for l in layers[lo + 1:hi] if l["name"] not in has_node and not l.get("fused_into")]
        if len(between) == 1:
            node["owner"], node["how"] = between[0], f"position:{prev}..{after}"


def conv_classes(exported):
    """Our conv ops' classes from the exported graph's Conv attributes: `conv 3x3`, `depthwise/grouped conv 3x3`."""
    classes = {}
    for n in exported:
        if n["op_type"] not in ("Conv", "ConvTranspose"):
            continue
        k = n["attributes"].get("kernel_shape") or []
        size = "x".join(str(v) for v in k)
        group = n["attributes"].get("group") or 1
        kind = "conv" if n["op_type"] == "Conv" else "transposed conv"
        classes[n["outputs"][0]] = f"{'depthwise/grouped ' if group > 1 else ''}{kind} {size}"
    return classes


def per_node(layers, ort, exported, optimized, our_total_us, ort_total_us):
    """The per-node comparison: rows per our op (fused ops grouped with the op that runs them), the ORT nodes
    left unmatched, our ops ORT has no node for, and each side's total per op class."""
    ours = {l["name"]: l for l in layers}
    leader = {l["name"]: l.get("fused_into") or l["name"] for l in layers}
    match_ort_nodes(ort, optimized, set(ours))
    match_by_position(ort, layers)
    convs = conv_classes(exported)

    def op_class(name):
        cls = None
        for t, c in convs.items():
            if owner(t, {name}) == name:
                cls = c
                break
        return cls or ours[name]["op"]

    rows = {}
    for l in layers:
        lead = leader[l["name"]]
        row = rows.setdefault(lead, {"op": lead, "class": op_class(lead), "ours_us": 0.0, "ort_us": 0.0,
                                     "ours_ops": [], "ort_nodes": []})
        row["ours_us"] += l["timing"]["stats_us"]["median"]
        row["ours_min_us"] = row.get("ours_min_us", 0.0) + min(l.get("round_medians_us") or [l["timing"]["stats_us"]["median"]])
        row["ours_ops"].append(l["name"])
        if "round_medians_us" in l:  # each round's sum over the group, to show the rounds' spread
            rounds = row.setdefault("ours_round_us", [0.0] * len(l["round_medians_us"]))
            row["ours_round_us"] = [a + b for a, b in zip(rounds, l["round_medians_us"])]
    unmatched = []
    for node in ort:
        if node["owner"] is None:
            unmatched.append({k: node[k] for k in ("name", "op", "us")})
            continue
        row = rows[leader[node["owner"]]]
        row["ort_us"] += node["us"]
        row["ort_min_us"] = row.get("ort_min_us", 0.0) + min(node.get("round_medians_us") or [node["us"]])
        row["ort_nodes"].append({k: node[k] for k in ("name", "op", "us", "how", "round_medians_us") if k in node})
    table = list(rows.values())
    # Besides the medians, each side's sum of the fastest round per node: on a loaded machine an op of a
    # millisecond or more was preempted for whole time slices in some rounds (identical layers measured 2.2,
    # 4.2 and 6.2 ms), which the median of three rounds does not always remove.
    classes = defaultdict(lambda: {"ours_us": 0.0, "ort_us": 0.0, "ours_min_us": 0.0, "ort_min_us": 0.0, "ops": 0})
    for r in table:
        c = classes[r["class"]]
        for k in ("ours_us", "ort_us", "ours_min_us", "ort_min_us"):
            c[k] += r.get(k, 0.0)
        c["ops"] += 1
    for node in unmatched:
        c = classes["ORT unmatched " + node["op"]]
        c["ort_us"] += node["us"]
        c["ort_min_us"] += node["us"]
    by_class = sorted(({"class": k, **v, "delta_us": v["ours_us"] - v["ort_us"]} for k, v in classes.items()),
                      key=lambda c: -c["delta_us"])
    return {
        "rows": table,
        "ours_only": [r["op"] for r in table if not r["ort_nodes"]],
        "ort_unmatched": unmatched,
        "by_class": by_class,
        "ours_sum_of_nodes_us": sum(r["ours_us"] for r in table),
        "ort_sum_of_nodes_us": sum(n["us"] for n in ort),
        "ours_whole_network_us": our_total_us,
        "ort_whole_network_us": ort_total_us,
    }


def print_per_node(model, threads, result, top=15):
    """The per-class totals, the ops where we lose most, and the unmatched nodes, as text."""
    print(f"  per node, {model} {threads}T: sum of node medians ours {result['ours_sum_of_nodes_us'] / 1e3:.3f} ms, "
          f"ORT {result['ort_sum_of_nodes_us'] / 1e3:.3f} ms (whole network, unprofiled, same run: ours "
          f"{result['ours_whole_network_us'] / 1e3:.3f} ms, ORT {result['ort_whole_network_us'] / 1e3:.3f} ms, "
          f"ratio {result['ours_whole_network_us'] / result['ort_whole_network_us']:.3f})")
    print(f"    {'op class':34s} {'ops':>4s} {'ours us':>9s} {'ORT us':>9s} {'ours-ORT':>9s} {'ratio':>6s}"
          f"   {'fastest rounds: ours':>20s} {'ORT':>8s} {'ratio':>6s}")
    ratio = lambda x, y: f"{x / y:6.2f}" if y > 0 else "     -"
    for c in result["by_class"]:
        print(f"    {c['class']:34s} {c['ops']:4d} {c['ours_us']:9.0f} {c['ort_us']:9.0f} {c['delta_us']:9.0f} "
              f"{ratio(c['ours_us'], c['ort_us'])}   {c['ours_min_us']:20.0f} {c['ort_min_us']:8.0f} "
              f"{ratio(c['ours_min_us'], c['ort_min_us'])}")
    worst = sorted(result["rows"], key=lambda r: r["ort_us"] - r["ours_us"])[:top]
    print(f"    ops where ours is slowest against ORT (ours-ORT, us):")
    for r in worst:
        if r["ours_us"] <= r["ort_us"]:
            break
        nodes = ", ".join(f"{n['op']} {n['us']:.0f}" for n in r["ort_nodes"]) or "no ORT node"
        print(f"      {r['op']:40s} {r['class']:28s} ours {r['ours_us']:7.0f}  ORT {r['ort_us']:7.0f}  "
              f"(+{r['ours_us'] - r['ort_us']:.0f}; ORT: {nodes})")
    if result["ort_unmatched"]:
        print("    ORT nodes matched to none of ours: " +
              ", ".join(f"{n['name']} ({n['op']}, {n['us']:.0f} us)" for n in result["ort_unmatched"]))
    if result["ours_only"]:
        print(f"    ours with no ORT node ({len(result['ours_only'])}): " + ", ".join(result["ours_only"]))
