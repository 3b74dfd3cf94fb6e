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

from hfe.stats.exact_sums import EventBinGroups
from hfe.stats.replica_weights import POISSON_TABLE, poisson_weights

SCALE = 2.0**24
EXACT_LIMIT = 2.0**53
MAX_WEIGHT = float(POISSON_TABLE.max())
BLOCK_EVENTS = 8192  # events per weight block: (8192 x replicas) float64 in memory at a time


class ReplicaSums:
    """Replica sums of one batch of replicas (``first_replica`` .. + ``n_replicas`` - 1)."""

    def __init__(self, n_bins: int, key, first_replica: int, n_replicas: int, n_event_values: int = 0, xp=np):
        self.n_bins, self.key, self.xp = n_bins, key, xp
        self.first_replica, self.n_replicas = first_replica, n_replicas
        self.n = np.zeros((n_bins, n_replicas), dtype=np.int64)
        self.s = np.zeros((n_bins, n_replicas), dtype=np.int64)
        self.event_values = np.zeros((n_event_values, n_replicas), dtype=np.int64)
        self.events = np.zeros(n_replicas, dtype=np.int64)

    def _weights(self, ids: np.ndarray):
        return poisson_weights(self.key, ids, self.first_replica, self.n_replicas, self.xp)

    def _product(self, rows: np.ndarray, weights) -> np.ndarray:
        """rows (k x m, exact integers) @ weights (m x R) as int64, exact: every partial sum is
        bounded by sum|rows| x the largest Poisson weight, checked to stay below 2^53."""
        xp = self.xp
        bound = float(np.abs(rows).sum(axis=1).max()) * MAX_WEIGHT if rows.size else 0.0
        rows = xp.asarray(rows)
        if bound >= EXACT_LIMIT:
            raise OverflowError(f"replica block sum {bound:.3g} exceeds 2^53: use smaller blocks")
        product = rows @ weights
        return np.asarray(product.get() if hasattr(product, "get") else product).astype(np.int64)

    def add_electrons(self, event_ids: np.ndarray, bins: np.ndarray, weight: np.ndarray | None, value: np.ndarray | None) -> None:
        """Electrons with the identifier of their event, pT bin (-1, n_bins: outside), weight
        (None: 1) and value (None: no S sums)."""
        if len(event_ids) == 0:
            return
        groups = EventBinGroups(event_ids, bins, self.n_bins)
        n = groups.sums(weight, SCALE)
        s = None if value is None else groups.sums(value if weight is None else weight * value, SCALE)
        events, column = np.unique(groups.event_of, return_inverse=True)  # groups are event-sorted
        for start in range(0, len(events), BLOCK_EVENTS):
            stop = min(start + BLOCK_EVENTS, len(events))
            in_block = slice(*np.searchsorted(column, [start, stop]))
            weights = self._weights(events[start:stop])
            present = [(total, values) for total, values in ((self.n, n), (self.s, s)) if values is not None]
            rows = np.zeros((len(present) * self.n_bins, stop - start))  # n and s rows: one pass over the weights
            for k, (_, values) in enumerate(present):
                rows[k * self.n_bins + groups.bin_of[in_block], column[in_block] - start] = values[in_block]
            product = self._product(rows, weights)
            for k, (total, _) in enumerate(present):
                total += product[k * self.n_bins : (k + 1) * self.n_bins]

    def add_events(self, event_ids: np.ndarray, values: np.ndarray) -> None:
        """Per-event quantities (shape (n_events, n_event_values)) of every event of a chunk."""
        fixed = np.rint(np.asarray(values, dtype=np.float64) * SCALE)
        for start in range(0, len(event_ids), BLOCK_EVENTS):
            stop = min(start + BLOCK_EVENTS, len(event_ids))
            weights = self._weights(event_ids[start:stop])
            self.event_values += self._product(fixed[start:stop].T, weights)
            self.events += self._product(np.ones((1, stop - start)), weights)[0]

    def __iadd__(self, other: "ReplicaSums") -> "ReplicaSums":
        if (other.first_replica, other.n_replicas) != (self.first_replica, self.n_replicas):
            raise ValueError("only sums of the same replicas can be added")
        self.n += other.n
        self.s += other.s
        self.event_values += other.event_values
        self.events += other.events
        return self

    def values(self) -> dict[str, np.ndarray]:
        """Sums as floats, replicas along the last axis: n, s (bins x R), event_values (k x R),
        events (R)."""
        return {
            "n": self.n / SCALE,
            "s": self.s / SCALE,
            "event_values": self.event_values / SCALE,
            "events": self.events.astype(np.float64),
        }
