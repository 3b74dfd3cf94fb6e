"""v2 of c -> e and b -> e in one Pb-Pb system (formulas in :mod:`hfe.flow.v2`).

1. The D-meson v2 is fitted (form ``flow.dmeson_v2.<system>``) in KE_T = m_T - m (default,
   NCQ-inspired) or in pT; the charm species share it.
2. v2 of c -> e: the D v2 through the flow responses, weighted by the charm spectra of the
   system's decomposition; its error from the D-meson v2 fit covariance.
3. v2 of b -> e, (a) bin by bin from the HFE v2, v2 of c -> e and f_b of the decomposition;
   (b) global fit: the B-hadron v2 (``flow.beauty_v2_form``: by default ``ncq_scaled``, a free
   amplitude times the NCQ-scaled D-meson v2, well defined also for no flow; or a shape in KE_T)
   decayed to electrons and fitted, with the D-meson v2 parameters, to the D-meson v2 points
   and the HFE v2 points (model (1 - f_b) v2^{c->e} + f_b v2^{b->e} per bin).
4. NCQ hypothesis: B v2 = D v2 at the same KE_T/n_q (n_q = 2), decayed to electrons; the
   deviation of (a) and (b) from it in ``flow.ncq_range`` as chi2, p-value, significance and
   confidence level.
5. Comparisons (chi2, p-value, confidence level) with published v2 tables in a pT range.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from hfe.core.binning import average_over_bins, bins_inside
from hfe.core.catalogue import TITLES
from hfe.core.species import SPECIES
from hfe.core.systems import CollisionSystem
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.global_fit import Dataset, global_fit, propagate
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.output import outcome_from_summary
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import electron_results, system_models
from hfe.fitting.curve_fits import bin_average
from hfe.fitting.shapes import FORMS, Curve
from hfe.flow.settings import FlowSettings
from hfe.flow.v2 import beauty_v2_bin_by_bin, deviation, electron_v2, ncq_scaled_v2, transverse_kinetic_energy
from hfe.stats.covariance import table_covariance
from hfe.tables.published import MeasurementTable, load_comparison, write_result

D_MASS = SPECIES["D0"].mass
B_MASS = SPECIES["Bplus"].mass


def load_flow_responses(paths) -> dict:
    """Flow responses (daughter ``electron_flow``) by species."""
    responses = {}
    for path in paths:
        response = ResponseMatrix.load(path)
        if response.daughter == "electron_flow":
            responses[response.provenance["species"]] = response
    return responses


def v2_curve(form: str, prefix: str, parameters: Mapping, fixed: Mapping, variable: str, mass: float) -> Callable:
    """A v2 shape with parameters ``<prefix>_<name>``, as a function of pT (shape in KE_T or pT)."""
    values = {p: parameters[f"{prefix}_{p}"] for p in FORMS[form].parameters}
    shape = Curve(form, {**values, **fixed})
    if variable == "ket":
        return lambda pt: shape(transverse_kinetic_energy(pt, mass))
    return shape


class FlowModel:
    """Electron v2 of both flavours for given D-meson and B-hadron v2 shapes."""

    def __init__(self, charm, beauty, parameters, electrons, flows, low, high):
        self.low, self.high = np.asarray(low), np.asarray(high)
        self.edges = charm.electron_edges
        self.models = {"charm": charm, "beauty": beauty}
        self.spectra = {}
        for model in (charm, beauty):
            for species in model.electron_responses:
                self.spectra[species] = model.species_spectrum(parameters, species)
        self.yields = {f: m.electrons(parameters) for f, m in self.models.items()}
        self.electrons, self.flows = electrons, flows

    def electron_v2(self, flavour: str, hadron_v2: Callable) -> np.ndarray:
        """Bin-averaged (yield-weighted) v2 of the flavour's electrons."""
        species = list(self.models[flavour].electron_responses)
        fine = electron_v2(
            {s: self.electrons[s] for s in species}, {s: self.flows[s] for s in species}, self.spectra, {s: hadron_v2 for s in species}
        )
        weight = self.yields[flavour]
        numerator = average_over_bins(self.edges, np.nan_to_num(fine) * weight, self.low, self.high)
        return numerator / average_over_bins(self.edges, weight, self.low, self.high)


def _v2_table_in_range(table: MeasurementTable, low: float, high: float) -> MeasurementTable:
    """Bins with a width inside [low, high]."""
    return table.select(bins_inside(table.pt_low, table.pt_high, low, high) & (table.pt_high > table.pt_low))


def flow_of_system(
    system: CollisionSystem,
    settings: FlowSettings,
    decomposition_settings: DecompositionSettings,
    hfe_v2: MeasurementTable,
    decomposition: dict,
    electrons: Mapping,
    dzero: Mapping,
    flows: Mapping,
    inputs: FitInputs,
) -> dict:
    """All v2 results of one Pb-Pb system; ``decomposition`` is the system's fit summary (made
    with ``decomposition_settings``); ``inputs`` the published tables."""
    variable = settings.v2_variable
    fit = outcome_from_summary(decomposition)
    charm, beauty = system_models(system, decomposition_settings, electrons, dzero, inputs)
    usable = np.isfinite(hfe_v2.value) & (hfe_v2.symmetric_stat > 0)
    low, high = hfe_v2.pt_low[usable], hfe_v2.pt_high[usable]
    flow = FlowModel(charm, beauty, fit.parameters, electrons, flows, low, high)
    f_b = electron_results(fit, charm, beauty, low, high)["beauty_fraction"]

    spec = settings.dmeson_v2[system.name]
    d_table = inputs.dmeson_v2[system.name]
    form_d, form_b = spec["form"], settings.beauty_v2_form
    fixed_d = {k: v for k, v in spec.get("parameters", {}).items() if k not in FORMS[form_d].parameters}
    start = {f"d_{p}": spec.get("parameters", {}).get(p, FORMS[form_d].start[p]) for p in FORMS[form_d].parameters}
    limits = {f"d_{p}": v for p, v in (FORMS[form_d].limits or {}).items()}
    if form_b == "ncq_scaled":
        start["b_scale"], limits["b_scale"] = 0.5, (-50.0, 50.0)  # wide: an unconstrained amplitude shows as a large error
    else:
        start.update({f"b_{p}": FORMS[form_b].start[p] for p in FORMS[form_b].parameters})
        limits.update({f"b_{p}": v for p, v in (FORMS[form_b].limits or {}).items()})

    def d_v2(p):
        return v2_curve(form_d, "d", p, fixed_d, variable, D_MASS)

    def b_v2(p):
        if form_b == "ncq_scaled":  # amplitude x the NCQ-scaled D-meson v2: 1 = NCQ, 0 = no flow
            ncq_shape = ncq_scaled_v2(d_v2(p), D_MASS, B_MASS)
            return lambda pt: p["b_scale"] * ncq_shape(pt)
        return v2_curve(form_b, "b", p, {}, "ket", B_MASS)

    correlation = decomposition_settings.systematic_correlation
    d_dataset = Dataset("D-meson v2", d_table, lambda p: bin_average(d_v2(p), d_table.pt_low, d_table.pt_high), table_covariance(d_table, correlation))
    hfe_in_fit = _v2_table_in_range(hfe_v2.select(usable), *settings.hfe_v2_fit_range)
    fit_flow = FlowModel(charm, beauty, fit.parameters, electrons, flows, hfe_in_fit.pt_low, hfe_in_fit.pt_high)
    f_b_fit = electron_results(fit, charm, beauty, hfe_in_fit.pt_low, hfe_in_fit.pt_high)["beauty_fraction"][0]

    def hfe_model(p):
        return (1 - f_b_fit) * fit_flow.electron_v2("charm", d_v2(p)) + f_b_fit * fit_flow.electron_v2("beauty", b_v2(p))

    hfe_dataset = Dataset("HFE v2", hfe_in_fit, hfe_model, table_covariance(hfe_in_fit, correlation))
    outcome = global_fit([d_dataset, hfe_dataset], start, limits, {}, settings.max_chi2_ndf)

    charm_v2 = propagate(lambda p: flow.electron_v2("charm", d_v2(p)), outcome)
    beauty_fit = propagate(lambda p: flow.electron_v2("beauty", b_v2(p)), outcome)
    ncq_hadron = lambda p: ncq_scaled_v2(d_v2(p), D_MASS, B_MASS)  # noqa: E731
    ncq = propagate(lambda p: flow.electron_v2("beauty", ncq_hadron(p)), outcome)
    hfe = (hfe_v2.value[usable], hfe_v2.symmetric_stat[usable])
    bin_by_bin = beauty_v2_bin_by_bin(hfe, charm_v2, f_b, settings.min_beauty_fraction)
    window = bins_inside(low, high, *settings.ncq_range)
    deviations = {
        "bin_by_bin": deviation(bin_by_bin["value"][window], np.hypot(bin_by_bin["error"], ncq[1])[window], ncq[0][window]),
        "global_fit": deviation(beauty_fit[0][window], np.hypot(beauty_fit[1], ncq[1])[window], ncq[0][window]),
    }
    if form_b == "ncq_scaled":  # the fitted bins are fully correlated: test the amplitude itself (NCQ: 1)
        deviations["global_fit"] = {
            **deviation(np.array([outcome.parameters["b_scale"]]), np.array([outcome.errors["b_scale"]]), np.array([1.0])),
            "amplitude": outcome.parameters["b_scale"],
            "amplitude_error": outcome.errors["b_scale"],
        }
    comparisons = []
    for item in settings.comparisons.get(system.name, []):
        table = load_comparison(item)
        table = _v2_table_in_range(table, *item.get("pt_range", [0.0, np.inf]))
        compare_flow = FlowModel(charm, beauty, fit.parameters, electrons, flows, table.pt_low, table.pt_high)
        if item["quantity"] == "btoe_v2":
            ours = propagate(lambda p: compare_flow.electron_v2("beauty", b_v2(p)), outcome)
        else:  # B-hadron v2 of the global fit at the hadron pT (a hadron-level reference)
            ours = propagate(lambda p: bin_average(b_v2(p), table.pt_low, table.pt_high), outcome)
        stat, syst = table.symmetric_stat, table.symmetric_syst
        result = deviation(ours[0], np.sqrt(stat**2 + syst**2 + ours[1] ** 2), table.value)
        comparisons.append({"name": item["name"], "quantity": item["quantity"], "pt_range": [float(table.pt_low.min()), float(table.pt_high.max())], **result})
    return {
        "bins": {"low": low, "high": high},
        "tables": {
            "ctoe_v2": charm_v2,
            "btoe_v2_bin_by_bin": (bin_by_bin["value"], bin_by_bin["error"]),
            "btoe_v2_global_fit": beauty_fit,
            "btoe_v2_ncq": ncq,
        },
        "summary": {
            "system": system.name,
            "v2_variable": variable,
            "global_fit": outcome.summary(),
            "ncq_deviation": {"pt_range": list(settings.ncq_range), **deviations},
            "unconstrained_bins": [[float(a), float(b)] for a, b, u in zip(low, high, bin_by_bin["unconstrained"]) if u],
            "comparisons": comparisons,
        },
    }




def write_flow(outputs: dict, system: str, result: dict) -> None:
    """Write the v2 tables (project CSV format) and the summary JSON."""
    def header(name: str) -> dict:
        return {
            "observable": TITLES[name],
            "system": system,
            "rapidity": "|eta| < 0.8",
            "units": "pT [GeV/c]; v2 dimensionless",
            "error_columns": "stat_err_plus/_minus: fit and input statistical uncertainty",
        }

    write_result(outputs, result["bins"]["low"], result["bins"]["high"], result["tables"], header, result["summary"])
