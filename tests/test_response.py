"""Response matrices and folding: normalisation, fold == reweight, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.decays.electron_yields import measure_electron_yields, origin_weights, scale_factors
from hfe.decays.folding import (
    fold_spectrum,
    fold_spectrum_error,
    integrate_over_bins,
    parent_yield_per_bin,
    reweight_decays,
)
from hfe.decays.response import ResponseMatrix, build_response, uniform_edges

PARENT_EDGES = uniform_edges(0.0, 40.0, 0.1)
ELECTRON_EDGES = uniform_edges(0.0, 20.0, 1.0)


def levy_like(mass):
    """A steep D/B-like spectrum dN/dpTdy (arbitrary normalisation), pT in GeV/c."""

    def spectrum(pt):
        mt = np.sqrt(pt**2 + mass**2)
        return pt * (1 + (mt - mass) / (6.0 * 0.5)) ** -6.0

    return spectrum


@pytest.fixture(scope="module")
def weights(decay_library):
    yields = {name: measure_electron_yields(paths) for name, paths in decay_library.items()}
    factors = scale_factors(yields, "pdg")
    return {name: origin_weights(f, False) for name, f in factors.items()}


@pytest.fixture(scope="module")
def responses(decay_library, weights):
    return {
        name: build_response(decay_library[name], ELECTRON_EDGES, PARENT_EDGES, weights[name], acceptance=0.8)
        for name in ("D0", "Bplus")
    }


def test_uniform_edges():
    np.testing.assert_allclose(uniform_edges(0, 1, 0.25), [0, 0.25, 0.5, 0.75, 1.0])
    with pytest.raises(ValueError, match="whole number"):
        uniform_edges(0, 1, 0.3)


def test_integrate_over_bins_is_exact_for_polynomials():
    edges = np.array([0.0, 0.5, 2.0, 3.0])
    np.testing.assert_allclose(integrate_over_bins(lambda x: 3 * x**2, edges), np.diff(edges**3), rtol=1e-12)


def test_fold_conventions_on_a_diagonal_response():
    """Identity response: electron dN/dpTdeta = parent dN/dpTdy x (2 y_max) / (2 eta_max)."""
    edges = uniform_edges(0, 4, 1.0)
    response = ResponseMatrix(np.eye(4), np.zeros((4, 4)), edges, edges, np.ones(4), parent_y_max=1.0, daughter_acceptance=0.5)
    folded = fold_spectrum(response, lambda pt: 2 * pt)
    np.testing.assert_allclose(folded, np.array([1, 3, 5, 7]) * 2.0 / 1.0)
    np.testing.assert_allclose(fold_spectrum(response, np.array([1.0, 3.0, 5.0, 7.0])), folded)
    with pytest.raises(ValueError, match="shape"):
        fold_spectrum(response, np.ones(3))


@pytest.mark.parametrize("name, mass", [("D0", 1.865), ("Bplus", 5.279)])
def test_fold_agrees_with_reweighting(decay_library, weights, responses, name, mass):
    spectrum = levy_like(mass)
    folded = fold_spectrum(responses[name], spectrum)
    folded_error = fold_spectrum_error(responses[name], spectrum)
    reweighted, error = reweight_decays(decay_library[name], spectrum, ELECTRON_EDGES, weights[name], eta_max=0.8)
    populated = error > 0
    pulls = (folded - reweighted)[populated] / np.hypot(error, folded_error)[populated]
    assert np.all(np.abs(pulls) < 3.0), pulls
    assert folded.sum() == pytest.approx(reweighted.sum(), rel=0.02)


def test_beauty_electrons_are_harder_than_charm(responses):
    """Same parent spectrum shape: electrons from B+ have a larger mean pT than from D0."""
    spectrum = levy_like(3.0)
    centres = 0.5 * (ELECTRON_EDGES[1:] + ELECTRON_EDGES[:-1])
    mean = {}
    for name, response in responses.items():
        electrons = fold_spectrum(response, spectrum)
        mean[name] = np.sum(centres * electrons) / np.sum(electrons)
    assert mean["Bplus"] > 1.2 * mean["D0"], mean


@pytest.mark.parametrize("name", ["D0", "Bplus"])  # Bplus: many distinct electron weights
@pytest.mark.parametrize("flow", [False, True])
def test_response_independent_of_step_size_and_file_order(decay_library, weights, name, flow):
    paths = decay_library[name]
    one = build_response(paths, ELECTRON_EDGES, PARENT_EDGES, weights[name], acceptance=0.8, flow=flow)
    other = build_response(paths[::-1], ELECTRON_EDGES, PARENT_EDGES, weights[name], acceptance=0.8, step_size=3_333, flow=flow)
    assert np.array_equal(other.matrix, one.matrix)
    assert np.array_equal(other.matrix_error, one.matrix_error)


def test_save_load_round_trip_is_byte_reproducible(tmp_path, responses):
    response = responses["D0"]
    response.provenance = {"species": "D0"}
    response.save(tmp_path / "a.npz")
    response.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = ResponseMatrix.load(tmp_path / "a.npz")
    assert np.array_equal(loaded.matrix, response.matrix)
    assert loaded.provenance == {"species": "D0"} and loaded.daughter_acceptance == 0.8


def test_parent_binning_beyond_library_is_an_error(decay_library, weights):
    with pytest.raises(ValueError, match="pt_max"):
        build_response(decay_library["D0"], ELECTRON_EDGES, uniform_edges(0, 50, 1.0), weights["D0"])


def test_parent_yield_counts_the_rapidity_window(responses):
    flat = parent_yield_per_bin(responses["D0"], lambda pt: np.ones_like(pt))
    assert flat.sum() == pytest.approx(40.0 * 2.0)  # dN/dpTdy = 1 over 40 GeV/c and |y| < 1


def test_dzero_response_counts_nonprompt_d0(decay_library):
    """Non-prompt D0 response of B+: summed over D0 pT with a wide |y| window it equals the
    D0 + anti-D0 per B+ in the ntuple, each D0 counted with its parent's weight (PYTHIA's
    B+ -> D0 X tables; PDG: anti-D0 X about 80 %)."""
    import awkward as ak

    from hfe.decays.ntuple import iterate_decays

    wide = build_response(decay_library["Bplus"], uniform_edges(0, 40, 40.0), uniform_edges(0, 40, 40.0), [1.0], 100.0, daughter="dzero")
    per_parent = wide.matrix[0, 0]
    batches = list(iterate_decays(decay_library["Bplus"], ["dzero_pt", "parent_weight"]))
    counted = sum(float(ak.sum(ak.num(b.dzero_pt) * b.parent_weight)) for b in batches)
    n = sum(len(b) for b in batches)
    assert per_parent == pytest.approx(counted / n, rel=1e-8)  # weights rounded to 2^-32
    assert 0.6 < per_parent < 1.1
    d0_only = build_response(decay_library["D0"], uniform_edges(0, 40, 40.0), uniform_edges(0, 40, 40.0), [1.0], 100.0, daughter="dzero")
    assert d0_only.matrix.sum() == 0.0  # charm parents carry no non-prompt D0
