"""Event-plane resolution: sub-event Q-vectors and the three-sub-event method.

A sub-event k has a flow vector ``Q_k = chi_k exp(2i Psi_RP) + noise`` with independent
Gaussian noise of standard deviation 1/sqrt(2) per component; its event-plane angle
``Psi_k = atan2(Q_y, Q_x) / 2`` then has the resolution (Poskanzer and Voloshin, PRC 58 (1998)
1671, eq. 11 for k = 1, n = 2)

    R(chi) = <cos 2(Psi_k - Psi_RP)> = sqrt(pi)/2 chi exp(-chi^2/2) [I0(chi^2/2) + I1(chi^2/2)].

The three-sub-event estimate of the resolution of A from data alone is
``R_A = sqrt(<cos 2(Psi_A - Psi_B)> <cos 2(Psi_A - Psi_C)> / <cos 2(Psi_B - Psi_C)>)``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special


def resolution_of_chi(chi):
    """R(chi) above (exponentially scaled Bessel functions keep it finite at large chi)."""
    chi = np.asarray(chi, dtype=float)
    x = chi**2 / 2.0
    return np.sqrt(np.pi) / 2.0 * chi * (special.i0e(x) + special.i1e(x))


def chi_of_resolution(resolution: float) -> float:
    """Inverse of :func:`resolution_of_chi` for 0 < R < 1."""
    if not 0.0 < resolution < 1.0:
        raise ValueError(f"event-plane resolution must be in (0, 1), got {resolution}")
    return float(optimize.brentq(lambda chi: resolution_of_chi(chi) - resolution, 1e-9, 50.0))


def sample_q_vectors(rng: np.random.Generator, psi_rp: np.ndarray, chi: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-event flow vectors (Q_x, Q_y) for reaction-plane angles ``psi_rp``."""
    noise = rng.normal(scale=1.0 / np.sqrt(2.0), size=(2, len(psi_rp)))
    return chi * np.cos(2 * psi_rp) + noise[0], chi * np.sin(2 * psi_rp) + noise[1]


def plane_angle(qx, qy) -> np.ndarray:
    """Second-harmonic event-plane angle in (-pi/2, pi/2]."""
    return 0.5 * np.arctan2(qy, qx)


def three_subevent_resolution(cos_ab: float, cos_ac: float, cos_bc: float) -> float:
    """Resolution of sub-event A from the three mean correlations."""
    product = cos_ab * cos_ac / cos_bc
    if not product > 0:
        raise ValueError(
            f"three-sub-event correlations give no resolution (<AB>={cos_ab:.4g}, <AC>={cos_ac:.4g}, <BC>={cos_bc:.4g})"
        )
    return float(np.sqrt(product))
