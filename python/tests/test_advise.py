# advise from Python: the CLI's document, on an ONNX file exported by the CLI.
import pytest

import cpubone_explore as cx
from conftest import cli, cli_error, cli_json, python_terms


def test_advise_on_an_onnx_file_is_the_cli_document(tmp_path):
    onnx = tmp_path / "mobilenetv2.onnx"
    code, _, err = cli("export", "mobilenetv2-1.0", "--onnx", str(onnx))
    assert code == 0, err
    doc = cx.advise(onnx, device="pi5", evaluations=200)
    assert doc["schema"] == "cpubone-explore/advice/v1"
    assert doc == cli_json("advise", str(onnx), "--device", "pi5", "--evaluations", "200", "--json")
    kinds = {b["kind"] for b in doc["blocks"]}
    assert {"inverted_residual", "depthwise_separable"} <= kinds
    gains = [s["gain"]["point"] for s in doc["suggestions"]]
    assert gains == sorted(gains, reverse=True)
    assert all(s["gain"]["low"] <= s["gain"]["point"] <= s["gain"]["high"] for s in doc["suggestions"])


def test_advise_errors_are_the_cli_messages(tmp_path):
    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(b"\x08\x07not a model")
    with pytest.raises(cx.InputError) as e:
        cx.advise(bad, device="pi5")
    assert str(e.value) == python_terms(cli_error("advise", str(bad), "--device", "pi5"))
