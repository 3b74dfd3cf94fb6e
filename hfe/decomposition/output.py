"""Run the decomposition of one system from files and write its tables (project CSV format)
and its fit summary (JSON)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hfe.core.binning import bins_inside
from hfe.core.catalogue import TITLES
from hfe.core.systems import CollisionSystem
from hfe.decomposition.global_fit import FitOutcome, propagate, propagate_covariance
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import (
    beauty_fraction_function,
    compatibility,
    electron_results,
    fit_system,
    nuclear_modification,
    raa_function,
    raa_with_covariance,
)
from hfe.tables.published import MeasurementTable, load_comparison, write_result


def outcome_from_summary(summary: dict) -> FitOutcome:
    return FitOutcome(
        parameters=summary["parameters"],
        errors=summary["errors"],
        covariance=np.asarray(summary["covariance"]),
        names=summary["names"],
        chi2=summary["chi2"],
        ndf=summary["ndf"],
        chi2_by_dataset=summary["chi2_by_dataset"],
        valid=summary["valid"],
        covariance_status=summary.get("covariance_status", "accurate"),
    )


def output_bins(hfe: MeasurementTable, electron_edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The HFE table's bins that lie inside the electron response range."""
    keep = hfe.pt_high <= electron_edges[-1] + 1e-9
    return hfe.pt_low[keep], hfe.pt_high[keep]


def comparison_bins(table: MeasurementTable, electron_edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bins of a comparison table; a table of points is compared in the fine electron bin
    holding each point."""
    if np.allclose(table.pt_low, table.pt_high):
        index = np.clip(np.searchsorted(electron_edges, table.pt_center, side="right") - 1, 0, len(electron_edges) - 2)
        return electron_edges[index], electron_edges[index + 1]
    return table.pt_low, table.pt_high


def decompose_system(
    system: CollisionSystem,
    settings: DecompositionSettings,
    hfe: MeasurementTable,
    electrons: Mapping,
    dzero: Mapping,
    inputs: FitInputs,
    pp_summary: dict | None = None,
    pp_hfe: MeasurementTable | None = None,
    start_from: Mapping[str, float] | None = None,
) -> dict:
    """Fit one system (HFE table ``hfe``, responses by species, published ``inputs``; a Pb-Pb
    system also ``pp_summary`` and the pp HFE table ``pp_hfe``: its fit is joint with pp) and
    derive every result; returns a dict of tables and the summary. ``start_from``: start values
    by parameter name (:func:`fit_system`)."""
    outcome, charm, beauty, info = fit_system(system, settings, hfe, electrons, dzero, inputs, pp_summary, pp_hfe, start_from=start_from)
    low, high = output_bins(hfe, charm.electron_edges)
    derived = electron_results(outcome, charm, beauty, low, high)
    full = {"low": low, "high": high}
    hfe_value = hfe.value[: len(low)]
    hfe_stat = hfe.symmetric_stat[: len(low)]
    c_value, c_error = derived["ctoe_spectrum"]
    derived["btoe_subtracted"] = (hfe_value - c_value, np.sqrt(hfe_stat**2 + c_error**2))
    summary = {**outcome.summary(), **info, "hfe_fit_range": list(settings.hfe_fit_range)}
    if not system.is_pp:
        raa = nuclear_modification(outcome, charm, beauty, system, low, high)
        derived.update({k: v for k, v in raa.items() if k.startswith("raa_")})
        summary["taa_relative_error"] = raa["taa_relative_error"]
        summary["raa_window_averages"] = raa_window_averages(outcome, charm, beauty, system, low, high)
        summary["comparisons"] = [
            comparison(spec, outcome, charm, beauty, system, settings) for spec in settings.comparisons.get(system.name, [])
        ]
    return {"bins": full, "tables": derived, "summary": summary}


RAA_WINDOWS = ((2.0, 8.0), (3.0, 8.0))  # GeV/c: the pT ranges of the paper's R_AA claims (arXiv:2110.08769), up to 8 GeV/c


def raa_window_averages(outcome: FitOutcome, charm, beauty, system: CollisionSystem, low, high) -> dict:
    """Bin-width-weighted averages of R_AA(c -> e), R_AA(b -> e) and of their ratio over the
    output bins inside each of :data:`RAA_WINDOWS`, with the joint fit's full-covariance error
    (the bins' correlations kept); ``taa_relative_error`` applies to both R_AA, not the ratio."""
    out = {}
    for window in RAA_WINDOWS:
        inside = bins_inside(low, high, *window)
        if not inside.any():
            continue
        lo, hi = np.asarray(low)[inside], np.asarray(high)[inside]
        weight = (hi - lo) / np.sum(hi - lo)
        charm_raa, beauty_raa = raa_function(charm, system, lo, hi), raa_function(beauty, system, lo, hi)
        functions = {
            "raa_ctoe": lambda p: weight @ charm_raa(p),
            "raa_btoe": lambda p: weight @ beauty_raa(p),
            "raa_ratio": lambda p: weight @ (beauty_raa(p) / charm_raa(p)),
        }
        key = f"{window[0]:g}-{window[1]:g}"
        out[key] = {"pt_range": [float(lo.min()), float(hi.max())], "taa_relative_error": system.taa_relative_error}
        for name, function in functions.items():
            value, error = propagate(lambda p, f=function: np.array([f(p)]), outcome)
            out[key][name] = {"value": float(value[0]), "fit_error": float(error[0])}
    return out


def comparison_values(quantity: str, outcome: FitOutcome, charm, beauty, system: CollisionSystem, low, high) -> dict:
    """Our ``quantity`` over the bins [low, high] with its full covariance (and, for an R_AA,
    the <T_AA> normalisation): ``raa_ctoe``, ``raa_btoe``, ``raa_ratio`` (T_AA cancels) or
    ``beauty_fraction`` (no normalisation: it cancels in the fraction)."""
    if quantity in ("raa_ctoe", "raa_btoe"):
        return raa_with_covariance(outcome, charm if quantity == "raa_ctoe" else beauty, system, low, high)
    if quantity == "raa_ratio":
        charm_raa, beauty_raa = raa_function(charm, system, low, high), raa_function(beauty, system, low, high)
        function = lambda p: beauty_raa(p) / charm_raa(p)  # noqa: E731
    elif quantity == "beauty_fraction":
        function = beauty_fraction_function(charm, beauty, low, high)
    else:
        raise ValueError(f"unknown comparison quantity {quantity!r}")
    value, covariance = propagate_covariance(function, outcome)
    return {"value": value, "covariance": covariance, "normalisation": {}}


def comparison(spec: Mapping, outcome: FitOutcome, charm, beauty, system: CollisionSystem, settings: DecompositionSettings) -> dict:
    """Our result (``spec['quantity']``) against a published table in the fit range (:func:`compatibility`)."""
    table = load_comparison(spec)
    b_low, b_high = comparison_bins(table, charm.electron_edges)
    inside = bins_inside(b_low, b_high, *settings.hfe_fit_range)
    if not inside.any():
        return {"name": spec["name"], "table": spec["table"], "ndf": 0, "note": "no overlap with the fit range"}
    ours = comparison_values(spec["quantity"], outcome, charm, beauty, system, b_low[inside], b_high[inside])
    result = compatibility(ours, table.select(inside), settings.systematic_correlation)
    conditions = spec.get("conditions", "same")
    meaning = ("test of compatibility (same energy and centrality)" if conditions == "same" else
               "reference comparison across energy or centrality: the chi2 measures the difference, it is not a test of equality")
    return {"name": spec["name"], "quantity": spec["quantity"], "conditions": conditions, "meaning": meaning, **result}


def write_decomposition(outputs: dict, system: str, result: dict, units: str, eta_max: float = 0.8) -> None:
    """Write the tables named in ``outputs`` and the summary JSON ``outputs['summary']``."""

    def header(name: str) -> dict:
        return {
            "observable": TITLES[name],
            "system": system,
            "rapidity": f"|eta| < {eta_max:g} (electrons)",
            "units": "pT [GeV/c]; dimensionless" if name.startswith(("raa", "beauty")) else units,
            "method": "global chi2 fit of D0, HFE and non-prompt D0 data (hfe/decomposition/global_fit.py)",
            "error_columns": "stat_err_plus/_minus: fit uncertainty (covariance of the global fit)"
            + ("; the T_AA normalisation uncertainty is separate (fit.json)" if name.startswith("raa") else ""),
        }

    write_result(outputs, result["bins"]["low"], result["bins"]["high"], result["tables"], header, result["summary"])
