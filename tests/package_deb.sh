#!/bin/sh
# The .deb as a user gets it (issue 46): cpack builds it from this build folder, it is unpacked into a
# scratch root, and the CLI (and the Python module, where built) run from there against the system's
# libraries: --version, the main job on pi5 with a small budget, and an import.
# Usage: package_deb.sh BUILD_DIR SCRATCH_DIR
set -eu
build=$1
scratch=$2
rm -rf "$scratch"
unpacked=$scratch/unpacked  # the .deb unpacked here: its paths are the package's, inside the scratch folder
mkdir -p "$unpacked"
(cd "$build" && cpack -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$scratch"/pkg/cpubone-explore_*.deb)
dpkg-deb -f "$deb" Package Architecture Depends
[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || { echo "FAIL: architecture"; exit 1; }
dpkg-deb -x "$deb" "$unpacked"
prefix=$unpacked/usr
cli=$prefix/bin/cpubone-explore
"$cli" --version | grep -q "^cpubone-explore [0-9]" || { echo "FAIL: --version"; exit 1; }
"$cli" --version
"$cli" --device pi5 --evaluations 300 --out "$scratch/job" >"$scratch/job.log" 2>&1 || { cat "$scratch/job.log"; echo "FAIL: main job"; exit 1; }
[ -s "$scratch/job/report.html" ] && [ -s "$scratch/job/results.json" ] || { echo "FAIL: the main job wrote no report"; exit 1; }
site=$(find "$prefix/lib" -maxdepth 3 -type d -name dist-packages | head -n 1)
if [ -n "$site" ] && [ -d "$site/cpubone_explore" ]; then
  PYTHONPATH=$site /usr/bin/python3 -c "import cpubone_explore as c; print('python module:', c.__file__, c.predictor('pi5').predict('b0')['latency_us'] > 0)" |
    grep -q "True" || { echo "FAIL: the packaged Python module"; exit 1; }
  echo "python module imported from the package"
fi
echo PACKAGE_OK
