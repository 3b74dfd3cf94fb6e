"""v2 of b -> e: closure on pseudo-data with three injected beauty v2, by both methods."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest
from test_decomposition import closure_config, fit_from_config, library_outputs  # noqa: F401 (fixture)

from hfe.core.systems import CollisionSystem
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.settings import DecompositionSettings
from hfe.flow.analysis import flow_of_system
from hfe.flow.settings import FlowSettings
from hfe.measurement.hfe import accumulate, results
from hfe.measurement.output import settings_from_config
from hfe.pseudodata.chunk import build_system_setup, write_event_chunk
from hfe.pseudodata.truth import TruthModel, build_truth
from hfe.tables.published import MeasurementTable, Uncertainty

SYSTEM = "PbPb_30-50"
BEAUTY_V2 = {
    "default": None,  # the non-prompt D0 v2 fit
    "zero": {"form": "constant", "parameters": {"value": 0.0}},
    "like_charm": "charm",
}


def as_table(result, key):
    edges = np.asarray(result["pt_edges"])
    value, error = result[key]
    value, error = np.nan_to_num(value), np.nan_to_num(error)
    return MeasurementTable(key, edges[:-1], edges[1:], 0.5 * (edges[:-1] + edges[1:]), value, {"stat": Uncertainty(error, error, "stat")})


def low_enough(flow):
    """Bins of 1-8 GeV/c (where the HFE v2 fit is)."""
    return (flow["bins"]["low"] >= 1.0) & (flow["bins"]["high"] <= 8.0)


def measured_and_decomposed(config, decay_library, library_outputs, pp_fit, tmp_path):  # noqa: F811
    """Pseudo-events of SYSTEM from ``config``'s truth, measured and decomposed jointly with the
    pp fit: (truth, measured results, decomposition summary)."""
    electrons, dzero, factors, _ = library_outputs
    truth = TruthModel(build_truth(config, dzero))
    path = tmp_path / "events.root"
    write_event_chunk(path, SYSTEM, 0, config, build_system_setup(SYSTEM, config, truth, decay_library, factors))
    measured = results(accumulate([path], settings_from_config(config, SYSTEM)))
    pp_summary, pp_hfe = pp_fit  # the Pb-Pb fit is joint with the pp data
    fit, _, _, _ = fit_from_config(SYSTEM, config, as_table(measured, "hfe_spectrum"), electrons, dzero, pp_summary, pp_hfe)
    return truth, measured, fit.summary()


def flow_of(config, hfe_v2, decomposition, library_outputs, inputs):  # noqa: F811
    """The v2 analysis of SYSTEM with the fit inputs ``inputs``."""
    electrons, dzero, _, flows = library_outputs
    return flow_of_system(
        CollisionSystem.from_config(config, SYSTEM), FlowSettings.from_config(config), DecompositionSettings.from_config(config),
        hfe_v2, decomposition, electrons, dzero, flows, inputs,
    )


@pytest.fixture(scope="module")
def pp_fit(decay_library, library_outputs, tmp_path_factory):  # noqa: F811
    electrons, dzero, factors, _ = library_outputs
    config = closure_config({})
    truth = TruthModel(build_truth(config, dzero))
    path = tmp_path_factory.mktemp("pp") / "pp.root"
    write_event_chunk(path, "pp", 0, config, build_system_setup("pp", config, truth, decay_library, factors))
    measured = results(accumulate([path], settings_from_config(config, "pp")))
    pp_hfe = as_table(measured, "hfe_spectrum")
    return fit_from_config("pp", config, pp_hfe, electrons, dzero)[0].summary(), pp_hfe


@pytest.mark.parametrize("name", list(BEAUTY_V2))
def test_beauty_v2_closure(name, decay_library, library_outputs, pp_fit, tmp_path):  # noqa: F811
    electrons, dzero, factors, flows = library_outputs
    config = closure_config({})
    config["systems"][SYSTEM]["n_events"] = 200_000
    injected = BEAUTY_V2[name]
    if injected == "charm":
        config["truth"]["beauty_v2"][SYSTEM] = copy.deepcopy(config["truth"]["charm_v2"][SYSTEM])
    elif injected is not None:
        config["truth"]["beauty_v2"][SYSTEM] = injected
    rhic = tmp_path / "rhic_btoe_v2.csv"  # a user-supplied table, tested in 1-3 GeV/c only
    rhic.write_text("# observable: test b->e v2\npt_low,pt_high,pt_center,value,stat_err_plus,stat_err_minus\n"
                    "1.0,2.0,1.5,0.10,0.02,-0.02\n2.0,3.0,2.5,0.12,0.03,-0.03\n3.0,4.0,3.5,0.10,0.03,-0.03\n")
    config["flow"]["comparisons"] = {}
    config["flow"]["rhic_btoe_v2"] = {"name": "RHIC-like", "table": str(rhic), "system": SYSTEM, "pt_range": [1.0, 3.0]}
    _, measured, decomposition = measured_and_decomposed(config, decay_library, library_outputs, pp_fit, tmp_path)

    def analyse(hfe_v2):
        return flow_of(config, hfe_v2, decomposition, library_outputs, FitInputs.load(config))

    hfe_v2 = as_table(measured, "hfe_v2")
    flow = analyse(hfe_v2)
    if name == "default":  # c -> e v2 and the NCQ band come from the D-meson v2 alone: the HFE v2 does not move them
        moved = analyse(replace(hfe_v2, value=hfe_v2.value + 0.02))
        for table in ("ctoe_v2", "btoe_v2_ncq"):
            np.testing.assert_array_equal(moved["tables"][table][0], flow["tables"][table][0])
            np.testing.assert_array_equal(moved["tables"][table][1], flow["tables"][table][1])
        assert np.all(moved["tables"]["btoe_v2_global_fit"][0][low_enough(flow)] > flow["tables"]["btoe_v2_global_fit"][0][low_enough(flow)])
    low = flow["bins"]["low"]
    edges = np.asarray(measured["pt_edges"])
    index = np.searchsorted(edges, low)
    truth_v2, truth_error = (a[index] for a in measured["truth_btoe_v2"])
    enough = (measured["truth_btoe_weighted_electrons"][index] > 100) & (low >= 1.0) & (low < 8.0)
    for method in ("btoe_v2_bin_by_bin", "btoe_v2_global_fit"):
        value, error = flow["tables"][method]
        pulls = ((value - truth_v2) / np.hypot(error, truth_error))[enough]
        print(name, method, np.round(pulls, 2).tolist())
        assert len(pulls) >= 3 and np.all(np.abs(pulls) < 3.0), (name, method, pulls)
    comparison = flow["summary"]["rhic_lhc_test"]
    assert comparison["ndf"] == 2 and comparison["pt_range"] == [1.0, 3.0] and 0 <= comparison["confidence_level"] <= 1
    ncq = flow["summary"]["ncq_deviation"]
    assert ncq["bins"]["low"][0] >= 3.0 and ncq["bins"]["high"][-1] <= 7.0 and ncq["bin_by_bin"]["ndf"] == len(ncq["bins"]["low"])
    assert "full covariance" in ncq["bin_by_bin"]["covariance"] and np.isfinite(ncq["global_fit"]["amplitude_error"])


def test_a_charm_v2_unlike_the_data_closes_with_a_pseudo_dmeson_v2(decay_library, library_outputs, pp_fit, tmp_path):  # noqa: F811
    """A truth whose charm v2 is 0.6 x the fit to the ALICE D-meson v2. With
    ``decomposition.input_tables.dmeson_v2: pseudo`` (the truth's D0 v2 averaged over the
    published bins, with their errors) the c -> e v2 closes: every |pull| < 3 in 1-8 GeV/c and the
    mean pull within 1 (measured: largest 2.9, in the highest bin with either input, mean +0.26).
    With the published table it does not: the c -> e v2 follows the data (measured: pulls up to
    4.4, mean +2.0). The switch is what makes a closure of such a truth possible. The D-meson v2 is fitted in pT, the variable of
    the truth's curve: the KE_T fit's shape difference is a systematic of its own (variation
    ``dmeson_v2_in_pt``), not what this test is about."""
    from hfe.coverage.expectation import TruthExpectation

    electrons, dzero, _, _ = library_outputs
    config = closure_config({})
    config["systems"][SYSTEM]["n_events"] = 200_000
    config["truth"]["charm_v2"][SYSTEM] = {**config["truth"]["charm_v2"][SYSTEM], "parameters": {"scale": 0.6}}
    config["flow"]["comparisons"], config["flow"]["rhic_btoe_v2"] = {}, None  # published comparisons: not this test's
    config["flow"]["v2_variable"] = "pt"
    truth, measured, decomposition = measured_and_decomposed(config, decay_library, library_outputs, pp_fit, tmp_path)
    published = FitInputs.load(config)
    expectation = TruthExpectation(truth, electrons, dzero)
    expected = {f"dmeson_v2_{s}": expectation.table("dmeson_v2", table, s) for s, table in published.dmeson_v2.items()}
    config["decomposition"]["input_tables"]["dmeson_v2"] = "pseudo"
    pseudo = FitInputs.load(config, expected=expected)
    np.testing.assert_array_equal(pseudo.dmeson_v2[SYSTEM].value, expected[f"dmeson_v2_{SYSTEM}"])
    hfe_v2 = as_table(measured, "hfe_v2")
    edges = np.asarray(measured["pt_edges"])
    pulls_of = {}
    for name, inputs in (("pseudo", pseudo), ("published", published)):
        flow = flow_of(config, hfe_v2, decomposition, library_outputs, inputs)
        index = np.searchsorted(edges, flow["bins"]["low"])
        truth_v2, truth_error = (a[index] for a in measured["truth_ctoe_v2"])
        enough = (measured["truth_ctoe_weighted_electrons"][index] > 100) & low_enough(flow)
        value, error = flow["tables"]["ctoe_v2"]
        pulls = ((value - truth_v2) / np.hypot(error, truth_error))[enough]
        print(name, flow["bins"]["low"][enough].tolist(), np.round(pulls, 2).tolist())
        assert len(pulls) >= 5, name
        pulls_of[name] = pulls
    assert np.all(np.abs(pulls_of["pseudo"]) < 3.0) and abs(np.mean(pulls_of["pseudo"])) < 1.0, pulls_of
    assert np.max(np.abs(pulls_of["published"])) > 3.0 and np.mean(pulls_of["published"]) > 1.0, pulls_of
