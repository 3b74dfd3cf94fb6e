"""Fits to tables: parameters recovered from a known truth, failures raise with diagnostics."""

import numpy as np
import pytest

from hfe.fitting.curve_fits import FitError, bin_average, fit_table
from hfe.fitting.shapes import Curve
from hfe.tables.published import MeasurementTable, Uncertainty, load_table


def synthetic_table(curve, edges, relative_error=0.02):
    low, high = np.asarray(edges[:-1], float), np.asarray(edges[1:], float)
    value = bin_average(curve, low, high)
    error = relative_error * value
    return MeasurementTable("synthetic", low, high, 0.5 * (low + high), value, {"stat": Uncertainty(error, error, "stat")})


def test_levy_parameters_recovered_from_bin_averages():
    truth = Curve("levy", {"dndy": 450.0, "T": 0.49, "n": 6.5, "mass": 1.865})
    table = synthetic_table(truth, [0, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36])
    result = fit_table(table, "levy", {"dndy": 300.0, "T": 0.8, "n": 5.0}, {"mass": 1.865}, {"T": (0.01, 5), "n": (2.1, 100)})
    for name in ("dndy", "T", "n"):
        assert result.curve.parameters[name] == pytest.approx(truth.parameters[name], rel=1e-4)
    assert result.chi2 < 1e-3 and result.ndf == 8


def test_alice_d0_fit_is_good():
    """Levy fit of ALICE pp prompt D0 (arXiv:1901.07979): the integral of the fit agrees with
    ALICE's pT-integrated dsigma/dy = 447 +- 20 (stat) +- 30 (syst) ub (HEPData 89326 t18)."""
    table = load_table("data/published/ALICE_pp5TeV_D0_prompt_dsigmadpt_1901.07979.csv")
    result = fit_table(table, "levy", {"dndy": 450.0, "T": 0.5, "n": 6.0}, {"mass": 1.865}, {"T": (0.01, 5), "n": (2.1, 100)})
    assert result.p_value > 0.05
    assert abs(result.curve.parameters["dndy"] - 447) < np.hypot(20, 30)


def test_fit_failures_raise():
    truth = Curve("levy", {"dndy": 1.0, "T": 0.5, "n": 6.0, "mass": 1.865})
    table = synthetic_table(truth, [0, 1, 2, 4, 8])
    with pytest.raises(FitError, match="at its limit"):
        fit_table(table, "levy", {"dndy": 1.0, "T": 0.5, "n": 6.0}, {"mass": 1.865}, {"T": (0.6, 5), "n": (2.1, 100)})
    table.uncertainties["stat"].up[1] = table.uncertainties["stat"].down[1] = 0.0
    with pytest.raises(FitError, match="row 2 has zero uncertainty"):
        fit_table(table, "levy", {"dndy": 1.0, "T": 0.5, "n": 6.0}, {"mass": 1.865})
