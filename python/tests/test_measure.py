# measure from Python: the profiler's statistics, raw samples and environment; the GIL is released.
import os
import threading
import time
import warnings

import pytest

import cpubone_explore as cx
from conftest import cli_error, python_terms

QUICK = dict(min_time_s=0.05, min_runs=3)


def test_measure_returns_statistics_samples_and_environment():
    net = cx.load("b0", resolution=96)
    m = cx.measure(net, threads=1, layers=True, **QUICK)
    assert m["schema"] == "cpubone-explore/measurement/v2"
    assert m["model"] == "b0" and m["threads"] == 1 and m["resolution"] == 96
    t = m["timing"]
    assert len(t["samples_us"]) == t["stats_us"]["count"] >= 3
    assert t["stats_us"]["p10"] <= t["stats_us"]["median"] <= t["stats_us"]["p90"]
    assert min(t["samples_us"]) <= t["stats_us"]["median"] <= max(t["samples_us"])
    assert m["macs"] == cx.count(net)["macs"]
    assert m["macps"] == pytest.approx(m["macs"] / (t["stats_us"]["median"] * 1e-6))
    env = m["environment"]
    assert env["cpu"] and env["threads"] == 1 and env["date_utc"]
    assert len(m["layers"]) == net.op_count
    assert m["additivity"] > 0
    assert "timing.stats_us.median" in cx.to_records(m["layers"]).dtype.names


def test_measure_errors_are_the_cli_messages_in_python_terms():
    with pytest.raises(cx.InputError) as e:
        cx.measure("b0", threads=0)
    assert str(e.value) == python_terms(cli_error("measure", "b0", "--threads", "0"))
    with pytest.raises(cx.InputError) as e:
        cx.measure("b0", min_runs=0)
    assert str(e.value) == python_terms(cli_error("measure", "b0", "--min-runs", "0"))


def test_more_threads_than_this_process_may_use_are_refused_as_on_the_command_line():
    over = len(os.sched_getaffinity(0)) + 1  # a cgroup quota can only lower what may be used
    calls = [(lambda: cx.measure("b0", threads=over), ["measure", "b0", "--threads", str(over)]),
             (lambda: cx.profile(threads=[1, over]), ["profile", "--threads", "1", str(over)]),
             (lambda: cx.validate(threads=over), ["validate", "--threads", str(over)]),
             (lambda: cx.search(device="host", threads=over), ["--device", "host", "--threads", str(over)])]
    for call, args in calls:
        with pytest.raises(cx.InputError) as e:
            call()
        assert str(e.value) == python_terms(cli_error(*args))
        assert str(e.value).startswith(f"threads={over}: more than the ")
    with pytest.raises(cx.InputError, match=f"threads={over}: more than the "):
        cx.run("b0", threads=over)


def test_measure_releases_the_gil_and_leaves_the_caller_unpinned():
    affinity = os.sched_getaffinity(0)
    net = cx.load("b0", resolution=96)
    result = {}
    worker = threading.Thread(target=lambda: result.update(cx.measure(net, min_time_s=1.0, min_runs=3)))
    start = time.monotonic()
    worker.start()
    # Pure-Python work on the main thread: if measure held the GIL it would stall for the whole call.
    buckets = set()
    while worker.is_alive():
        buckets.add(int((time.monotonic() - start) / 0.05))
        sum(range(200))
    elapsed = time.monotonic() - start
    worker.join()
    assert result["timing"]["stats_us"]["count"] >= 3
    assert elapsed > 1.0
    assert len(buckets) > 0.3 * elapsed / 0.05, f"main thread ran in {len(buckets)} of {elapsed / 0.05:.0f} 50-ms slots"
    cx.measure(net, **QUICK)
    assert os.sched_getaffinity(0) == affinity, "measuring pins its own thread, not the caller"


def test_a_noisy_measurement_warns_as_the_command_line_exits_3(monkeypatch):
    # The machine's noise cannot be ordered up in a test: the core's result is replaced by one with each verdict.
    def fake(noisy):
        share = 0.5 if noisy else 0.0
        return lambda *args: {"timing": {}, "interference": {"measurements": 2, "noisy": int(2 * share), "share": share,
                                                             "threshold": 0.1, "above_threshold": noisy}}
    monkeypatch.setattr(cx._core, "measure", fake(True))
    with pytest.warns(UserWarning, match=r"noisy measurements 1 of 2 \(50%\), above the 10% threshold"):
        cx.measure("nano")
    monkeypatch.setattr(cx._core, "measure", fake(False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cx.measure("nano")


def test_two_threads_compute_the_same_whether_torch_was_imported_first_or_not():
    # Debian's torch links the same libXNNPACK: imported first, XNNPACK calls libpthreadpool and not the
    # executor's own pool (profiler/executor/thread_pool.hpp), which must then hand every call to it.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "if sys.argv[1] == 'torch': import torch\n"
        "import numpy as np, cpubone_explore as cx\n"
        "net = cx.load('b0', resolution=64)\n"
        "a, b = cx.run(net, seed=1, threads=1)['output_nhwc'], cx.run(net, seed=1, threads=2)['output_nhwc']\n"
        "print(float(np.abs(a - b).max()))\n"
    )
    for first in ("torch", "cpubone_explore"):
        done = subprocess.run([sys.executable, "-c", script, first], capture_output=True, text=True, env=os.environ)
        assert done.returncode == 0, done.stderr
        assert float(done.stdout) == 0.0, first
