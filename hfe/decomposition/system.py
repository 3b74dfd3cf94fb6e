"""Decomposition of one collision system: builds the datasets and models of
:mod:`hfe.decomposition.global_fit` from the config, fits, and derives c -> e, b -> e, the beauty
fraction f_b = (b -> e) / (c -> e + b -> e) and, for Pb-Pb, R_AA of both flavours.

Units: pp spectra are cross sections (microbarn/(GeV/c)), Pb-Pb spectra per-event yields;
R_AA = yield_PbPb / (<T_AA> sigma_pp) with T_AA in mb^-1 (x 1e-3 for microbarn).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import stats

from hfe.core.binning import average_over_bins, bins_inside
from hfe.core.errors import ConfigError
from hfe.core.species import BEAUTY_SPECIES, CHARM_SPECIES
from hfe.core.systems import CollisionSystem
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.global_fit import (
    Dataset,
    FitOutcome,
    FlavourModel,
    global_fit,
    hfe_dataset,
    nonprompt_dataset,
    propagate,
    propagate_covariance,
    raa_dataset,
    restrict,
    spectrum_dataset,
)
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.settings import DecompositionSettings
from hfe.fitting.curve_fits import build_curve, fit_table, point_uncertainty
from hfe.fitting.shapes import FORMS
from hfe.stats.covariance import SystematicCorrelation, normalisation_sigma, table_covariance
from hfe.stats.covariance import chi2 as covariance_chi2
from hfe.tables.published import MeasurementTable

START = {  # pp starting values (microbarn, GeV): near the ALICE D0 and non-prompt D0 fits
    "charm": {"dndy": 450.0, "T": 0.5, "n": 6.0, "p0": 2.5},
    "beauty": {"dndy": 30.0, "T": 1.3, "n": 6.8, "p0": 5.0},
}


def load_responses(paths) -> tuple[dict, dict]:
    """(electron responses, non-prompt D0 responses) by species from ``.npz`` files (other
    responses, such as flow responses, are ignored)."""
    electrons, dzero = {}, {}
    for path in paths:
        response = ResponseMatrix.load(path)
        target = {"electron": electrons, "dzero": dzero}.get(response.daughter)
        if target is not None:
            target[response.provenance["species"]] = response
    return electrons, dzero


def flavour_models(
    settings: DecompositionSettings, electrons: Mapping, dzero: Mapping, root: Path = Path("."), forms=None, references=None,
    fixed=None, factor: float = 1.0,
) -> tuple[FlavourModel, FlavourModel]:
    """Charm and beauty models: pp shapes by default; ``forms``/``references``/``fixed`` per
    flavour and ``factor`` for Pb-Pb (factor x pp model x R_AA shape)."""
    forms = forms or {"charm": settings.shape, "beauty": settings.shape}
    references, fixed = references or {}, fixed or {}
    electrons = scaled_responses(electrons, settings.semileptonic_scale)
    ratios = {"D0": lambda pt: np.ones_like(np.asarray(pt, dtype=float))}
    for name, spec in settings.charm_ratios.items():
        ratios[name] = build_curve(spec, None, root, correlation=settings.systematic_correlation)[0]
    fractions = settings.beauty_fractions
    beauty_species = [s for s in BEAUTY_SPECIES if s in electrons]
    norm = sum(fractions[s] for s in beauty_species)
    beauty_weights = {s: _constant(fractions[s] / norm) for s in beauty_species}
    charm_species = [s for s in CHARM_SPECIES if s in electrons]
    charm = FlavourModel(
        "charm", forms["charm"], {s: ratios[s] for s in charm_species}, {s: electrons[s] for s in charm_species},
        reference=references.get("charm"), fixed=fixed.get("charm", {}), factor=factor,
    )
    beauty = FlavourModel(
        "beauty", forms["beauty"], beauty_weights, {s: electrons[s] for s in beauty_species},
        {s: dzero[s] for s in beauty_species if s in dzero}, references.get("beauty"), fixed.get("beauty", {}), factor=factor,
    )
    return charm, beauty


def scaled_responses(electrons: Mapping, factors: Mapping[str, float]) -> dict:
    """Electron responses with each species' response times its factor (the decay-table
    systematic: semileptonic branching ratios moved within their PDG errors)."""
    unknown = [s for s in factors if s not in electrons]
    if unknown:
        raise ConfigError(f"config key 'decomposition.semileptonic_scale': no response for species {unknown}")
    return {
        s: r if factors.get(s, 1.0) == 1.0 else replace(r, matrix=r.matrix * factors[s], matrix_error=r.matrix_error * factors[s])
        for s, r in electrons.items()
    }


def _constant(value: float):
    return lambda pt: np.full_like(np.asarray(pt, dtype=float), value)


def _start_and_limits(models, starts: Mapping[str, Mapping[str, float]]) -> tuple[dict, dict]:
    """Start values and limits of each model's own parameters (``starts[prefix][name]``)."""
    start, limits = {}, {}
    for model in models:
        form = FORMS[model.form]
        for p in form.parameters:
            if p in model.fixed:
                continue
            name = f"{model.prefix}_{p}"
            start[name] = starts[model.prefix][p]
            if p in (form.limits or {}):
                limits[name] = form.limits[p]
    return start, limits


def _within(value: float, limit: tuple | None) -> float:
    """``value`` moved inside ``limit`` = (low, high) (None or infinite: open)."""
    low, high = limit or (None, None)
    low = -np.inf if low is None else low
    high = np.inf if high is None else high
    return float(np.clip(value, low, high))


def _raa_start(form: str, table: MeasurementTable | None, fixed: Mapping[str, float]) -> dict:
    """Starting R_AA-shape parameters: a fit to the R_AA table when there is one."""
    default = dict(FORMS[form].start)
    if table is None:
        return default
    free = {k: v for k, v in default.items() if k not in fixed}
    ranges = {"pt_low": float(table.pt_low[0]), "pt_high": float(table.pt_high[-1])}
    result = fit_table(table, form, free, {**fixed, **ranges}, FORMS[form].limits)
    return {**default, **result.curve.parameters}


def fitted_hfe(hfe: MeasurementTable, settings: DecompositionSettings, electron_edges: np.ndarray, info: dict, label: str = "") -> MeasurementTable:
    """The HFE bins in ``decomposition.hfe_fit_range`` and inside the responses; the bins left
    out, and bins without an uncertainty (no entries) and all above them, are listed in ``info``."""
    low, high = settings.hfe_fit_range
    high = min(high, float(electron_edges[-1]))
    outside = ~bins_inside(hfe.pt_low, hfe.pt_high, low, high)
    if outside.any():
        info[f"{label}hfe_bins_outside_fit_range"] = [[float(a), float(b)] for a, b in zip(hfe.pt_low[outside], hfe.pt_high[outside])]
    hfe = restrict(hfe, low, high)
    empty = point_uncertainty(hfe) <= 0  # bins of a measurement without entries carry no information
    if empty.any():
        info[f"{label}hfe_bins_without_uncertainty_dropped"] = [[float(a), float(b)] for a, b in zip(hfe.pt_low[empty], hfe.pt_high[empty])]
        hfe = restrict(hfe, 0.0, float(hfe.pt_low[empty].min()))
    return hfe


def pp_datasets(
    settings: DecompositionSettings, hfe: MeasurementTable, charm: FlavourModel, beauty: FlavourModel, inputs: FitInputs,
    info: dict, label: str = "",
) -> tuple[list[Dataset], dict[str, float]]:
    """pp datasets (HFE, D0, non-prompt D0) and their normalisation nuisances; ``label``
    (``"pp "`` in a joint fit) prefixes dataset names, and nuisances as ``pp_``."""
    correlation = settings.systematic_correlation
    key = label.strip().replace(" ", "_") + "_" if label else ""
    use_nonprompt = settings.nonprompt_constraint and bool(beauty.dzero_responses)
    d0 = inputs.d0_pp
    sigma = {f"{key}d0_norm": normalisation_sigma(d0)}
    datasets = [spectrum_dataset(f"{label}D0", d0, table_covariance(d0, correlation), charm, (f"{key}d0_norm",))]
    if use_nonprompt:
        nonprompt = restrict(inputs.nonprompt_pp, 0.0, beauty.dzero_edges[-1])
        sigma[f"{key}nonprompt_norm"] = normalisation_sigma(nonprompt)
        datasets.append(
            nonprompt_dataset(nonprompt, table_covariance(nonprompt, correlation), beauty, (f"{key}nonprompt_norm",), f"{label}nonprompt_D0")
        )
    hfe = fitted_hfe(hfe, settings, charm.electron_edges, info, key)
    sigma[f"{key}hfe_norm"] = normalisation_sigma(hfe)
    hfe_set = hfe_dataset(hfe, table_covariance(hfe, correlation), charm, beauty, (f"{key}hfe_norm",), f"{label}HFE")
    return [hfe_set, *datasets], sigma


def pbpb_models(
    system: CollisionSystem,
    settings: DecompositionSettings,
    electrons: Mapping,
    dzero: Mapping,
    inputs: FitInputs,
    root: Path = Path("."),
):
    """Charm and beauty models of a Pb-Pb system (<T_AA of the inputs> x pp model x R_AA
    shape), the pp models they are built on, and the D0 and non-prompt D0 R_AA tables that fix
    the shapes' pT ranges (the latter None without the non-prompt constraint)."""
    dzero_max = next(iter(dzero.values())).daughter_edges[-1] if dzero else 0.0
    use_nonprompt = settings.nonprompt_constraint and bool(dzero)
    pp_charm, pp_beauty = flavour_models(settings, electrons, dzero, root)
    raa = inputs.d0_raa[system.name]
    np_raa = restrict(inputs.nonprompt_raa[system.name], 0.0, dzero_max) if use_nonprompt else None
    fixed = {}
    for flavour, table in (("charm", raa), ("beauty", np_raa)):
        given = dict(settings.raa_shape[flavour].get("parameters", {}))
        # the shape is flat outside the pT range of its R_AA data; without non-prompt D0 data,
        # beauty takes the range of the D0 R_AA (an unclipped shape runs away below 1 GeV/c)
        limits = table if table is not None else raa
        fixed[flavour] = {**given, "pt_low": float(limits.pt_low[0]), "pt_high": float(limits.pt_high[-1])}
    forms = {f: settings.raa_shape[f]["form"] for f in ("charm", "beauty")}
    charm, beauty = flavour_models(
        settings, electrons, dzero, root, forms, {"charm": pp_charm, "beauty": pp_beauty}, fixed, system.inputs_taa_per_microbarn
    )
    return charm, beauty, (pp_charm, pp_beauty), raa, np_raa


def system_models(
    system: CollisionSystem,
    settings: DecompositionSettings,
    electrons: Mapping,
    dzero: Mapping,
    inputs: FitInputs,
):
    """(charm, beauty) models of any system, as the decomposition fitted them (the Pb-Pb
    models take the pp parameters from the same parameter set: the fit is joint)."""
    if system.is_pp:
        return flavour_models(settings, electrons, dzero)
    return pbpb_models(system, settings, electrons, dzero, inputs)[:2]


def fit_system(
    system: CollisionSystem,
    settings: DecompositionSettings,
    hfe: MeasurementTable,
    electrons: Mapping,
    dzero: Mapping,
    inputs: FitInputs,
    pp_fit: dict | None = None,
    pp_hfe: MeasurementTable | None = None,
    root: Path = Path("."),
    start_from: Mapping[str, float] | None = None,
) -> tuple[FitOutcome, FlavourModel, FlavourModel, dict]:
    """Global fit of one system. pp: charm and beauty shapes (``decomposition.shape``) fitted to
    D0, HFE and non-prompt D0. Pb-Pb: a joint fit of the pp data (``pp_hfe`` and the pp tables
    of ``inputs``; starting from ``pp_fit``, the pp summary) and the Pb-Pb data, each Pb-Pb
    flavour being <T_AA of the inputs> x its pp model x an R_AA shape
    (``decomposition.raa_shape``) fitted to the HFE yields and the published D0 and non-prompt
    D0 R_AA (compared as R_AA, in which T_AA cancels). ``start_from`` (parameters by name, e.g.
    the nominal fit's, for a toy or a replica of it) replaces the start values it names."""
    info = {"system": system.name, "kind": system.kind, "shape": settings.shape,
            "statistical_model": "statistics diagonal, " + settings.systematic_correlation.describe() + ", normalisations as nuisance parameters"}
    correlation = settings.systematic_correlation
    if system.is_pp:
        charm, beauty = flavour_models(settings, electrons, dzero, root)
        datasets, nuisance_sigma = pp_datasets(settings, hfe, charm, beauty, inputs, info)
        start, limits = _start_and_limits((charm, beauty), START)
    else:
        if pp_fit is None or pp_hfe is None:
            raise ValueError(f"{system.name}: the Pb-Pb fit is joint with pp and needs the pp fit summary and HFE table")
        charm, beauty, pp_models, raa, np_raa = pbpb_models(system, settings, electrons, dzero, inputs, root)
        datasets, nuisance_sigma = pp_datasets(settings, pp_hfe, *pp_models, inputs, info, "pp ")
        pp_start = {m.prefix: {p: pp_fit["parameters"][f"{m.prefix}_{p}"] for p in FORMS[m.form].parameters if p not in m.fixed}
                    for m in pp_models}
        starts = {  # a fit to the R_AA table, unless start_from gives every parameter of the shape
            model.prefix: {name.removeprefix(f"{model.prefix}_"): start_from[name] for name in model.own_parameter_names}
            if start_from and all(name in start_from for name in model.own_parameter_names)
            else _raa_start(model.form, table, settings.raa_shape[model.flavour].get("parameters", {}))
            for model, table in ((charm, raa), (beauty, np_raa))
        }
        start, limits = _start_and_limits((*pp_models, charm, beauty), {**pp_start, **starts})
        for model in (charm, beauty):  # limits the config gives to an R_AA shape (e.g. R_AA >= 0 without data on it)
            for name, (low, high) in settings.raa_shape[model.flavour].get("limits", {}).items():
                if f"{model.prefix}_{name}" in start:
                    limits[f"{model.prefix}_{name}"] = (-np.inf if low is None else low, np.inf if high is None else high)
                    start[f"{model.prefix}_{name}"] = _within(start[f"{model.prefix}_{name}"], limits[f"{model.prefix}_{name}"])
        # the R_AA inputs' normalisation without <T_AA> (FitInputs): T_AA cancels in a yield
        nuisance_sigma["d0_raa_norm"] = normalisation_sigma(raa)
        datasets.append(raa_dataset("D0", raa, table_covariance(raa, correlation), charm, ("d0_raa_norm",)))
        if np_raa is not None:
            nuisance_sigma["nonprompt_raa_norm"] = normalisation_sigma(np_raa)
            datasets.append(
                raa_dataset("nonprompt_D0", np_raa, table_covariance(np_raa, correlation), beauty, ("nonprompt_raa_norm",), nonprompt=True)
            )
        fitted = fitted_hfe(hfe, settings, charm.electron_edges, info)
        nuisance_sigma["hfe_norm"] = normalisation_sigma(fitted)
        datasets.insert(0, hfe_dataset(fitted, table_covariance(fitted, correlation), charm, beauty, ("hfe_norm",)))
    if start_from:
        start = {name: _within(start_from.get(name, value), limits.get(name)) for name, value in start.items()}
    nuisance_sigma = {k: v for k, v in nuisance_sigma.items() if v > 0}
    for d in datasets:
        d.nuisances = tuple(k for k in d.nuisances if k in nuisance_sigma)
    info["datasets"] = {d.name: d.table.source for d in datasets}
    info["nuisance_sigma"] = nuisance_sigma
    outcome = global_fit(datasets, start, limits, nuisance_sigma, settings.max_chi2_ndf)
    return outcome, charm, beauty, info


def beauty_fraction_function(charm: FlavourModel, beauty: FlavourModel, low, high) -> Callable[[Mapping], np.ndarray]:
    """f_b = <b -> e> / <c -> e + b -> e> over the bins [low, high]."""
    edges, low, high = charm.electron_edges, np.asarray(low), np.asarray(high)

    def fraction(p):
        b = average_over_bins(edges, beauty.electrons(p), low, high)
        return b / (b + average_over_bins(edges, charm.electrons(p), low, high))

    return fraction


def electron_results(outcome: FitOutcome, charm: FlavourModel, beauty: FlavourModel, low, high) -> dict:
    """c -> e, b -> e and f_b averaged over the bins [low, high] with fit-covariance errors."""
    edges = charm.electron_edges

    def average(values):
        return average_over_bins(edges, values, np.asarray(low), np.asarray(high))

    ctoe = propagate(lambda p: average(charm.electrons(p)), outcome)
    btoe = propagate(lambda p: average(beauty.electrons(p)), outcome)
    fraction = propagate(beauty_fraction_function(charm, beauty, low, high), outcome)
    return {"ctoe_spectrum": ctoe, "btoe_spectrum": btoe, "beauty_fraction": fraction}


def raa_function(model: FlavourModel, system: CollisionSystem, low, high) -> Callable[[Mapping], np.ndarray]:
    """R_AA of ``model``'s electrons over the bins [low, high] as a function of the joint fit's
    parameters: <Y_PbPb> / (<T_AA> <sigma_pp>) with the system's <T_AA> (``taa_per_mb``), the
    only place T_AA enters."""
    edges, taa = model.electron_edges, system.taa_per_microbarn

    def average(values):
        return average_over_bins(edges, values, np.asarray(low), np.asarray(high))

    return lambda p: average(model.electrons(p)) / (taa * average(model.reference.electrons(p)))


def nuclear_modification(outcome: FitOutcome, charm: FlavourModel, beauty: FlavourModel, system: CollisionSystem, low, high) -> dict:
    """R_AA of c -> e and b -> e and their ratio over the bins [low, high] from the joint pp +
    Pb-Pb fit ``outcome`` (errors from its full covariance: the pp-Pb-Pb correlations are kept,
    e.g. the pp charm normalisation cancels in R_AA(c -> e)); the relative T_AA uncertainty is
    returned separately (common to both flavours, absent from the ratio)."""
    charm_raa, beauty_raa = raa_function(charm, system, low, high), raa_function(beauty, system, low, high)
    return {
        "raa_ctoe": propagate(charm_raa, outcome),
        "raa_btoe": propagate(beauty_raa, outcome),
        "raa_ratio": propagate(lambda p: beauty_raa(p) / charm_raa(p), outcome),
        "taa_relative_error": system.taa_relative_error,
    }


def raa_with_covariance(outcome: FitOutcome, model: FlavourModel, system: CollisionSystem, low, high) -> dict:
    """R_AA of ``model``'s electrons over [low, high] with its full covariance: the fit's and,
    fully correlated, the <T_AA> normalisation."""
    value, covariance = propagate_covariance(raa_function(model, system, low, high), outcome)
    taa = system.taa_relative_error * value
    return {"value": value, "covariance": covariance, "normalisation": {"taa": taa}}


def compatibility(ours: Mapping, table: MeasurementTable, correlation: SystematicCorrelation) -> dict:
    """Compatibility of our values with a published table (same bins):
    chi2 = d^T (V_ours + V_theirs)^-1 d, d = ours - theirs. V_ours: our full covariance plus our
    normalisations (fully correlated); V_theirs: their stat (diagonal), their systematics with
    ``correlation`` (columns named 'correlated' fully correlated) and their normalisation
    components (fully correlated). p-value from chi2 with ndf = number of bins; CL = 1 - p."""
    value = np.asarray(ours["value"], float)
    covariance = np.asarray(ours["covariance"], float) + sum(np.outer(n, n) for n in ours.get("normalisation", {}).values())
    covariance = covariance + table_covariance(table, correlation)
    for component in table.components("norm").values():
        covariance = covariance + np.outer(component.symmetric, component.symmetric)
    good = np.isfinite(value) & (np.diag(covariance) > 0)
    residual = (value - table.value)[good]
    ndf = int(good.sum())
    chi2 = covariance_chi2(residual, covariance[np.ix_(good, good)]) if ndf else float("nan")
    p_value = float(stats.chi2.sf(chi2, ndf)) if ndf else float("nan")
    return {
        "table": table.source,
        "pt_range": [float(table.pt_low[good].min()), float(table.pt_high[good].max())] if ndf else None,
        "chi2": chi2,
        "ndf": ndf,
        "p_value": p_value,
        "confidence_level": 1.0 - p_value if ndf else float("nan"),
        "covariance": "ours: joint-fit covariance + T_AA normalisation; theirs: stat diagonal, "
        + correlation.describe() + ", normalisations fully correlated",
    }
