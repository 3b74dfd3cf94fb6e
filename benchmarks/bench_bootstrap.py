"""Bootstrap replica accumulation: hfe.stats.replica_sums against scikit-hep `resample` and
scipy.stats.bootstrap, side by side in one run; scaling with events and replicas; GPU speed-up
when cupy and a CUDA device are present.

Task (the measurement's): per-bin sums N_b and S_b (14 pT bins) of electron weights and of
weight x cos 2(phi - Psi) over events with Poisson(1.5) electrons, for R replicas.
* ours: ReplicaSums.add_electrons from the raw electrons (grouping per event and bin included),
  counter-based Poisson weights, accumulated in blocks of 8192 events, called per step of
  10^6 events (as the measurement reads its ntuples);
* resample: `resample.bootstrap.resample` (method "ordinary") over per-event aggregated
  (N x 14) arrays of n_ib and s_ib, summing each replica (the per-event aggregation is given
  to it for free);
* scipy: `scipy.stats.bootstrap` (percentile method, vectorised statistic, batch 10) of the
  per-bin sums on the same aggregated arrays (N_b only: one sample of 14 rows).
Peak memory: tracemalloc peak during the accumulation, above the inputs.

Usage: python benchmarks/bench_bootstrap.py [--quick] [--gpu-only]
"""

from __future__ import annotations

import platform
import sys
import time
import tracemalloc

import numpy as np

from hfe.core.backend import array_module, cuda_available
from hfe.stats.replica_sums import ReplicaSums
from hfe.stats.replica_weights import stream_key

N_BINS = 14
KEY = stream_key(12345)


def make_events(n_events: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(1.5, n_events)
    event = np.repeat(np.arange(n_events), counts)
    bins = rng.integers(0, N_BINS, len(event))
    return event, bins, rng.uniform(1.0, 1.5, len(event)), rng.uniform(-1, 1, len(event))


def aggregated(event, bins, weight, value, n_events):
    n = np.zeros((n_events, N_BINS))
    s = np.zeros((n_events, N_BINS))
    np.add.at(n, (event, bins), weight)
    np.add.at(s, (event, bins), weight * value)
    return n, s


STEP_EVENTS = 1_000_000  # events per accumulation call, as the measurement's uproot.iterate steps


def ours(event, bins, weight, value, replicas, xp=np):
    sums = ReplicaSums(N_BINS, KEY, 0, replicas, xp=xp)
    cuts = np.searchsorted(event, np.arange(0, event[-1] + STEP_EVENTS + 1, STEP_EVENTS))
    for a, b in zip(cuts[:-1], cuts[1:]):
        sums.add_electrons(event[a:b], bins[a:b], weight[a:b], value[a:b])
    return sums.values()["n"]


def with_resample(n, s, replicas):
    from resample.bootstrap import resample

    out = np.empty((replicas, N_BINS))
    for i, (rn, rs) in enumerate(resample(n, s, size=replicas, method="ordinary", random_state=1)):
        out[i] = rn.sum(axis=0)
        rs.sum(axis=0)
    return out


def with_scipy(n, replicas):
    from scipy.stats import bootstrap

    result = bootstrap((n.T,), lambda x, axis: np.sum(x, axis=axis), n_resamples=replicas, method="percentile",
                       vectorized=True, batch=10, axis=-1, random_state=1)
    return result.standard_error


def timed(function, *args, **kwargs):
    tracemalloc.start()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 1e6, result


def main(quick: bool) -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}")
    n_events, replicas = (200_000, 200) if quick else (1_000_000, 200)
    event, bins, weight, value = make_events(n_events)
    n, s = aggregated(event, bins, weight, value, n_events)
    print(f"\n== {replicas} replicas over {n_events:,} events ({len(event):,} electrons) ==")
    print(f"{'method':<28}{'time [s]':>10}{'peak MB':>10}{'vs resample':>12}")
    small = make_events(20_000)  # warm-up of every method (imports, page faults)
    ours(*small, 10), with_resample(*aggregated(*small, 20_000), 10), with_scipy(aggregated(*small, 20_000)[0], 10)
    t_ours, m_ours, result = timed(ours, event, bins, weight, value, replicas)
    rows = [("replica_sums (ours)", t_ours, m_ours)]
    t_res, m_res, reference = timed(with_resample, n, s, replicas)
    rows.append(("resample loop", t_res, m_res))
    t_sci, m_sci, _ = timed(with_scipy, n, replicas)
    rows.append(("scipy.stats.bootstrap", t_sci, m_sci))
    for name, t, m in rows:
        print(f"{name:<28}{t:>10.2f}{m:>10.0f}{t_res / t:>11.1f}x")
    print(f"ours vs resample: {t_res / t_ours:.1f}x, vs scipy: {t_sci / t_ours:.1f}x;"
          f" replica spread ratio ours/resample (bin 0): {result[0].std() / reference[:, 0].std():.3f}")

    print("\n== scaling (ours, CPU) ==")
    print(f"{'events':>12}{'replicas':>10}{'time [s]':>10}{'ns/(event x replica)':>22}{'peak MB':>10}")
    sizes = [(10**5, 200), (10**6, 200), (10**7, 200), (10**6, 50), (10**6, 1000)]
    if quick:
        sizes = [(10**5, 50), (10**5, 200), (4 * 10**5, 200)]
    for size, r in sizes:
        event, bins, weight, value = make_events(size, seed=2)
        t, m, _ = timed(ours, event, bins, weight, value, r)
        print(f"{size:>12,}{r:>10}{t:>10.2f}{1e9 * t / (size * r):>22.2f}{m:>10.0f}")

    if cuda_available():
        gpu_comparison(quick)
    else:
        print("\nGPU: skipped (no cupy or no CUDA device)")


def gpu_comparison(quick: bool) -> None:
    """CPU (numpy) and GPU (cupy) accumulation of the same replicas, side by side."""
    cupy = array_module("cuda")
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(f"\n== GPU (cupy {cupy.__version__}, {name}) against CPU (numpy), same inputs ==")
    print(f"{'events':>12}{'replicas':>10}{'cpu [s]':>10}{'cuda [s]':>10}{'speed-up':>10}{'identical':>11}")
    event, bins, weight, value = make_events(20_000)
    ours(event, bins, weight, value, 10, cupy)  # warm-up: kernel compilation
    sizes = [(2 * 10**5, 200)] if quick else [(10**6, 200), (10**6, 1000), (10**7, 200)]
    for size, r in sizes:
        event, bins, weight, value = make_events(size, seed=2)
        t_gpu, _, gpu = timed(ours, event, bins, weight, value, r, cupy)
        t_cpu, _, cpu = timed(ours, event, bins, weight, value, r)
        print(f"{size:>12,}{r:>10}{t_cpu:>10.2f}{t_gpu:>10.2f}{t_cpu / t_gpu:>9.1f}x{str(np.array_equal(cpu, gpu)):>11}")

if __name__ == "__main__":
    if "--gpu-only" in sys.argv:  # the device machine: only the CPU/GPU comparison
        print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}")
        if cuda_available():
            gpu_comparison("--quick" in sys.argv)
        else:
            print("GPU: skipped (no cupy or no CUDA device)")
    else:
        main("--quick" in sys.argv)
