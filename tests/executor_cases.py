#!/usr/bin/env python3
"""The arm64 stage's emulated suite is a smaller binary, cpx_executor_tests, built from the test sources
that hold its cases (tests/CMakeLists.txt): this fails if a case the stage selects is written in any other
source, where that binary would silently leave it out. Run natively, on the whole suite's binary.

usage: executor_cases.py TEST_BINARY SPEC SOURCE..."""
import os, re, subprocess, sys

binary, spec, sources = sys.argv[1], sys.argv[2], {os.path.realpath(s) for s in sys.argv[3:]}
out = subprocess.run([binary, "--list-tests", spec, "-v", "high"], capture_output=True, text=True, check=False).stdout
# Catch2 v2 prints each case's name (wrapped), then its source as "    /path/file.cpp:LINE".
# A path is relative where ccache's CCACHE_BASEDIR made it so: relative to the directory the compiler ran in,
# the binary's own.
files = [os.path.join(os.path.dirname(os.path.abspath(binary)), m.group(1))
         for m in re.finditer(r"^    (\S+\.cpp):[0-9]+$", out, re.M)]
total = re.search(r"^([0-9]+) matching test cases", out, re.M)
if not total or int(total.group(1)) != len(files) or not files:
    print("FAIL: could not read the source of every case %s selects (%d read)" % (spec, len(files)))
    sys.exit(1)
outside = sorted({os.path.realpath(f) for f in files} - sources)
if outside:
    print("FAIL: cases selected by %s in %s, which cpx_executor_tests does not compile (add it to "
          "CPX_EXECUTOR_TEST_SOURCES)" % (spec, ", ".join(outside)))
    sys.exit(1)
print("executor_cases: %d cases of %s, all in cpx_executor_tests's %d sources" % (len(files), spec, len(sources)))
print("EXECUTOR_CASES_OK")
