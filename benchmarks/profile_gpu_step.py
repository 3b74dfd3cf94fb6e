"""Where the GPU time of the measurement with replicas goes, per Python function.

Runs ``bench_backends.fill`` on the GPU (10^7 synthetic Pb-Pb events in steps of 2.5 x 10^6,
1000 replicas by default) under cProfile with ``CUDA_LAUNCH_BLOCKING=1``, so that every kernel
and copy finishes before its launching call returns and its time lands on the function that
launched it (the total is then longer than the asynchronous run's). Also measures the device's
copy bandwidth (a device-to-device copy of 4 GB, bytes read plus written), the ceiling that the
benchmark's bandwidth column can be compared with besides the datasheet peak.

With line_profiler installed (benchmarks/fetch_wheels.sh brings it), the same run again with the
time per line of the step's functions (cupy's operators are C calls that cProfile cannot see).

Usage: python benchmarks/profile_gpu_step.py [OUTPUT_DIR] [EVENTS REPLICAS]
Writes OUTPUT_DIR/gpu_profile.txt (the 40 largest by own time and by cumulative time) and
OUTPUT_DIR/gpu_line_profile.txt.
"""

from __future__ import annotations

import os

os.environ["CUDA_LAUNCH_BLOCKING"] = "1"  # before cupy starts the CUDA context

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_backends import GPU_STEP, STEP, fill  # noqa: E402


def copy_bandwidth(cupy, gigabytes: float = 4.0) -> float:
    """Bytes per second of a device-to-device copy (read + write), median of 5."""
    a = cupy.ones(int(gigabytes * 1e9 / 8), dtype=cupy.float64)
    b = cupy.empty_like(a)
    times = []
    for _ in range(6):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        b[...] = a
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    return 2 * a.nbytes / sorted(times[1:])[2]


def main() -> None:
    import cupy

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    events, replicas = (int(float(sys.argv[2])), int(float(sys.argv[3]))) if len(sys.argv) > 3 else (10**7, 1000)
    print(f"device-to-device copy: {copy_bandwidth(cupy) / 1e12:.2f} TB/s (read + write)")
    batches = list(range(events // STEP))
    merge = GPU_STEP // STEP
    fill(batches[:merge], STEP, replicas, "cuda", merge)  # warm: kernels compiled, tables built
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    fill(batches, STEP, replicas, "cuda", merge)
    profile.disable()
    print(f"{events:,} events x {replicas} replicas, steps of {GPU_STEP:,}, launches blocking: {time.perf_counter() - start:.2f} s")
    text = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(profile, stream=text).strip_dirs().sort_stats(order).print_stats(40)
    (out / "gpu_profile.txt").write_text(text.getvalue())
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    line_profile(out, batches, merge, replicas)


def line_profile(out: Path, batches, merge: int, replicas: int) -> None:
    """Time per line of the step's functions, launches blocking (needs line_profiler)."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("line_profiler not installed: no time per line")
        return
    from hfe.measurement.columns import batch_columns
    from hfe.measurement.hfe import HfeAccumulator
    from hfe.stats.exact_sums import EventBinGroups, MomentSums, exact_bincount
    from hfe.stats.replica_sums import ReplicaSums

    profiler = LineProfiler(HfeAccumulator.fill, ReplicaSums.add, batch_columns, MomentSums.add, EventBinGroups.__init__,
                            EventBinGroups.sums, exact_bincount)
    profiler.runcall(fill, batches, STEP, replicas, "cuda", merge)
    text = io.StringIO()
    profiler.print_stats(stream=text, output_unit=1e-3, stripzeros=True)
    (out / "gpu_line_profile.txt").write_text(text.getvalue())
    profiler_add = LineProfiler(ReplicaSums.add)
    profiler_add.runcall(fill, batches, STEP, replicas, "cuda", merge)
    profiler_add.print_stats(output_unit=1e-3, stripzeros=True)


if __name__ == "__main__":
    main()
