#!/usr/bin/env bash
# GPU checks for a machine with a CUDA GPU and cupy but no package registry (the device machine):
# install the carried wheels (.whl/, see benchmarks/RESULTS.md), run the GPU test and the CPU/GPU
# benchmarks (the ntuple one when results/events/PbPb_0-10 exists).
# Usage: bash benchmarks/gpu_checks.sh [output folder]
set -o pipefail
out=${1:-.}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
python3 -c "import cupy, numpy, awkward, uproot; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" | tee -a "$out/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs tests/test_replicas.py 2>&1 | tee "$out/pytest_gpu.log"
status=$?
python3 benchmarks/bench_bootstrap.py --gpu-only 2>&1 | tee "$out/bench_gpu.log"
if compgen -G "results/events/PbPb_0-10/chunk_*.root" >/dev/null; then
    python3 benchmarks/bench_bootstrap_ntuple.py PbPb_0-10 2000 results/events/PbPb_0-10/chunk_*.root 2>&1 | tee -a "$out/bench_gpu.log"
fi
exit $status
