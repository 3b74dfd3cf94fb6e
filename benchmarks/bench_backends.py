"""The event-level measurement with its bootstrap on each array backend, side by side in one run:
CPU (numpy, one core), CPU (numpy, all cores: one process per core, their exact sums added)
and GPU (cupy, when present).

Task: ``HfeAccumulator.fill`` with replica sums (what ``bootstrap_measure`` does per step of
``uproot.iterate``): moving the batch to the backend, acceptance and efficiency selection,
pT binning, grouping per (event, bin), cos 2(phi - Psi) of every electron, counter-based
Poisson weights and the exact replica sums; on in-memory synthetic Pb-Pb batches of 10^6 events
(1.5 electrons per event, 14 pT bins; :mod:`hfe.measurement.synthetic`) in steps of 250 000
events (the GPU also in steps of 2.5 x 10^6), so that file reading is not timed. Reported: event-replicas per second, the speed-up over one CPU core, peak host
memory (tracemalloc peak of the filling process in a separate fill of its first two steps: the
peak does not grow with events, and tracemalloc's per-allocation hook, about 3x Python's cost of
a small array operation, would slow the GPU rows, whose host work is many small calls; all
cores: the largest worker) and peak device memory (cupy's memory pool), GPU rows timed as the
median of 3 fills, and for the GPU the fraction of its memory bandwidth reached,
counting the weight matrix (events x replicas float64, written once and read once by the
product: 16 bytes per event-replica) as the traffic. Every backend's replica sums are
compared bit for bit with the one-core CPU sums.

Usage: python benchmarks/bench_backends.py [--quick] [--sizes EVENTSxREPLICAS ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context

import numpy as np

STEP = 250_000  # events per batch (an uproot.iterate step): 10^6 events are 4 batches, shared among the cores
GPU_STEP = 2_500_000  # a GPU row also with larger steps (measurement.step_size), which amortise per-step costs
PT_EDGES = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 16.0])
_BATCH = {}


def _settings():
    from hfe.fitting.shapes import Curve
    from hfe.measurement.hfe import MeasurementSettings

    return MeasurementSettings(pt_edges=PT_EDGES, eta_max=0.8, efficiency=Curve("exp_decay", {"a": 0.8, "b": -0.3, "c": 1.5}),
                               kind="PbPb", step_size=STEP)


def _batch(index: int, step: int):
    """Batch ``index`` of a sample: one generated batch with event identifiers shifted."""
    import awkward as ak

    from hfe.measurement.synthetic import block_batch, synthetic_block

    if step not in _BATCH:
        _BATCH[step] = block_batch(synthetic_block(np.random.default_rng(1), step))
    return ak.with_field(_BATCH[step], np.arange(index * step, (index + 1) * step, dtype=np.int64), "event_id")


def fill(batches: list[int], step: int, replicas: int, backend: str = "cpu", merge: int = 1, part: str = "all",
         trace: bool = False, repeat: int = 1):
    """Fill the given batches, ``merge`` consecutive ones concatenated into one step (the same
    events in larger steps); (seconds, tracemalloc peak MB, device pool MB, integer sums).
    ``part``: ``all``; ``columns``, only moving each batch to the backend (its columns);
    ``nominal``, the measurement without replicas (the sums are then the nominal moments).
    ``trace``: with tracemalloc (the peak; its per-allocation hook slows Python, so the timed
    runs go without it). ``repeat``: the median time of that many fills of the same inputs."""
    import awkward as ak

    from hfe.core.backend import array_module
    from hfe.measurement.hfe import HfeAccumulator
    from hfe.stats.replica_sums import ReplicaSums
    from hfe.stats.replica_weights import stream_key

    xp = array_module(backend)
    if part != "all":
        replicas = 0
    # generated before the clock starts, once for all repeats
    inputs = [ak.concatenate([_batch(i, step) for i in batches[k : k + merge]]) for k in range(0, len(batches), merge)]
    warm = HfeAccumulator(_settings(), ReplicaSums(len(PT_EDGES) - 1, stream_key(7), 0, max(replicas, 2), 3, xp))
    warm.fill("synthetic", inputs[0][:1000])  # first-call costs (imports, tables, kernels) not timed
    runs = [_timed_fill(inputs, replicas, xp, part, trace) for _ in range(repeat)]
    seconds = sorted(run[0] for run in runs)[len(runs) // 2]
    return (seconds, *runs[-1][1:])


def _timed_fill(inputs, replicas: int, xp, part: str, trace: bool):
    """One timed fill of the prepared steps ``inputs``; (seconds, tracemalloc peak MB, device pool MB, sums)."""
    from hfe.measurement.columns import batch_columns
    from hfe.measurement.hfe import ELECTRON_BRANCHES, EVENT_BRANCHES, HfeAccumulator
    from hfe.stats.replica_sums import ReplicaSums
    from hfe.stats.replica_weights import stream_key

    pool = None if xp is np else xp.get_default_memory_pool()
    if pool is not None:
        xp.cuda.get_current_stream().synchronize()
        pool.free_all_blocks()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    accumulator = HfeAccumulator(_settings(), ReplicaSums(len(PT_EDGES) - 1, stream_key(7), 0, replicas, 3, xp) if replicas else None, xp)
    for batch in inputs:
        if part == "columns":
            batch_columns("synthetic", batch, EVENT_BRANCHES, ELECTRON_BRANCHES, xp)
        else:
            accumulator.fill("synthetic", batch)
    if part == "columns" and xp is not np:
        xp.cuda.get_current_stream().synchronize()
    # on the host: the end of the measurement
    totals = accumulator.replicas.totals() if replicas else accumulator.moments["hfe"].sums
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else 0.0
    tracemalloc.stop()
    device = pool.total_bytes() / 1e6 if pool is not None else 0.0
    return seconds, peak, device, totals


def _one_thread():
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"


def cpu_run(n_batches: int, step: int, replicas: int, workers: int):
    """The batches shared among ``workers`` single-threaded processes (contiguous shares);
    wall time = the slowest worker's filling time; sums added exactly; host MB: the largest
    worker's tracemalloc peak in a separate fill of its first two batches (the peak does not
    grow with events)."""
    shares = [list(part) for part in np.array_split(np.arange(n_batches), workers) if len(part)]
    with ProcessPoolExecutor(len(shares), mp_context=get_context("spawn"), initializer=_one_thread) as pool:
        results = list(pool.map(fill, shares, [step] * len(shares), [replicas] * len(shares)))
        traced = list(pool.map(partial(fill, trace=True), [share[:2] for share in shares], [step] * len(shares), [replicas] * len(shares)))
    totals = {k: sum(r[3][k] for r in results) for k in results[0][3]}
    return max(r[0] for r in results), max(r[1] for r in traced), 0.0, totals


def gpu_run(n_batches: int, step: int, replicas: int, merge: int = 1, part: str = "all"):
    """The GPU fill: the median time of 3 fills (the GPU rows take about a second, so they are
    repeated); host MB from a separate traced fill of the first two steps."""
    seconds, _, device, totals = fill(list(range(n_batches)), step, replicas, "cuda", merge, part, repeat=3)
    host = fill(list(range(min(n_batches, 2 * merge))), step, replicas, "cuda", merge, part, trace=True)[1]
    return seconds, host, device, totals


def peak_bandwidth() -> float | None:
    """Bytes per second of the GPU's memory (double data rate x bus width), None where the
    runtime does not say (CUDA 13 dropped the memory clock from the device properties)."""
    import cupy

    runtime = cupy.cuda.runtime
    props = runtime.getDeviceProperties(0)
    clock_khz, bus_bits = props.get("memoryClockRate"), props.get("memoryBusWidth")
    if not clock_khz or not bus_bits:
        try:  # cudaDevAttrMemoryClockRate = 36, cudaDevAttrGlobalMemoryBusWidth = 37
            clock_khz, bus_bits = runtime.deviceGetAttribute(36, 0), runtime.deviceGetAttribute(37, 0)
        except Exception:
            return None
    return 2.0 * clock_khz * 1e3 * bus_bits / 8 if clock_khz and bus_bits else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (batches of 2 x 10^4 events)")
    parser.add_argument("--sizes", nargs="*", default=None, help="EVENTSxREPLICAS, e.g. 1e6x200")
    parser.add_argument("--gpu-only", action="store_true",
                        help="GPU rows only (a quick look on a lent device; 'vs 1 core' then blank, identical: the two GPU rows)")
    args = parser.parse_args()
    _one_thread()  # the one-core runs and the workers inherit it
    from hfe.core.backend import cuda_available

    step = 2 * 10**4 if args.quick else STEP
    sizes = [(10**5, 50), (3 * 10**5, 200)] if args.quick else [(10**6, 200), (10**6, 1000), (10**7, 200), (10**7, 1000)]
    if args.sizes:
        sizes = [(int(float(a)), int(float(b))) for a, b in (s.split("x") for s in args.sizes)]
    cores = os.cpu_count() or 1
    gpu, peak = cuda_available(), None
    print(f"machine: {platform.node()} {platform.machine()}, {cores} cores, python {platform.python_version()}, numpy {np.__version__}")
    if gpu:
        import cupy

        name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        from hfe.stats.replica_weights import fused_kernel_active

        peak = peak_bandwidth()
        print(f"GPU: {name}, cupy {cupy.__version__}, peak memory bandwidth "
              f"{'unknown (no memory clock from the runtime)' if peak is None else f'{peak / 1e12:.2f} TB/s'}, "
              f"fused weight kernel: {'active' if fused_kernel_active(cupy) else 'NOT active (see the warning)'}")
    else:
        print("GPU: none (no cupy or no CUDA device): CPU rows only")
    header = f"{'events':>12}{'replicas':>9}  {'backend':<18}{'seconds':>9}{'event-replicas/s':>18}{'vs 1 core':>10}{'host MB':>9}{'device MB':>10}{'bandwidth':>10}{'identical':>10}"
    print(header)
    parts = []
    for events, replicas in sizes:
        n_batches = max(1, events // step)
        rows = [] if args.gpu_only and gpu else [("cpu, 1 core", cpu_run(n_batches, step, replicas, 1))]
        if cores > 1 and not (args.gpu_only and gpu):
            rows.append((f"cpu, {cores} cores", cpu_run(n_batches, step, replicas, cores)))
        if gpu:
            rows.append(("cuda", gpu_run(n_batches, step, replicas)))
            merge = max(1, min(GPU_STEP, n_batches * step) // step)  # the same events in fewer, larger steps
            rows.append((f"cuda, {merge * step:.2g} steps", gpu_run(n_batches, step, replicas, merge)))
        reference = rows[0][1] if rows[0][0].startswith("cpu") else (None, *rows[0][1][1:])
        for backend, (seconds, host, device, totals) in rows:
            rate = n_batches * step * replicas / seconds
            identical = all(np.array_equal(totals[k], reference[3][k]) for k in totals)
            bandwidth = f"{16 * rate / peak:>10.1%}" if backend.startswith("cuda") and peak else f"{'':>10}"
            versus = f"{'':>10}" if reference[0] is None else f"{reference[0] / seconds:>9.1f}x"
            print(f"{n_batches * step:>12,}{replicas:>9}  {backend:<18}{seconds:>9.2f}{rate:>18.3g}{versus}"
                  f"{host:>9.0f}{device:>10.0f}{bandwidth}{str(identical):>10}", flush=True)
        if gpu:
            parts.append((n_batches * step, replicas, merge * step, rows[-1][1][0],
                          *(fill(list(range(n_batches)), step, replicas, "cuda", merge, part, repeat=3)[0] for part in ("columns", "nominal"))))
    if parts:
        print("\nGPU time by part, in the large steps (seconds): moving the batches to the device; the measurement "
              "without replicas (moving included); the replicas (the rest)")
        print(f"{'events':>12}{'replicas':>9}{'step':>10}{'total':>9}{'moving':>9}{'measurement':>13}{'replicas':>10}")
        for events, replicas, gpu_step, total, moving, nominal in parts:
            print(f"{events:>12,}{replicas:>9}{gpu_step:>10.2g}{total:>9.2f}{moving:>9.2f}{nominal - moving:>13.2f}{total - nominal:>10.2f}")


if __name__ == "__main__":
    main()
