"""Linear error propagation through a chain of fits, with a fitted step in the middle.

The v2 analysis (:mod:`hfe.flow.analysis`) is a function of independent *sources*, each a vector
with its own covariance: the points of the HFE v2 table, the D-meson v2 fit parameters, the
decomposition fit parameters. The sources are mutually independent (different data sets), so
their joint covariance S is block diagonal. Some outputs also depend on parameters ``b`` that
are *fitted* to some of the sources (the B-hadron v2 fitted to the HFE v2 points with the
others fixed):

    b^(s) = argmin_b  r^T W r,   r = data(s) - model(b, s),   W = V_data^-1.

Near the minimum (Gauss-Newton), db^/ds = (J_b^T W J_b)^-1 J_b^T W (d data/ds - d model/ds),
with J_b = d model/db, so every output y(b^(s), s) has the total Jacobian
J = dy/ds + dy/db db^/ds and the covariance J S J^T. This is the covariance of the refit (b
follows every source), the first-order equivalent of redoing the fit per toy; it is checked
against exactly that in tests/test_flow_covariance.py. Derivatives are central differences of a
tenth of each source's standard deviation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg

Function = Callable[[Mapping[str, float]], np.ndarray]


@dataclass(frozen=True)
class Source:
    """One independent input: named components, their values and covariance."""

    label: str  # e.g. "HFE v2 points"
    names: tuple[str, ...]
    values: np.ndarray
    covariance: np.ndarray

    def __post_init__(self):
        n = len(self.names)
        if np.shape(self.values) != (n,) or np.shape(self.covariance) != (n, n):
            raise ValueError(f"source {self.label!r}: {n} names, values {np.shape(self.values)}, covariance {np.shape(self.covariance)}")


def jacobian(function: Function, point: Mapping[str, float], names: Sequence[str], steps: Sequence[float]) -> np.ndarray:
    """d function / d point[name] for each name (columns), central differences."""
    columns = []
    for name, step in zip(names, steps):
        up, down = dict(point), dict(point)
        up[name] += step
        down[name] -= step
        columns.append((np.asarray(function(up), dtype=float) - np.asarray(function(down), dtype=float)) / (2.0 * step))
    return np.array(columns).T.reshape(-1, len(names))


def _step(variance: float) -> float:
    return 0.1 * float(np.sqrt(variance)) if variance > 0 else 1e-6


def covariance_from_sources(function: Function, point: Mapping[str, float], sources: Sequence[Source]) -> np.ndarray:
    """Covariance of ``function`` of the point from the given sources alone (first order): e.g.
    the uncertainty of a fit's model from the inputs it is built of, to add to the data
    covariance of that fit."""
    total = 0.0
    for source in sources:
        j = jacobian(function, point, source.names, [_step(v) for v in np.diag(source.covariance)])
        total = total + j @ source.covariance @ j.T
    return np.asarray(total)


class LinearPropagation:
    """Covariance of outputs of independent sources and of parameters fitted to them.

    ``fitted``: names and values of the fitted parameters b (empty: no fitted step);
    ``residual_data``/``residual_model``: the fit's data and model as functions of the point
    (sources and b); ``fit_covariance``: V_data of the fit's chi2."""

    def __init__(
        self,
        sources: Sequence[Source],
        fitted: Mapping[str, float] | None = None,
        residual_data: Function | None = None,
        residual_model: Function | None = None,
        fit_covariance: np.ndarray | None = None,
        fitted_steps: Mapping[str, float] | None = None,
    ):
        self.sources = list(sources)
        self.names = [n for s in self.sources for n in s.names]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"source components must have unique names: {self.names}")
        self.covariance = linalg.block_diag(*(s.covariance for s in self.sources))
        self.steps = [_step(v) for v in np.diag(self.covariance)]
        self.point = {n: float(v) for s in self.sources for n, v in zip(s.names, s.values)}
        self.fitted = dict(fitted or {})
        self.point.update(self.fitted)
        self.fitted_sensitivity = np.zeros((len(self.fitted), len(self.names)))
        if self.fitted:
            names = list(self.fitted)
            fitted_steps = fitted_steps or {}
            b_steps = [fitted_steps.get(n, 1e-3 * max(abs(self.fitted[n]), 1.0)) for n in names]
            weight = linalg.inv(fit_covariance)
            j_b = jacobian(residual_model, self.point, names, b_steps)
            j_s = jacobian(lambda p: np.asarray(residual_data(p)) - np.asarray(residual_model(p)), self.point, self.names, self.steps)
            self.fitted_sensitivity = linalg.solve(j_b.T @ weight @ j_b, j_b.T @ weight @ j_s, assume_a="pos")
            self._fitted_steps = b_steps

    def total_jacobian(self, function: Function) -> np.ndarray:
        """dy/ds of an output, including the fitted parameters' response to every source."""
        total = jacobian(function, self.point, self.names, self.steps)
        if self.fitted:
            total = total + jacobian(function, self.point, list(self.fitted), self._fitted_steps) @ self.fitted_sensitivity
        return total

    def value(self, function: Function) -> np.ndarray:
        return np.asarray(function(self.point), dtype=float)

    def covariance_of(self, function: Function) -> tuple[np.ndarray, np.ndarray]:
        """(value, covariance) of ``function`` of the point."""
        j = self.total_jacobian(function)
        return self.value(function), j @ self.covariance @ j.T

    def contributions(self, total_jacobian: np.ndarray) -> dict[str, np.ndarray]:
        """Covariance from each source alone, for a :meth:`total_jacobian` (they add up to the
        total: the sources are independent)."""
        out, start = {}, 0
        for source in self.sources:
            block = slice(start, start + len(source.names))
            out[source.label] = total_jacobian[:, block] @ source.covariance @ total_jacobian[:, block].T
            start += len(source.names)
        return out

    def fitted_covariance(self) -> np.ndarray:
        """Covariance of the fitted parameters b (they follow every source)."""
        return self.fitted_sensitivity @ self.covariance @ self.fitted_sensitivity.T
