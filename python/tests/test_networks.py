# zoo, load, Network, count: the space layer from Python, against the CLI's own output.
import json
from collections.abc import Mapping

import os
import shutil

import pytest

import cpubone_explore as cx
from conftest import cli, cli_error, cli_json, python_terms


def test_zoo_is_a_lazy_mapping_of_networks():
    z = cx.zoo()
    assert isinstance(z, Mapping)
    assert "b0" in z and "no-such-net" not in z
    assert len(z) == len(list(z)) > 10
    b0 = z["b0"]
    assert isinstance(b0, cx.Network)
    assert z["b0"] is b0, "a zoo network is built once"
    assert cx.zoo() is z
    with pytest.raises(KeyError):
        z["no-such-net"]


def test_zoo_info_is_the_cli_zoo_entry():
    cli_entries = {e["name"]: e for e in cli_json("zoo", "--json")}
    assert set(cli_entries) == set(cx.zoo())
    assert cx.zoo().info("b0") == cli_entries["b0"]
    assert cx.zoo().info("b0")["top1"] == pytest.approx(77.6)
    with pytest.raises(cx.InputError, match="no-such-net: not a zoo model"):
        cx.zoo().info("no-such-net")


def test_network_properties():
    b0 = cx.zoo()["b0"]
    assert b0.name == "b0"
    assert b0.family == "CPUBone"
    assert b0.input_nhwc == (1, 224, 224, 3)
    assert b0.resolution == 224
    assert b0.output_nhwc[-1] == 1000
    assert b0.op_count == len(b0) == len(b0.to_dict()["ops"]) > 50
    assert "b0" in repr(b0)


def test_load_resolution():
    net = cx.load("b0", resolution=160)
    assert net.input_nhwc == (1, 160, 160, 3)
    assert cx.count(net)["macs"] < cx.count(cx.zoo()["b0"])["macs"]


def test_round_trip_dict_json_and_file(tmp_path):
    b0 = cx.zoo()["b0"]
    d = b0.to_dict()
    assert d["schema"] == "cpubone-explore/network/v1"
    assert cx.load(d).to_dict() == d
    assert cx.load(json.loads(b0.to_json())).to_dict() == d
    path = tmp_path / "b0.json"
    path.write_text(b0.to_json())
    from_file = cx.load(path)  # a pathlib.Path
    assert from_file.to_dict() == d
    assert cx.count(from_file) == cx.count(b0)
    assert d == cli_json("expand", "b0")


def test_count_is_the_cli_count():
    c = cx.count(cx.zoo()["b0"])
    assert isinstance(c, dict)
    assert c == cli_json("count", "b0", "--layers", "--json")
    assert c["params"] == 10_357_368 and c["macs"] == 519_710_080
    assert sum(r["macs"] for r in c["layers"]) == c["macs"]
    assert "layers" not in cx.count("b0", layers=False)
    assert "[... " in repr(c), "a result prints without its long per-layer list"


def test_count_table_as_numpy_and_pandas():
    c = cx.count("b0")
    table = cx.to_records(c["layers"])
    assert len(table) == len(c["layers"])
    assert table["macs"].dtype.kind == "i" and int(table["macs"].sum()) == c["macs"]
    assert list(table["name"][:2]) == [r["name"] for r in c["layers"][:2]]
    assert "in_nhwc" not in table.dtype.names, "list-valued fields are left out"
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(c["layers"])
    assert int(df["macs"].sum()) == c["macs"]


def test_bad_input_raises_input_error_with_the_cli_message(tmp_path):
    assert issubclass(cx.InputError, ValueError)
    with pytest.raises(cx.InputError) as e:
        cx.load("no-such-net")
    assert str(e.value) == python_terms(cli_error("count", "no-such-net"))

    bad = cx.zoo()["b0"].to_dict()
    conv = next(i for i, op in enumerate(bad["ops"]) if op["op"] == "conv2d" and op.get("groups", 1) == 1 and i > 0)
    bad["ops"][conv]["groups"] = 7
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(cx.InputError) as e:
        cx.load(path)
    assert str(e.value) == python_terms(cli_error("count", str(path)))
    assert f"ops[{conv}].groups = 7" in str(e.value)
    with pytest.raises(cx.InputError) as from_dict:
        cx.load(bad)
    assert str(from_dict.value) == str(e.value).replace(str(path), "<dict>")

    with pytest.raises(cx.InputError, match="<dict>: not JSON-serialisable"):
        cx.load({"schema": "cpubone-explore/network/v1", "x": float("nan")})

    with pytest.raises(cx.InputError) as e:
        cx.load("b0", resolution=-1)
    assert str(e.value) == python_terms(cli_error("count", "b0", "--resolution", "-1"))


def test_search_finds_pareto_networks_and_report_renders_them(tmp_path):
    out = tmp_path / "search"
    results = cx.search(device="pi5", evaluations=800, out=out)
    assert results["schema"] == "cpubone-explore/results/v3"
    assert results["accuracy_model"]["name"] == "proxy-zoo-v2"
    nets = results.networks
    assert len(nets) == len(results["pareto"]) > 0
    first = results["pareto"][0]
    assert cx.count(nets[0])["macs"] == first["macs"]
    again = cx.search(device="pi5", evaluations=800, out=tmp_path / "again")
    assert [p["summary"] for p in again["pareto"]] == [p["summary"] for p in results["pareto"]]
    files = cx.report(results, tmp_path / "report")
    assert files[0].endswith("report.html") and all(os.path.exists(f) for f in files)


def test_search_options_are_checked_as_on_the_command_line(tmp_path):
    # The checks live in the library's job, so search() gets the CLI's one-line errors word for word.
    for kwargs, args in [({"evaluations": 5}, ["--evaluations", "5"]),
                         ({"threads": 0}, ["--threads", "0"]),
                         ({"max_latency_ms": -1.0}, ["--max-latency", "-1"]),
                         ({"accuracy": "nosuch"}, ["--accuracy", "nosuch"])]:
        with pytest.raises(cx.InputError) as e:
            cx.search(device="pi5", out=tmp_path / "s", **kwargs)
        assert str(e.value) == python_terms(cli_error("--device", "pi5", "--out", str(tmp_path / "cli"), *args))
        assert str(e.value).startswith(python_terms(args[0] + " = "))
    assert not (tmp_path / "s").exists() and not (tmp_path / "cli").exists()


def test_search_space_as_dict_and_its_errors(tmp_path):
    space = {"schema": "cpubone-explore/search-space/v1", "dimensions": {"stages[3].local_groups": [2]}}
    results = cx.search(space, device="pi5", evaluations=300, out=tmp_path / "s")
    assert results["search"]["space"].endswith("space.json")
    with pytest.raises(cx.InputError, match=r"dimensions.stages\[9\].width"):
        cx.search({"schema": "cpubone-explore/search-space/v1", "dimensions": {"stages[9].width": [8]}},
                  device="pi5", evaluations=300, out=tmp_path / "bad")
    with pytest.raises(cx.InputError, match="search.evaluations|schema"):
        cx.report({"schema": "nope"}, tmp_path / "r")


def test_load_takes_an_onnx_file_told_apart_by_content(tmp_path):
    onnx = tmp_path / "b0.onnx"
    code, _, err = cli("export", "b0", "--resolution", "64", "--onnx", str(onnx))
    assert code == 0, err
    graph = tmp_path / "b0-graph"  # no extension: read as ONNX by its first byte
    shutil.copy(onnx, graph)
    b0 = cx.load("b0", resolution=64)
    pi5 = cx.predictor("pi5")
    for source in (onnx, str(graph)):
        assert cx.load(source).op_count == b0.op_count
        assert cx.count(source)["macs"] == cx.count(b0)["macs"]
        assert pi5.predict(source, layers=False)["latency_us"] == pytest.approx(pi5.predict(b0, layers=False)["latency_us"])
