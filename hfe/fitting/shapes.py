"""Named functional forms of pT for spectra, ratios, R_AA and v2.

Every truth curve and every fit refers to a form by name with named parameters, so a config
can replace any curve (form and parameters) without code. pT in GeV/c.

Spectra (``dN/dpT dy`` per unit rapidity, particle + antiparticle averaged; the normalisation
parameter ``dndy`` is the pT-integrated yield or cross section, so the shape integrates to it):

* ``levy``: Levy-Tsallis, STAR form (PRC 75 (2007) 064901 eq. 3)
  ``dndy * pT (n-1)(n-2) / (nT (nT + m(n-2))) * (1 + (mT - m)/(nT))^-n`` (needs n > 2);
* ``power_law``: modified power law ``dndy * 2(n-1)/p0^2 * pT (1 + (pT/p0)^2)^-n`` (n > 1).

Ratios and R_AA (dimensionless):

* ``constant``: ``value``;
* ``rational``: ``(a0 + a1 pT + a2 pT^2) / (1 + b1 pT + b2 pT^2)``, evaluated at pT clipped to
  [``pt_low``, ``pt_high``] (the range of the data it was fitted to: flat outside);
* ``exp_decay``: ``a + b exp(-pT/c)``, clipped the same way (an R_AA falling from a + b to a);
* ``log_quadratic``, ``log_cubic``: polynomials of degree 2 and 3 in ln pT, clipped the same
  way (linear in their parameters, so the chi2 of the decomposition is quadratic in them and
  its covariance exact: the default beauty and charm R_AA shapes of the decomposition).

v2 (dimensionless):

* ``v2_peaked``: ``a pT^2 / (1 + (pT/p0)^3)`` (rises as pT^2, falls as 1/pT), clipped above
  ``pt_high``;
* ``constant`` (e.g. ``value: 0`` for no flow).

Every form accepts an extra ``scale`` parameter (default 1) multiplying the curve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


def levy_dndpt(pt, dndy, T, n, mass):
    """Levy-Tsallis dN/dpTdy integrating to ``dndy`` over pT in [0, inf); T in GeV."""
    pt = np.asarray(pt, dtype=float)
    mt = np.sqrt(pt**2 + mass**2)
    norm = (n - 1.0) * (n - 2.0) / (n * T * (n * T + mass * (n - 2.0)))
    return dndy * pt * norm * (1.0 + (mt - mass) / (n * T)) ** (-n)


def power_law_dndpt(pt, dndy, p0, n):
    """Modified power law dN/dpTdy integrating to ``dndy``; p0 in GeV/c."""
    pt = np.asarray(pt, dtype=float)
    return dndy * 2.0 * (n - 1.0) / p0**2 * pt * (1.0 + (pt / p0) ** 2) ** (-n)


def constant(pt, value):
    return np.full_like(np.asarray(pt, dtype=float), value)


def rational(pt, a0, a1, a2, b1, b2, pt_low=0.0, pt_high=np.inf):
    x = np.clip(np.asarray(pt, dtype=float), pt_low, pt_high)
    return (a0 + a1 * x + a2 * x**2) / (1.0 + b1 * x + b2 * x**2)


def exp_decay(pt, a, b, c, pt_low=0.0, pt_high=np.inf):
    x = np.clip(np.asarray(pt, dtype=float), pt_low, pt_high)
    return a + b * np.exp(-x / c)


def log_quadratic(pt, a0, a1, a2, pt_low=0.1, pt_high=np.inf):
    x = np.log(np.clip(np.asarray(pt, dtype=float), max(pt_low, 1e-3), pt_high))
    return a0 + a1 * x + a2 * x**2


def log_cubic(pt, a0, a1, a2, a3, pt_low=0.1, pt_high=np.inf):
    x = np.log(np.clip(np.asarray(pt, dtype=float), max(pt_low, 1e-3), pt_high))
    return a0 + a1 * x + a2 * x**2 + a3 * x**3


def v2_peaked(pt, a, p0, pt_high=np.inf):
    x = np.clip(np.asarray(pt, dtype=float), 0.0, pt_high)
    return a * x**2 / (1.0 + (x / p0) ** 3)


@dataclass(frozen=True)
class Form:
    function: Callable
    parameters: tuple[str, ...]  # free parameters, in order
    fixed: tuple[str, ...] = ()  # parameters that are set, never fitted (mass, ranges)
    start: Mapping[str, float] | None = None  # default starting values of a fit
    limits: Mapping[str, tuple] | None = None  # physical ranges of the free parameters


FORMS: dict[str, Form] = {
    "levy": Form(
        levy_dndpt, ("dndy", "T", "n"), ("mass",), {"dndy": 1.0, "T": 0.5, "n": 6.0},
        {"dndy": (0, None), "T": (0.01, 10.0), "n": (2.05, 200.0)},
    ),
    "power_law": Form(
        power_law_dndpt, ("dndy", "p0", "n"), (), {"dndy": 1.0, "p0": 3.0, "n": 3.0},
        {"dndy": (0, None), "p0": (0.05, 50.0), "n": (1.05, 200.0)},
    ),
    "constant": Form(constant, ("value",), (), {"value": 0.5}, {}),
    "rational": Form(
        rational, ("a0", "a1", "a2", "b1", "b2"), ("pt_low", "pt_high"),
        {"a0": 0.5, "a1": 0.5, "a2": 0.01, "b1": 0.1, "b2": 0.05}, {},
    ),
    "exp_decay": Form(
        exp_decay, ("a", "b", "c"), ("pt_low", "pt_high"), {"a": 0.4, "b": 1.0, "c": 3.0}, {"c": (0.05, 100.0)},
    ),
    "log_quadratic": Form(
        log_quadratic, ("a0", "a1", "a2"), ("pt_low", "pt_high"), {"a0": 0.8, "a1": -0.2, "a2": 0.0}, {},
    ),
    "log_cubic": Form(
        log_cubic, ("a0", "a1", "a2", "a3"), ("pt_low", "pt_high"), {"a0": 0.7, "a1": -0.2, "a2": 0.0, "a3": 0.0}, {},
    ),
    "v2_peaked": Form(v2_peaked, ("a", "p0"), ("pt_high",), {"a": 0.05, "p0": 2.5}, {"p0": (0.3, 30.0)}),
}


@dataclass(frozen=True)
class Curve:
    """A form with its parameter values: a callable of pT."""

    form: str
    parameters: Mapping[str, float]

    def __post_init__(self):
        if self.form not in FORMS:
            raise KeyError(f"unknown functional form {self.form!r}; known: {sorted(FORMS)}")
        expected = FORMS[self.form]
        missing = [p for p in expected.parameters if p not in self.parameters]
        unknown = [p for p in self.parameters if p not in expected.parameters + expected.fixed + ("scale",)]
        if missing or unknown:
            raise KeyError(f"form {self.form!r}: missing parameters {missing}, unknown parameters {unknown}")

    def __call__(self, pt):
        arguments = {k: v for k, v in self.parameters.items() if k != "scale"}
        return self.parameters.get("scale", 1.0) * FORMS[self.form].function(pt, **arguments)

    def to_dict(self) -> dict:
        return {"form": self.form, "parameters": {k: float(v) for k, v in self.parameters.items()}}
