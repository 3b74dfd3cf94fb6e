"""Charm/beauty decomposition of HFE spectra by a global chi2 fit (method of arXiv:2110.08769).

Model of one collision system:

* charm: the prompt D0 spectrum ``dN/dpTdy`` (or dsigma/dpTdy in pp) is a named shape
  (``levy`` by default, ``power_law`` for the systematic) with free parameters ``charm_*``;
  D+, Ds+ and Lambda_c+ follow through constant ratios to D0; c -> e is the sum of the species
  folded through their decay responses;
* beauty: the b-hadron spectrum (all species, fractions from config) with free parameters
  ``beauty_*``, folded to b -> e (including b -> c -> e) and, for the optional constraint, to
  non-prompt D0;
* data: D0 points, HFE points (fitted with c -> e + b -> e averaged over each bin) and,
  optionally, non-prompt D0 points. A Pb-Pb system is fitted jointly with pp: its flavours are
  <T_AA of the inputs> x the pp model x an R_AA shape, and its D0 (non-prompt D0) points are
  the published R_AA, compared with <Y_PbPb> / (<T_AA of the inputs> <sigma_pp>) (T_AA cancels).

chi2 = sum over datasets of r^T V^-1 r + sum_k (nu_k / s_k)^2 with r = prod(1 + nu) model - data
(:mod:`hfe.stats.covariance`): V the dataset's covariance (stat diagonal, systematics with their
pT correlation, the MC error of the folded model on the diagonal of HFE points); each dataset's
correlated normalisation uncertainties (luminosity, BR, global) are a nuisance nu with a
Gaussian penalty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from iminuit import Minuit
from scipy import stats

from hfe.core.binning import at_limit, average_over_bins, bins_inside, error_of_average_over_bins
from hfe.core.species import SPECIES
from hfe.decays.folding import fold_parents, fold_parents_error, fold_spectrum, parent_yield_per_bin
from hfe.decays.response import ResponseMatrix
from hfe.fitting.curve_fits import FitError, bin_average
from hfe.fitting.shapes import FORMS, Curve
from hfe.stats.covariance import cholesky_factor, whitened, whitened_by
from hfe.tables.published import MeasurementTable

NOT_FINITE_RESIDUAL = 1e4  # per point: chi2 of 1e8 per point where the model is not finite
log = logging.getLogger(__name__)
REFERENCE_MASS = {"charm": SPECIES["D0"].mass, "beauty": SPECIES["Bplus"].mass}


@dataclass
class Dataset:
    """Points of one measurement, their covariance and the model predicting them.

    ``covariance``: the data covariance (stat diagonal, systematics with their pT correlation;
    :func:`hfe.stats.covariance.table_covariance`), absolute, without the normalisation
    components, which are the nuisances named in ``nuisances`` (the model is scaled by
    ``prod(1 + nu)``). ``model_error``: MC statistical error of the model per point (independent
    between points), added to the diagonal."""

    name: str
    table: MeasurementTable
    model: Callable[[dict], np.ndarray]  # parameters -> prediction per point
    covariance: np.ndarray
    nuisances: tuple[str, ...] = ()
    model_error: Callable[[dict], np.ndarray] | None = None
    _cholesky: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def scale(self, parameters: Mapping) -> float:
        return float(np.prod([1.0 + parameters[f"nu_{k}"] for k in self.nuisances])) if self.nuisances else 1.0

    def prediction(self, parameters: Mapping) -> np.ndarray:
        return self.scale(parameters) * np.asarray(self.model(parameters))

    def total_covariance(self, parameters: Mapping) -> np.ndarray:
        if self.model_error is None:
            return self.covariance
        return self.covariance + np.diag((self.scale(parameters) * self.model_error(parameters)) ** 2)

    def residuals(self, parameters: Mapping) -> np.ndarray:
        """Whitened residuals ``L^-1 (model - data)``: their squares sum to ``r^T V^-1 r``.
        Where the model is not finite (a trial point whose spectrum folds to zero in a ratio) every
        residual is ``NOT_FINITE_RESIDUAL``: a chi2 wall MIGRAD steps back from."""
        with np.errstate(divide="ignore", invalid="ignore"):
            difference = self.prediction(parameters) - self.table.value
        if self.model_error is None:  # a constant covariance: its Cholesky factor once
            if not np.all(np.isfinite(difference)):
                return np.full(len(difference), NOT_FINITE_RESIDUAL)
            if self._cholesky is None:
                self._cholesky = cholesky_factor(self.covariance)
            return whitened_by(difference, self._cholesky)
        covariance = self.total_covariance(parameters)
        if not (np.all(np.isfinite(difference)) and np.all(np.isfinite(covariance))):
            return np.full(len(difference), NOT_FINITE_RESIDUAL)
        return whitened(difference, covariance)

    def points(self, parameters: Mapping) -> dict[str, list[float]]:
        """Data and fitted model per point (with the fitted normalisation nuisances), for
        figures; ``pull`` uses the diagonal of the covariance only (the chi2 uses all of it)."""
        prediction = self.prediction(parameters)
        error = np.sqrt(np.diag(self.total_covariance(parameters)))
        return {
            "pt_low": self.table.pt_low.tolist(),
            "pt_high": self.table.pt_high.tolist(),
            "pt_center": self.table.pt_center.tolist(),
            "data": self.table.value.tolist(),
            "error": np.sqrt(np.diag(self.covariance)).tolist(),
            "model": prediction.tolist(),
            "pull": ((prediction - self.table.value) / error).tolist(),
        }


@dataclass
class FlavourModel:
    """Spectrum of one flavour and its folding to electrons (and non-prompt D0).

    Without ``reference`` the flavour's spectrum is the shape ``form`` itself (pp); with it, the
    spectrum is ``factor x reference.curve(p)(pT) x form(pT)``: in Pb-Pb, the <T_AA> of the
    published R_AA inputs times the pp model (whose parameters are fitted jointly) times an
    R_AA-like shape. Parameter names are ``<prefix>_<name>`` (prefix: the flavour, or
    ``raa_<flavour>`` for the Pb-Pb shapes). ``fixed`` holds the form's parameters that are not
    fitted.
    """

    flavour: str  # charm | beauty
    form: str
    species_weights: Mapping[str, Callable]  # species -> factor (of pT) relative to the reference spectrum
    electron_responses: Mapping[str, ResponseMatrix]
    dzero_responses: Mapping[str, ResponseMatrix] = field(default_factory=dict)
    reference: "FlavourModel | None" = None
    fixed: Mapping[str, float] = field(default_factory=dict)
    prefix: str = ""
    factor: float = 1.0
    _folded: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.prefix:
            self.prefix = self.flavour if self.reference is None else f"raa_{self.flavour}"

    def _memo(self, kind: str, parameters: Mapping, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """Folded spectra of the last parameter values seen, per kind: a fit varies one parameter
        at a time, and a joint fit's pp models need no refolding while Pb-Pb parameters move."""
        key = tuple(float(parameters[n]) for n in self.parameter_names)
        entry = self._folded.get(kind)
        if entry is None or entry[0] != key:
            entry = (key, compute())
            self._folded[kind] = entry
        return entry[1]

    @property
    def own_parameter_names(self) -> list[str]:
        return [f"{self.prefix}_{p}" for p in FORMS[self.form].parameters if p not in self.fixed]

    @property
    def parameter_names(self) -> list[str]:
        """Every parameter the spectrum depends on (the reference's first)."""
        return (self.reference.parameter_names if self.reference is not None else []) + self.own_parameter_names

    def shape(self, parameters: Mapping[str, float]) -> Curve:
        values = {p: parameters[f"{self.prefix}_{p}"] for p in FORMS[self.form].parameters if p not in self.fixed}
        values.update(self.fixed)
        if "mass" in FORMS[self.form].fixed and "mass" not in values:
            values["mass"] = REFERENCE_MASS[self.flavour]
        return Curve(self.form, values)

    def curve(self, parameters: Mapping[str, float]) -> Callable:
        shape = self.shape(parameters)
        if self.reference is None:
            return shape
        reference, factor = self.reference.curve(parameters), self.factor
        return lambda pt: factor * reference(pt) * shape(pt)

    def species_spectrum(self, parameters, species):
        reference, weight = self.curve(parameters), self.species_weights[species]
        return lambda pt: reference(pt) * weight(pt)

    def electron_parents(self, parameters) -> dict[str, np.ndarray]:
        """Parents per fine parent bin of each species' electron response (shared by the
        folded spectrum and its MC error)."""
        return self._memo("electron_parents", parameters, lambda: {
            s: parent_yield_per_bin(r, self.species_spectrum(parameters, s)) for s, r in self.electron_responses.items()
        })

    def electrons(self, parameters) -> np.ndarray:
        """Electron dN/dpT deta on the responses' fine electron bins."""
        return self._memo("electrons", parameters, lambda: sum(
            fold_parents(r, self.electron_parents(parameters)[s]) for s, r in self.electron_responses.items()
        ))

    def electrons_error(self, parameters) -> np.ndarray:
        return self._memo("electrons_error", parameters, lambda: np.sqrt(sum(
            fold_parents_error(r, self.electron_parents(parameters)[s]) ** 2 for s, r in self.electron_responses.items()
        )))

    def dzero(self, parameters) -> np.ndarray:
        """Non-prompt D0 dN/dpTdy on the D0 responses' fine bins."""
        return self._memo("dzero", parameters, lambda: sum(
            fold_spectrum(r, self.species_spectrum(parameters, s)) for s, r in self.dzero_responses.items()
        ))

    @property
    def electron_edges(self) -> np.ndarray:
        return next(iter(self.electron_responses.values())).daughter_edges

    @property
    def dzero_edges(self) -> np.ndarray:
        return next(iter(self.dzero_responses.values())).daughter_edges


def hfe_dataset(table: MeasurementTable, covariance, charm: FlavourModel, beauty: FlavourModel, nuisances=(), name: str = "HFE") -> Dataset:
    edges = charm.electron_edges

    def model(p):
        return average_over_bins(edges, charm.electrons(p) + beauty.electrons(p), table.pt_low, table.pt_high)

    def model_error(p):
        # per fine bin errors are independent: the bin average's error adds them in quadrature
        fine = np.hypot(charm.electrons_error(p), beauty.electrons_error(p))
        return error_of_average_over_bins(edges, fine, table.pt_low, table.pt_high)

    return Dataset(name, table, model, covariance, tuple(nuisances), model_error)


def spectrum_dataset(name: str, table: MeasurementTable, covariance, flavour: FlavourModel, nuisances=()) -> Dataset:
    """D0 points: the flavour's reference spectrum averaged over each bin."""
    return Dataset(name, table, lambda p: bin_average(flavour.curve(p), table.pt_low, table.pt_high), covariance, tuple(nuisances))


def nonprompt_dataset(table: MeasurementTable, covariance, beauty: FlavourModel, nuisances=(), name: str = "nonprompt_D0") -> Dataset:
    edges = beauty.dzero_edges
    return Dataset(
        name, table, lambda p: average_over_bins(edges, beauty.dzero(p), table.pt_low, table.pt_high), covariance,
        tuple(nuisances),
    )


def raa_dataset(name: str, table: MeasurementTable, covariance, pbpb: FlavourModel, nuisances=(), nonprompt: bool = False) -> Dataset:
    """Published R_AA points of prompt D0 (the flavour's spectrum) or, with ``nonprompt``, of
    non-prompt D0 (the beauty spectrum folded to D0): the model is <Y_PbPb> / (<T_AA> <sigma_pp>)
    per bin, with the <T_AA> the publication divided by (``pbpb.factor``) — so that T_AA
    cancels: R = <sigma_pp x shape> / <sigma_pp>."""
    pp = pbpb.reference
    if nonprompt:
        edges = pbpb.dzero_edges

        def model(p):
            return average_over_bins(edges, pbpb.dzero(p), table.pt_low, table.pt_high) / (
                pbpb.factor * average_over_bins(edges, pp.dzero(p), table.pt_low, table.pt_high)
            )
    else:

        def model(p):
            return bin_average(pbpb.curve(p), table.pt_low, table.pt_high) / (
                pbpb.factor * bin_average(pp.curve(p), table.pt_low, table.pt_high)
            )

    return Dataset(name, table, model, covariance, tuple(nuisances))


def restrict(table: MeasurementTable, pt_min: float, pt_max: float) -> MeasurementTable:
    """The bins of ``table`` inside [pt_min, pt_max]."""
    keep = bins_inside(table.pt_low, table.pt_high, pt_min, pt_max)
    if not keep.any():
        raise FitError(f"{table.source}: no bin inside the fit range [{pt_min}, {pt_max}] GeV/c")
    return table.select(keep)


@dataclass
class FitOutcome:
    parameters: dict[str, float]
    errors: dict[str, float]
    covariance: np.ndarray  # over ``names``
    names: list[str]
    chi2: float
    ndf: int
    chi2_by_dataset: dict[str, float]
    valid: bool
    covariance_status: str = "accurate"
    points: dict = field(default_factory=dict)  # per dataset: data and fitted model (Dataset.points)

    @property
    def p_value(self) -> float:
        return float(stats.chi2.sf(self.chi2, self.ndf)) if self.ndf > 0 else float("nan")

    def summary(self) -> dict:
        return {
            "parameters": self.parameters,
            "errors": self.errors,
            "covariance": self.covariance.tolist(),
            "names": self.names,
            "chi2": self.chi2,
            "ndf": self.ndf,
            "chi2_ndf": self.chi2 / self.ndf if self.ndf else float("nan"),
            "p_value": self.p_value,
            "chi2_by_dataset": self.chi2_by_dataset,
            "valid": self.valid,
            "covariance_status": self.covariance_status,
            "points": self.points,
        }


def _settle_edm(minuit: Minuit) -> None:
    """HESSE's exact second derivatives can raise the EDM of a chi2 with numerical
    (response-folded) models above MIGRAD's goal 2e-4: restart MIGRAD from them (twice at most)
    with a goal of 2e-3 (chi2 within 0.002 of its minimum, negligible against delta chi2 = 1)."""
    for _ in range(2):
        if minuit.valid or not minuit.fmin.is_above_max_edm:
            return
        minuit.tol = 1.0
        minuit.migrad(ncall=20000)
        minuit.hesse()


def global_fit(
    datasets: list[Dataset],
    start: Mapping[str, float],
    limits: Mapping[str, tuple],
    nuisance_sigma: Mapping[str, float],
    max_chi2_ndf: float = 5.0,
) -> FitOutcome:
    """Minimise the global chi2; raise :class:`FitError` with diagnostics on failure."""
    names_of_datasets = [d.name for d in datasets]
    if len(set(names_of_datasets)) != len(names_of_datasets):
        raise ValueError(f"dataset names must be unique (chi2 and points are reported by name): {names_of_datasets}")
    names = list(start) + [f"nu_{k}" for k in nuisance_sigma]

    def chi2(*values):
        p = dict(zip(names, values))
        total = sum(float(np.sum(d.residuals(p) ** 2)) for d in datasets)
        return total + sum((p[f"nu_{k}"] / s) ** 2 for k, s in nuisance_sigma.items())

    chi2.errordef = Minuit.LEAST_SQUARES
    minuit = Minuit(chi2, *[start[n] for n in start], *[0.0] * len(nuisance_sigma), name=names)
    for name, (low, high) in limits.items():
        minuit.limits[name] = (low, high)
    for k, s in nuisance_sigma.items():
        minuit.limits[f"nu_{k}"] = (-0.9, 0.9)
        minuit.errors[f"nu_{k}"] = max(s, 1e-3)
    minuit.migrad(ncall=20000)
    if not minuit.valid:  # one retry from a simplex step: flat directions can stall MIGRAD's EDM
        minuit.simplex(ncall=5000)
        minuit.migrad(ncall=20000)
    minuit.hesse()
    _settle_edm(minuit)
    if minuit.valid and not minuit.fmin.has_accurate_covar:
        # a HESSE matrix that is not positive definite at MIGRAD's minimum (nearly degenerate
        # parameters of the R_AA shapes): MIGRAD again with strategy 2, which computes and checks
        # the full second derivatives as it goes. Measured: it makes the nominal 0-10 % fit's
        # covariance accurate (chi2 -1.5e-5) and most of the toys' (docs/decomposition.md)
        log.info("global fit: HESSE covariance not accurate; MIGRAD again with strategy 2")
        minuit.strategy = 2
        minuit.migrad(ncall=20000)
        minuit.hesse()
        _settle_edm(minuit)  # strategy 2 can end above the EDM goal in a flat direction (R_AA = 1 truth)
    p = dict(zip(names, map(float, minuit.values)))
    by_dataset = {d.name: float(np.sum(d.residuals(p) ** 2)) for d in datasets}
    n_points = sum(len(d.table) for d in datasets)
    ndf = n_points - len(start)  # nuisances come with their own penalty terms
    outcome = FitOutcome(
        parameters=p,
        errors={n: float(minuit.errors[n]) for n in names},
        covariance=np.asarray(minuit.covariance),
        names=names,
        chi2=float(minuit.fval),
        ndf=ndf,
        chi2_by_dataset=by_dataset,
        valid=bool(minuit.valid),
        covariance_status="accurate" if minuit.fmin.has_accurate_covar else (
            "forced positive definite" if minuit.fmin.has_made_posdef_covar else "approximate"
        ),
        points={d.name: d.points(p) for d in datasets},
    )
    if outcome.covariance_status != "accurate":
        log.warning("global fit: HESSE covariance %s: the quoted errors are unreliable (docs/coverage.md)", outcome.covariance_status)
    problems = []
    if not minuit.valid:
        problems.append("invalid minimum")
    if minuit.fmin.hesse_failed or not minuit.fmin.has_covariance:
        problems.append("HESSE failed: no covariance")
    for name in start:
        low, high = minuit.limits[name]
        if at_limit(p[name], outcome.errors[name], low, high):
            problems.append(f"parameter {name} at its limit")
    if ndf > 0 and outcome.chi2 / ndf > max_chi2_ndf:
        problems.append(f"chi2/ndf = {outcome.chi2:.1f}/{ndf} above the bound {max_chi2_ndf}")
    if problems:
        hints = "".join(f"\n  {hint}" for hint in scale_mismatches(datasets, p))
        raise FitError(
            "global fit failed: " + "; ".join(problems) + hints + f"\n  parameters: {p}\n  errors: {outcome.errors}"
            f"\n  chi2 by dataset: {by_dataset}\n  covariance status: {minuit.fmin}"
        )
    return outcome


def scale_mismatches(datasets: Sequence[Dataset], parameters: Mapping) -> list[str]:
    """Datasets whose data lie a large factor from the fitted model (median data/model outside
    [1/3, 3]): the mark of a table in other units than its header says (a cross section in mb
    read as microbarn is x 1000) or with another normalisation. For failure messages."""
    hints = []
    for dataset in datasets:
        model, data = dataset.prediction(parameters), dataset.table.value
        usable = (model > 0) & (data > 0)
        if not usable.any():
            continue
        ratio = float(np.median(data[usable] / model[usable]))
        if not 1.0 / 3.0 <= ratio <= 3.0:
            hints.append(f"dataset '{dataset.name}' ({dataset.table.source}): data/model median {ratio:.3g}: check the table's units "
                         "and normalisation (a cross section in mb read as microbarn is x 1000)")
    return hints


def propagate_covariance(function: Callable[[dict], np.ndarray], outcome: FitOutcome) -> tuple[np.ndarray, np.ndarray]:
    """Value of ``function(parameters)`` and its covariance from the fit covariance (numerical
    Jacobian, central differences of a tenth of each parameter's error)."""
    p = dict(outcome.parameters)
    value = np.asarray(function(p), dtype=float)
    jacobian = []
    for name in outcome.names:
        step = 0.1 * outcome.errors[name] if outcome.errors[name] > 0 else 1e-6
        up, down = dict(p), dict(p)
        up[name] += step
        down[name] -= step
        jacobian.append((np.asarray(function(up)) - np.asarray(function(down))) / (2 * step))
    jacobian = np.array(jacobian)  # (n_parameters, n_values)
    return value, jacobian.T @ outcome.covariance @ jacobian


def propagate(function: Callable[[dict], np.ndarray], outcome: FitOutcome) -> tuple[np.ndarray, np.ndarray]:
    """Value of ``function(parameters)`` and its error (:func:`propagate_covariance`)."""
    value, covariance = propagate_covariance(function, outcome)
    return value, np.sqrt(np.clip(np.diag(covariance), 0.0, None))
