"""Boosts and rotations used to move library decays to new parent momenta."""

import numpy as np
import pytest

from hfe.core.lorentz import boost, four_momentum_from_pt_y_phi, pt_eta_phi, random_rotations, velocity


def test_boost_to_rest_and_back():
    rng = np.random.default_rng(1)
    parents = four_momentum_from_pt_y_phi(rng.uniform(0, 40, 100), rng.uniform(-1, 1, 100), rng.uniform(-3, 3, 100), 5.279)
    at_rest = boost(parents, -velocity(parents))
    np.testing.assert_allclose(at_rest[:, :3], 0.0, atol=1e-9)
    np.testing.assert_allclose(at_rest[:, 3], 5.279, rtol=1e-12)
    back = boost(at_rest, velocity(parents))
    np.testing.assert_allclose(back, parents, rtol=1e-9, atol=1e-9)


def test_boost_keeps_mass_and_zero_velocity_is_identity():
    p = np.array([[0.3, -0.2, 1.0, np.sqrt(0.09 + 0.04 + 1.0 + 0.000511**2)]])
    boosted = boost(p, np.array([[0.5, 0.3, -0.6]]))
    mass2 = boosted[:, 3] ** 2 - np.sum(boosted[:, :3] ** 2, axis=1)
    assert mass2[0] == pytest.approx(0.000511**2, abs=1e-9)
    np.testing.assert_allclose(boost(p, np.zeros((1, 3))), p)


def test_random_rotations_are_uniform_rotations():
    rotations = random_rotations(np.random.default_rng(2), 20_000)
    np.testing.assert_allclose(np.einsum("nij,nkj->nik", rotations, rotations), np.broadcast_to(np.eye(3), rotations.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0)
    z = rotations[:, :, 2]  # image of the z axis: uniform on the sphere
    assert abs(np.mean(z[:, 2])) < 0.02 and np.mean(z[:, 2] ** 2) == pytest.approx(1 / 3, abs=0.01)


def test_pt_eta_phi():
    pt, eta, phi = pt_eta_phi(np.array([[3.0, 4.0, 0.0, 5.0]]))
    assert pt[0] == 5.0 and eta[0] == 0.0 and phi[0] == pytest.approx(np.arctan2(4, 3))
