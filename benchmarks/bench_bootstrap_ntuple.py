"""The bootstrap measurement step on real event ntuples: CPU (numpy) against GPU (cupy).

Runs hfe.bootstrap.batches.measure_replicas (what the ``bootstrap_measure`` rule runs) on the
given pseudo-data ntuples of one system, once per backend, side by side in one process, and
checks that the two replica files are byte-identical.

Usage: python benchmarks/bench_bootstrap_ntuple.py SYSTEM REPLICAS NTUPLE [NTUPLE ...]
(e.g. PbPb_0-10 200 results/events/PbPb_0-10/chunk_*.root, after ``snakemake``).
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hfe.bootstrap.batches import measure_replicas
from hfe.core.backend import cuda_available
from hfe.core.config import load_config


def timed_measurement(config: dict, system: str, paths: list[str], replicas: int, backend: str, output: Path) -> float:
    start = time.perf_counter()
    measure_replicas(str(output), config, system, paths, 0, replicas, backend)
    return time.perf_counter() - start


def main(system: str, replicas: int, paths: list[str]) -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}")
    config = load_config("config/config.yaml")
    backends = ["cpu", "cuda"] if cuda_available() else ["cpu"]
    with tempfile.TemporaryDirectory() as work:
        # warm-up (all files: the configured event count is checked)
        measure_replicas(str(Path(work) / "warm.npz"), config, system, paths, 0, 2, backends[-1])
        seconds, files = {}, {}
        for backend in backends:
            files[backend] = Path(work) / f"{backend}.npz"
            seconds[backend] = timed_measurement(config, system, paths, replicas, backend, files[backend])
            print(f"{system}: {replicas} replicas, {len(paths)} ntuple(s), {backend}: {seconds[backend]:.2f} s")
        if len(backends) == 2:
            identical = files["cpu"].read_bytes() == files["cuda"].read_bytes()
            print(f"speed-up cuda/cpu: {seconds['cpu'] / seconds['cuda']:.1f}x; replica files byte-identical: {identical}")
        else:
            print("GPU: skipped (no cupy or no CUDA device)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
