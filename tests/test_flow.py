"""Flow of decay electrons: decay smearing, NCQ scaling, beauty extraction."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.core.quark_scaling import ncq_scaled_v2, pt_at_kinetic_energy, transverse_kinetic_energy
from hfe.decays.electron_yields import measure_electron_yields, origin_weights, scale_factors
from hfe.decays.response import build_response, uniform_edges
from hfe.fitting.shapes import Curve
from hfe.flow.v2 import beauty_v2_bin_by_bin, covariance_test, electron_v2

EDGES = np.array([0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 10.0])


@pytest.fixture(scope="module")
def d0_responses(decay_library):
    yields = {n: measure_electron_yields(p) for n, p in decay_library.items()}
    weights = origin_weights(scale_factors(yields, "pdg")["D0"], False)
    parent_edges = uniform_edges(0, 40, 0.1)
    plain = build_response(decay_library["D0"], EDGES, parent_edges, weights, 0.8)
    flow = build_response(decay_library["D0"], EDGES, parent_edges, weights, 0.8, flow=True)
    return plain, flow


def test_flat_v2_is_diluted_by_the_decay_and_restored_at_high_pt(d0_responses):
    """Electrons of hadrons with v2 = 0.1 flat: v2_e = 0.1 <cos 2(phi_e - phi_D)>, far below
    0.1 at low electron pT (decay opening angle) and close to it at high pT (collinear)."""
    plain, flow = d0_responses
    spectrum = Curve("levy", {"dndy": 1.0, "T": 0.49, "n": 6.5, "mass": 1.865})
    v2 = electron_v2({"D0": plain}, {"D0": flow}, {"D0": spectrum}, {"D0": lambda pt: np.full_like(pt, 0.1)})
    assert np.all(v2 <= 0.1 + 1e-9)
    assert v2[0] < 0.07  # 0.5-1 GeV/c
    assert v2[-1] > 0.09  # 6-10 GeV/c
    assert np.all(np.diff(v2[:4]) > 0)  # the dilution fades with pT


def test_flow_response_is_the_cos_average(decay_library, d0_responses):
    """C / R is the mean cos 2(phi_e - phi_D) of the library's electrons (independent count)."""
    import awkward as ak

    from hfe.decays.ntuple import iterate_decays

    plain, flow = d0_responses
    cos_sum, count = np.zeros(len(EDGES) - 1), np.zeros(len(EDGES) - 1)
    for batch in iterate_decays(decay_library["D0"], ["parent_phi", "electron_pt", "electron_eta", "electron_phi", "electron_origin"]):
        accepted = (abs(batch.electron_eta) < 0.8) & (batch.electron_origin < 3)
        phi_parent = ak.broadcast_arrays(batch.parent_phi, batch.electron_phi)[0][accepted]
        c = np.cos(2 * (ak.to_numpy(ak.flatten(batch.electron_phi[accepted])).astype(float) - ak.to_numpy(ak.flatten(phi_parent))))
        pt = ak.to_numpy(ak.flatten(batch.electron_pt[accepted]))
        cos_sum += np.histogram(pt, EDGES, weights=c)[0]
        count += np.histogram(pt, EDGES)[0]
    expected = cos_sum / count
    ratio = (flow.matrix @ plain.parents_per_bin) / (plain.matrix @ plain.parents_per_bin)
    np.testing.assert_allclose(ratio, expected, rtol=1e-6)


def test_ncq_transform():
    v2_d = Curve("v2_peaked", {"a": 0.05, "p0": 2.5})
    same = ncq_scaled_v2(v2_d, 1.865, 1.865)
    np.testing.assert_allclose(same(np.array([1.0, 3.0, 7.0])), v2_d(np.array([1.0, 3.0, 7.0])))
    v2_b = ncq_scaled_v2(v2_d, 1.865, 5.279)
    pt_b = np.array([2.0, 5.0, 9.0])
    pt_d = pt_at_kinetic_energy(transverse_kinetic_energy(pt_b, 5.279), 1.865)
    np.testing.assert_allclose(v2_b(pt_b), v2_d(pt_d))
    assert np.all(pt_d < pt_b)  # the same KE_T is reached at lower pT by the lighter meson
    baryon = ncq_scaled_v2(v2_d, 1.865, 2.286, quarks_target=3)  # Lambda_c: (3/2) v2_D at KE_T/3 = KE_T,D/2
    ket = transverse_kinetic_energy(4.0, 2.286)
    assert baryon(np.array([4.0]))[0] == pytest.approx(1.5 * v2_d(pt_at_kinetic_energy(ket * 2 / 3, 1.865)))


def test_beauty_v2_bin_by_bin():
    hfe, charm = np.array([0.10, 0.10]), np.array([0.12, 0.12])
    value = beauty_v2_bin_by_bin(hfe, charm, np.array([1.0, 0.5]))
    assert value[0] == pytest.approx(0.10) and value[1] == pytest.approx((0.10 - 0.5 * 0.12) / 0.5)


def test_deviation_with_a_diagonal_covariance():
    assert covariance_test(np.array([0.0, 0.0]), np.diag([0.01, 0.01]), "diagonal")["p_value"] == pytest.approx(1.0)
    far = covariance_test(np.array([0.5]), np.array([[0.01]]), "diagonal")
    assert far["chi2"] == pytest.approx(25.0) and far["significance_sigma"] == pytest.approx(5.0, rel=1e-6)


def test_nonprompt_d0_v2_is_predicted_at_the_d0_pt():
    """The like-for-like comparison with the ALICE non-prompt D0 v2: the B-hadron v2 goes through
    the B -> D0 (flow) response and is read at the D0 pT. Here every B of pT p gives a D0 of pT
    p/2 along the B direction, so the D0 v2 at 2 GeV/c is the B v2 at 4 GeV/c."""
    from types import SimpleNamespace

    from hfe.decays.response import ResponseMatrix
    from hfe.flow.analysis import DaughterFlow

    parent_edges = np.arange(0.0, 20.01, 1.0)
    daughter_edges = np.arange(0.0, 10.01, 0.5)
    matrix = np.zeros((len(daughter_edges) - 1, len(parent_edges) - 1))
    for j in range(len(parent_edges) - 1):
        matrix[j, j] = 1.0  # parent bin [j, j+1] -> daughter bin [j/2, (j+1)/2]
    response = ResponseMatrix(matrix, 0 * matrix, daughter_edges, parent_edges, np.ones(20), 1.0, 0.5, "dzero")
    flow = ResponseMatrix(matrix, 0 * matrix, daughter_edges, parent_edges, np.ones(20), 1.0, 0.5, "dzero_flow")
    model = SimpleNamespace(parameter_names=["x"], species_spectrum=lambda p, s: (lambda pt: np.exp(-np.asarray(pt) / 3.0)))
    predicted = DaughterFlow(model, {"Bplus": response}, {"Bplus": flow}, np.array([2.0]), np.array([2.5]))

    def b_v2(pt):
        return 0.02 * np.asarray(pt)

    assert predicted({"x": 0.0}, {"Bplus": b_v2})[0] == pytest.approx(b_v2(4.5), rel=1e-3)  # B pT 4-5 GeV/c, not 2-2.5
