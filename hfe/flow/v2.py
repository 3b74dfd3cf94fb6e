"""Elliptic flow of decay electrons: decay kinematics, NCQ scaling, and the beauty extraction.

Decay kinematics. Hadrons of yield N_j in parent bin j with azimuthal distribution
1 + 2 v2^h cos 2(phi - Psi) give electrons with

    v2^e(i) = sum_j C[i, j] v2^h_j N_j / sum_j R[i, j] N_j,

where R is the response of :mod:`hfe.decays.response` and C the same response with every
electron weighted by cos 2(phi_e - phi_h) (``flow=True``). This is exact: averaging
cos 2(phi_e - Psi) over the hadron's azimuth turns the modulation of the hadron into
v2^h <cos 2(phi_e - phi_h)>, and decays do not depend on the hadron's azimuth.

NCQ hypothesis for beauty: B mesons (n_q = 2) follow the D-meson v2 at the same transverse
kinetic energy per quark, KE_T / n_q, with KE_T = m_T - m: v2_B(pT) = v2_D(pT_D) with
KE_T^D(pT_D) = KE_T^B(pT).

Beauty v2 from the HFE v2 bin by bin: v2^{b->e} = [v2^{HFE} - (1 - f_b) v2^{c->e}] / f_b, with
linear error propagation in v2^{HFE}, v2^{c->e} and f_b; a small f_b gives a large, honest
uncertainty, and bins with f_b below ``min_beauty_fraction`` are flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy import stats

from hfe.core.species import SPECIES
from hfe.decays.folding import parent_yield_per_bin
from hfe.decays.response import ResponseMatrix


def electron_v2(
    responses: Mapping[str, ResponseMatrix],
    flow_responses: Mapping[str, ResponseMatrix],
    spectra: Mapping[str, Callable],
    v2: Mapping[str, Callable],
) -> np.ndarray:
    """v2 of the electrons of several species (fine electron bins); NaN where no electron."""
    numerator, denominator = 0.0, 0.0
    for species, response in responses.items():
        parents = parent_yield_per_bin(response, spectra[species])
        centres = 0.5 * (response.parent_edges[1:] + response.parent_edges[:-1])
        numerator = numerator + flow_responses[species].matrix @ (v2[species](centres) * parents)
        denominator = denominator + response.matrix @ parents
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def transverse_kinetic_energy(pt, mass):
    """KE_T = m_T - m (GeV)."""
    return np.sqrt(np.asarray(pt, dtype=float) ** 2 + mass**2) - mass


def pt_at_kinetic_energy(ket, mass):
    """Inverse of :func:`transverse_kinetic_energy`."""
    ket = np.asarray(ket, dtype=float)
    return np.sqrt((ket + mass) ** 2 - mass**2)


def ncq_scaled_v2(v2_reference: Callable, reference_mass: float, target_mass: float, quarks_reference: int = 2, quarks_target: int = 2):
    """v2 of a hadron of ``target_mass`` predicted by NCQ scaling from a reference hadron:
    v2_t(pT)/n_t = v2_r(pT_r)/n_r at KE_T,r/n_r = KE_T,t/n_t."""

    def v2(pt):
        ket_per_quark = transverse_kinetic_energy(pt, target_mass) / quarks_target
        reference_pt = pt_at_kinetic_energy(ket_per_quark * quarks_reference, reference_mass)
        return quarks_target / quarks_reference * v2_reference(reference_pt)

    return v2


def d_meson_v2_in_ket(curve: Callable, mass: float = SPECIES["D0"].mass) -> Callable:
    """A v2 shape defined in KE_T (the NCQ-inspired default fit variable) as a function of pT."""
    return lambda pt: curve(transverse_kinetic_energy(pt, mass))


def beauty_v2_bin_by_bin(
    v2_hfe: tuple[np.ndarray, np.ndarray],
    v2_charm: tuple[np.ndarray, np.ndarray],
    beauty_fraction: tuple[np.ndarray, np.ndarray],
    min_beauty_fraction: float = 0.05,
) -> dict:
    """v2 of b -> e from the HFE v2, the c -> e v2 and f_b (each value, error), per bin."""
    (h, dh), (c, dc), (f, df) = v2_hfe, v2_charm, beauty_fraction
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (h - (1.0 - f) * c) / f
        error = np.sqrt((dh / f) ** 2 + ((1.0 - f) * dc / f) ** 2 + ((h - c) / f**2 * df) ** 2)
    return {"value": value, "error": error, "unconstrained": f < min_beauty_fraction}


def deviation(values: np.ndarray, errors: np.ndarray, prediction: np.ndarray) -> dict:
    """chi2, ndf, p-value and the equivalent two-sided Gaussian significance of data vs a
    prediction (uncorrelated points)."""
    good = np.isfinite(values) & np.isfinite(errors) & (errors > 0) & np.isfinite(prediction)
    chi2 = float(np.sum(((values - prediction)[good] / errors[good]) ** 2))
    ndf = int(good.sum())
    p_value = float(stats.chi2.sf(chi2, ndf)) if ndf else float("nan")
    return {
        "chi2": chi2,
        "ndf": ndf,
        "p_value": p_value,
        "significance_sigma": float(stats.norm.isf(p_value / 2)) if ndf else float("nan"),
        "confidence_level": 1.0 - p_value if ndf else float("nan"),
    }
