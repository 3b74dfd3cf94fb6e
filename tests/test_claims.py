"""The claims table's statistics (hfe/outputs/claims.py): systematic sources as correlated terms
and the one-sided tests; the table itself is checked on the workflow run (tests/test_workflow.py)."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.outputs.claims import _one_sided, largest_shift_terms


def test_each_source_adds_its_largest_shift_as_a_correlated_term():
    nominal = np.array([1.0, 2.0])
    varied = {"up": np.array([1.1, 2.2]), "down": np.array([0.95, 1.9]), "other": np.array([1.0, 2.05]), "broken": np.array([np.nan, 2.0])}
    terms = largest_shift_terms(nominal, varied, {"taa": ["up", "down"], "shape": ["other", "missing"], "bad": ["broken"]})
    np.testing.assert_allclose(terms["taa"], np.outer([0.1, 0.2], [0.1, 0.2]))  # fully correlated between the points
    np.testing.assert_allclose(terms["shape"], np.outer([0.0, 0.05], [0.0, 0.05]))
    assert "bad" not in terms  # a variation without a finite result adds nothing rather than NaN


def test_one_sided_tests():
    suppressed = _one_sided(0.5, 0.1, 1.0, below=True)  # R_AA = 0.5 +- 0.1 against R_AA >= 1
    assert suppressed["z"] == pytest.approx(5.0) and suppressed["p_value"] == pytest.approx(2.87e-7, rel=1e-2)
    enhanced = _one_sided(1.2, 0.2, 1.0, below=False)  # a ratio 1.2 +- 0.2 against ratio <= 1
    assert enhanced["p_value"] == pytest.approx(0.1587, rel=1e-3) and enhanced["confidence_level"] == pytest.approx(1 - enhanced["p_value"])
