# Issue 71, item 8: a notebook's nn.Module wherever a network is taken, advice applied from Python by the
# command line's code, errors in Python's terms, and "did you mean" for zoo names and devices.
import json
import warnings

import pytest
import torch
import torchvision

import cpubone_explore as cx
from conftest import cli, cli_error, cli_json, python_terms


def test_an_nn_module_is_taken_wherever_a_network_is():
    model = torchvision.models.resnet18()
    counted = cx.count(model, layers=False)
    # torchvision's ResNet-18 is the zoo's: the same MACs at 224 and at a given resolution.
    assert counted["macs"] == cx.count("resnet18", layers=False)["macs"]
    assert cx.count(model, layers=False, resolution=112)["macs"] == cx.count(cx.load("resnet18", 112), layers=False)["macs"]
    assert cx.count(model, layers=False, example_input=torch.randn(1, 3, 64, 64))["resolution"] == 64
    assert model.training, "the module is left in the mode it was in"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resnet18's caveats on pi5
        predicted = cx.predictor("pi5").predict(model, layers=False)
    assert predicted["macs"] == counted["macs"] and predicted["latency_us"] > 0
    assert cx.measure(model, resolution=32, min_time_s=0, min_runs=1)["macs"] == cx.count(model, resolution=32)["macs"]
    with pytest.raises(TypeError, match="expected a Network, zoo name, file path, dict or torch nn.Module, not int"):
        cx.count(3)


def test_an_unknown_op_of_a_module_is_refused_in_pytorch_terms_and_skipped_on_request():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.SELU())
    with pytest.raises(cx.InputError, match=r"\(Selu\): PyTorch's nn.SELU \(ONNX Selu\) is not supported yet; skip_unknown passes"):
        cx.count(model, resolution=16)
    with pytest.warns(UserWarning, match=r"skip_unknown: 1 ONNX node\(s\) .* every total \(MACs, params, time\) excludes them"):
        counted = cx.count(model, resolution=16, skip_unknown=True)
    assert counted["skipped_onnx_nodes"] == ["/1/Selu (Selu)"]
    assert counted["macs"] == 8 * 3 * 9 * 14 * 14


def test_advise_applies_suggestions_as_the_command_line_does(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = cx.advise("mobilenetv2-1.0", device="pi5", evaluations=50, apply=["s1"], out=tmp_path / "py")
    code, out, err = cli("advise", "mobilenetv2-1.0", "--device", "pi5", "--evaluations", "50", "--apply", "s1", "--out",
                         str(tmp_path / "cli"), "--json")
    assert code == 0, err
    applied = json.loads(out)["applied"]
    assert {k: v for k, v in doc["applied"].items() if k != "files"} == {k: v for k, v in applied.items() if k != "files"}
    for name in ["advised.json", "advised.onnx", "advised.py", "advised.f32"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    with pytest.raises(cx.InputError, match=r'^apply="s1": needs out \(the directory written\)$'):
        cx.advise("mobilenetv2-1.0", device="pi5", evaluations=50, apply="s1")
    with pytest.raises(cx.InputError, match=r'^apply="s999": no suggestion or variant "s999"'):
        cx.advise("mobilenetv2-1.0", device="pi5", evaluations=50, apply="s999", out=tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_errors_name_keyword_arguments_not_flags():
    with pytest.raises(cx.InputError) as e:
        cx.measure("b0", threads=0)
    assert str(e.value) == "threads=0: out of range [1, 256]"
    assert str(e.value) == python_terms(cli_error("measure", "b0", "--threads", "0"))
    with pytest.raises(cx.InputError, match=r"^min_runs=0: out of range"):
        cx.measure("b0", min_runs=0)
    with pytest.raises(cx.InputError, match=r"^threads=2: device pi5 predicts only at its own 4"):
        cx.predictor("pi5").predict("b0", threads=2)
    with pytest.raises(cx.InputError, match=r"^evaluations=5: out of range"):
        cx.search(device="pi5", evaluations=5)


def test_did_you_mean_for_zoo_names_and_devices():
    with pytest.raises(KeyError) as e:
        cx.zoo()["mobilenetv3"]
    assert "'mobilenetv3': not a zoo model; did you mean mobilenetv3" in str(e.value)
    with pytest.raises(KeyError, match="did you mean resnet50, resnet18"):
        cx.zoo()["resnet5"]
    with pytest.raises(cx.InputError) as e:
        cx.predictor("Pi5")
    assert str(e.value).startswith('device="Pi5": not a known device; did you mean pi5? (known: ')
    assert str(e.value) == python_terms(cli_error("predict", "b0", "--device", "Pi5"))
