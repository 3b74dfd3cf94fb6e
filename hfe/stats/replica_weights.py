"""Poisson(1) bootstrap weights from a counter-based generator: w(key, id, replica).

The weight of an entity (an event, a decay-library parent) in a replica is a pure function of
(stream key, entity identifier, replica index): no state, no sequence. Replicas are therefore
identical whatever the chunking, the reading order, the number of jobs or the backend, and
asking for more replicas never changes the first ones.

Construction: the SplitMix64 finaliser (Steele, Lea, Flood 2014) of
``id * 2^20 + replica // 4`` xor the hashed key gives 64 random bits; its four 16-bit lanes
serve replicas ``4g .. 4g + 3``. A 16-bit lane u becomes a Poisson(1) count by inverse CDF,
``k = #{j : u >= round(2^16 F(j))}`` (F the Poisson(1) CDF), so P(k) matches Poisson(1)
to 2^-16 (mean 1.0000, variance 1.0000 within 10^-4). Identifiers must be below 2^43 and
replica indices below 2^22. The arithmetic is unsigned 64-bit with wrap-around, identical in
numpy and cupy.
"""

from __future__ import annotations

import logging
import math

import numpy as np

log = logging.getLogger(__name__)

LANES = 4  # replicas per 64-bit hash
ID_SHIFT = 20
MAX_ID = 2**43
MAX_REPLICA = LANES * 2**ID_SHIFT
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _poisson_thresholds() -> list[int]:
    """round(2^16 F(j)) for j = 0..15, capped at 2^16 (F the Poisson(1) CDF)."""
    thresholds, cdf = [], 0.0
    for k in range(16):
        cdf += math.exp(-1.0) / math.factorial(k)
        thresholds.append(min(2**16, round(cdf * 2**16)))
    return thresholds


POISSON_THRESHOLDS = _poisson_thresholds()
# Poisson(1) count of every 16-bit value u: the number of thresholds <= u (inverse CDF)
POISSON_TABLE = np.searchsorted(np.asarray(POISSON_THRESHOLDS), np.arange(2**16), side="right").astype(np.float64)


def splitmix64(z, xp=np):
    """SplitMix64 finaliser of a uint64 array (a new array; wraps modulo 2^64)."""
    z = z.copy()
    with np.errstate(over="ignore"):
        z ^= z >> xp.uint64(30)
        z *= _M1
        z ^= z >> xp.uint64(27)
        z *= _M2
        z ^= z >> xp.uint64(31)
    return z


def stream_key(seed: int) -> np.uint64:
    """The hashed 64-bit key of a stream (derive ``seed`` with :func:`hfe.core.seeds.derive_seed`)."""
    with np.errstate(over="ignore"):
        return splitmix64(np.array([seed % 2**64], dtype=np.uint64) * _GOLDEN)[0]


def check_identifiers(lowest, highest) -> None:
    """The smallest and largest identifier of a call (host numbers) must lie in [0, 2^43)."""
    if lowest < 0 or highest >= MAX_ID:
        raise ValueError(f"bootstrap identifiers must lie in [0, 2^43); got [{int(lowest)}, {int(highest)}]")


def poisson_weights(key: np.uint64, ids, first_replica: int, n_replicas: int, xp=np, identifiers_checked: bool = False):
    """Weights (float64, shape (len(ids), n_replicas)) of entities ``ids`` in replicas
    ``first_replica .. first_replica + n_replicas - 1``; exact small integers.
    ``identifiers_checked``: the caller has checked ``ids`` (:func:`check_identifiers`)."""
    ids = xp.asarray(ids, dtype=xp.int64)
    if len(ids) and not identifiers_checked:
        check_identifiers(*xp.stack([ids.min(), ids.max()]).tolist())
    last = first_replica + n_replicas
    if first_replica < 0 or last > MAX_REPLICA:
        raise ValueError(f"replica indices must lie in [0, {MAX_REPLICA})")
    first_group, last_group = first_replica // LANES, (last + LANES - 1) // LANES
    table, fused = _backend_state(xp)
    weights = (fused or _lane_weights)(key, ids, first_group, last_group, table, xp)
    offset = first_replica - first_group * LANES
    return weights if offset == 0 and weights.shape[1] == n_replicas else weights[:, offset : offset + n_replicas]


def _lane_weights(key, ids, first_group: int, last_group: int, table, xp):
    """The weights of the replica groups ``first_group .. last_group - 1`` (four lanes each), as
    array operations."""
    groups = xp.arange(first_group, last_group, dtype=xp.uint64)
    with np.errstate(over="ignore"):
        counters = (ids.astype(xp.uint64)[:, None] << xp.uint64(ID_SHIFT)) + groups[None, :]
        counters ^= xp.uint64(key)
    lanes = splitmix64(counters, xp).view(xp.uint16)  # little-endian: lane j = bits 16j..16j+15
    return xp.take(table, lanes)


# One GPU kernel for what _lane_weights does in about ten array passes: the counter, its
# SplitMix64 hash and the inverse CDF of its four lanes, written once. The count of a lane is
# taken by comparing it with the thresholds below 2^16 (the table's definition; a lane is
# below 2^16) in registers instead of gathering from the 512 KiB table, which is what limited
# the kernel on an H200.
_COUNT = " + ".join(f"(u >= {t}u)" for t in POISSON_THRESHOLDS if t < 2**16)
_FUSED_SOURCE = f"""
unsigned long long z = ((unsigned long long)ident << {ID_SHIFT}) + group;
z ^= key;
z ^= z >> 30; z *= 0xBF58476D1CE4E5B9ull;
z ^= z >> 27; z *= 0x94D049BB133111EBull;
z ^= z >> 31;
for (int lane = 0; lane < 4; ++lane) {{
    const unsigned int u = (unsigned int)((z >> (16 * lane)) & 0xFFFFull);
    out[4 * i + lane] = (double)({_COUNT});
}}
"""
_BACKENDS: dict = {}


def _backend_state(xp):
    """(Poisson table on ``xp``, the fused GPU kernel or None), made once per array module. The
    kernel is used only after it reproduced the array operations on a sample of identifiers and
    replicas; where it cannot be built or differs, the array operations serve (with a warning)."""
    if xp not in _BACKENDS:
        table = xp.asarray(POISSON_TABLE)
        _BACKENDS[xp] = (table, None if xp is np else _checked_fused_kernel(table, xp))
    return _BACKENDS[xp]


def _checked_fused_kernel(table, xp):
    try:
        kernel = xp.ElementwiseKernel("int64 ident, uint64 group, uint64 key", "raw float64 out",
                                      _FUSED_SOURCE, "hfe_poisson_weights")

        def fused(key, ids, first_group, last_group, table, xp):  # table: the array operations' (same signature)
            groups = xp.arange(first_group, last_group, dtype=xp.uint64)
            out = xp.empty(len(ids) * len(groups) * LANES, dtype=xp.float64)
            kernel(ids[:, None], groups[None, :], np.uint64(key), out)
            return out.reshape(len(ids), len(groups) * LANES)

        sample = xp.arange(0, MAX_ID, MAX_ID // 1009, dtype=xp.int64)
        for first_group, last_group in ((0, 3), (5, 64)):
            if not bool((fused(stream_key(1), sample, first_group, last_group, table, xp)
                         == _lane_weights(stream_key(1), sample, first_group, last_group, table, xp)).all()):
                raise ArithmeticError("the fused kernel's weights differ from the array operations'")
        return fused
    except Exception as exc:  # a kernel that cannot be built or is wrong must not change a weight
        log.warning("Poisson weights: fused GPU kernel not used (%s: %s); array operations instead", type(exc).__name__, exc)
        return None


def fused_kernel_active(xp) -> bool:
    """Whether the fused GPU kernel makes the weights on ``xp`` (for tests and benchmarks)."""
    return _backend_state(xp)[1] is not None
