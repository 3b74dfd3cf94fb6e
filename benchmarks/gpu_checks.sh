#!/usr/bin/env bash
# GPU checks of issue 20, as one script for a machine with a CUDA GPU, numpy, scipy and cupy but
# no package registry (the lent device machine). Carry with the working tree:
#   .whl/                    the project's other wheels (bash benchmarks/fetch_wheels.sh, here);
#   results/events/PbPb_0-10 the default Pb-Pb 0-10 % ntuples (snakemake; 33 MB), optional.
# It installs the wheels, runs the GPU tests (CPU = GPU bit for bit: tests/test_gpu.py,
# tests/test_replicas.py), then the benchmarks: bench_backends.py (CPU one core, all cores and
# GPU; 10^6 and 10^7 events x 200 and 1000 replicas; --quick: small sizes) and, with the ntuples,
# bench_bootstrap_ntuple.py (the bootstrap_measure step, byte-identical files); between them
# profile_gpu_step.py (GPU time per Python function, launches blocking; the copy bandwidth).
# Usage: bash benchmarks/gpu_checks.sh [output folder] [bench_backends.py options: --quick, --gpu-only, --sizes ...]
set -o pipefail
out=${1:-.}
shift || true
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
python3 -c "import cupy, numpy, awkward, uproot; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'awkward', awkward.__version__)" | tee -a "$out/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs tests/test_gpu.py tests/test_replicas.py tests/test_array_backend.py 2>&1 | tee "$out/pytest_gpu.log"
status=$?
python3 benchmarks/bench_backends.py "$@" 2>&1 | tee "$out/bench_backends.log" || status=1
python3 benchmarks/profile_gpu_step.py "$out" 2>&1 | tee "$out/profile.log" || status=1
if compgen -G "results/events/PbPb_0-10/chunk_*.root" >/dev/null; then
    python3 benchmarks/bench_bootstrap_ntuple.py PbPb_0-10 2000 results/events/PbPb_0-10/chunk_*.root 2>&1 | tee "$out/bench_ntuple.log" || status=1
fi
exit $status
