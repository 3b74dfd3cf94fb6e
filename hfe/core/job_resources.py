"""Batch-system resources of each workflow job, derived from the configured sizes.

Every rule asks the scheduler for ``mem_mb`` (MB) and ``runtime`` (minutes) computed here from
the amounts of work in the config (parents per chunk, events per chunk, replicas per batch), so a
user who scales the config up gets requests that scale with it. The rates are those measured on
the development machine (one core of an AMD EPYC, benchmarks/RESULTS.md) divided by a safety
factor of 3; memory figures are peak RSS measured there plus a margin.
"""

from __future__ import annotations

import math

SAFETY_FACTOR = 3.0
PYTHON_BASE_MB = 400  # interpreter + numpy/awkward/uproot imported
MINIMUM_RUNTIME_MIN = 5

# Measured single-core rates (benchmarks/RESULTS.md, default workflow logs)
DECAYS_PER_S = {"charm": 20_000, "beauty": 12_000}  # library generator, slowest species (Ds+, Bs0)
DECAY_BYTES_PER_PARENT = 60  # parent arrays + jagged electrons held before writing
RESPONSE_PARENTS_PER_S = 400_000  # parents read and histogrammed per second
RESPONSE_BYTES_PER_PARENT = 400  # one uproot.iterate step in memory (all branches, awkward)
EVENTS_PER_S = 60_000  # pseudo-event generation (Pb-Pb, full events)
EVENT_BYTES = 1_000  # one stored event in memory before writing
MEASURED_EVENTS_PER_S = 200_000  # stored events read and measured per second
MEASUREMENT_BYTES_PER_EVENT = 500  # one uproot.iterate step of events
REPLICA_WEIGHTS_PER_S = 50_000_000  # (event, replica) pairs accumulated per second (bench_bootstrap.py)
FIT_MB = 1_500  # global fits: responses of all species + iminuit


def _minutes(seconds: float) -> int:
    return max(MINIMUM_RUNTIME_MIN, math.ceil(SAFETY_FACTOR * seconds / 60.0))


def _megabytes(n_bytes: float) -> int:
    return PYTHON_BASE_MB + math.ceil(n_bytes / 1e6)


def decay_chunk(flavour: str, parents_per_chunk: int) -> dict[str, int]:
    """One PYTHIA decay chunk of one species (``flavour``: charm or beauty)."""
    return {
        "mem_mb": 100 + _megabytes(parents_per_chunk * DECAY_BYTES_PER_PARENT),
        "runtime": _minutes(parents_per_chunk / DECAYS_PER_S[flavour]),
    }


def response(n_parents: int, step_size: int) -> dict[str, int]:
    """A response (electron, flow or D0) read from ``n_parents`` decays in steps of ``step_size``."""
    return {
        "mem_mb": _megabytes(step_size * RESPONSE_BYTES_PER_PARENT) + 200,
        "runtime": _minutes(n_parents / RESPONSE_PARENTS_PER_S),
    }


def pseudo_events(events_per_chunk: int, stored_fraction: float, library_parents: int) -> dict[str, int]:
    """One chunk of pseudo-events: the decay library in the rest frame plus the stored events."""
    library_bytes = library_parents * RESPONSE_BYTES_PER_PARENT * 0.12  # ~1 GB for 8 × 10^6 parents
    return {
        "mem_mb": _megabytes(library_bytes + events_per_chunk * stored_fraction * EVENT_BYTES) + 600,
        "runtime": _minutes(events_per_chunk / EVENTS_PER_S),
    }


def measurement(n_stored_events: int, step_size: int, replicas: int = 0) -> dict[str, int]:
    """The HFE measurement of one system over all its stored events (with ``replicas``
    bootstrap replicas accumulated alongside: weight blocks of 8192 events x replicas)."""
    return {
        "mem_mb": _megabytes(step_size * MEASUREMENT_BYTES_PER_EVENT + 8192 * replicas * 8 * 6) + 600,
        "runtime": _minutes(n_stored_events / MEASURED_EVENTS_PER_S + n_stored_events * replicas / REPLICA_WEIGHTS_PER_S),
    }


def fit(n_fits: int = 1, seconds_per_fit: float = 20.0) -> dict[str, int]:
    """Global fits (decomposition or flow): ``n_fits`` of them, e.g. one per bootstrap replica."""
    return {"mem_mb": FIT_MB, "runtime": _minutes(n_fits * seconds_per_fit)}


def by_attempt(mem_mb):
    """A Snakemake resource whose memory grows with the attempt (``--retries``): the first
    attempt asks for ``mem_mb`` (a number or a function of the wildcards), the n-th for n times it."""
    if callable(mem_mb):
        return lambda wildcards, attempt: mem_mb(wildcards) * attempt
    return lambda wildcards, attempt: mem_mb * attempt
