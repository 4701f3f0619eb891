#!/usr/bin/env python3
"""Every Catch2 test case is a ctest entry of its own, and every entry runs exactly its own case.

catch_discover_tests turns the binary's --list-test-names-only into one ctest entry per line, through CMake
lists: a name with an unbalanced ']' once merged the 244 names after it into one entry whose test spec
matched nothing, and ctest counted it as passed without running anything. This test fails if that can
happen again: the entries labelled `catch2` (or `catch2-release-only`, tests/CMakeLists.txt) must be
exactly the binary's test names, one each, and each entry's command must select exactly its own case (asked
of the binary itself with --list-test-names-only).

usage: catch_entries.py CTEST BUILD_DIR TEST_BINARY"""
import json, subprocess, sys

ctest, build_dir, binary = sys.argv[1:4]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def names_listed(*spec):
    out = subprocess.run([binary, *spec, "--list-test-names-only"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if line.strip()]


names = names_listed()
shown = subprocess.run([ctest, "--test-dir", build_dir, "--show-only=json-v1", "-L", "^catch2(-release-only)?$"],
                       capture_output=True, text=True, check=True).stdout
entries = json.loads(shown)["tests"]
print("catch_entries: %d Catch2 test cases, %d ctest entries" % (len(names), len(entries)))
if len(set(names)) != len(names):
    fail("the binary lists a test name twice")
if len(entries) != len(names):
    fail("%d ctest entries for %d test cases" % (len(entries), len(names)))
missing = sorted(set(names) - {e["name"] for e in entries})
if missing:
    fail("no ctest entry named %r (and %d more)" % (missing[0], len(missing) - 1))

# Each entry's command is [binary, spec, extra args...]; the spec must select its own case and no other.
for e in entries:
    spec = e["command"][1]
    selected = names_listed(spec)
    if selected != [e["name"]]:
        fail("entry %r selects %d case(s): %r" % (e["name"], len(selected), selected[:3]))
print("CATCH_ENTRIES_OK")
