"""Functional forms: normalisation and parameter handling."""

import numpy as np
import pytest
from scipy import integrate

from hfe.fitting.shapes import Curve, levy_dndpt, power_law_dndpt


@pytest.mark.parametrize("T, n, mass", [(0.5, 6.5, 1.865), (1.3, 6.8, 5.279), (0.2, 12.0, 0.0)])
def test_levy_integrates_to_dndy(T, n, mass):
    value, _ = integrate.quad(lambda pt: levy_dndpt(pt, 3.0, T, n, mass), 0, np.inf, limit=200)
    assert value == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("p0, n", [(2.5, 3.0), (0.8, 3.2)])
def test_power_law_integrates_to_dndy(p0, n):
    value, _ = integrate.quad(lambda pt: power_law_dndpt(pt, 2.0, p0, n), 0, np.inf, limit=200)
    assert value == pytest.approx(2.0, rel=1e-6)


def test_curve_scale_clip_and_errors():
    raa = Curve("rational", {"a0": 1.0, "a1": 0.0, "a2": 0.0, "b1": 1.0, "b2": 0.0, "pt_low": 0.0, "pt_high": 4.0})
    assert raa(np.array([1.0, 4.0, 10.0])) == pytest.approx([0.5, 0.2, 0.2])  # flat beyond pt_high
    assert Curve("constant", {"value": 0.3, "scale": 2.0})(np.ones(2)) == pytest.approx([0.6, 0.6])
    with pytest.raises(KeyError, match="missing parameters \\['n'\\]"):
        Curve("levy", {"dndy": 1.0, "T": 0.5, "mass": 1.0})
    with pytest.raises(KeyError, match="unknown functional form"):
        Curve("gaussian", {})


def test_schema_lists_exactly_the_forms():
    from hfe.core.config import load_schema
    from hfe.fitting.shapes import FORMS

    assert set(load_schema()["$defs"]["curve"]["properties"]["form"]["enum"]) == set(FORMS)
