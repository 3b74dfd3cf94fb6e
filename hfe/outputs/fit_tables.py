"""The fit tables of the nominal analysis (``results/fits.md``, in the report): for every system
the global decomposition fit and, where there is a flow analysis, the D-meson v2 fit and the
b->e v2 global fit: parameters with their HESSE errors, chi2 per dataset with its number of
points, the total chi2/ndf and p-value (with the fit's full covariance: statistics diagonal,
systematics correlated in pT, normalisations as nuisance parameters), and the HFE bins left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from hfe.core.atomic_io import write_text_atomically
from hfe.core.catalogue import ResultsLayout
from hfe.core.config import flow_systems


def _significant(value: float, error: float) -> str:
    """``value ± error`` with the error to two significant digits."""
    if not error or error != error:
        return f"{value:.4g}"
    digits = max(0, 1 - int(f"{error:e}".split("e")[1]))
    return f"{value:.{digits}f} ± {error:.{digits}f}"


def fit_markdown(title: str, fit: Mapping) -> list[str]:
    """One fit: its parameters, chi2 per dataset, total chi2/ndf and p-value."""
    line = f"χ²/ndf = {fit['chi2']:.1f}/{fit['ndf']}, p = {fit['p_value']:.3f}; HESSE covariance: {fit.get('covariance_status', 'accurate')}"
    if fit.get("statistical_model"):
        line += f"; covariance of the data: {fit['statistical_model']}"
    lines = [f"### {title}", "", line, "", "| parameter | value |", "|---|---|"]
    for name in fit["names"]:
        lines.append(f"| `{name}` | {_significant(fit['parameters'][name], fit['errors'][name])} |")
    lines += ["", "| dataset | points | χ² | source |", "|---|---|---|---|"]
    sources = fit.get("datasets", {})
    for name, chi2 in fit["chi2_by_dataset"].items():
        points = len(fit.get("points", {}).get(name, {}).get("data", []))
        lines.append(f"| {name} | {points} | {chi2:.1f} | {sources.get(name, '')} |")
    outside = {key: bins for key, bins in fit.items() if key.endswith("hfe_bins_outside_fit_range") and bins}
    for key, bins in outside.items():
        label = key.replace("hfe_bins_outside_fit_range", "").replace("_", " ").strip() or "this system's"
        lines += ["", f"HFE bins not fitted ({label} HFE, outside `decomposition.hfe_fit_range` or the responses): "
                  + ", ".join(f"{low:g}–{high:g}" for low, high in bins) + " GeV/c"]
    return lines + [""]


def fit_tables_markdown(config: Mapping, results: ResultsLayout) -> str:
    lines = ["# Fits of the nominal analysis", "",
             "Parameters with HESSE errors; χ² = rᵀV⁻¹r + Σ(ν/σ)² with each dataset's full covariance (see each fit's line). "
             "Parameter names: hfe/fitting/shapes.py (spectrum shapes), hfe/decomposition/system.py (R_AA shapes), "
             "`nu_*` normalisation nuisances, `dv2_*` D-meson v2 in KE_T/n_q, `bv2_scale` the b→e v2 amplitude.", ""]
    flowing = set(flow_systems(config))
    for system in config["systems"]:
        lines += [f"## {system}", ""]
        lines += fit_markdown("Global decomposition fit", json.loads(results.fit_summary(system).read_text()))
        if system in flowing:
            flow = json.loads(results.flow_summary(system).read_text())
            lines += fit_markdown("D-meson v2 fit", flow["dmeson_v2_fit"])
            lines += fit_markdown("b→e v2 global fit", flow["global_fit"])
    return "\n".join(lines)


def write_fit_tables(config: Mapping, results: ResultsLayout, path) -> None:
    write_text_atomically(path, fit_tables_markdown(config, results))
