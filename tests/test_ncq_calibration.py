"""NCQ-test calibration machinery (hfe/coverage/ncq_calibration.py); the measured rates are in
docs/flow.md."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.coverage.ncq_calibration import (
    calibration_markdown,
    calibration_summary,
    drawn_decomposition,
    false_positive_rates,
)


def test_uniform_p_values_give_the_nominal_false_positive_rates():
    p = (np.arange(4000) + 0.5) / 4000  # the quantiles of a uniform distribution
    result = false_positive_rates(p)
    for level in ("0.68", "0.90", "0.95"):
        rate = result["rates"][level]
        assert rate["rate"] == pytest.approx(rate["nominal"], abs=1 / 4000) and rate["error"] == pytest.approx(np.sqrt(rate["nominal"] * (1 - rate["nominal"]) / 4000))
    assert result["ks_uniform_p_value"] > 0.99
    # an uncalibrated test (errors too small by 30 %: chi2 x 2 for one dof) shows up
    from scipy import stats

    z = np.random.default_rng(4).standard_normal(4000)
    too_tight = stats.chi2.sf((z / 0.7) ** 2, 1)
    assert false_positive_rates(too_tight)["rates"]["0.95"]["rate"] > 0.10


def test_summary_needs_every_toy_once_and_reports_the_amplitude_pull():
    toys = [{"toy": k, "valid": True, "bin_by_bin_p_value": 0.5, "global_fit_p_value": 0.5, "amplitude": 1.1, "amplitude_error": 0.1} for k in range(3)]
    summary = calibration_summary({"PbPb_30-50": toys}, 3)
    assert summary["PbPb_30-50"]["amplitude_pull"]["mean"] == pytest.approx(1.0)
    assert "| PbPb_30-50 | global_fit | 3 |" in calibration_markdown(summary)
    with pytest.raises(ValueError, match="not 0..3 exactly once"):
        calibration_summary({"PbPb_30-50": toys[:2] + [toys[0]]}, 4)


def test_drawn_decomposition_is_seeded_and_follows_the_covariance():
    summary = {"names": ["a", "b"], "parameters": {"a": 1.0, "b": 2.0}, "covariance": [[0.04, 0.0], [0.0, 0.01]]}
    first, again = drawn_decomposition(summary, 7, 3, "PbPb_30-50"), drawn_decomposition(summary, 7, 3, "PbPb_30-50")
    assert first == again and first["parameters"] != drawn_decomposition(summary, 7, 4, "PbPb_30-50")["parameters"]
    draws = np.array([[drawn_decomposition(summary, 7, k, "x")["parameters"][n] for n in "ab"] for k in range(2000)])
    np.testing.assert_allclose(draws.std(axis=0), [0.2, 0.1], rtol=0.06)


def test_chi2_check_against_the_toys_covariance():
    from hfe.coverage.ncq_calibration import chi2_check

    rng = np.random.default_rng(11)
    covariance = np.array([[1.0, 0.5], [0.5, 2.0]])
    toys = [{"bin_by_bin_residual": r.tolist()} for r in rng.multivariate_normal([0, 0], covariance, size=4000)]
    nominal = {"residual": [1.0, -1.0], "residual_covariance": covariance.tolist()}
    check = chi2_check(toys, nominal)
    assert check["ratio"] == pytest.approx(1.0, abs=0.06)
    assert "not computed" in chi2_check(toys[:4], nominal)["note"]  # too few toys for a covariance


def test_calibrated_p_value_maps_a_quoted_p_value_through_the_toys():
    from hfe.coverage.ncq_calibration import calibrated_p_value

    uniform = (np.arange(1000) + 0.5) / 1000
    calibrated = calibrated_p_value(0.2, uniform)  # a calibrated test: the quoted p-value stands
    assert calibrated["p_value"] == pytest.approx(0.2, abs=1e-3) and calibrated["error"] == pytest.approx(np.sqrt(0.2 * 0.8 / 1000))
    conservative = np.sqrt(uniform)  # quoted p-values too large under the hypothesis (errors too big)
    result = calibrated_p_value(0.3, conservative)
    assert result["p_value"] == pytest.approx(0.09, abs=2e-3) and result["confidence_level"] == pytest.approx(0.91, abs=2e-3)
    assert calibrated_p_value(0.001, conservative)["error"] == pytest.approx(1e-3)  # no toy below: the resolution 1/n


def test_summary_calibrates_the_nominal_tests_with_its_toys(monkeypatch):
    rng = np.random.default_rng(3)
    toys = [{"toy": k, "valid": True, "bin_by_bin_p_value": float(rng.uniform()), "global_fit_p_value": float(rng.uniform() ** 0.5),
             "bin_by_bin_residual": rng.standard_normal(2).tolist(), "tables": {}} for k in range(400)]
    world = {"low": [1.0], "high": [2.0], "ctoe_v2": [0.1], "btoe_v2_ncq": [0.05]}
    nominal = {"PbPb_0-10": {"ncq_deviation": {"bin_by_bin": {"p_value": 0.5, "residual": [1.0, -0.5], "residual_covariance": np.eye(2).tolist()},
                                              "global_fit": {"p_value": 0.5}}, "ncq_asimov_hfe_v2": world}}
    from hfe.coverage import ncq_calibration

    monkeypatch.setattr(ncq_calibration, "V2_OBSERVABLES", {})  # these toys carry no v2 tables
    summary = calibration_summary({"PbPb_0-10": toys}, 400, nominal)
    calibrated = summary["PbPb_0-10"]["calibrated"]
    assert calibrated["bin_by_bin"]["p_value"] == pytest.approx(0.5, abs=0.08)
    assert calibrated["global_fit"]["p_value"] == pytest.approx(0.25, abs=0.07)  # P(sqrt(u) <= 0.5) = 0.25
    assert "toy-calibrated CL" in calibration_markdown(summary)


def test_toys_that_test_fewer_bins_or_none_are_handled():
    """A toy whose f_b falls below flow.min_beauty_fraction in a window bin tests fewer bins (a
    residual of another length) or none (p = NaN): measured on 500 toys of the default run."""
    from hfe.coverage.ncq_calibration import calibrated_p_value, chi2_check

    rng = np.random.default_rng(12)
    covariance = np.eye(2)
    toys = [{"bin_by_bin_residual": r.tolist()} for r in rng.multivariate_normal([0, 0], covariance, size=400)]
    toys += [{"bin_by_bin_residual": [0.3]}, {"bin_by_bin_residual": []}]
    check = chi2_check(toys, {"residual": [1.0, -1.0], "residual_covariance": covariance.tolist()})
    assert check["n_toys"] == 400 and check["ratio"] == pytest.approx(1.0, abs=0.15)
    rates = false_positive_rates(np.array([0.5, 0.01, np.nan]))
    assert rates["toys"] == 2 and rates["untested"] == 1 and rates["rates"]["0.95"]["rate"] == 0.5
    assert calibrated_p_value(0.2, np.array([0.1, 0.3, np.nan]))["p_value"] == 0.5
