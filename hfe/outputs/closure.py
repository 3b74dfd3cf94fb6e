"""Closure of the nominal decomposition against the generated truth of the pseudo-data.

Per system and flavour, in the bins inside ``PT_RANGE`` (GeV/c): pull = (fit - truth) /
(fit error (+) truth MC error), the fit error being the nominal fit uncertainty of the table
(its ``stat`` column) and the truth error the MC statistical error of the truth table. Pulls of
neighbouring bins are correlated (one smooth fit): their mean is the bias to look at.
Systems analysed from a user's HFE table have no truth and are skipped.
"""

from __future__ import annotations

import numpy as np

from hfe.bootstrap.bands import align
from hfe.core.binning import bins_inside
from hfe.core.catalogue import ResultsLayout
from hfe.tables.published import load_table

PT_RANGE = (1.0, 8.0)
FLAVOURS = ("ctoe", "btoe")


def closure_pulls(results: ResultsLayout, system: str, pt_range: tuple[float, float] = PT_RANGE) -> dict[str, dict]:
    """{flavour: {pulls, mean, max_abs, pt_low, pt_high}} of one system."""
    out = {}
    for flavour in FLAVOURS:
        fit = load_table(results.result_table(f"{system}/{flavour}_spectrum"))
        truth = load_table(results.measurement(system, f"truth_{flavour}_spectrum"))
        inside = bins_inside(fit.pt_low, fit.pt_high, *pt_range)
        true_value = align(truth.pt_low, truth.value, fit.pt_low)[inside]
        true_error = align(truth.pt_low, truth.symmetric_stat, fit.pt_low)[inside]
        pulls = (fit.value[inside] - true_value) / np.hypot(fit.symmetric_stat[inside], true_error)
        out[flavour] = {
            "pulls": pulls.tolist(),
            "mean": float(np.mean(pulls)),
            "max_abs": float(np.max(np.abs(pulls))),
            "pt_low": fit.pt_low[inside].tolist(),
            "pt_high": fit.pt_high[inside].tolist(),
        }
    return out


def closure_markdown(results: ResultsLayout, systems: list[str]) -> list[str]:
    """Markdown lines: mean and largest |pull| per system and flavour."""
    lines = ["## Closure against the generated truth", "",
             f"pull = (fit − truth)/(fit error ⊕ truth MC error) in {PT_RANGE[0]:g}–{PT_RANGE[1]:g} GeV/c (hfe/outputs/closure.py).", "",
             "| system | c→e mean pull | c→e max \\|pull\\| | b→e mean pull | b→e max \\|pull\\| |", "|---|---|---|---|---|"]
    for system in systems:
        c = closure_pulls(results, system)
        lines.append(f"| {system} | {c['ctoe']['mean']:+.2f} | {c['ctoe']['max_abs']:.2f} | {c['btoe']['mean']:+.2f} | {c['btoe']['max_abs']:.2f} |")
    return lines
