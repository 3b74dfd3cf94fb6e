"""Elliptic flow of decay electrons: decay kinematics, NCQ scaling, and the beauty extraction.

Decay kinematics. Hadrons of yield N_j in parent bin j with azimuthal distribution
1 + 2 v2^h cos 2(phi - Psi) give electrons with

    v2^e(i) = sum_j C[i, j] v2^h_j N_j / sum_j R[i, j] N_j,

where R is the response of :mod:`hfe.decays.response` and C the same response with every
electron weighted by cos 2(phi_e - phi_h) (``flow=True``). This is exact: averaging
cos 2(phi_e - Psi) over the hadron's azimuth turns the modulation of the hadron into
v2^h <cos 2(phi_e - phi_h)>, and decays do not depend on the hadron's azimuth.

NCQ scaling between species: :mod:`hfe.core.quark_scaling`.

Beauty v2 from the HFE v2 bin by bin: v2^{b->e} = [v2^{HFE} - (1 - f_b) v2^{c->e}] / f_b; a
small f_b gives a large, honest uncertainty (bins with f_b below ``min_beauty_fraction`` are
flagged). Deviations from a hypothesis are tested with their full covariance
(:func:`covariance_test`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy import stats

from hfe.decays.folding import parent_yield_per_bin
from hfe.decays.response import ResponseMatrix
from hfe.stats.covariance import chi2 as covariance_chi2


def flow_sums(
    responses: Mapping[str, ResponseMatrix], flow_responses: Mapping[str, ResponseMatrix], parents: Mapping[str, np.ndarray], v2: Mapping[str, Callable]
) -> tuple[np.ndarray, np.ndarray]:
    """(sum_s C_s (v2_s N_s), sum_s R_s N_s) on the daughter bins: N_s parents per parent bin of
    each species, v2_s its v2 at the parent-bin centres."""
    numerator, denominator = 0.0, 0.0
    for species, response in responses.items():
        centres = 0.5 * (response.parent_edges[1:] + response.parent_edges[:-1])
        numerator = numerator + flow_responses[species].matrix @ (v2[species](centres) * parents[species])
        denominator = denominator + response.matrix @ parents[species]
    return numerator, denominator


def electron_v2(
    responses: Mapping[str, ResponseMatrix],
    flow_responses: Mapping[str, ResponseMatrix],
    spectra: Mapping[str, Callable],
    v2: Mapping[str, Callable],
) -> np.ndarray:
    """v2 of the daughters of several species (fine daughter bins); NaN where none."""
    parents = {s: parent_yield_per_bin(r, spectra[s]) for s, r in responses.items()}
    numerator, denominator = flow_sums(responses, flow_responses, parents, v2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def beauty_v2_bin_by_bin(v2_hfe: np.ndarray, v2_charm: np.ndarray, beauty_fraction: np.ndarray) -> np.ndarray:
    """v2 of b -> e from the HFE v2, the c -> e v2 and f_b per bin:
    [v2^HFE - (1 - f_b) v2^{c->e}] / f_b (its covariance: :mod:`hfe.stats.linear_propagation`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.asarray(v2_hfe) - (1.0 - np.asarray(beauty_fraction)) * np.asarray(v2_charm)) / np.asarray(beauty_fraction)


def covariance_test(residual: np.ndarray, covariance: np.ndarray, method: str) -> dict:
    """chi2 = d^T V^-1 d of a deviation d from a hypothesis with its full covariance V (NaN
    points dropped), ndf = number of points, p-value, the equivalent two-sided Gaussian
    significance and CL = 1 - p; ``method`` says which covariance (stored with the result)."""
    residual, covariance = np.asarray(residual, dtype=float), np.atleast_2d(np.asarray(covariance, dtype=float))
    good = np.isfinite(residual) & (np.diag(covariance) > 0)
    ndf = int(good.sum())
    if not ndf:
        return {"chi2": float("nan"), "ndf": 0, "p_value": float("nan"), "significance_sigma": float("nan"), "confidence_level": float("nan"), "covariance": method}
    chi2 = covariance_chi2(residual[good], covariance[np.ix_(good, good)])
    p_value = float(stats.chi2.sf(chi2, ndf))
    return {
        "chi2": float(chi2),
        "ndf": ndf,
        "p_value": p_value,
        "significance_sigma": float(stats.norm.isf(p_value / 2)),
        "confidence_level": 1.0 - p_value,
        "covariance": method,
    }
