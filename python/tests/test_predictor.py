# predictor, fit, calibrate, validate from Python, against the CLI.
import json
import subprocess
import sys
import warnings

import pytest

import cpubone_explore as cx
from conftest import REPO, cli, cli_error, cli_json, python_terms


def test_shipped_devices():
    assert {"pi5", "pixel7pro", "xeon-w2125", "a72", "xeon-gold5118"} <= set(cx.shipped_devices())


def test_predict_is_the_cli_predict():
    p = cx.predictor("pi5")
    assert p.device == "pi5" and "Raspberry Pi 5" in p.runtime
    assert p.provenance
    r = p.predict(cx.zoo()["b0"])
    assert r == cli_json("predict", "b0", "--device", "pi5", "--layers", "--json")
    assert r["latency_us"] == pytest.approx(sum(o["latency_us"] for o in r["layers"]) + r["overhead_us"])
    assert p.predict("b0")["threads"] == 4  # a calibrated device predicts at its published runtime's threads
    with pytest.raises(cx.InputError):
        p.predict("b0", threads=2)
    assert "layers" not in p.predict("b0", layers=False)
    assert p.to_dict()["device"] == "pi5"


def test_predict_and_advise_default_to_the_shipped_pi5_as_the_cli_does():
    assert cx.predictor().device == "pi5"
    assert cx.predictor().predict("b0", layers=False) == cli_json("predict", "b0", "--json")
    assert cx.advise("b0", evaluations=20)["device"] == "pi5"


def test_host_without_a_profile_says_what_is_missing_and_how_long_fit_takes(tmp_path, monkeypatch):
    monkeypatch.setenv("CPX_HOME", str(tmp_path))
    for call in (lambda: cx.predictor("host"), lambda: cx.advise("b0", device="host")):
        with pytest.raises(cx.InputError) as e:
            call()
        assert str(e.value) == python_terms(cli_error("predict", "b0", "--device", "host"))
        assert "this machine has no profile yet" in str(e.value) and "shipped devices: " in str(e.value)
        assert "about 10 minutes (an estimate" in str(e.value)


def test_predictor_errors_are_the_cli_messages():
    with pytest.raises(cx.InputError) as e:
        cx.predictor("no-such-device")
    assert str(e.value) == python_terms(cli_error("predict", "b0", "--device", "no-such-device"))
    with pytest.raises(cx.InputError) as e:
        cx.predictor("pi5").predict("b0", threads=0)
    assert str(e.value) == python_terms(cli_error("predict", "b0", "--device", "pi5", "--threads", "0"))
    with pytest.raises(cx.InputError) as e:
        cx.validate("pi5")
    assert str(e.value) == python_terms(cli_error("validate", "--device", "pi5"))
    with pytest.raises(cx.InputError) as e:
        cx.rescore("no-such-validation.json")
    assert str(e.value) == python_terms(cli_error("validate", "--rescore", "no-such-validation.json"))
    with pytest.raises(cx.InputError) as e:
        cx.calibrate("host", REPO / "space/zoo/published_models.csv")
    assert str(e.value) == python_terms(cli_error("calibrate", "--device", "host", "--published", "x.csv"))


def test_predict_warns_each_caveat_the_text_form_prints():
    with pytest.warns(UserWarning) as caught:
        r = cx.predictor("pixel7pro").predict("resnet50", layers=False)
    messages = [str(w.message) for w in caught]
    # pixel7pro is calibrated on CPUBone networks alone: its interval says nothing of a ResNet.
    assert "interval: " + r["interval"]["warning"] in messages
    code, text, err = cli("predict", "resnet50", "--device", "pixel7pro")
    assert code == 0, err
    assert messages == text.splitlines()[3:]  # after the network, latency and interval lines


def test_a_network_outside_the_calibration_sizes_warns_in_python_and_in_the_text():
    # xeon-w2125 fitted a dispatch time per op on CPUBone B0-B3 (520 M MACs and up): a 300 M MAC network
    # extrapolates it, and its interval reaches MACs alone's prediction.
    with pytest.warns(UserWarning) as caught:
        r = cx.predictor("xeon-w2125").predict("mobilenetv2-1.0", layers=False)
    outside = r["interval"]["outside_calibration_sizes"]
    assert outside["macs"] < outside["calibration_macs"][0]
    assert r["latency_us_low"] <= outside["macs_only_us"] <= r["latency_us_high"]
    notes = [str(w.message) for w in caught if "outside the" in str(w.message)]
    assert len(notes) == 1 and "MACs alone" in notes[0]
    code, text, err = cli("predict", "mobilenetv2-1.0", "--device", "xeon-w2125")
    assert code == 0, err
    assert notes[0] in text.splitlines()


def test_a_device_file_is_a_device_by_path(tmp_path):
    path = tmp_path / "pi5-mine.json"
    path.write_text(json.dumps(cx.predictor("pi5").to_dict()))
    mine = cx.predictor(path)
    assert mine.device == "pi5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # b0's caveats on pi5, the same from either
        assert mine.predict("b0")["latency_us"] == cx.predictor("pi5").predict("b0")["latency_us"]
    with pytest.raises(cx.InputError) as e:
        cx.predictor(tmp_path / "nowhere.json")
    assert str(e.value) == python_terms(cli_error("predict", "b0", "--device", str(tmp_path / "nowhere.json")))
    found = cx.search(device=path, evaluations=50, budget_s=0, out=tmp_path / "search")
    assert found["device"]["name"] == str(path) and found["pareto"]


def test_calibrate_takes_shipped_hardware_by_name_and_says_whose_host_model_stood_in(tmp_path, monkeypatch):
    monkeypatch.setenv("CPX_HOME", str(tmp_path))  # no host predictor fitted here
    csv = tmp_path / "timed.csv"
    csv.write_text("model,latency_ms,family\nb0,24.2,CPUBone\nb1,33.0,CPUBone\nb2,52.0,CPUBone\n"
                   "mobilenetv2-1.0,14.0,MobileNet\nresnet18,60.0,ResNet\nmobileone-s0,19.0,MobileOne\n")
    with pytest.warns(UserWarning, match="no host predictor fitted on this machine .*: using the host model the shipped pi5 carries"):
        c = cx.calibrate("mypi", csv, hardware="pi5", out=tmp_path / "mypi.json", runtime="ONNX Runtime 1.17", threads=4)
    assert c["host_from"] == "pi5"
    assert cx.predictor(tmp_path / "mypi.json").device == "mypi"


def test_profile_fit_predict_calibrate_on_this_machine(tmp_path):
    # The whole chain on a tiny budget: these are not accurate figures, only the plumbing end to end.
    profile = cx.profile(quick=True, threads=[1], budget_s=20, out=tmp_path / "host.json")
    assert profile["schema"] == "cpubone-explore/device-profile/v2"
    assert profile["path"] == str(tmp_path / "host.json") and (tmp_path / "host.json").exists()
    assert profile["complete"] is True and profile["configs"]
    # allow_noisy: the machine is shared with builds, so a quick profile may be mostly noisy.
    host = cx.fit("host", profile=tmp_path / "host.json", allow_noisy=True)
    assert host.device == "host"
    assert cx.predictor("host").to_dict() == host.to_dict()
    assert cx.predictor("host").predict("b0")["latency_us"] > 0
    assert host.to_dict()["provenance"]["selection"] == "kfold"
    with pytest.raises(cx.InputError, match='select = "largest": expected kfold or balanced'):
        cx.fit("host", profile=tmp_path / "host.json", allow_noisy=True, select="largest")

    # A plain "model,latency_ms" file (the quick profile has no conv_transpose, which some zoo models with
    # published RPi 5 figures need).
    csv = tmp_path / "mypi.csv"
    csv.write_text("model,latency_ms\nb0,24.2\nb1,33.5\nb2,60.3\nb3,199.8\n")
    # A hardware description file, here the shipped pi5's, describes the new device under its own name.
    c = cx.calibrate("mypi", csv, hardware=REPO / "predictor/devices/hardware/pi5.json", runtime="ONNX Runtime 1.17", threads=4)
    assert c["device"] == "mypi" and c["held_out"] and c["interval"]
    assert [p["model"] for p in c["published"]] == ["b0", "b1", "b2", "b3"]
    mypi = cx.predictor("mypi")
    assert mypi.runtime.startswith("your timings: ONNX Runtime 1.17, 4 threads") and c["timed_by"] == "user"
    assert mypi.predict("b0")["latency_us"] > 0

    # The user's own networks, timed on one core of their board: network files beside the CSV, a family
    # each, the thread count; every candidate scored, the simplest within the noise kept, and how few said.
    (tmp_path / "nets").mkdir()
    rows = ["model,latency_ms,family,threads"]
    for name, ms, family in [("resnet18", 95.0, "resnet"), ("resnet50", 260.0, "resnet"), ("mobilenetv2-1.0", 38.0, "mobilenet"),
                             ("mobilenetv1-1.0", 45.0, "mobilenet"), ("b0", 60.0, "cpubone"), ("b1", 82.0, "cpubone")]:
        (tmp_path / "nets" / f"{name}.json").write_text(json.dumps(cx.load(name).to_dict()))
        rows.append(f"nets/{name}.json,{ms},{family},1")
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    mine = cx.calibrate("mypi", tmp_path / "mine.csv", hardware="pi5", out=tmp_path / "mine.json", runtime="ONNX Runtime 1.17")
    assert set(mine["held_out"]["methods"]) == set(cx.calibration_candidates())
    assert mine["held_out"]["methods"][mine["method"]]["lofo"]["mape"] <= mine["held_out"]["methods"]["macs_only"]["lofo"]["mape"]
    assert "only 6 networks in 3 families" in mine["held_out"]["sureness"]["warning"]
    assert mine["kinds"] and mine["uncalibrated"]["devices"]  # unseen work widened by the shipped devices' spread
    forced = cx.calibrate("mypi", tmp_path / "mine.csv", hardware="pi5", out=tmp_path / "forced.json",
                          method="macs_only", runtime="ONNX Runtime 1.17")
    assert forced["method"] == "macs_only"
    with pytest.raises(cx.InputError, match=r"mixed.csv: row 3.threads = 2: every row of one device"):
        (tmp_path / "mixed.csv").write_text("model,latency_ms,threads\nb0,60,1\nb1,80,2\n")
        cx.calibrate("mypi", tmp_path / "mixed.csv", hardware="pi5")


def test_profile_errors_are_the_cli_messages():
    with pytest.raises(cx.InputError) as e:
        cx.profile(device="../pi5")
    assert str(e.value) == python_terms(cli_error("profile", "--device", "../pi5"))
    with pytest.raises(cx.InputError) as e:
        cx.profile(threads=[0])
    assert str(e.value) == python_terms(cli_error("profile", "--threads", "0"))


def test_profile_stops_on_ctrl_c_and_keeps_its_checkpoint(tmp_path):
    out = tmp_path / "host.json"
    code = f"""
import os, signal, threading, time
import cpubone_explore as cx
threading.Timer(4.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    cx.profile(quick=True, threads=[1], budget_s=300, out={str(out)!r})
    print("completed")
except KeyboardInterrupt:
    print(f"interrupted after {{time.monotonic() - start:.1f}} s")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.stdout.startswith("interrupted after"), r.stdout + r.stderr
    assert float(r.stdout.split()[2]) < 60
    profile = json.loads(out.read_text())
    assert profile["complete"] is False


def test_zero_shot_device_from_a_spec_sheet(tmp_path):
    """A device from its hardware description alone (issue 75): a device like any other, saying what it is."""
    out = tmp_path / "pi4.json"
    z = cx.calibrate("pi4", hardware=REPO / "predictor/devices/specs/pi4.json", zero_shot=True, host_from="pi5", out=out)
    assert z["timed_by"] == "zero_shot" and z["published"] is None and z["held_out"] is None
    assert "zero-shot from the hardware description, no timings" in z["runtime"]
    assert "pi5" in z["zero_shot"]["devices"] and len(z["zero_shot"]["left_out"]) == len(cx.shipped_devices())
    p = cx.predictor(out).predict("b0")
    assert p["latency_us_low"] < p["latency_us"] < p["latency_us_high"]
    # One timed network updates it.
    one = tmp_path / "one.csv"
    one.write_text("model,latency_ms\nb0,80.0\n")
    u = cx.calibrate("pi4", one, hardware=REPO / "predictor/devices/specs/pi4.json", zero_shot=True, host_from="pi5",
                     out=tmp_path / "one.json", runtime="ONNX Runtime 1.17", threads=4)
    assert u["timed_by"] == "user" and "updated by 1 timed network" in u["runtime"]
    assert abs(cx.predictor(tmp_path / "one.json").predict("b0")["latency_us"] / 1e3 - 80.0) < abs(p["latency_us"] / 1e3 - 80.0)
