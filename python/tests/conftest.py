import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def device_cache(tmp_path_factory):
    """Every test uses a device cache of its own: never the user's, and no cached device that would
    replace a shipped one."""
    home = tmp_path_factory.mktemp("cpx-home")
    os.environ["CPX_HOME"] = str(home)
    return home


def cli_path():
    path = os.environ.get("CPX_CLI") or shutil.which("cpubone-explore")
    if not path:
        pytest.skip("the cpubone-explore binary is unknown (ctest sets CPX_CLI)")
    return path


def cli(*args):
    """Runs the CLI; returns (exit code, stdout, stderr)."""
    r = subprocess.run([cli_path(), *args], capture_output=True, text=True, env=os.environ.copy())
    return r.returncode, r.stdout, r.stderr


def cli_json(*args):
    code, out, err = cli(*args)
    assert code == 0, err
    return json.loads(out)


def cli_error(*args):
    """The one-line message the CLI prints for bad input, without its program-name prefix."""
    code, _, err = cli(*args)
    assert code == 2, err
    line = err.strip()
    assert "\n" not in line
    prefix = "cpubone-explore: "
    assert line.startswith(prefix)
    return line[len(prefix):]


# The command line's flags whose keyword argument is not the flag's words (their unit is in the keyword).
_FLAG_KEYWORDS = {"--min-time": "min_time_s", "--max-latency": "max_latency_ms", "--budget": "budget_s"}


def python_terms(message):
    """A CLI error message as the Python module raises it: each option named by its keyword argument, a
    refused value as `keyword=value` ("--threads = 8: ..." -> "threads=8: ...")."""
    def keyword(flag):
        return _FLAG_KEYWORDS.get(flag, flag[2:].replace("-", "_"))
    message = re.sub(r"^(--[a-z][a-z-]*) = ", lambda m: keyword(m.group(1)) + "=", message)
    return re.sub(r"(?<![\w-])--[a-z][a-z-]*", lambda m: keyword(m.group(0)), message)
