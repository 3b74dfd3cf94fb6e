"""Least-squares fits of named shapes (:mod:`hfe.fitting.shapes`) to published tables, with iminuit.

The model is compared with each data point as its average over the bin (never at the bin
centre only: spectra are steep). The uncertainty of a point is the symmetrised statistical and
bin-to-bin systematic uncertainties in quadrature; correlated normalisation uncertainties are
not part of these shape fits. A fit whose minimum is invalid, or whose parameter ends at a
limit, raises :class:`FitError` with the diagnostics, never returns quietly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from iminuit import Minuit
from iminuit.cost import LeastSquares
from scipy import stats

from hfe.core.binning import at_limit, bins_inside
from hfe.decays.folding import GAUSS_NODES, GAUSS_WEIGHTS
from hfe.fitting.shapes import FORMS, Curve
from hfe.stats.covariance import SystematicCorrelation, chi2, table_covariance
from hfe.tables.published import MeasurementTable, load_table


class FitError(RuntimeError):
    """A fit did not converge or ended at a parameter limit."""


@dataclass
class FitResult:
    curve: Curve
    errors: dict[str, float]
    chi2: float
    ndf: int
    source: str
    covariance: list = field(default_factory=list)

    @property
    def p_value(self) -> float:
        return float(stats.chi2.sf(self.chi2, self.ndf)) if self.ndf > 0 else float("nan")

    def summary(self) -> dict:
        return {
            **self.curve.to_dict(),
            "errors": self.errors,
            "chi2": self.chi2,
            "ndf": self.ndf,
            "p_value": self.p_value,
            "source": self.source,
        }


def bin_average(function: Callable, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Average of ``function`` over [low, high] per bin (value at the point where low == high)."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    half = 0.5 * (high - low)
    x = low[:, None] + half[:, None] * (GAUSS_NODES[None, :] + 1.0)
    averages = 0.5 * np.sum(function(x) * GAUSS_WEIGHTS[None, :], axis=1)
    points = half == 0
    if np.any(points):
        averages[points] = function(low[points])
    return averages


def point_uncertainty(table: MeasurementTable) -> np.ndarray:
    """Symmetrised stat and bin-to-bin syst in quadrature."""
    stat_up, stat_down = table.stat
    syst_up, syst_down = table.syst
    return np.sqrt((0.5 * (stat_up + stat_down)) ** 2 + (0.5 * (syst_up + syst_down)) ** 2)


def fit_table(
    table: MeasurementTable,
    form: str,
    start: Mapping[str, float],
    fixed: Mapping[str, float] | None = None,
    limits: Mapping[str, tuple[float | None, float | None]] | None = None,
    model: Callable[[Curve], np.ndarray] | None = None,
    correlation: SystematicCorrelation | None = None,
) -> FitResult:
    """Fit ``form`` to ``table``. ``model(curve)`` may replace the bin average of the curve (e.g.
    a B-hadron spectrum folded to non-prompt D0). ``correlation``: chi2 = r^T V^-1 r with the
    table's covariance (:func:`hfe.stats.covariance.table_covariance`, the decomposition's
    statistical model); None: stat and syst in quadrature per point, independent."""
    fixed = dict(fixed or {})
    names = [p for p in FORMS[form].parameters if p not in fixed]
    error = point_uncertainty(table)
    if np.any(error <= 0):
        row = int(np.argmax(error <= 0)) + 1
        raise FitError(f"{table.source}: row {row} has zero uncertainty; cannot fit")

    def curve_of(values) -> Curve:
        return Curve(form, {**fixed, **dict(zip(names, values))})

    def predict(_x, *values):
        curve = curve_of(values)
        return model(curve) if model is not None else bin_average(curve, table.pt_low, table.pt_high)

    if correlation is None:
        cost = LeastSquares(np.arange(len(table)), table.value, error, predict)
    else:
        covariance = table_covariance(table, correlation)

        def cost(*values):
            return chi2(predict(None, *values) - table.value, covariance)

        cost.errordef = Minuit.LEAST_SQUARES
    minuit = Minuit(cost, *[start[n] for n in names], name=names)
    for name, (low, high) in (limits or {}).items():
        if name in names:
            minuit.limits[name] = (low, high)
    minuit.migrad(ncall=20000)
    if not minuit.valid:  # one retry from a simplex step: flat directions (rational shapes) can stall MIGRAD
        minuit.simplex(ncall=5000)
        minuit.migrad(ncall=20000)
    diagnostics = f"{table.source}: fit of '{form}' (parameters {dict(zip(names, minuit.values))}, fmin {minuit.fmin})"
    if not minuit.valid:
        raise FitError(f"invalid minimum: {diagnostics}")
    for name in names:
        low, high = minuit.limits[name]
        value, err = minuit.values[name], minuit.errors[name]
        if at_limit(value, err, low, high):
            raise FitError(f"parameter '{name}' at its limit: {diagnostics}")
    minuit.hesse()
    return FitResult(
        curve=curve_of(minuit.values),
        errors={n: float(minuit.errors[n]) for n in names},
        chi2=float(minuit.fval),
        ndf=len(table) - len(names),
        source=table.source,
        covariance=np.asarray(minuit.covariance).tolist(),
    )


def _fixed_parameters(form: str, table, mass: float | None) -> dict:
    fixed = {}
    if "mass" in FORMS[form].fixed and mass is not None:
        fixed["mass"] = mass
    if "pt_low" in FORMS[form].fixed and table is not None:
        fixed["pt_low"] = float(table.pt_low[0])
    if "pt_high" in FORMS[form].fixed and table is not None:
        fixed["pt_high"] = float(table.pt_high[-1])
    return fixed


def build_curve(
    spec: Mapping, mass: float | None = None, root: Path = Path("."), model_factory=None, pt_range: tuple[float, float] | None = None,
    correlation: SystematicCorrelation | None = None,
) -> tuple[Curve, dict]:
    """A curve from its config spec, fitted if it names a table (only its bins inside
    ``pt_range``, GeV/c, if given: e.g. the range of the responses a model folds through; with
    the covariance of ``correlation`` if given, see :func:`fit_table`); returns (curve, summary)."""
    form = spec["form"]
    given = dict(spec.get("parameters", {}))
    scale = given.pop("scale", 1.0)
    if "fit" not in spec:
        parameters = {**_fixed_parameters(form, None, mass), **given}
        curve = Curve(form, {**parameters, "scale": scale})
        return curve, {**curve.to_dict(), "source": "configured parameters"}
    table = load_table(root / spec["fit"], **spec.get("table_options", {}))
    if pt_range is not None:
        table = table.select(bins_inside(table.pt_low, table.pt_high, *pt_range))
    fixed = {**_fixed_parameters(form, table, mass), **{k: v for k, v in given.items() if k not in FORMS[form].parameters}}
    start = {**(FORMS[form].start or {}), **{k: v for k, v in given.items() if k in FORMS[form].parameters}}
    limits = {**(FORMS[form].limits or {}), **{k: tuple(v) for k, v in spec.get("limits", {}).items()}}
    model = model_factory(table) if model_factory else None
    result = fit_table(table, form, start, fixed, limits, model, correlation)
    curve = Curve(form, {**result.curve.parameters, "scale": scale})
    return curve, {**result.summary(), **curve.to_dict()}
