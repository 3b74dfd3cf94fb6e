"""Elementary functions from IEEE-754 basic operations only, so numpy and cupy give the same bits.

The measurement rounds every per-electron quantity to a fixed-point grid and sums integers
(:mod:`hfe.stats.exact_sums`): its results are bit-identical whatever the chunking, and CPU and
GPU results agree bit for bit provided the per-electron quantities do. Basic operations
(+, -, *, /, sqrt, rint, comparisons, integer arithmetic and gathers) are correctly rounded on
both backends when each is its own array operation (no fused multiply-add), but the
transcendental functions (cos, sin, atan2, exp, ...) of numpy and of CUDA may differ in the last
bit. Here they are replaced by:

* :func:`cos_sin`: cos x and sin x from a 2^12-entry table built on the host and a Taylor step
  in the remainder (|d| <= pi/2^12: the first neglected terms are below 1e-21), within 1e-15
  of numpy's;
* :func:`unit_vector`: cos and sin of the angle of a vector (an event-plane angle 2 Psi from its
  flow vector Q) by normalisation, without the angle;
* :class:`TabulatedCurve`: a smooth curve (an efficiency) as a host-built table on a fine grid,
  interpolated linearly (relative deviation ~1e-10 for curves that vary on a 1 GeV/c scale).
"""

from __future__ import annotations

import math

import numpy as np

TABLE_BITS = 12
_TABLE_SIZE = 2**TABLE_BITS
_STEP = 2.0 * math.pi / _TABLE_SIZE
_TABLES = {np: (np.cos(np.arange(_TABLE_SIZE) * _STEP), np.sin(np.arange(_TABLE_SIZE) * _STEP))}


def _trig_tables(xp):
    """The host-built cos and sin tables, copied once to the backend ``xp``."""
    if xp not in _TABLES:
        _TABLES[xp] = tuple(xp.asarray(table) for table in _TABLES[np])
    return _TABLES[xp]


def cos_sin(x, xp=np):
    """(cos x, sin x) of a float64 array (radians, any range where x 2^12/2pi fits in int64)."""
    x = xp.asarray(x, dtype=xp.float64)
    turns = xp.rint(x * (1.0 / _STEP))
    d = x - turns * _STEP  # |d| <= pi / 2^12
    index = turns.astype(xp.int64) & (_TABLE_SIZE - 1)  # two's complement: the angle modulo 2 pi
    cos_table, sin_table = _trig_tables(xp)
    c0, s0 = cos_table[index], sin_table[index]
    d2 = d * d
    cos_d = 1.0 - d2 * (0.5 - d2 * (1.0 / 24.0))
    sin_d = d * (1.0 - d2 * ((1.0 / 6.0) - d2 * (1.0 / 120.0)))
    return c0 * cos_d - s0 * sin_d, s0 * cos_d + c0 * sin_d


def unit_vector(qx, qy, xp=np):
    """(cos a, sin a) of the angle a of the vectors (qx, qy); (1, 0) for a null vector, the
    angle atan2(0, 0) = 0."""
    qx, qy = xp.asarray(qx, dtype=xp.float64), xp.asarray(qy, dtype=xp.float64)
    length = xp.sqrt(qx * qx + qy * qy)
    null = length == 0.0
    length = xp.where(null, 1.0, length)
    return xp.where(null, 1.0, qx / length), qy / length


class TabulatedCurve:
    """``curve`` on [low, high] as a table of ``intervals`` + 1 values, interpolated linearly;
    arguments outside the range take the value at the nearer end."""

    def __init__(self, curve, low: float, high: float, intervals: int = 2**18):
        if not high > low:
            raise ValueError(f"TabulatedCurve: empty range [{low}, {high}]")
        self.low, self.high, self.intervals = float(low), float(high), int(intervals)
        self.inverse_step = self.intervals / (self.high - self.low)
        self.grid = self.low + np.arange(self.intervals + 1) / self.inverse_step
        self.values = np.broadcast_to(np.asarray(curve(self.grid), dtype=np.float64), self.grid.shape).copy()
        self.slopes = np.diff(self.values)
        self._device = {}

    def _tables(self, xp):
        if xp is np:
            return self.values, self.slopes
        if xp not in self._device:
            self._device[xp] = (xp.asarray(self.values), xp.asarray(self.slopes))
        return self._device[xp]

    def __call__(self, x, xp=np):
        values, slopes = self._tables(xp)
        t = (xp.asarray(x, dtype=xp.float64) - self.low) * self.inverse_step
        t = xp.minimum(xp.maximum(t, 0.0), float(self.intervals))
        index = xp.minimum(t.astype(xp.int64), self.intervals - 1)
        return values[index] + (t - index) * slopes[index]
