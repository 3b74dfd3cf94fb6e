"""v2 of c -> e and b -> e in one Pb-Pb system (formulas in :mod:`hfe.flow.v2`).

1. **D-meson v2 alone.** The D-meson v2 (form ``flow.dmeson_v2.<system>``, in KE_T of the D0 by
   default or in pT) is fitted to the D-meson v2 table only, with its covariance (statistics
   diagonal, systematics correlated in pT as ``decomposition.systematic_correlation``).
2. **Hadron v2 per species.** D0, D+, Ds: the D-meson v2 at their own KE_T (``ket``) or pT
   (``pt``); Lambda_c: NCQ-scaled (n_q = 3, own mass; ``flow.lambda_c_v2: ncq``) or the D-meson
   v2 (``dmeson``). NCQ hypothesis for beauty: every beauty species NCQ-scaled from the D-meson
   v2 (B mesons n_q = 2, Lambda_b n_q = 3, own masses).
3. **c -> e v2 and the NCQ band** come from the D-meson v2 fit alone (and the decomposition's
   spectra, which weight the species and the parent pT): the HFE v2 does not enter them.
4. **b -> e v2**, (a) bin by bin: [v2^HFE - (1 - f_b) v2^{c->e}] / f_b; (b) global fit: the
   B-hadron v2 (``flow.beauty_v2_form``: ``ncq_scaled`` = an amplitude times the NCQ
   prediction, 1 = NCQ, 0 = no flow; or a shape in KE_T) fitted to the HFE v2 points in
   ``flow.hfe_v2_fit_range`` with the D-meson v2 and the decomposition fixed: the HFE v2
   constrains only beauty.
5. **Full covariance** (:mod:`hfe.stats.linear_propagation`) of every output over three
   independent sources: the HFE v2 points (their table covariance), the D-meson v2 fit
   parameters (its covariance) and the decomposition fit parameters (its covariance: f_b and
   the spectra). The B-hadron v2 parameters follow every source (refit to first order).
6. **NCQ test** in ``flow.ncq_range`` (bins inside the window, edges at its ends): the
   bin-by-bin b -> e v2 minus the NCQ band, chi2 = d^T V^-1 d with the full covariance of the
   difference; the amplitude of ``ncq_scaled`` fitted to the HFE v2 points inside the same
   window, tested against 1 with its full error. The systematic variations enter as correlated
   terms in :mod:`hfe.outputs.claims` (they need every variation's result).
7. **Comparisons** with published b -> e v2 tables, and the predicted non-prompt D0 v2 at the D0
   pT (the B-hadron v2 through the B -> D0 flow response) with the ALICE non-prompt D0 v2:
   chi2 with our full covariance plus theirs (:func:`hfe.decomposition.system.compatibility`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from hfe.core.binning import average_over_bins, bins_inside
from hfe.core.catalogue import TITLES
from hfe.core.errors import ConfigError
from hfe.core.quark_scaling import ncq_scaled_v2, species_v2, transverse_kinetic_energy
from hfe.core.species import SPECIES
from hfe.core.systems import CollisionSystem
from hfe.decays.folding import parent_yield_per_bin
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.global_fit import Dataset, FitOutcome, FlavourModel, global_fit
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.output import outcome_from_summary
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import beauty_fraction_function, compatibility, scaled_responses, system_models
from hfe.fitting.curve_fits import bin_average
from hfe.fitting.shapes import FORMS, Curve
from hfe.flow.settings import FlowSettings
from hfe.flow.v2 import beauty_v2_bin_by_bin, covariance_test, flow_sums
from hfe.stats.covariance import table_covariance
from hfe.stats.linear_propagation import LinearPropagation, Source, covariance_from_sources
from hfe.tables.published import MeasurementTable, load_comparison, write_result

D_REFERENCE = SPECIES["D0"]  # the D-meson v2 (ALICE: average of D0, D+, D*+) is a function of the D0 KE_T
B_REFERENCE = SPECIES["Bplus"]  # shapes of the B-hadron v2 other than ncq_scaled are in the B+ KE_T
COVARIANCE_METHOD = (
    "full covariance, linear propagation of the HFE v2 points (table covariance), the D-meson v2 fit "
    "and the decomposition fit (their covariances), the B-hadron v2 refitted to first order"
)


def load_flow_responses(paths) -> tuple[dict, dict]:
    """(electron flow responses, B -> D0 flow responses) by species."""
    electrons, dzero = {}, {}
    for path in paths:
        response = ResponseMatrix.load(path)
        target = {"electron_flow": electrons, "dzero_flow": dzero}.get(response.daughter)
        if target is not None:
            target[response.provenance["species"]] = response
    return electrons, dzero


def v2_curve(form: str, prefix: str, parameters: Mapping, fixed: Mapping, variable: str, mass: float) -> Callable:
    """A v2 shape with parameters ``<prefix>_<name>``, as a function of pT (shape in KE_T or pT)."""
    values = {p: parameters[f"{prefix}_{p}"] for p in FORMS[form].parameters if p not in fixed}
    shape = Curve(form, {**values, **fixed})
    if variable == "ket":
        return lambda pt: shape(transverse_kinetic_energy(pt, mass))
    return shape


def charm_hadron_v2(dmeson_v2: Callable, species: list[str], variable: str, lambda_c_v2: str) -> dict[str, Callable]:
    """v2 of each charm species from the D-meson v2 (a function of the D0 pT): mesons at their own
    KE_T (``ket``: NCQ scaling between equal n_q) or at the same pT (``pt``); Lambda_c
    NCQ-scaled (``ncq``: n_q = 3, its mass) or as a meson (``dmeson``)."""
    out = {}
    for name in species:
        target = SPECIES[name]
        if target.quarks == 3 and lambda_c_v2 == "ncq":
            out[name] = species_v2(dmeson_v2, D_REFERENCE, target)
        elif variable == "ket":
            out[name] = ncq_scaled_v2(dmeson_v2, D_REFERENCE.mass, target.mass)
        else:
            out[name] = dmeson_v2
    return out


def ncq_beauty_v2(dmeson_v2: Callable, species: list[str]) -> dict[str, Callable]:
    """NCQ hypothesis: every beauty species' v2 NCQ-scaled from the D-meson v2."""
    return {name: species_v2(dmeson_v2, D_REFERENCE, SPECIES[name]) for name in species}


class DaughterFlow:
    """Yield-weighted v2 of a flavour's daughters (electrons, or non-prompt D0) averaged over the
    bins [low, high]: sum_s C_s (v2_s N_s) / sum_s R_s N_s (:func:`hfe.flow.v2.electron_v2`),
    N_s the species' parents of the decomposition's spectrum."""

    def __init__(self, model: FlavourModel, responses: Mapping[str, ResponseMatrix], flow_responses: Mapping[str, ResponseMatrix], low, high):
        missing = sorted(set(responses) - set(flow_responses))
        if missing:
            raise ConfigError(f"no flow response for species {missing} (results/responses/*_flow.npz)")
        self.model, self.responses, self.flows = model, responses, flow_responses
        self.low, self.high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
        self.edges = next(iter(responses.values())).daughter_edges
        self._parents: tuple | None = None

    def parents(self, parameters: Mapping) -> dict[str, np.ndarray]:
        key = tuple(float(parameters[n]) for n in self.model.parameter_names)
        if self._parents is None or self._parents[0] != key:
            self._parents = (key, {s: parent_yield_per_bin(r, self.model.species_spectrum(parameters, s)) for s, r in self.responses.items()})
        return self._parents[1]

    def __call__(self, parameters: Mapping, hadron_v2: Mapping[str, Callable]) -> np.ndarray:
        numerator, denominator = flow_sums(self.responses, self.flows, self.parents(parameters), hadron_v2)
        average = average_over_bins(self.edges, numerator, self.low, self.high)
        with np.errstate(invalid="ignore", divide="ignore"):
            return average / average_over_bins(self.edges, denominator, self.low, self.high)


def _v2_table_in_range(table: MeasurementTable, low: float, high: float) -> MeasurementTable:
    """Bins with a width inside [low, high]."""
    return table.select(bins_inside(table.pt_low, table.pt_high, low, high) & (table.pt_high > table.pt_low))


def fit_dmeson_v2(table: MeasurementTable, spec: Mapping, variable: str, decomposition_settings: DecompositionSettings, max_chi2_ndf: float):
    """The D-meson v2 fitted alone: (outcome over ``dv2_<p>``, v2 of the D0 pT as a function of
    the parameters)."""
    form = spec["form"]
    given = spec.get("parameters", {})
    fixed = {k: v for k, v in given.items() if k not in FORMS[form].parameters}
    free = [p for p in FORMS[form].parameters if p not in fixed]
    start = {f"dv2_{p}": given.get(p, FORMS[form].start[p]) for p in free}
    limits = {f"dv2_{p}": v for p, v in (FORMS[form].limits or {}).items() if p in free}

    def dmeson_v2(p):
        return v2_curve(form, "dv2", p, fixed, variable, D_REFERENCE.mass)

    covariance = table_covariance(table, decomposition_settings.systematic_correlation)
    dataset = Dataset("D-meson v2", table, lambda p: bin_average(dmeson_v2(p), table.pt_low, table.pt_high), covariance)
    return global_fit([dataset], start, limits, {}, max_chi2_ndf), dmeson_v2


def _source(label: str, outcome: FitOutcome) -> Source:
    return Source(label, tuple(outcome.names), np.array([outcome.parameters[n] for n in outcome.names]), np.asarray(outcome.covariance))


class BeautyV2:
    """The B-hadron v2 of the global fit: ``ncq_scaled`` (amplitude ``bv2_scale`` x the NCQ
    prediction) or a shape in the B+ KE_T (``bv2_<p>``), NCQ-scaled to every beauty species."""

    def __init__(self, form: str, species: list[str], dmeson_v2: Callable):
        self.form, self.species, self.dmeson_v2 = form, species, dmeson_v2
        if form == "ncq_scaled":
            self.start, self.limits = {"bv2_scale": 0.5}, {"bv2_scale": (-50.0, 50.0)}  # wide: an unconstrained amplitude shows as a large error
        else:
            self.start = {f"bv2_{p}": FORMS[form].start[p] for p in FORMS[form].parameters}
            self.limits = {f"bv2_{p}": v for p, v in (FORMS[form].limits or {}).items()}

    def __call__(self, p: Mapping) -> dict[str, Callable]:
        if self.form == "ncq_scaled":
            ncq = ncq_beauty_v2(self.dmeson_v2(p), self.species)
            return {s: (lambda pt, f=f: p["bv2_scale"] * f(pt)) for s, f in ncq.items()}
        shape = v2_curve(self.form, "bv2", p, {}, "ket", B_REFERENCE.mass)
        return {s: species_v2(shape, B_REFERENCE, SPECIES[s]) for s in self.species}


def fit_beauty_v2(
    table: MeasurementTable, point: Mapping, model: Callable, beauty: BeautyV2, data_covariance: np.ndarray, model_sources, max_chi2_ndf: float
) -> tuple[FitOutcome, np.ndarray]:
    """Fit the B-hadron v2 parameters to the HFE v2 points ``table`` with every other parameter
    of ``point`` fixed. The chi2 uses the data covariance plus the model's own uncertainty from
    ``model_sources`` (the D-meson v2 fit and the decomposition: the c -> e v2 and f_b the model
    is built of), evaluated at the fitted B v2 (one iteration from a data-only fit): the HFE v2
    constrains beauty only, and the chi2 knows how well the charm part is known. Returns the
    outcome and the chi2's covariance."""
    covariance = data_covariance
    for bound in (np.inf, max_chi2_ndf):
        dataset = Dataset("HFE v2", table, lambda b: model({**point, **b}), covariance)
        outcome = global_fit([dataset], beauty.start, beauty.limits, {}, bound)
        covariance = data_covariance + covariance_from_sources(model, {**point, **outcome.parameters}, model_sources)
    return outcome, covariance


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
    dzero_flows: Mapping | None = None,
    with_covariance: bool = True,
) -> dict:
    """All v2 results of one Pb-Pb system; ``decomposition`` is the system's fit summary (made
    with ``decomposition_settings``); ``inputs`` the published tables; ``flows``/``dzero_flows``
    the electron and B -> D0 flow responses. ``with_covariance=False`` (bootstrap replicas):
    the central values of the tables only (errors NaN), no tests or comparisons."""
    fit = outcome_from_summary(decomposition)
    charm, beauty = system_models(system, decomposition_settings, electrons, dzero, inputs)
    flows = scaled_responses(flows, {s: f for s, f in decomposition_settings.semileptonic_scale.items() if s in flows})
    correlation = decomposition_settings.systematic_correlation
    usable = np.isfinite(hfe_v2.value) & (hfe_v2.symmetric_stat > 0)
    hfe = hfe_v2.select(usable)
    low, high = hfe.pt_low, hfe.pt_high
    window = bins_inside(low, high, *settings.ncq_range)

    d_outcome, dmeson_v2 = fit_dmeson_v2(inputs.dmeson_v2[system.name], settings.dmeson_v2[system.name], settings.v2_variable,
                                         decomposition_settings, settings.max_chi2_ndf)
    charm_species, beauty_species = list(charm.electron_responses), list(beauty.electron_responses)
    beauty_v2 = BeautyV2(settings.beauty_v2_form, beauty_species, dmeson_v2)

    def electron_flow(model, lo, hi):
        return DaughterFlow(model, model.electron_responses, {s: flows[s] for s in model.electron_responses}, lo, hi)

    charm_flow, beauty_flow = electron_flow(charm, low, high), electron_flow(beauty, low, high)
    fraction = beauty_fraction_function(charm, beauty, low, high)
    hfe_names = [f"hfe_v2_{i}" for i in range(len(hfe))]
    sources = [
        Source("HFE v2 points", tuple(hfe_names), hfe.value, table_covariance(hfe, correlation)),
        _source("D-meson v2 fit", d_outcome),
        _source("decomposition fit", fit),
    ]
    source_point = {n: float(v) for s in sources for n, v in zip(s.names, s.values)}

    def charm_v2(p):
        return charm_flow(p, charm_hadron_v2(dmeson_v2(p), charm_species, settings.v2_variable, settings.lambda_c_v2))

    def ncq_v2(p):
        return beauty_flow(p, ncq_beauty_v2(dmeson_v2(p), beauty_species))

    def bin_by_bin(p):
        return beauty_v2_bin_by_bin(np.array([p[n] for n in hfe_names]), charm_v2(p), fraction(p))

    def hfe_model_on(selection: np.ndarray):
        """The HFE v2 model (1 - f_b) v2^{c->e} + f_b v2^{b->e} on the selected HFE v2 bins."""
        c_flow, b_flow = electron_flow(charm, low[selection], high[selection]), electron_flow(beauty, low[selection], high[selection])
        f = beauty_fraction_function(charm, beauty, low[selection], high[selection])

        def model(p):
            hadrons = charm_hadron_v2(dmeson_v2(p), charm_species, settings.v2_variable, settings.lambda_c_v2)
            f_b = f(p)
            return (1 - f_b) * c_flow(p, hadrons) + f_b * b_flow(p, beauty_v2(p))

        return model

    def beauty_fit(selection: np.ndarray) -> tuple[FitOutcome, LinearPropagation]:
        """The B-hadron v2 fitted to the HFE v2 points ``selection``, and the propagation that
        lets it follow every source."""
        model = hfe_model_on(selection)
        names = [n for n, keep in zip(hfe_names, selection) if keep]
        table = hfe.select(selection)
        outcome, covariance = fit_beauty_v2(table, source_point, model, beauty_v2, table_covariance(table, correlation), sources[1:], settings.max_chi2_ndf)
        fitted = {n: outcome.parameters[n] for n in beauty_v2.start}
        propagation = LinearPropagation(
            sources, fitted, lambda p: np.array([p[n] for n in names]), model, covariance,
            {n: 0.1 * outcome.errors[n] for n in fitted},
        ) if with_covariance else None
        return outcome, propagation

    fit_range = bins_inside(low, high, *settings.hfe_v2_fit_range)
    outcome, propagation = beauty_fit(fit_range)
    point = source_point | {n: outcome.parameters[n] for n in beauty_v2.start}

    def global_v2(p):
        return beauty_flow(p, beauty_v2(p))

    outputs = {"ctoe_v2": charm_v2, "btoe_v2_bin_by_bin": bin_by_bin, "btoe_v2_global_fit": global_v2, "btoe_v2_ncq": ncq_v2}
    n = len(hfe)
    stacked = lambda p: np.concatenate([f(p) for f in outputs.values()])  # noqa: E731
    values = stacked(point)
    block = {name: slice(i * n, (i + 1) * n) for i, name in enumerate(outputs)}
    if not with_covariance:  # a bootstrap replica: the central values are all it keeps
        tables = {name: (values[b], np.full(n, np.nan)) for name, b in block.items()}
        return {"bins": {"low": low, "high": high}, "tables": tables, "summary": {"system": system.name, "global_fit": outcome.summary()}}
    jacobian = propagation.total_jacobian(stacked)
    covariance = jacobian @ propagation.covariance @ jacobian.T
    contributions = propagation.contributions(jacobian)
    tables = {name: (values[b], np.sqrt(np.clip(np.diag(covariance)[b], 0.0, None))) for name, b in block.items()}
    f_b = fraction(point)
    unconstrained = f_b < settings.min_beauty_fraction

    # NCQ test, bin by bin: d = b->e v2 - NCQ band in the window, with the covariance of d
    test_bins = window & ~unconstrained
    ncq = {
        "pt_range": list(settings.ncq_range),
        "bins": {"low": low[test_bins].tolist(), "high": high[test_bins].tolist()},
        "bin_by_bin": tested(*difference(values, covariance, block["btoe_v2_bin_by_bin"], block["btoe_v2_ncq"], test_bins)),
    }
    if settings.beauty_v2_form == "ncq_scaled":  # the amplitude fitted inside the window, tested against 1
        amplitude_outcome, amplitude_propagation = beauty_fit(window)
        amplitude = amplitude_outcome.parameters["bv2_scale"]
        error = float(np.sqrt(amplitude_propagation.fitted_covariance()[0, 0]))
        ncq["global_fit"] = {
            **tested(np.array([amplitude - 1.0]), np.array([[error**2]])),
            "amplitude": amplitude, "amplitude_error": error, "amplitude_fit_error": amplitude_outcome.errors["bv2_scale"],
            "fit_chi2": amplitude_outcome.chi2, "fit_ndf": amplitude_outcome.ndf,
        }
    else:  # a shape: its bins minus the NCQ band in the window
        ncq["global_fit"] = tested(*difference(values, covariance, block["btoe_v2_global_fit"], block["btoe_v2_ncq"], window))

    # b -> e v2 different from zero: bin by bin in the HFE v2 fit range, and the fitted amplitude
    nonzero_bins = np.flatnonzero(fit_range & ~unconstrained)
    bbb = block["btoe_v2_bin_by_bin"]
    nonzero = {
        "pt_range": list(settings.hfe_v2_fit_range),
        "bin_by_bin": tested(values[bbb][nonzero_bins], covariance[bbb, bbb][np.ix_(nonzero_bins, nonzero_bins)]),
    }
    if settings.beauty_v2_form == "ncq_scaled":
        error = float(np.sqrt(propagation.fitted_covariance()[0, 0]))
        amplitude = outcome.parameters["bv2_scale"]
        nonzero["global_fit"] = {**tested(np.array([amplitude]), np.array([[error**2]])), "amplitude": amplitude, "amplitude_error": error}

    hadrons = hadron_v2_curves(dmeson_v2, beauty_v2, beauty_species, propagation, point, inputs.dmeson_v2[system.name])
    comparisons = [_comparison(item, item["quantity"], beauty, beauty_v2, electron_flow, dzero_flows, propagation, correlation)
                   for item in settings.comparisons.get(system.name, [])]
    rhic = settings.rhic_btoe_v2
    rhic_test = None
    if rhic is not None and rhic["system"] == system.name:
        rhic_test = _comparison({**rhic, "pt_range": rhic.get("pt_range", [1.0, 3.0])}, "btoe_v2", beauty, beauty_v2, electron_flow, dzero_flows, propagation, correlation)
    summary = {
        "system": system.name,
        "v2_variable": settings.v2_variable,
        "lambda_c_v2": settings.lambda_c_v2,
        "covariance": COVARIANCE_METHOD,
        "dmeson_v2_fit": d_outcome.summary(),
        "global_fit": outcome.summary(),
        "ncq_deviation": ncq,
        "nonzero_test": nonzero,
        "unconstrained_bins": [[float(a), float(b)] for a, b, u in zip(low, high, unconstrained) if u],
        "comparisons": comparisons,
        "rhic_lhc_test": rhic_test,
        "ncq_asimov_hfe_v2": {"low": low.tolist(), "high": high.tolist(),  # the HFE v2 of an exactly-NCQ beauty (NCQ calibration)
                              "value": ((1 - f_b) * values[block["ctoe_v2"]] + f_b * values[block["btoe_v2_ncq"]]).tolist(),
                              "ctoe_v2": values[block["ctoe_v2"]].tolist(), "btoe_v2_ncq": values[block["btoe_v2_ncq"]].tolist()},
        "hadron_v2": hadrons,
        "covariances": {name: covariance[b, b].tolist() for name, b in block.items()},
        "error_sources": {label: {name: np.sqrt(np.clip(np.diag(c)[b], 0, None)).tolist() for name, b in block.items()} for label, c in contributions.items()},
    }
    return {"bins": {"low": low, "high": high}, "tables": tables, "summary": summary}


def hadron_v2_curves(dmeson_v2: Callable, beauty_v2: "BeautyV2", beauty_species: list[str], propagation: LinearPropagation,
                     point: Mapping, table: MeasurementTable, n_points: int = 60) -> dict:
    """Hadron-level v2 on a pT grid over the D-meson v2 table (GeV/c): the D-meson fit, the NCQ
    prediction for the B meson (B+, or the first beauty species) from it, and the B-meson v2
    the HFE v2 fit gives; each with its error through the full propagation (for figures)."""
    species = "Bplus" if "Bplus" in beauty_species else beauty_species[0]
    pt = np.linspace(max(0.25, float(table.pt_low.min())), float(table.pt_high.max()), n_points)
    curves = {
        "dmeson_fit": lambda p: np.asarray(dmeson_v2(p)(pt), dtype=float),
        "beauty_ncq": lambda p: np.asarray(ncq_beauty_v2(dmeson_v2(p), [species])[species](pt), dtype=float),
        "beauty_fitted": lambda p: np.asarray(beauty_v2(p)[species](pt), dtype=float),
    }
    stacked = lambda p: np.concatenate([f(p) for f in curves.values()])  # noqa: E731
    values = stacked(point)
    jacobian = propagation.total_jacobian(stacked)
    errors = np.sqrt(np.clip(np.diag(jacobian @ propagation.covariance @ jacobian.T), 0.0, None))
    out = {"pt": pt.tolist(), "beauty_species": species}
    for i, name in enumerate(curves):
        part = slice(i * len(pt), (i + 1) * len(pt))
        out[name] = {"value": values[part].tolist(), "error": errors[part].tolist()}
    return out


def difference(values: np.ndarray, covariance: np.ndarray, a: slice, b: slice, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output block ``a`` minus block ``b`` on the selected bins and its covariance
    V_aa + V_bb - V_ab - V_ba (the blocks share sources: their correlation is kept)."""
    ia, ib = np.arange(a.start, a.stop)[bins], np.arange(b.start, b.stop)[bins]
    v = covariance[np.ix_(ia, ia)] + covariance[np.ix_(ib, ib)] - covariance[np.ix_(ia, ib)] - covariance[np.ix_(ib, ia)]
    return values[ia] - values[ib], v


def tested(residual: np.ndarray, covariance: np.ndarray) -> dict:
    """:func:`covariance_test` of a deviation, stored with the deviation and its covariance (the
    claims table adds the systematic terms to them)."""
    return {**covariance_test(residual, covariance, COVARIANCE_METHOD), "residual": np.asarray(residual).tolist(),
            "residual_covariance": np.asarray(covariance).tolist()}


def _comparison(item, quantity, beauty, beauty_v2, electron_flow, dzero_flows, propagation, correlation) -> dict:
    """Our b -> e v2 (``btoe_v2``) or non-prompt D0 v2 at the D0 pT (``nonprompt_d0_v2``) on the
    bins of a published table, with the full covariance, against the table (both covariances)."""
    table = _v2_table_in_range(load_comparison(item), *item.get("pt_range", [0.0, np.inf]))
    if quantity == "btoe_v2":
        daughters = electron_flow(beauty, table.pt_low, table.pt_high)
    else:
        if not dzero_flows:
            raise ConfigError(f"comparison {item['name']!r}: the non-prompt D0 v2 needs the B -> D0 flow responses (results/responses/*_to_D0_flow.npz)")
        daughters = DaughterFlow(beauty, beauty.dzero_responses, dzero_flows, table.pt_low, table.pt_high)
    value, covariance = propagation.covariance_of(lambda p: daughters(p, beauty_v2(p)))
    result = compatibility({"value": value, "covariance": covariance}, table, correlation)
    return {"name": item["name"], "quantity": quantity, **result, "ours": value.tolist(), "ours_error": np.sqrt(np.diag(covariance)).tolist(),
            "covariance": "ours: " + COVARIANCE_METHOD + "; theirs: table covariance (stat diagonal, systematics correlated as decomposition.systematic_correlation)"}


def write_flow(outputs: dict, system: str, result: dict) -> None:
    """Write the v2 tables (project CSV format) and the summary JSON."""
    def header(name: str) -> dict:
        return {
            "observable": TITLES[name],
            "system": system,
            "rapidity": "|eta| < 0.8",
            "units": "pT [GeV/c]; v2 dimensionless",
            "error_columns": "stat_err_plus/_minus: full propagated uncertainty of the v2 analysis (HFE v2 points, D-meson v2 fit, "
                             "decomposition fit; covariance matrices in the summary JSON)",
        }

    write_result(outputs, result["bins"]["low"], result["bins"]["high"], result["tables"], header, result["summary"])
