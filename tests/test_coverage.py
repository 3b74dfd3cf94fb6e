"""Fit-level toys (hfe/coverage): toy tables drawn from the fit's likelihood, reproducible per
toy whatever the batching, and the coverage summary."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.coverage.summary import NOMINAL_COVERAGE, coverage_summary, observable_coverage
from hfe.stats.covariance import SystematicCorrelation, normalisation_sigma, table_covariance
from hfe.stats.toy_tables import draw_toy_table
from hfe.tables.published import MeasurementTable, Uncertainty

CORRELATION = SystematicCorrelation("exponential", 1.0)


def published_like_table() -> MeasurementTable:
    """Eight bins with stat, a pT-correlated systematic and a 5 % normalisation."""
    low = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0])
    high = np.append(low[1:], 12.0)
    value = 100.0 * low**-3
    stat, syst, norm = 0.08 * value, 0.10 * value, 0.05 * value
    uncertainties = {"stat": Uncertainty(stat, stat, "stat"), "syst": Uncertainty(syst, syst, "syst"), "norm": Uncertainty(norm, norm, "norm")}
    return MeasurementTable("synthetic.csv", low, high, 0.5 * (low + high), value, uncertainties, "", {})


def test_toy_tables_are_centred_on_the_expectation_with_the_fits_covariance():
    """Mean of 200 toys within 3 sigma of the expectation per bin (sigma = the bin's spread /
    sqrt(200)); the sample covariance of 2000 toys is the fit's (table covariance plus the
    normalisation as a fully correlated term) to within its statistical precision."""
    table = published_like_table()
    expected = 0.9 * table.value  # a truth away from the published points
    draws = np.array([draw_toy_table(table, expected, CORRELATION, 11, "d0_pp", toy).value for toy in range(2000)])
    first = draws[:200]
    spread = np.sqrt(np.diag(table_covariance(table, CORRELATION)) + (normalisation_sigma(table) * expected) ** 2)
    assert np.all(np.abs(first.mean(axis=0) - expected) < 3 * spread / np.sqrt(200))
    model = table_covariance(table, CORRELATION) + np.outer(expected, expected) * normalisation_sigma(table) ** 2
    sample = np.cov(draws, rowvar=False)
    scale = np.sqrt(np.outer(np.diag(model), np.diag(model)))
    # a sample covariance element of n draws has a standard error <= sqrt(2/n) in units of scale
    assert np.all(np.abs(sample - model) / scale < 5 * np.sqrt(2 / 2000))


def test_a_toy_is_the_same_whatever_the_order_and_differs_between_toys_and_tables():
    table = published_like_table()
    forward = [draw_toy_table(table, table.value, CORRELATION, 3, "hfe_pp", toy).value for toy in range(6)]
    backward = [draw_toy_table(table, table.value, CORRELATION, 3, "hfe_pp", toy).value for toy in reversed(range(6))][::-1]
    np.testing.assert_array_equal(np.array(forward), np.array(backward))
    assert not np.allclose(forward[0], forward[1])
    other_table = draw_toy_table(table, table.value, CORRELATION, 3, "d0_pp", 0).value
    assert not np.allclose(forward[0], other_table)
    other_seed = draw_toy_table(table, table.value, CORRELATION, 4, "hfe_pp", 0).value
    assert not np.allclose(forward[0], other_seed)


def _records(n_toys: int, bias: float = 0.0, width: float = 1.0, seed: int = 5) -> list[dict]:
    """Toy records of a 3-bin observable with truth 1: value = 1 + error (bias + width z)."""
    rng = np.random.default_rng(seed)
    error = np.array([0.1, 0.2, 0.3])
    return [
        {"toy": k, "valid": True, "chi2": 1.0, "ndf": 1, "p_value": float(rng.uniform()),
         "results": {"ctoe_spectrum": {"value": (1.0 + error * (bias + width * rng.standard_normal(3))).tolist(), "error": error.tolist()}}}
        for k in range(n_toys)
    ]


EXPECTED = {"observables": {"pp": {"pt_low": [1.0, 2.0, 3.0], "pt_high": [2.0, 3.0, 4.0], "ctoe_spectrum": [1.0, 1.0, 1.0]}}}


def test_coverage_of_correct_errors_is_nominal_and_a_bias_or_small_errors_are_seen():
    """4000 Gaussian toys: coverage 0.683 within 3 sqrt(c(1-c)/n) = 0.022, mean pull within
    3/sqrt(n); a pull bias of 0.5 and errors half too small are both detected."""
    n = 4000
    good = coverage_summary(EXPECTED, [{"system": "pp", "toys": _records(n)}], (1.0, 4.0), n)["systems"]["pp"]
    entry = good["observables"]["ctoe_spectrum"]
    assert abs(entry["coverage"] - NOMINAL_COVERAGE) < 3 * np.sqrt(NOMINAL_COVERAGE * (1 - NOMINAL_COVERAGE) / n)
    assert abs(entry["mean_pull"]) < 3 / np.sqrt(n) and abs(entry["pull_width"] - 1) < 0.05
    assert good["p_values"]["ks_p_value"] > 0.001 and good["n_failed"] == 0
    biased = coverage_summary(EXPECTED, [{"system": "pp", "toys": _records(n, bias=0.5)}], (1.0, 4.0), n)["systems"]["pp"]
    assert biased["observables"]["ctoe_spectrum"]["mean_pull"] == pytest.approx(0.5, abs=0.05)
    small = coverage_summary(EXPECTED, [{"system": "pp", "toys": _records(n, width=2.0)}], (1.0, 4.0), n)["systems"]["pp"]
    assert small["observables"]["ctoe_spectrum"]["coverage"] < 0.45  # P(|z| < 0.5) = 0.38


def test_the_summary_does_not_depend_on_the_batching_and_needs_every_toy_once():
    toys = _records(40)
    one = coverage_summary(EXPECTED, [{"system": "pp", "toys": toys}], (1.0, 4.0), 40)
    batches = [{"system": "pp", "toys": toys[i : i + 7]} for i in range(0, 40, 7)][::-1]
    assert coverage_summary(EXPECTED, batches, (1.0, 4.0), 40) == one
    with pytest.raises(ValueError, match="pp: toy batches hold toys"):
        coverage_summary(EXPECTED, [{"system": "pp", "toys": toys[:39]}], (1.0, 4.0), 40)
    with pytest.raises(ValueError, match="pp: toy batches hold toys"):
        coverage_summary(EXPECTED, [{"system": "pp", "toys": toys + toys[:1]}], (1.0, 4.0), 40)


def test_failed_toys_are_counted_and_left_out_of_the_pulls():
    toys = _records(30)
    toys[3] = {"toy": 3, "valid": False, "error": "global fit failed: invalid minimum"}
    summary = coverage_summary(EXPECTED, [{"system": "pp", "toys": toys}], (1.0, 4.0), 30)["systems"]["pp"]
    assert summary["n_failed"] == 1 and summary["p_values"]["n"] == 29
    assert summary["observables"]["ctoe_spectrum"]["bins"]["n_toys"] == [29, 29, 29]


def test_bins_with_too_few_toys_are_not_averaged():
    pulls = np.full((30, 2), np.nan)
    pulls[:, 0] = np.random.default_rng(1).standard_normal(30)
    pulls[:5, 1] = 0.1
    result = observable_coverage(pulls, [1.0, 2.0], [2.0, 3.0], min_toys=20)
    assert result["bins_used"] == 1 and result["worst_bin"]["pt_low"] == 1.0


def test_pseudo_inputs_take_the_truths_expectation_with_the_published_errors():
    """decomposition.input_tables: a pseudo table keeps the published bins and errors and takes
    the expected values (Asimov); without expected tables it is an error naming the key."""
    from hfe.core.config import load_config
    from hfe.core.errors import ConfigError
    from hfe.decomposition.inputs import FitInputs

    config = load_config("config/config.yaml")
    published = FitInputs.load(config)
    config["decomposition"]["input_tables"].update(nonprompt_raa="pseudo", dmeson_v2="pseudo")
    with pytest.raises(ConfigError, match="input_tables.*nonprompt_raa"):
        FitInputs.load(config)
    expected = {label: 0.5 * t.value for label, t in published.labelled().items()}
    pseudo = FitInputs.load(config, expected=expected)
    assert set(pseudo.dmeson_v2) == {"PbPb_0-10", "PbPb_30-50"}
    pairs = [(pseudo.nonprompt_raa[s], published.nonprompt_raa[s]) for s in pseudo.nonprompt_raa]
    for table, original in pairs + [(pseudo.dmeson_v2[s], published.dmeson_v2[s]) for s in pseudo.dmeson_v2]:
        np.testing.assert_array_equal(table.pt_low, original.pt_low)
        np.testing.assert_array_equal(table.value, 0.5 * original.value)
        assert table.uncertainties.keys() == original.uncertainties.keys()
        for name, u in table.uncertainties.items():
            np.testing.assert_array_equal(u.up, original.uncertainties[name].up)
    np.testing.assert_array_equal(pseudo.d0_pp.value, published.d0_pp.value)  # published stays published


def _calibration(n: int, **draw) -> dict:
    """The ctoe_spectrum calibration of pp from ``n`` toys drawn by :func:`_records`."""
    from hfe.coverage.error_calibration import calibration_summary

    return calibration_summary(EXPECTED, [{"system": "pp", "toys": _records(n, **draw)}], (1.0, 4.0), n)["systems"]["pp"]["calibration"]["ctoe_spectrum"]


def test_the_error_calibration_removes_a_bias_and_widens_small_errors_cross_validated():
    """Errors 25 % too small and a bias of +0.3 quoted error, 6000 toys: the shift is 0.3 and the
    scale 1.25 (within 4 of their errors); each half calibrated with the other covers 0.683
    within 3 sqrt(c(1-c)/n) = 0.018 (6000 toys x 3 independent bins: a conservative bound) with
    |mean pull| < 3/sqrt(n)."""
    n = 6000
    cal = _calibration(n, bias=0.3, width=1.25)
    assert cal["applied"] and not cal["quoted_meets_target"] and cal["quoted_coverage"] < 0.6  # P(|0.3 + 1.25 z| < 1) = 0.57
    assert abs(cal["shift"] - 0.3) < 4 * cal["shift_error"] and abs(cal["scale"] - 1.25) < 4 * cal["scale_error"]
    check = cal["cross_validation"]
    assert abs(check["coverage"] - NOMINAL_COVERAGE) < 3 * np.sqrt(NOMINAL_COVERAGE * (1 - NOMINAL_COVERAGE) / n)
    assert abs(check["mean_pull"]) < 3 / np.sqrt(n)


def test_the_error_calibration_leaves_right_errors_and_never_shrinks_large_ones():
    """Right errors: no shift (the mean pull is within two of its errors), scale within 0.05 of 1.
    Errors 25 % too large: scale exactly 1 (a quoted error is never shrunk), no shift."""
    right = _calibration(3000)
    assert right["shift"] == 0.0 and 1.0 <= right["scale"] < 1.05
    large = _calibration(3000, width=0.8, seed=9)
    assert large["shift"] == 0.0 and large["scale"] == 1.0 and not large["applied"]


def test_calibrated_values_change_only_inside_the_calibrated_range():
    from hfe.coverage.error_calibration import calibrate_values

    value, error = np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.3])
    calibrated, widened = calibrate_values(value, error, [0.5, 1.0, 8.0], [1.0, 2.0, 10.0], {"shift": 0.5, "scale": 2.0}, (1.0, 8.0))
    np.testing.assert_allclose(calibrated, [1.0, 1.9, 3.0])
    np.testing.assert_allclose(widened, [0.1, 0.4, 0.3])


def test_the_nominal_fit_p_value_is_calibrated_on_the_toys_chi2():
    """Toy-calibrated p = fraction of toys with chi2 >= the nominal's; at least 1/n when none is."""
    toys = _records(40)
    for k, toy in enumerate(toys):
        toy["chi2"] = float(k)  # 0 .. 39
    summary = coverage_summary(EXPECTED, [{"system": "pp", "toys": toys}], (1.0, 4.0), 40, {"pp": 30.0})["systems"]["pp"]
    assert summary["nominal_fit"]["p_value"] == pytest.approx(10 / 40) and summary["nominal_fit"]["toys"] == 40
    assert summary["p_values"]["mean_chi2"] == pytest.approx(19.5)
    low = coverage_summary(EXPECTED, [{"system": "pp", "toys": toys}], (1.0, 4.0), 40, {"pp": 99.0})["systems"]["pp"]["nominal_fit"]
    assert low["p_value"] == 0.0 and low["error"] == pytest.approx(1 / 40)
