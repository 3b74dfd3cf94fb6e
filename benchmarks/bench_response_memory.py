"""Peak memory of the response build versus the number of library chunks.

Run: python benchmarks/bench_response_memory.py [--chunks 1 2 4 8] [--parents-per-chunk N]
Each build runs in a fresh subprocess that reports its own peak resident memory (ru_maxrss)
and the peak of Python-tracked allocations (tracemalloc, which includes numpy buffers). With
uproot.iterate in bounded steps the peak must stay flat as chunks are added.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hfe.decays.generator import DecayKinematics
from hfe.decays.library import write_decay_chunk

CHILD = """
import json, resource, sys, time, tracemalloc
from hfe.decays.response import build_response, uniform_edges
paths = sys.argv[1:]
tracemalloc.start()
start = time.perf_counter()
build_response(paths, uniform_edges(0, 30, 0.1), uniform_edges(0, 40, 0.1), [1.0, 1.0, 1.0, 0.0], 0.8, step_size=100_000)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "traced_peak_mb": tracemalloc.get_traced_memory()[1] / 1e6,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--parents-per-chunk", type=int, default=250_000)
    parser.add_argument("--species", default="Dplus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        start = time.perf_counter()
        for chunk in range(max(args.chunks)):
            path = Path(directory) / f"{args.species}_{chunk}.root"
            write_decay_chunk(path, args.species, chunk, args.parents_per_chunk, 1, DecayKinematics())
            paths.append(str(path))
        print(f"library: {max(args.chunks)} chunks x {args.parents_per_chunk} {args.species} in {time.perf_counter() - start:.0f} s")
        print(f"{'chunks':>6s} {'parents':>10s} {'seconds':>8s} {'traced peak MB':>15s} {'max RSS MB':>11s}")
        for n in args.chunks:
            out = subprocess.run([sys.executable, "-c", CHILD, *paths[:n]], capture_output=True, text=True, check=True)
            result = json.loads(out.stdout)
            print(
                f"{n:6d} {n * args.parents_per_chunk:10d} {result['seconds']:8.2f} "
                f"{result['traced_peak_mb']:15.1f} {result['maxrss_mb']:11.1f}"
            )


if __name__ == "__main__":
    main()
