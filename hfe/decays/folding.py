"""Parent hadron spectra -> decay-electron (or non-prompt D0) spectra, by response matrix or by
reweighting.

Convention: a parent spectrum is ``dN/dpT dy`` (per unit rapidity, GeV/c^-1), assumed flat in
rapidity over the library's |y| < y_max (boost invariance at mid-rapidity). The result is the
daughter ``dN/dpT deta`` for electrons (per unit pseudorapidity, averaged over |eta| < 0.8) or
``dN/dpT dy`` for D0 (averaged over |y| < 0.5), per daughter pT bin. Cross sections fold the
same way (dsigma/dpTdy in, dsigma/dpTdeta out). Charges follow the input: a particle +
antiparticle averaged parent spectrum gives the charge-averaged (e+ + e-)/2 electron spectrum
(and (D0 + anti-D0)/2), the convention of ALICE's published spectra.

Two methods that must agree within MC statistics:

* :func:`fold_spectrum`: integrate the spectrum over each fine parent bin and multiply by
  the response matrix (fast; what fits use);
* :func:`reweight_decays`: weight every generated parent by ``f(pT) / g(pT)``, with ``g`` the
  flat generation density, and histogram its electrons directly (exact within a bin).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import awkward as ak
import numpy as np

from hfe.decays.ntuple import ELECTRON_BRANCHES, PARENT_BRANCHES, iterate_decays, library_kinematics
from hfe.decays.response import ResponseMatrix

GAUSS_NODES, GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(8)


def integrate_over_bins(function: Callable[[np.ndarray], np.ndarray], edges: np.ndarray) -> np.ndarray:
    """Integral of ``function`` over each bin (8-point Gauss-Legendre per bin)."""
    edges = np.asarray(edges, dtype=float)
    low, high = edges[:-1, None], edges[1:, None]
    half = 0.5 * (high - low)
    x = low + half * (GAUSS_NODES[None, :] + 1.0)
    return np.sum(function(x) * GAUSS_WEIGHTS[None, :], axis=1) * half[:, 0]


def parent_yield_per_bin(response: ResponseMatrix, parent_dndptdy) -> np.ndarray:
    """Parents per fine parent bin in |y| < y_max for a callable dN/dpTdy or its bin averages."""
    edges = response.parent_edges
    if callable(parent_dndptdy):
        integral = integrate_over_bins(parent_dndptdy, edges)
    else:
        values = np.asarray(parent_dndptdy, dtype=float)
        if values.shape != (len(edges) - 1,):
            raise ValueError(f"binned parent spectrum has shape {values.shape}, response expects ({len(edges) - 1},)")
        integral = values * np.diff(edges)
    return integral * 2.0 * response.parent_y_max


def fold_spectrum(response: ResponseMatrix, parent_dndptdy) -> np.ndarray:
    """Daughter dN/dpT deta (electrons) or dN/dpT dy (D0) per daughter bin (see module docstring)."""
    return fold_parents(response, parent_yield_per_bin(response, parent_dndptdy))


def fold_spectrum_error(response: ResponseMatrix, parent_dndptdy) -> np.ndarray:
    """MC statistical uncertainty of :func:`fold_spectrum` (uncorrelated response cells)."""
    return fold_parents_error(response, parent_yield_per_bin(response, parent_dndptdy))


def fold_parents(response: ResponseMatrix, parents: np.ndarray) -> np.ndarray:
    """:func:`fold_spectrum` of the parents per fine bin (:func:`parent_yield_per_bin`)."""
    return (response.matrix @ parents) / (np.diff(response.daughter_edges) * 2.0 * response.daughter_acceptance)


def fold_parents_error(response: ResponseMatrix, parents: np.ndarray) -> np.ndarray:
    """:func:`fold_spectrum_error` of the parents per fine bin (:func:`parent_yield_per_bin`)."""
    variance = response.matrix_variance @ (parents**2)
    return np.sqrt(variance) / (np.diff(response.daughter_edges) * 2.0 * response.daughter_acceptance)


def reweight_decays(
    paths: Sequence[str | Path],
    parent_dndptdy: Callable[[np.ndarray], np.ndarray],
    electron_edges: np.ndarray,
    origin_weight: np.ndarray,
    eta_max: float = 0.8,
    step_size: int | str = 200_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Electron dN/dpT deta per bin and its MC error from per-parent weights f(pT)/g(pT), each
    electron counted with its library weight (forced decays), each parent once."""
    pt_max, y_max = library_kinematics(paths)
    n_parents = 0.0
    sum_w = np.zeros(len(electron_edges) - 1)
    sum_w2 = np.zeros_like(sum_w)
    origin_weight = np.asarray(origin_weight, dtype=float)
    for batch in iterate_decays(paths, PARENT_BRANCHES + ELECTRON_BRANCHES, step_size):
        n_parents += len(batch)
        parent_w = parent_dndptdy(ak.to_numpy(batch.parent_pt).astype(float))
        accepted = abs(batch.electron_eta) < eta_max
        w = ak.broadcast_arrays(parent_w, batch.electron_pt)[0][accepted] * batch.electron_weight[accepted]
        w = ak.to_numpy(ak.flatten(w)) * origin_weight[ak.to_numpy(ak.flatten(batch.electron_origin[accepted]))]
        pt = ak.to_numpy(ak.flatten(batch.electron_pt[accepted]))
        sum_w += np.histogram(pt, bins=electron_edges, weights=w)[0]
        sum_w2 += np.histogram(pt, bins=electron_edges, weights=w * w)[0]
    # generation density per parent: 1 / (pt_max * 2 y_max); spectrum integrated over 2 y_max
    scale = pt_max * 2.0 * y_max / n_parents / (np.diff(electron_edges) * 2.0 * eta_max)
    return sum_w * scale, np.sqrt(sum_w2) * scale
