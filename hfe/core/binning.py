"""Binning helpers shared by every stage: pT bins as (low, high) edge arrays in GeV/c."""

from __future__ import annotations

import numpy as np

BIN_EDGE_TOLERANCE = 1e-9  # GeV/c: edges closer than this count as equal


def average_over_bins(fine_edges: np.ndarray, fine_values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Width-weighted average of a finely binned (piecewise-constant) function over the bins
    [low, high]; a coarse edge inside a fine bin takes the fine bin's content pro rata. A bin of
    zero width (a published point, low = high) takes the value of the fine bin holding it."""
    fine_values = np.asarray(fine_values, dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(fine_values * np.diff(fine_edges))])
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if np.any(low < fine_edges[0] - 1e-9) or np.any(high > fine_edges[-1] + 1e-9):
        raise ValueError(f"bins reach beyond the response range [{fine_edges[0]}, {fine_edges[-1]}] GeV/c")
    width = high - low
    point = width < BIN_EDGE_TOLERANCE
    if not point.any():
        return (np.interp(high, fine_edges, cumulative) - np.interp(low, fine_edges, cumulative)) / width
    holding = np.clip(np.searchsorted(fine_edges, low, side="right") - 1, 0, len(fine_edges) - 2)
    safe = np.where(point, 1.0, width)
    averaged = (np.interp(high, fine_edges, cumulative) - np.interp(low, fine_edges, cumulative)) / safe
    return np.where(point, fine_values[..., holding], averaged)



def error_of_average_over_bins(fine_edges: np.ndarray, fine_errors: np.ndarray, low, high) -> np.ndarray:
    """Error of :func:`average_over_bins` over the bins [low, high] for independent fine-bin
    errors (added in quadrature, width-weighted); only the fine bins wholly inside a bin count."""
    fine_errors = np.asarray(fine_errors, dtype=float)
    variance = (fine_errors * np.diff(fine_edges)) ** 2

    def error(a, b):
        if b - a < BIN_EDGE_TOLERANCE:  # a point: the error of the fine bin holding it
            return fine_errors[int(np.clip(np.searchsorted(fine_edges, a, side="right") - 1, 0, len(fine_errors) - 1))]
        return np.sqrt(np.sum(variance[bins_inside(fine_edges[:-1], fine_edges[1:], a, b)])) / (b - a)

    return np.array([error(a, b) for a, b in zip(np.asarray(low, dtype=float), np.asarray(high, dtype=float))])


def bins_inside(low, high, lo: float, hi: float) -> np.ndarray:
    """Mask of the bins [low, high] that lie inside [lo, hi] (edges within
    BIN_EDGE_TOLERANCE count as inside)."""
    return (np.asarray(low) >= lo - BIN_EDGE_TOLERANCE) & (np.asarray(high) <= hi + BIN_EDGE_TOLERANCE)


def at_limit(value: float, error: float, low: float, high: float) -> bool:
    """A fitted parameter within 1e-3 of its error from a finite limit (the fit is not trusted)."""
    return bool((np.isfinite(low) and value - low < 1e-3 * error) or (np.isfinite(high) and high - value < 1e-3 * error))
