"""Bootstrap replicas of per-bin sums, accumulated per chunk of events (never events x replicas
for the whole sample).

For replicas r of a batch, with Poisson(1) weights w_ir of event i
(:mod:`hfe.stats.replica_weights`, keyed on the event identifier), a :class:`ReplicaSums` holds

    N[b, r] = sum_i w_ir n_ib,   S[b, r] = sum_i w_ir s_ib,
    C[k, r] = sum_i w_ir c_ik  (per-event quantities, e.g. event-plane correlations),
    E[r]    = sum_i w_ir       (events counted by C)

with n_ib, s_ib the per-(event, bin) sums of electron weights and weighted values. Every
per-electron quantity is rounded to a multiple of 2^-24 and every product and sum is an exact
integer (a block's matrix product is checked to stay below 2^53 in float64 and is then added to
int64 totals), so the sums do not depend on chunking, order or backend (numpy or cupy).

The spectra are normalised by the generated number of events (fixed), the Poisson bootstrap
of the event sample then reproduces the event-level variance sum_i n_ib^2 of the analytic errors.
"""

from __future__ import annotations

import numpy as np

from hfe.core.backend import to_numpy
from hfe.stats.exact_sums import EventBinGroups, Int64Totals
from hfe.stats.replica_weights import POISSON_TABLE, check_identifiers, poisson_weights

SCALE = 2.0**24
EXACT_LIMIT = 2.0**53
MAX_WEIGHT = float(POISSON_TABLE.max())
# events per weight block ((block x replicas) float64 weights in memory at a time): small on the
# CPU (cache); on a GPU as many as keep a block's weights within 2^28 float64 (2 GiB), between
# 2^16 and 2^20 events, so that a step is a few large kernels. The sums do not depend on it.
CPU_BLOCK_EVENTS = 8192
GPU_BLOCK_WEIGHTS = 2**28


def default_block_events(xp, n_replicas: int) -> int:
    """Events per weight block on the array module ``xp`` for ``n_replicas`` replicas."""
    if xp.__name__ == "numpy":
        return CPU_BLOCK_EVENTS
    return max(2**16, min(2**20, GPU_BLOCK_WEIGHTS // max(n_replicas, 1)))


def _check_exact(bound: float) -> None:
    """A sum of |rows| below which a block's products are exact in float64."""
    if bound * MAX_WEIGHT >= EXACT_LIMIT:
        raise OverflowError(f"replica block sum {bound * MAX_WEIGHT:.3g} exceeds 2^53: use smaller blocks")


class ReplicaSums:
    """Replica sums of one batch of replicas (``first_replica`` .. + ``n_replicas`` - 1), held
    as :class:`hfe.stats.exact_sums.Int64Totals` on the array backend ``xp`` (numpy or cupy)
    until :meth:`values`."""

    def __init__(self, n_bins: int, key, first_replica: int, n_replicas: int, n_event_values: int = 0, xp=np,
                 block_events: int | None = None):
        self.n_bins, self.key, self.xp = n_bins, key, xp
        self.first_replica, self.n_replicas = first_replica, n_replicas
        self.block_events = block_events or default_block_events(xp, n_replicas)
        self._totals = Int64Totals({"n": (n_bins, n_replicas), "s": (n_bins, n_replicas),
                                    "event_values": (n_event_values, n_replicas), "events": (n_replicas,)}, xp)
        self.n, self.s, self.event_values, self.events = self._totals.arrays.values()  # added to in place

    def _weights(self, ids):
        """The weights of a block, its identifiers checked for the whole call (:meth:`add`)."""
        return poisson_weights(self.key, ids, self.first_replica, self.n_replicas, self.xp, identifiers_checked=True)

    def _product(self, rows, weights, checked: bool):
        """rows (k x m, exact integers) @ weights (m x R) as int64, exact: every partial sum is
        bounded by sum|rows| x the largest Poisson weight, below 2^53 (``checked``: already
        known for all blocks of the call)."""
        xp = self.xp
        if not checked:
            _check_exact(float(xp.abs(rows).sum(axis=1).max()) if rows.size else 0.0)
        return (rows @ weights).astype(xp.int64)

    def add(self, event_ids, groups: EventBinGroups | None = None, n=None, s=None, event_values=None) -> None:
        """The events ``event_ids`` of a chunk (every event once): per-(event, bin) sums of
        electron weights ``n`` and weighted values ``s`` (None: no S sums) of the ``groups``
        (:class:`hfe.stats.exact_sums.EventBinGroups` over the local event index, sums at
        ``SCALE``), and per-event quantities ``event_values`` (events x n_event_values; they also
        count the events). One weight block serves both."""
        xp = self.xp
        event_ids = xp.asarray(event_ids, dtype=xp.int64)
        n_values = 0 if event_values is None else event_values.shape[1]
        if event_values is not None:
            fixed = xp.rint(xp.asarray(event_values, dtype=xp.float64) * SCALE)
            columns, ids = (None if groups is None else groups.event_of), event_ids
        elif groups is not None and len(groups.event_of):  # events without electrons in the binning add nothing
            active, columns = xp.unique(groups.event_of, return_inverse=True)
            columns, ids = columns.reshape(-1), event_ids[active]
        else:
            return
        if len(ids) == 0:
            return
        # rows of a block: the event values and a row of ones (with event_values), then n and s
        layout, first = [], 0
        if event_values is not None:
            layout += [(self.event_values, first), (self.events[None, :], first + n_values)]
            first += n_values + 1
        electron_rows = []
        for total, sums in ((self.n, n), (self.s, s)):
            if sums is not None and groups is not None:
                layout.append((total, first))
                electron_rows.append((first, sums))
                first += self.n_bins
        block_starts = list(range(0, len(ids), self.block_events)) + [len(ids)]
        # one transfer for the whole call: where each block's electron groups start, the range of
        # the identifiers, and a bound on every block's row sums (the sums over all blocks);
        # blocks check their own only if that bound is not below 2^53
        bounds = [xp.abs(fixed).sum() if event_values is not None else xp.zeros(()),  # >= each column's sum
                  *(xp.abs(sums).sum(dtype=xp.float64) for _, sums in electron_rows)]
        boundaries = xp.searchsorted(columns, xp.asarray(block_starts)) if electron_rows else xp.zeros(len(block_starts))
        host = to_numpy(xp.concatenate([boundaries.astype(xp.float64), xp.stack([ids.min(), ids.max()]).astype(xp.float64),
                                        xp.stack(bounds).astype(xp.float64)]))
        group_starts = host[: len(block_starts)].astype(np.int64).tolist()
        check_identifiers(*host[len(block_starts) : len(block_starts) + 2])
        row_bound = max(host[len(block_starts) + 2 :].max(), len(ids)) * MAX_WEIGHT
        checked = row_bound < EXACT_LIMIT
        self._totals.reserve(row_bound, f"bootstrap replica sums bounded by {row_bound:.3g} (units of 2^-24)")
        # where each (event, bin) group goes in its block's rows, flat ((row, event) at
        # row * width + event), for the whole call at once; a call of one block is as wide as its events
        width = min(self.block_events, len(ids))
        place = groups.bin_of.astype(xp.int64) * width + columns % width if electron_rows else None
        targets = [(place + row * width, sums) for row, sums in electron_rows]
        call_sums = xp.zeros((first, self.n_replicas), dtype=xp.int64)
        for block, (start, stop) in enumerate(zip(block_starts[:-1], block_starts[1:])):
            rows = xp.zeros(first * width)
            matrix = rows.reshape(first, width)[:, : stop - start]  # a shorter last block: a view
            if event_values is not None:
                matrix[:n_values] = fixed[start:stop].T
                matrix[n_values] = 1.0
            low, high = group_starts[block], group_starts[block + 1]
            for target, sums in targets:  # one flat scatter per row set (each group once)
                rows[target[low:high]] = sums[low:high]
            call_sums += self._product(matrix, self._weights(ids[start:stop]), checked)
        for total, row in layout:
            total += call_sums[row : row + len(total)]

    def add_electrons(self, event_ids, bins, weight, value) -> None:
        """Electrons with the identifier of their event, pT bin (-1, n_bins: outside), weight
        (None: 1) and value (None: no S sums)."""
        if len(event_ids) == 0:
            return
        xp = self.xp
        events, local = xp.unique(xp.asarray(event_ids, dtype=xp.int64), return_inverse=True)
        groups = EventBinGroups(local.reshape(-1), xp.asarray(bins), self.n_bins)
        weight = None if weight is None else xp.asarray(weight)
        s = None
        if value is not None:
            s = groups.sums(xp.asarray(value) if weight is None else weight * xp.asarray(value), SCALE)
        self.add(events, groups, groups.sums(weight, SCALE), s)

    def add_events(self, event_ids, values) -> None:
        """Per-event quantities (shape (n_events, n_event_values)) of every event of a chunk."""
        self.add(event_ids, event_values=values)

    def __iadd__(self, other: "ReplicaSums") -> "ReplicaSums":
        if (other.first_replica, other.n_replicas) != (self.first_replica, self.n_replicas):
            raise ValueError("only sums of the same replicas can be added")
        self._totals += other._totals
        return self

    def totals(self) -> dict[str, np.ndarray]:
        """The integer sums as numpy arrays (n, s and event_values in units of 1/SCALE): int64,
        or Python integers where some had to move to the host."""
        return self._totals.totals()

    def values(self) -> dict[str, np.ndarray]:
        """Sums as floats, replicas along the last axis: n, s (bins x R), event_values (k x R),
        events (R)."""
        totals = {name: total.astype(np.float64) for name, total in self.totals().items()}
        return {
            "n": totals["n"] / SCALE,
            "s": totals["s"] / SCALE,
            "event_values": totals["event_values"] / SCALE,
            "events": totals["events"],
        }
