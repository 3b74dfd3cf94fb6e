"""Decomposition of one collision system: builds the datasets and models of
:mod:`hfe.decomposition.global_fit` from the config, fits, and derives c -> e, b -> e, the beauty
fraction f_b = (b -> e) / (c -> e + b -> e) and, for Pb-Pb, R_AA of both flavours.

Units: pp spectra are cross sections (microbarn/(GeV/c)), Pb-Pb spectra per-event yields;
R_AA = yield_PbPb / (<T_AA> sigma_pp) with T_AA in mb^-1 (x 1e-3 for microbarn).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import stats

from hfe.core.binning import average_over_bins
from hfe.core.errors import ConfigError
from hfe.core.species import BEAUTY_SPECIES, CHARM_SPECIES
from hfe.core.systems import CollisionSystem
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.global_fit import (
    FitOutcome,
    FlavourModel,
    global_fit,
    hfe_dataset,
    nonprompt_dataset,
    propagate,
    restrict,
    spectrum_dataset,
)
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.settings import DecompositionSettings
from hfe.fitting.curve_fits import bin_average, build_curve, fit_table, point_uncertainty
from hfe.fitting.shapes import FORMS
from hfe.tables.published import MeasurementTable, Uncertainty

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
    fixed=None,
) -> tuple[FlavourModel, FlavourModel]:
    """Charm and beauty models: pp shapes by default; ``forms``/``references``/``fixed`` per
    flavour for Pb-Pb (reference spectrum times an R_AA shape)."""
    forms = forms or {"charm": settings.shape, "beauty": settings.shape}
    references, fixed = references or {}, fixed or {}
    electrons = scaled_responses(electrons, settings.semileptonic_scale)
    ratios = {"D0": lambda pt: np.ones_like(np.asarray(pt, dtype=float))}
    for name, spec in settings.charm_ratios.items():
        ratios[name] = build_curve(spec, None, root)[0]
    fractions = settings.beauty_fractions
    beauty_species = [s for s in BEAUTY_SPECIES if s in electrons]
    norm = sum(fractions[s] for s in beauty_species)
    beauty_weights = {s: _constant(fractions[s] / norm) for s in beauty_species}
    charm_species = [s for s in CHARM_SPECIES if s in electrons]
    charm = FlavourModel(
        "charm", forms["charm"], {s: ratios[s] for s in charm_species}, {s: electrons[s] for s in charm_species},
        reference=references.get("charm"), fixed=fixed.get("charm", {}),
    )
    beauty = FlavourModel(
        "beauty", forms["beauty"], beauty_weights, {s: electrons[s] for s in beauty_species},
        {s: dzero[s] for s in beauty_species if s in dzero}, references.get("beauty"), fixed.get("beauty", {}),
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
    start, limits = {}, {}
    for model in models:
        form = FORMS[model.form]
        for p in form.parameters:
            if p in model.fixed:
                continue
            name = f"{model.flavour}_{p}"
            start[name] = starts[model.flavour][p]
            if p in (form.limits or {}):
                limits[name] = form.limits[p]
    return start, limits


def _raa_start(form: str, table: MeasurementTable | None, fixed: Mapping[str, float]) -> dict:
    """Starting R_AA-shape parameters: a fit to the R_AA table when there is one."""
    default = dict(FORMS[form].start)
    if table is None:
        return default
    free = {k: v for k, v in default.items() if k not in fixed}
    ranges = {"pt_low": float(table.pt_low[0]), "pt_high": float(table.pt_high[-1])}
    result = fit_table(table, form, free, {**fixed, **ranges}, FORMS[form].limits)
    return {**default, **result.curve.parameters}


def normalisation_sigma(table: MeasurementTable) -> float:
    """Correlated normalisation components of a table added in quadrature (relative)."""
    return float(np.sqrt(sum(v**2 for v in table.normalisation().values())))


def scaled_table(source: MeasurementTable, reference: np.ndarray, label: str) -> MeasurementTable:
    """R_AA points times a reference spectrum: values and stat/syst scale, normalisation dropped
    (it becomes a nuisance)."""
    uncertainties = {
        name: Uncertainty(u.up * reference, u.down * reference, u.kind)
        for name, u in source.uncertainties.items()
        if u.kind in ("stat", "syst")
    }
    return MeasurementTable(
        f"{source.source} x {label}", source.pt_low, source.pt_high, source.pt_center, source.value * reference, uncertainties, "", source.metadata
    )


def pbpb_models(
    system: CollisionSystem,
    settings: DecompositionSettings,
    electrons: Mapping,
    dzero: Mapping,
    pp_parameters: Mapping,
    inputs: FitInputs,
    root: Path = Path("."),
):
    """Charm and beauty models of a Pb-Pb system (<T_AA> x pp fit x R_AA shape), the pp models,
    and the D0 and non-prompt D0 R_AA tables that fix the shapes' pT ranges (the latter None
    without the non-prompt constraint)."""
    taa = system.taa_per_microbarn
    dzero_max = next(iter(dzero.values())).daughter_edges[-1] if dzero else 0.0
    use_nonprompt = settings.nonprompt_constraint and bool(dzero)
    pp_models = flavour_models(settings, electrons, dzero, root)
    pp_curves = {m.flavour: m.curve(pp_parameters) for m in pp_models}
    raa = inputs.d0_raa[system.name]
    np_raa = restrict(inputs.nonprompt_raa[system.name], 0.0, dzero_max) if use_nonprompt else None
    fixed = {}
    for flavour, table in (("charm", raa), ("beauty", np_raa)):
        given = dict(settings.raa_shape[flavour].get("parameters", {}))
        pt_range = (float(table.pt_low[0]), float(table.pt_high[-1])) if table is not None else (0.0, dzero_max or 30.0)
        fixed[flavour] = {**given, "pt_low": pt_range[0], "pt_high": pt_range[1]}
    references = {f: (lambda c: (lambda pt: taa * c(pt)))(pp_curves[f]) for f in ("charm", "beauty")}
    forms = {f: settings.raa_shape[f]["form"] for f in ("charm", "beauty")}
    charm, beauty = flavour_models(settings, electrons, dzero, root, forms, references, fixed)
    return charm, beauty, pp_models, raa, np_raa


def system_models(
    system: CollisionSystem,
    settings: DecompositionSettings,
    electrons: Mapping,
    dzero: Mapping,
    pp_parameters: Mapping | None,
    inputs: FitInputs,
):
    """(charm, beauty) models of any system, as the decomposition fitted them."""
    if system.is_pp:
        return flavour_models(settings, electrons, dzero)
    return pbpb_models(system, settings, electrons, dzero, pp_parameters, inputs)[:2]


def fit_system(
    system: CollisionSystem,
    settings: DecompositionSettings,
    hfe: MeasurementTable,
    electrons: Mapping,
    dzero: Mapping,
    inputs: FitInputs,
    pp_fit: dict | None = None,
    root: Path = Path("."),
) -> tuple[FitOutcome, FlavourModel, FlavourModel, dict]:
    """Global fit of one system. pp: charm and beauty shapes (``decomposition.shape``) fitted to
    D0, HFE and non-prompt D0. Pb-Pb (needs ``pp_fit``, the pp summary): each flavour is
    <T_AA> x its pp fit x an R_AA shape (``decomposition.raa_shape``), fitted to the D0 R_AA,
    HFE and non-prompt D0 R_AA points. ``inputs``: the published tables."""
    info = {"system": system.name, "kind": system.kind, "shape": settings.shape}
    nuisance_sigma: dict[str, float] = {}
    use_nonprompt = settings.nonprompt_constraint and bool(dzero)
    dzero_max = next(iter(dzero.values())).daughter_edges[-1] if dzero else 0.0
    if system.is_pp:
        charm, beauty = flavour_models(settings, electrons, dzero, root)
        d0 = inputs.d0_pp
        nuisance_sigma["d0_norm"] = normalisation_sigma(d0)
        datasets = [spectrum_dataset("D0", d0, charm, ("d0_norm",))]
        if use_nonprompt:
            nonprompt = restrict(inputs.nonprompt_pp, 0.0, dzero_max)
            nuisance_sigma["nonprompt_norm"] = normalisation_sigma(nonprompt)
            datasets.append(nonprompt_dataset(nonprompt, beauty, ("nonprompt_norm",)))
        start, limits = _start_and_limits((charm, beauty), START)
    else:
        taa = system.taa_per_microbarn
        nuisance_sigma["taa"] = system.taa_relative_error
        charm, beauty, pp_models, raa, np_raa = pbpb_models(system, settings, electrons, dzero, pp_fit["parameters"], inputs, root)
        pp_curves = {m.flavour: m.curve(pp_fit["parameters"]) for m in pp_models}
        starts = {
            flavour: _raa_start(settings.raa_shape[flavour]["form"], table, settings.raa_shape[flavour].get("parameters", {}))
            for flavour, table in (("charm", raa), ("beauty", np_raa))
        }
        d0 = scaled_table(raa, taa * bin_average(pp_curves["charm"], raa.pt_low, raa.pt_high), "T_AA x pp D0 fit")
        nuisance_sigma["d0_raa_norm"] = normalisation_sigma(raa)
        datasets = [spectrum_dataset("D0", d0, charm, ("d0_raa_norm", "taa"))]
        if use_nonprompt:
            edges = next(iter(beauty.dzero_responses.values())).daughter_edges
            reference = taa * average_over_bins(edges, pp_models[1].dzero(pp_fit["parameters"]), np_raa.pt_low, np_raa.pt_high)
            nonprompt = scaled_table(np_raa, reference, "T_AA x pp non-prompt D0 model")
            nuisance_sigma["nonprompt_raa_norm"] = normalisation_sigma(np_raa)
            datasets.append(nonprompt_dataset(nonprompt, beauty, ("nonprompt_raa_norm", "taa")))
        start, limits = _start_and_limits((charm, beauty), starts)
    low, high = settings.hfe_fit_range
    hfe = restrict(hfe, low, min(high, charm.electron_edges[-1]))
    empty = point_uncertainty(hfe) <= 0  # bins of a measurement without entries carry no information
    if empty.any():
        info["hfe_bins_without_uncertainty_dropped"] = [[float(a), float(b)] for a, b in zip(hfe.pt_low[empty], hfe.pt_high[empty])]
        hfe = restrict(hfe, 0.0, float(hfe.pt_low[empty].min()))
    hfe_norm = normalisation_sigma(hfe)
    if hfe_norm > 0:
        nuisance_sigma["hfe_norm"] = hfe_norm
    datasets.insert(0, hfe_dataset(hfe, charm, beauty, ("hfe_norm",) if hfe_norm > 0 else ()))
    nuisance_sigma = {k: v for k, v in nuisance_sigma.items() if v > 0}
    for d in datasets:
        d.nuisances = tuple(k for k in d.nuisances if k in nuisance_sigma)
    info["datasets"] = {d.name: d.table.source for d in datasets}
    info["nuisance_sigma"] = nuisance_sigma
    outcome = global_fit(datasets, start, limits, nuisance_sigma, settings.max_chi2_ndf)
    return outcome, charm, beauty, info


def electron_results(outcome: FitOutcome, charm: FlavourModel, beauty: FlavourModel, low, high) -> dict:
    """c -> e, b -> e and f_b averaged over the bins [low, high] with fit-covariance errors."""
    edges = charm.electron_edges

    def average(values):
        return average_over_bins(edges, values, np.asarray(low), np.asarray(high))

    ctoe = propagate(lambda p: average(charm.electrons(p)), outcome)
    btoe = propagate(lambda p: average(beauty.electrons(p)), outcome)
    fraction = propagate(lambda p: average(beauty.electrons(p)) / average(charm.electrons(p) + beauty.electrons(p)), outcome)
    return {"ctoe_spectrum": ctoe, "btoe_spectrum": btoe, "beauty_fraction": fraction}


def nuclear_modification(pbpb: dict, pp: dict, system: CollisionSystem) -> dict:
    """R_AA of c -> e and b -> e in ``system``; statistical (fit) errors of pp and Pb-Pb in
    quadrature; the relative T_AA uncertainty is returned separately (common to both flavours)."""
    scale = system.taa_per_microbarn
    out = {}
    for flavour in ("ctoe", "btoe"):
        a, da = pbpb[f"{flavour}_spectrum"]
        b, db = pp[f"{flavour}_spectrum"]
        raa = a / (scale * b)
        out[f"raa_{flavour}"] = (raa, raa * np.sqrt((da / a) ** 2 + (db / b) ** 2))
    out["taa_relative_error"] = system.taa_relative_error
    return out


def compatibility(ours: tuple[np.ndarray, np.ndarray], table: MeasurementTable) -> dict:
    """chi2/ndf and p-value of our values (per table bin) against a table, in the overlapping
    range: errors are the table's stat and syst (symmetrised) and ours, in quadrature."""
    value, error = ours
    stat, syst = table.symmetric_stat, table.symmetric_syst
    sigma = np.sqrt(stat**2 + syst**2 + error**2)
    good = np.isfinite(value) & (sigma > 0)
    chi2 = float(np.sum(((value - table.value)[good] / sigma[good]) ** 2))
    ndf = int(good.sum())
    return {
        "table": table.source,
        "pt_range": [float(table.pt_low[good].min()), float(table.pt_high[good].max())] if ndf else None,
        "chi2": chi2,
        "ndf": ndf,
        "p_value": float(stats.chi2.sf(chi2, ndf)) if ndf else float("nan"),
    }
