#!/usr/bin/env bash
# Download, on a machine with the package registry, the wheels benchmarks/gpu_checks.sh installs on
# the device machine (CPython 3.12, x86_64 Linux; it has numpy, scipy and cupy, no registry):
# the project's dependencies without numpy and scipy, and line_profiler (benchmarks/profile_gpu_step.py),
# into .whl/ (git-ignored; carry it).
set -euo pipefail
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d .whl \
    --platform manylinux_2_24_x86_64 awkward uproot iminuit jsonschema pyyaml resample pytest line_profiler
rm -f .whl/numpy-*.whl .whl/scipy-*.whl
du -sh .whl
