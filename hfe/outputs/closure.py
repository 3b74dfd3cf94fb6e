"""Closure of the nominal decomposition and flow analysis against the generated truth of the
pseudo-data (event level: the truth is what the pseudo-events hold, per electron origin).

Per system, observable and bin: pull = (fit - truth) / (fit error (+) truth MC error), the fit
error being the nominal fit uncertainty of the result table (its ``stat`` column) and the truth
error the MC statistical error of the truth tables. Observables and their truth:

* ``ctoe_spectrum``, ``btoe_spectrum``: the truth tables of the measurement;
* ``beauty_fraction``: b/(c + b) of the truth tables (errors propagated, c and b independent);
* ``raa_ctoe``, ``raa_btoe`` (Pb-Pb): truth Pb-Pb / (<T_AA> x truth pp), T_AA of the system;
* ``ctoe_v2``, ``btoe_v2_global_fit`` (Pb-Pb): the truth v2 tables of the measurement.

Pulls of neighbouring bins are correlated (one smooth fit): their mean over ``PT_RANGE`` is the
bias to look at. Systems analysed from a user's HFE table have no truth and are skipped.

With model systematics (``closure.model_variations``, variations of the analysis's model
choices): their deviations from the nominal result, combined per source as the systematics
combine them (:func:`hfe.systematics.combination.combine`: largest deviation per side, sources
in quadrature), are added to the error on the side facing the truth:
pull_with_model = (fit - truth) / (fit error (+) truth MC error (+) model error).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hfe.bootstrap.bands import align
from hfe.core.binning import bins_inside
from hfe.core.catalogue import ResultsLayout
from hfe.core.species import MICROBARN_PER_MILLIBARN
from hfe.systematics.combination import combine, variation_values
from hfe.systematics.variations import sources
from hfe.tables.published import MeasurementTable, load_table

PT_RANGE = (1.0, 8.0)
FLAVOURS = ("ctoe", "btoe")
SPECTRUM_OBSERVABLES = ("ctoe_spectrum", "btoe_spectrum", "beauty_fraction")
PBPB_OBSERVABLES = ("raa_ctoe", "raa_btoe", "ctoe_v2", "btoe_v2_global_fit")


def _truth_on(results: ResultsLayout, system: str, table: str, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    truth = load_table(results.measurement(system, table))
    return align(truth.pt_low, truth.value, low), align(truth.pt_low, truth.symmetric_stat, low)


def true_values(results: ResultsLayout, system: str, observable: str, low: np.ndarray, pp_system: str | None,
                taa_per_mb: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(truth, truth MC error) of one observable on the bins starting at ``low``."""
    if observable in ("ctoe_spectrum", "btoe_spectrum"):
        return _truth_on(results, system, f"truth_{observable}", low)
    if observable == "beauty_fraction":
        (c, dc), (b, db) = (_truth_on(results, system, f"truth_{f}_spectrum", low) for f in FLAVOURS)
        return b / (c + b), np.hypot(c * db, b * dc) / (c + b) ** 2
    if observable.startswith("raa_"):
        flavour = observable.removeprefix("raa_")
        (y, dy), (s, ds) = (_truth_on(results, name, f"truth_{flavour}_spectrum", low) for name in (system, pp_system))
        taa = taa_per_mb / MICROBARN_PER_MILLIBARN
        with np.errstate(divide="ignore", invalid="ignore"):
            return y / (taa * s), np.hypot(dy / y, ds / s) * y / (taa * s)
    flavour = observable.split("_")[0]
    return _truth_on(results, system, f"truth_{flavour}_v2", low)


def model_error(results: ResultsLayout, name: str, fit: MeasurementTable, config: Mapping) -> tuple[np.ndarray, np.ndarray] | None:
    """(up, down) model-choice uncertainty of the result table ``name`` (``<system>/<observable>``)
    from the variations of ``closure.model_variations`` (None: none configured)."""
    names = list(config.get("closure", {}).get("model_variations", []))
    if not names:
        return None
    values = {v: variation_values(results.result_table(name, v), fit) for v in names}
    return combine(fit.value, values, sources(config))["total"]  # sources without a value here drop out


def pulls_with_model(difference: np.ndarray, error: np.ndarray, truth_error: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """(fit - truth) / (fit error (+) truth MC error (+) model error on the side facing the
    truth): the down error where the fit lies above the truth, the up error where below."""
    towards_truth = np.where(difference > 0, down, up)
    return difference / np.sqrt(error**2 + truth_error**2 + towards_truth**2)


def _pull_statistics(pulls: np.ndarray) -> tuple[float, float]:
    return (float(np.mean(pulls)), float(np.max(np.abs(pulls)))) if len(pulls) else (float("nan"), float("nan"))


def closure_pulls(results: ResultsLayout, system: str, config: Mapping | None = None, pt_range: tuple[float, float] = PT_RANGE,
                  observables=None) -> dict[str, dict]:
    """{observable: {pt_low, pt_high, value, error, truth, truth_error, pulls, mean, max_abs}} of
    one system, bins inside ``pt_range``, and with ``closure.model_variations`` in ``config``
    {model_error_up, model_error_down, pulls_with_model, mean_with_model, max_abs_with_model};
    Pb-Pb observables need ``config`` (its systems)."""
    setup = (config or {}).get("systems", {}).get(system, {"kind": "pp"})
    pp_system = next((s for s, c in (config or {}).get("systems", {}).items() if c["kind"] == "pp"), None)
    names = observables or (SPECTRUM_OBSERVABLES + (PBPB_OBSERVABLES if setup["kind"] == "PbPb" else ()))
    out = {}
    for observable in names:
        fit = load_table(results.result_table(f"{system}/{observable}"))
        taa = setup.get("taa_per_mb", {}).get("value")
        truth, truth_error = true_values(results, system, observable, fit.pt_low, pp_system, taa)
        inside = bins_inside(fit.pt_low, fit.pt_high, *pt_range) & np.isfinite(truth) & np.isfinite(fit.value) & (truth_error > 0)
        error = fit.symmetric_stat[inside]
        difference = fit.value[inside] - truth[inside]
        pulls = difference / np.hypot(error, truth_error[inside])
        entry = out[observable] = {
            "pt_low": fit.pt_low[inside].tolist(),
            "pt_high": fit.pt_high[inside].tolist(),
            "value": fit.value[inside].tolist(),
            "error": error.tolist(),
            "truth": truth[inside].tolist(),
            "truth_error": truth_error[inside].tolist(),
            "pulls": pulls.tolist(),
        }
        entry["mean"], entry["max_abs"] = _pull_statistics(pulls)
        model = model_error(results, f"{system}/{observable}", fit, config or {})
        if model is not None:
            up, down = (m[inside] for m in model)
            with_model = pulls_with_model(difference, error, truth_error[inside], up, down)
            entry.update({"model_error_up": up.tolist(), "model_error_down": down.tolist(), "pulls_with_model": with_model.tolist()})
            entry["mean_with_model"], entry["max_abs_with_model"] = _pull_statistics(with_model)
    return out


def closure_summary(results: ResultsLayout, config: Mapping, systems: list[str]) -> dict:
    """The closure of every listed system (results/closure/summary.json)."""
    return {
        "description": "closure against the generated truth (hfe/outputs/closure.py): pull = (fit - truth) / "
        "(fit error (+) truth MC error), fit error = nominal fit uncertainty; pulls_with_model: the error also (+) the "
        "model-choice variations (closure.model_variations) on the side facing the truth",
        "model_variations": list(config["closure"]["model_variations"]),
        "pt_range": list(PT_RANGE),
        "seed": config["seed"],
        "sample": config["pseudo_data"]["sample"],
        "truth": config["truth"],
        "input_tables": config["decomposition"]["input_tables"],
        "systems": {system: closure_pulls(results, system, config) for system in systems},
    }


def summary_markdown(summary: Mapping) -> list[str]:
    """Markdown table of a closure summary: mean pull and largest |pull| per system and observable."""
    low, high = summary["pt_range"]
    model = summary.get("model_variations") or []
    lines = [f"pull = (fit − truth)/(fit error ⊕ truth MC error), {low:g}–{high:g} GeV/c; with model: the error also ⊕ the "
             f"model-choice variations {model} (side facing the truth).", "",
             "| system | observable | bins | mean pull | max \\|pull\\| | mean pull with model | max \\|pull\\| with model |",
             "|---|---|---|---|---|---|---|"]
    for system, observables in summary["systems"].items():
        for name, e in observables.items():
            with_model = f"{e['mean_with_model']:+.2f} | {e['max_abs_with_model']:.2f}" if "pulls_with_model" in e else "– | –"
            lines.append(f"| {system} | {name} | {len(e['pulls'])} | {e['mean']:+.2f} | {e['max_abs']:.2f} | {with_model} |")
    return lines


def closure_markdown(results: ResultsLayout, systems: list[str]) -> list[str]:
    """Markdown lines: mean and largest |pull| of c -> e and b -> e per system."""
    lines = ["## Closure against the generated truth", "",
             f"pull = (fit − truth)/(fit error ⊕ truth MC error) in {PT_RANGE[0]:g}–{PT_RANGE[1]:g} GeV/c (hfe/outputs/closure.py).", "",
             "| system | c→e mean pull | c→e max \\|pull\\| | b→e mean pull | b→e max \\|pull\\| |", "|---|---|---|---|---|"]
    for system in systems:
        c = closure_pulls(results, system, observables=("ctoe_spectrum", "btoe_spectrum"))
        spectra = (c["ctoe_spectrum"], c["btoe_spectrum"])
        lines.append(f"| {system} | {spectra[0]['mean']:+.2f} | {spectra[0]['max_abs']:.2f} | {spectra[1]['mean']:+.2f} | {spectra[1]['max_abs']:.2f} |")
    return lines
