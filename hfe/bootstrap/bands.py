"""Merge bootstrap replicas: percentile bands, replica covariance, failed-replica bookkeeping.

Per observable and pT bin the central value is the nominal result; the statistical
uncertainty is the replica distribution: 68 % band (16th-84th percentiles) and 95 % band
(2.5th-97.5th), the standard deviation, and the covariance (and correlation) between pT bins
over the successful replicas. Failed replicas (a fit that did not converge) are excluded and
counted; a failed fraction above ``max_failed_fraction`` is an error, never a silent bias.
A bin that fewer than ``MIN_VALID_REPLICAS`` replicas fill (a pT bin with one or two measured
electrons, whose replicas can all lose them) has no band: the merge keeps the nominal (fit)
uncertainty there and lists the bin.
"""

from __future__ import annotations

import warnings

import numpy as np

from hfe.core.errors import AnalysisInputError

PERCENTILES = {"p02.5": 2.5, "p16": 16.0, "p50": 50.0, "p84": 84.0, "p97.5": 97.5}
MIN_VALID_REPLICAS = 2
PRECISION_RESAMPLES = 200  # resamplings of the replicas behind the band's Monte Carlo precision


class BootstrapError(AnalysisInputError):
    """Too many replicas failed, or replicas are missing."""


def align(low_edges: np.ndarray, values: np.ndarray, nominal_low: np.ndarray) -> np.ndarray:
    """Replica values placed on the nominal bins (NaN where the replica has no such bin)."""
    out = np.full(len(nominal_low), np.nan)
    index = np.searchsorted(nominal_low, low_edges)
    ok = (index < len(nominal_low)) & np.isclose(nominal_low[np.minimum(index, len(nominal_low) - 1)], low_edges)
    out[index[ok]] = np.asarray(values)[ok]
    return out


def check_failures(n_failed: int, n_replicas: int, max_failed_fraction: float) -> None:
    if n_replicas == 0:
        raise BootstrapError("no bootstrap replicas")
    if n_failed / n_replicas > max_failed_fraction:
        raise BootstrapError(
            f"{n_failed} of {n_replicas} bootstrap replicas failed ({n_failed / n_replicas:.1%}), above "
            f"bootstrap.max_failed_fraction = {max_failed_fraction:.1%}: the band would be biased"
        )


def summarize(replicas: np.ndarray, nominal: np.ndarray) -> dict[str, np.ndarray]:
    """Bands of ``replicas`` (replicas x bins; rows of failed replicas all NaN) around ``nominal``."""
    good = replicas[~np.all(np.isnan(replicas), axis=1)]
    out = {"value": np.asarray(nominal, dtype=np.float64), "n_replicas": np.array(len(good))}
    out["n_valid"] = np.sum(~np.isnan(good), axis=0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN or single-replica bins: handled by n_valid
        for name, q in PERCENTILES.items():
            out[name] = np.nanpercentile(good, q, axis=0) if len(good) else np.full(good.shape[1], np.nan)
        out["std"] = np.nanstd(good, axis=0, ddof=1)
        # pairwise over the replicas that have both bins (a v2 bin can be empty in a replica)
        if len(good) > 1:
            covariance = np.ma.cov(np.ma.masked_invalid(good), rowvar=False, ddof=1).filled(np.nan)
        else:
            covariance = np.full((good.shape[1], good.shape[1]), np.nan)
        out["covariance"] = np.atleast_2d(covariance)
        sigma = np.sqrt(np.diag(covariance))
        out["correlation"] = covariance / np.outer(sigma, sigma)
    return out


def band_precision(replicas: np.ndarray, resamples: int = PRECISION_RESAMPLES) -> dict[str, np.ndarray]:
    """Monte Carlo precision of the 68 % band per bin, from resamplings of the replicas (with
    replacement; fixed seed, so reruns agree): ``halfwidth`` = standard deviation of the
    half-width (p84 - p16)/2 over the resamplings divided by the half-width; ``edge`` = that of
    the p16 and p84 edges divided by the edge's magnitude (the larger of the two). Both fall as
    1/sqrt(replicas): N replicas reach a target t with N (precision / t)^2."""
    good = replicas[~np.all(np.isnan(replicas), axis=1)]
    n_bins = replicas.shape[1]
    if len(good) < 2:
        return {"halfwidth": np.full(n_bins, np.nan), "edge": np.full(n_bins, np.nan)}
    rng = np.random.default_rng(0)
    drawn = good[rng.integers(0, len(good), size=(resamples, len(good)))]  # resamples x replicas x bins
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # bins that no replica fills
        low, high = np.nanpercentile(drawn, 16.0, axis=1), np.nanpercentile(drawn, 84.0, axis=1)
        edges = np.nanpercentile(good, 16.0, axis=0), np.nanpercentile(good, 84.0, axis=0)
        halfwidth = np.nanstd(0.5 * (high - low), axis=0) / (0.5 * (edges[1] - edges[0]))
        edge = np.maximum(np.nanstd(low, axis=0) / np.abs(edges[0]), np.nanstd(high, axis=0) / np.abs(edges[1]))
    return {"halfwidth": halfwidth, "edge": edge}
