"""Order-independent accumulation of event-level moments per pT bin.

Floating-point sums depend on the order of the additions, so reading the same events in other
steps, files or jobs would change the last bits of a result. Here every per-electron quantity
is rounded to a multiple of 2^-32 (far below the float32 precision of the ntuples) and summed as
integers, which is exact and associative; squares of per-event sums are rounded to multiples of
2^-16. Results are therefore bit-identical whatever the chunking, the step size or the number of
jobs, and accumulators of parallel jobs can be added.

:class:`ExactWeightedHistogram` does the same for weighted histograms (the decay-library
responses and yields, whose electrons carry branching-ratio weights).

Per pT bin b and event i, with n_ib = sum of electron weights and s_ib = sum of weight x x
(x = cos 2(phi - Psi) for v2), the accumulator holds sum_i n_ib, sum_i s_ib, sum_i n_ib^2,
sum_i s_ib^2 and sum_i n_ib s_ib: enough for yields and for ratio estimators with their
event-level (not per-electron) statistical uncertainty. Everything runs on the array backend
of the inputs (numpy or cupy) in integer arithmetic, so the order of the additions does not
matter on either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hfe.core.backend import array_module_of, to_numpy

FIRST_SCALE = 2.0**32
SECOND_SCALE = 2.0**16
LIMB = 2.0**12  # weights in 2^-32 quanta are split into 12-bit limbs for exact sums of squares
MOMENTS = ("n", "s", "nn", "ss", "ns")
INT64_BOUND = 2.0**62  # host-side bounds of int64 sums stay below this (2^63, halved for the bounds' rounding)


def _second(a, b):
    """Fixed-point (2^-16) products of per-(event, bin) fixed-point (2^-32) int64 sums:
    rint((a / 2^32) (b / 2^32) 2^16), the scaling by 2^-48 being exact."""
    xp = array_module_of(a)
    return xp.rint(a.astype(xp.float64) * b.astype(xp.float64) * 2.0**-48).astype(xp.int64)


def _stable_argsort(keys):
    """A stable argsort on either backend (numpy's radix sort for 16-bit keys; cupy's sort is
    always stable and takes no ``kind``)."""
    xp = array_module_of(keys)
    return xp.argsort(keys, kind="stable") if xp is np else xp.argsort(keys)


class EventBinGroups:
    """Electrons grouped per (event, pT bin) by a stable sort of the combined key (fast for
    event-ordered input), on the array backend of the inputs. ``order`` sorts the electrons,
    ``starts`` are the first sorted electron of each group; ``inside`` marks the groups inside
    the binning, with their ``bin_of`` and ``event_of`` (event index as given)."""

    def __init__(self, event, bins, n_bins: int):
        xp = self.xp = array_module_of(bins)
        self.n_bins = n_bins
        wide = n_bins + 1  # one overflow column collects electrons outside the binning
        # bins in [-1, n_bins] (searchsorted - 1): modulo sends under- and overflow to column n_bins
        lowest, highest = xp.stack([bins.min(), bins.max()]).tolist() if len(bins) else (0, 0)  # one transfer
        if lowest < -1 or highest > n_bins:
            raise ValueError("bin indices must lie in [-1, n_bins]")
        keys = xp.asarray(event, dtype=xp.int64) * wide + bins % wide
        self.order = _stable_argsort(keys)
        sorted_keys = keys[self.order]
        first = xp.ones(len(keys), dtype=bool)
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        self.starts = xp.flatnonzero(first)
        self.ends = xp.empty_like(self.starts)
        self.ends[:-1], self.ends[-1:] = self.starts[1:], len(keys)
        bin_of = sorted_keys[self.starts] % wide
        self.inside = xp.flatnonzero(bin_of != n_bins)
        self.bin_of = bin_of[self.inside]
        self.event_of = (sorted_keys[self.starts] // wide)[self.inside]

    def sums(self, values, scale: float):
        """Per inside group: the sum of ``values`` (None: the electron count) in units of
        1/scale, each electron's value rounded to that grid first (int64, exact)."""
        xp = self.xp
        if values is None:
            return ((self.ends - self.starts) * int(scale)).astype(xp.int64)[self.inside]
        quanta = xp.rint(xp.asarray(values, dtype=xp.float64)[self.order] * scale).astype(xp.int64)
        running = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(quanta)])
        return (running[self.ends] - running[self.starts])[self.inside]


def exact_bincount(index, values, length: int):
    """Per row of int64 ``values`` (shape (m,) or (k, m)) and index in [0, length): the exact
    int64 sums (shape (length,) or (k, length)), on either backend. The entries are ordered by
    index (a radix sort of 16-bit keys) and each index's sum is a difference of int64 running
    sums: exact, as int64 arithmetic is exact modulo 2^64, wherever the sum itself lies in the
    int64 range (:class:`MomentSums` bounds it), and free of the atomic additions of a GPU
    bincount and of its synchronisation (it reads the largest index back)."""
    xp = array_module_of(values)
    rows = values.reshape(-1, values.shape[-1]) if values.ndim > 1 else values[None, :]
    if length > 2**15:
        raise ValueError(f"exact_bincount: {length} indices, at most 2^15")
    order = _stable_argsort(xp.asarray(index, dtype=xp.int16))
    bounds = xp.searchsorted(index[order], xp.arange(length + 1))
    running = xp.concatenate([xp.zeros((len(rows), 1), dtype=xp.int64), xp.cumsum(rows[:, order], axis=1)], axis=1)
    sums = running[:, bounds[1:]] - running[:, bounds[:-1]]
    return sums if values.ndim > 1 else sums[0]


class Int64Totals:
    """Named int64 totals on an array backend (numpy or cupy) that never wrap: before each
    addition the caller passes :meth:`reserve` a bound, known on the host, on what it adds to
    any total; before their bound could pass 2^62 the totals move into Python integers on the
    host. No read-back per addition."""

    def __init__(self, shapes: dict[str, tuple], xp):
        self.xp = xp
        self.arrays = {name: xp.zeros(shape, dtype=xp.int64) for name, shape in shapes.items()}
        self.bound = 0.0  # bound on the magnitude of every total in ``arrays`` (host number)
        self._host = None  # what moved to the host: Python integers per total

    def reserve(self, increment: float, what: str) -> None:
        """Before adding at most ``increment`` to any total; ``what`` names it in the error
        for a single addition that could leave int64."""
        if not increment < INT64_BOUND:
            raise OverflowError(f"{what} in one step: their exact int64 sums could overflow; use smaller steps "
                                "(measurement.step_size)")
        if not self.bound + increment < INT64_BOUND:
            self._to_host()
        self.bound += increment

    def _to_host(self) -> None:
        host = self._host or {name: 0 for name in self.arrays}
        self._host = {name: host[name] + to_numpy(total).astype(object) for name, total in self.arrays.items()}
        for total in self.arrays.values():
            total[...] = 0
        self.bound = 0.0

    def totals(self) -> dict[str, np.ndarray]:
        """The totals as numpy arrays: int64, or Python integers where some moved to the host."""
        totals = {name: to_numpy(total) for name, total in self.arrays.items()}
        if self._host is not None:
            totals = {name: self._host[name] + total.astype(object) for name, total in totals.items()}
        return totals

    def __iadd__(self, other: "Int64Totals") -> "Int64Totals":
        """Add the totals of another (same names and shapes, any backend)."""
        self.reserve(other.bound, "added totals")
        for name, total in self.arrays.items():
            total += self.xp.asarray(to_numpy(other.arrays[name]))
        if other._host is not None:
            host = self._host or {name: 0 for name in self.arrays}
            self._host = {name: host[name] + other._host[name] for name in self.arrays}
        return self


class MomentSums:
    """Exact event-level moments of per-bin electron weights and weighted values, as
    :class:`Int64Totals` on the array backend of the added electrons (no transfer per step)."""

    def __init__(self, n_bins: int):
        self.n_bins = n_bins
        self._totals = None  # Int64Totals, made on the backend of the first electrons added

    def _per_bin(self, xp) -> Int64Totals:
        if self._totals is None:
            self._totals = Int64Totals({"moments": (len(MOMENTS), self.n_bins)}, xp)
        elif self._totals.xp is not xp:
            raise ValueError("MomentSums: electrons of another array backend than the ones added before")
        return self._totals

    @property
    def sums(self) -> dict[str, np.ndarray]:
        """The totals per moment (integers, in units of 2^-32 (first) and 2^-16 (second))."""
        if self._totals is None:
            return {name: np.zeros(self.n_bins, dtype=np.int64) for name in MOMENTS}
        return dict(zip(MOMENTS, self._totals.totals()["moments"]))

    def add(self, event, bins, weight, value, groups: EventBinGroups | None = None, weight_bound: float | None = None,
            electrons_per_event: int | None = None) -> None:
        """Electrons of whole events: event index, pT bin (-1 and n_bins: outside, ignored),
        weight (None: 1) and value (None: spectra only); numpy or cupy arrays. ``groups``:
        their :class:`EventBinGroups` where already formed. ``weight_bound`` (at least every
        |weight| and |weight x value|) and ``electrons_per_event`` (at least the most electrons
        of one event) bound the int64 sums; where not given they are read from the arrays."""
        if len(bins) == 0:
            return
        groups = groups or EventBinGroups(event, bins, self.n_bins)
        xp = groups.xp
        totals = self._per_bin(xp)
        totals.reserve(*self._step_bound(groups, weight, value, weight_bound, electrons_per_event))
        n = groups.sums(weight, FIRST_SCALE)
        moments = {"n": n, "nn": _second(n, n)}
        if value is not None:
            s = groups.sums(value if weight is None else weight * value, FIRST_SCALE)
            moments.update(s=s, ss=_second(s, s), ns=_second(n, s))
        totals.arrays["moments"][[MOMENTS.index(name) for name in moments]] += exact_bincount(
            groups.bin_of, xp.stack(list(moments.values())), self.n_bins)

    @staticmethod
    def _step_bound(groups: EventBinGroups, weight, value, weight_bound, electrons_per_event) -> tuple[float, str]:
        """A bound on every per-bin sum of one step, in its units (sum |n_g| <= N w 2^32 for
        N electrons of weight at most w, and sum n_g^2 2^-48 <= max |n_g| sum |n_g| 2^-48
        <= M N w^2 2^16 with at most M electrons an event), and what it bounds, in words."""
        xp = groups.xp
        electrons = len(groups.order)
        if weight_bound is None:
            magnitudes = [xp.zeros(()) + 1.0 if weight is None else xp.abs(weight).max()]
            if value is not None:
                magnitudes.append(xp.abs(value if weight is None else weight * value).max())
            weight_bound = max(xp.stack(magnitudes).tolist())
        most = electrons if electrons_per_event is None else electrons_per_event
        bound = max(electrons * weight_bound * FIRST_SCALE, most * electrons * weight_bound**2 * SECOND_SCALE) + electrons
        return bound, f"{electrons} electrons with weights up to {weight_bound:.3g}"

    def __iadd__(self, other: "MomentSums") -> "MomentSums":
        if other._totals is not None:
            if self._totals is None:
                self._per_bin(other._totals.xp)
            self._totals += other._totals  # of any backend
        return self

    def values(self) -> dict[str, np.ndarray]:
        """Moments as floats: first moments / 2^32, second moments / 2^16."""
        return {
            name: self.sums[name].astype(np.float64) / (FIRST_SCALE if len(name) == 1 else SECOND_SCALE) for name in MOMENTS
        }

    def ratio(self) -> tuple[np.ndarray, np.ndarray]:
        """sum s / sum n per bin and its event-level statistical error (delta method)."""
        m = self.values()
        with np.errstate(divide="ignore", invalid="ignore"):
            r = m["s"] / m["n"]
            variance = (m["ss"] - 2 * r * m["ns"] + r**2 * m["nn"]) / m["n"] ** 2
        return r, np.sqrt(np.clip(variance, 0.0, None))


@dataclass
class EventSums:
    """Exact sums of per-event quantities (event-plane correlations) and of their squares."""

    names: tuple[str, ...]
    n_events: int = 0
    sums: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in self.names:
            self.sums.setdefault(name, [0, 0])

    def add(self, **values) -> None:
        """Per-event values (numpy or cupy arrays) by name; their sums come back to the host
        in one transfer."""
        if not values:
            return
        names = list(values)
        xp = array_module_of(values[names[0]])
        fixed = xp.rint(xp.stack([xp.asarray(values[name], dtype=xp.float64) for name in names]) * FIRST_SCALE)
        unit = fixed / FIRST_SCALE
        squares = xp.rint(unit * unit * SECOND_SCALE).astype(xp.int64)
        totals = to_numpy(xp.stack([fixed.astype(xp.int64).sum(axis=1), squares.sum(axis=1)]))
        for name, first, second in zip(names, totals[0].tolist(), totals[1].tolist()):
            self.sums[name][0] += first
            self.sums[name][1] += second

    def mean(self, name: str) -> tuple[float, float]:
        """Mean over events and its standard error."""
        n = self.n_events
        first = self.sums[name][0] / FIRST_SCALE / n
        second = self.sums[name][1] / SECOND_SCALE / n
        return first, float(np.sqrt(max(second - first**2, 0.0) / n))


class ExactWeightedHistogram:
    """Sums of weights and of squared weights per cell of a ``numpy.histogramdd`` binning that
    are exact and therefore independent of the order and grouping of the entries.

    Each weight is rounded to q = rint(w * 2^32) quanta and split into 12-bit limbs,
    q = a 2^24 + b 2^12 + c; the sums of q and of the six limb products (aa, ab, ac, bb, bc, cc)
    are integer-valued and exact in float64 for |w| < 16 and up to 2^29 entries per cell.
    """

    PRODUCTS = ("aa", "ab", "ac", "bb", "bc", "cc")

    def __init__(self, bins: tuple):
        self.bins = bins
        shape = tuple(len(edges) - 1 for edges in bins)
        self.sums = {name: np.zeros(shape) for name in ("q", *self.PRODUCTS)}

    def fill(self, sample: tuple, weight: np.ndarray) -> None:
        quanta = np.rint(np.asarray(weight, dtype=np.float64) * FIRST_SCALE)
        if len(quanta) and np.abs(quanta).max() >= 2.0**36:
            raise ValueError("ExactWeightedHistogram: weights must be below 16 in magnitude")
        a, rest = np.divmod(quanta, LIMB**2)
        b, c = np.divmod(rest, LIMB)
        limbs = {"a": a, "b": b, "c": c}
        self.sums["q"] += np.histogramdd(sample, bins=self.bins, weights=quanta)[0]
        for name in self.PRODUCTS:
            self.sums[name] += np.histogramdd(sample, bins=self.bins, weights=limbs[name[0]] * limbs[name[1]])[0]

    def sum_w(self) -> np.ndarray:
        return self.sums["q"] / FIRST_SCALE

    def sum_w2(self) -> np.ndarray:
        s = self.sums
        square = (
            s["aa"] * LIMB**4 + 2.0 * s["ab"] * LIMB**3 + (2.0 * s["ac"] + s["bb"]) * LIMB**2 + 2.0 * s["bc"] * LIMB + s["cc"]
        )
        return square / FIRST_SCALE**2
