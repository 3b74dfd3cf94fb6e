"""Vectorised Lorentz boosts and random rotations of four-momenta (numpy, GeV units).

Four-momenta are arrays of shape (n, 4) ordered (px, py, pz, E).
"""

from __future__ import annotations

import numpy as np


def four_momentum_from_pt_y_phi(pt, y, phi, mass) -> np.ndarray:
    """(px, py, pz, E) of particles given pT, rapidity, azimuth and mass."""
    mt = np.sqrt(pt**2 + mass**2)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)], axis=-1)


def four_momentum_from_pt_eta_phi(pt, eta, phi, mass) -> np.ndarray:
    """(px, py, pz, E) given pT, pseudorapidity, azimuth and mass."""
    pz = pt * np.sinh(eta)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), pz, np.sqrt(pt**2 + pz**2 + mass**2)], axis=-1)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Momenta ``p`` seen in a frame moving with velocity ``-beta``: a particle at rest ends up
    with velocity ``beta`` (use ``-beta`` to go into the frame moving with ``beta``)."""
    beta2 = np.sum(beta**2, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - beta2)
    beta_dot_p = np.sum(beta * p[..., :3], axis=-1)
    factor = gamma**2 / (gamma + 1.0)  # (gamma - 1) / beta^2 without 0/0 at rest
    energy = gamma * (p[..., 3] + beta_dot_p)
    momentum = p[..., :3] + (factor * beta_dot_p + gamma * p[..., 3])[..., None] * beta
    return np.concatenate([momentum, energy[..., None]], axis=-1)


def velocity(p: np.ndarray) -> np.ndarray:
    """Velocity vector p/E."""
    return p[..., :3] / p[..., 3:4]


def random_rotations(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` rotation matrices uniform on SO(3) (normalised Gaussian quaternions), shape (n, 3, 3)."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse momentum, pseudorapidity and azimuth of momenta (px, py, pz, ...)."""
    pt = np.hypot(p[..., 0], p[..., 1])
    return pt, np.arcsinh(p[..., 2] / np.maximum(pt, 1e-12)), np.arctan2(p[..., 1], p[..., 0])
