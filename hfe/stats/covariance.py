"""Covariance of a published table's bin-to-bin uncertainties, and the chi2 that uses it.

The statistical model of every fit (stated in the README, "Statistical model"):

* statistical components: independent between points (diagonal);
* systematic components (``syst``, ``total``): correlated between points i and j with
  ``rho_ij`` of a :class:`SystematicCorrelation` — ``uncorrelated`` (rho = delta_ij),
  ``correlated`` (rho = 1) or ``exponential`` in ln pT: rho = exp(-|ln(pT_i / pT_j)| / length)
  (points a factor e^length apart in pT are correlated by 1/e); a component the publication
  calls correlated (a word of its name starting with "corr", e.g. STAR's ``Correlated``
  column) is fully correlated whatever the model;
* normalisation components (``norm``: BR, luminosity, global, T_AA) are not part of the
  covariance: the fits treat them as nuisance parameters with a Gaussian penalty.

Asymmetric uncertainties enter symmetrised as the mean of up and down. Then
``chi2 = r^T V^-1 r + sum_k (nu_k / s_k)^2`` with ``r`` = model - data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from hfe.core.errors import ConfigError
from hfe.tables.published import MeasurementTable

MODELS = ("uncorrelated", "correlated", "exponential")


@dataclass(frozen=True)
class SystematicCorrelation:
    """pT correlation of the systematic uncertainties of a table (``length`` in units of ln pT,
    used by ``exponential`` only)."""

    model: str = "exponential"
    length: float = 1.0

    def __post_init__(self):
        if self.model not in MODELS:
            raise ConfigError(f"systematic correlation model '{self.model}' unknown (known: {list(MODELS)})")
        if self.model == "exponential" and not self.length > 0:
            raise ConfigError(f"systematic correlation length must be positive, got {self.length}")

    @classmethod
    def from_config(cls, section: Mapping) -> "SystematicCorrelation":
        return cls(section.get("model", "exponential"), float(section.get("length", 1.0)))

    def matrix(self, pt: np.ndarray) -> np.ndarray:
        """rho_ij between points at ``pt`` (GeV/c)."""
        pt = np.asarray(pt, dtype=float)
        if self.model == "uncorrelated":
            return np.eye(len(pt))
        if self.model == "correlated":
            return np.ones((len(pt), len(pt)))
        log_pt = np.log(np.clip(pt, 1e-3, None))
        return np.exp(-np.abs(log_pt[:, None] - log_pt[None, :]) / self.length)

    def describe(self) -> str:
        """How the systematics are correlated, in words."""
        if self.model == "exponential":
            return f"systematics correlated as exp(-|ln(pT_i/pT_j)|/{self.length:g})"
        return f"systematics {self.model} between points"


def table_covariance(table: MeasurementTable, correlation: SystematicCorrelation) -> np.ndarray:
    """Covariance of the points of ``table`` from its stat (diagonal) and syst/total
    (``correlation``) components, each symmetrised; normalisations excluded."""
    stat = table.symmetric_stat
    covariance = np.diag(stat**2)
    rho = correlation.matrix(table.pt_center)
    full = np.ones_like(rho)
    for name, component in {**table.components("syst"), **table.components("total")}.items():
        size = component.symmetric
        covariance = covariance + (full if called_correlated(name) else rho) * np.outer(size, size)
    return covariance


def called_correlated(name: str) -> bool:
    """A component whose name says it is correlated between points (``syst_corr``, ``Correlated``)."""
    return any(w.startswith("corr") for w in re.findall(r"[a-z]+", name.lower()))


def whitened(residual: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """``L^-1 r`` with ``V = L L^T`` (Cholesky), so that ``sum(whitened**2) = r^T V^-1 r``."""
    return whitened_by(residual, cholesky_factor(covariance))


def cholesky_factor(covariance: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor ``L`` of ``V = L L^T``."""
    return linalg.cholesky(covariance, lower=True)


def whitened_by(residual: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """``L^-1 r`` for the Cholesky factor ``L`` of the covariance (:func:`cholesky_factor`)."""
    return linalg.solve_triangular(factor, residual, lower=True)


def chi2(residual: np.ndarray, covariance: np.ndarray) -> float:
    """``r^T V^-1 r``."""
    return float(np.sum(whitened(np.asarray(residual, float), covariance) ** 2))


def normalisation_sigma(table: MeasurementTable) -> float:
    """Correlated normalisation components of a table added in quadrature (relative): the
    width of the table's normalisation nuisance in the fits."""
    return float(np.sqrt(sum(v**2 for v in table.normalisation().values())))
