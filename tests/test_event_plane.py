"""Event-plane resolution: the Q-vector model and the three-sub-event estimate."""

import numpy as np
import pytest

from hfe.measurement.event_plane import (
    chi_of_resolution,
    plane_angle,
    resolution_of_chi,
    sample_q_vectors,
    three_subevent_resolution,
)


def test_resolution_formula_limits():
    # Poskanzer-Voloshin: R -> sqrt(pi)/2 chi for small chi, R -> 1 for large chi
    assert resolution_of_chi(1e-4) == pytest.approx(np.sqrt(np.pi) / 2 * 1e-4, rel=1e-6)
    assert resolution_of_chi(20.0) == pytest.approx(1.0, abs=1e-3)
    for r in (0.1, 0.5, 0.9):
        assert resolution_of_chi(chi_of_resolution(r)) == pytest.approx(r, rel=1e-9)
    with pytest.raises(ValueError):
        chi_of_resolution(1.2)


@pytest.mark.parametrize("resolutions", [(0.85, 0.6, 0.65), (0.5, 0.3, 0.4)])
def test_sampled_planes_have_the_resolution_and_three_subevents_recover_it(resolutions):
    rng = np.random.default_rng(4)
    psi = rng.uniform(0, 2 * np.pi, 300_000)
    angles = [plane_angle(*sample_q_vectors(rng, psi, chi_of_resolution(r))) for r in resolutions]
    for angle, r in zip(angles, resolutions):
        assert np.mean(np.cos(2 * (angle - psi))) == pytest.approx(r, abs=0.006)
    a, b, c = angles
    estimate = three_subevent_resolution(
        np.mean(np.cos(2 * (a - b))), np.mean(np.cos(2 * (a - c))), np.mean(np.cos(2 * (b - c)))
    )
    assert estimate == pytest.approx(resolutions[0], abs=0.01)


def test_three_subevent_without_correlation_is_an_error():
    with pytest.raises(ValueError, match="no resolution"):
        three_subevent_resolution(0.1, -0.1, 0.2)
