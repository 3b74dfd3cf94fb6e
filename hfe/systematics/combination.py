"""Combination of systematic variations into per-source and total uncertainties.

Rule (per observable and pT bin): for each source, the deviations d_v = x_v - x_nominal of its
variations give an asymmetric uncertainty up = max(0, max_v d_v), down = max(0, max_v -d_v)
(the largest deviation on each side). A source with one variation, or whose variations all
move the same way, is symmetrised: up = down = max(up, down). The total is the quadrature sum
over sources, up and down separately. The built-in source ``method`` compares the global-fit
b -> e result with the bin-by-bin subtraction (spectrum: ``btoe_subtracted``; v2:
``btoe_v2_bin_by_bin``), with the statistical noise of both removed in quadrature (Barlow):
only the significant part of the difference counts, and only where the beauty fraction is at
least ``systematics.method_min_beauty_fraction`` (below it the subtraction amplifies the c -> e
model and its noise by 1/f_b and is no estimator of b -> e), inside the pT range of the fit. The bootstrap band of the fit-inputs family (published tables
and responses drawn within their uncertainties) is the source ``fit_inputs``. The statistical
uncertainty stays separate: the statistical family's bootstrap 68 % band (event-level HFE
statistics) when the bootstrap ran, else the fit uncertainty of the nominal table (which then
holds the fitted tables' uncertainties too, and no ``fit_inputs`` source is added).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hfe.bootstrap.bands import align
from hfe.core.atomic_io import write_text_atomically
from hfe.core.binning import bins_inside
from hfe.core.catalogue import FIT_INPUTS, STATISTICAL, ResultsLayout, observables
from hfe.tables.published import MeasurementTable, load_table

METHOD_ALTERNATIVES = {"btoe_spectrum": "btoe_subtracted", "btoe_v2_global_fit": "btoe_v2_bin_by_bin"}


def source_uncertainty(deviations: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(up, down) of one source from the deviations of its variations (NaN: no deviation)."""
    stacked = np.nan_to_num(np.vstack(deviations), nan=0.0)
    up = np.maximum(stacked.max(axis=0), 0.0)
    down = np.maximum((-stacked).max(axis=0), 0.0)
    one_sided = (up == 0) | (down == 0)
    larger = np.maximum(up, down)
    return np.where(one_sided, larger, up), np.where(one_sided, larger, down)


def combine(nominal: np.ndarray, variations: dict[str, np.ndarray], sources: dict[str, list[str]],
            bands: dict[str, tuple] | None = None) -> dict[str, tuple]:
    """{source: (up, down)} and ``total`` for variation values on the nominal bins; ``bands``:
    sources given as (up, down) already (the fit-inputs bootstrap band), added in quadrature."""
    out = {}
    for source, names in sources.items():
        present = [variations[n] - nominal for n in names if n in variations]
        if present:
            out[source] = source_uncertainty(present)
    out.update(bands or {})
    zero = np.zeros_like(nominal, dtype=float)
    out["total"] = (
        np.sqrt(sum((u**2 for u, _ in out.values()), zero)),
        np.sqrt(sum((d**2 for _, d in out.values()), zero)),
    )
    return out


def variation_values(path: str | Path, nominal: MeasurementTable) -> np.ndarray:
    table = load_table(path)
    return align(table.pt_low, table.value, nominal.pt_low)


def method_values(path: str | Path, nominal: MeasurementTable) -> np.ndarray:
    """The bin-by-bin alternative on the nominal bins, moved towards the nominal by the
    statistical noise of the difference (Barlow): x = x_nom + sign(d) sqrt(max(d^2 - s_alt^2 -
    s_nom^2, 0)), so that a difference within the two statistical uncertainties counts zero."""
    table = load_table(path)
    values = align(table.pt_low, table.value, nominal.pt_low)
    noise = align(table.pt_low, table.symmetric_stat, nominal.pt_low)
    own = nominal.symmetric_stat
    difference = values - nominal.value
    significant = np.sqrt(np.clip(difference**2 - noise**2 - own**2, 0.0, None))
    return nominal.value + np.sign(difference) * significant


def statistical(name: str, nominal: MeasurementTable, results: ResultsLayout | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(up, down, origin) of the statistical uncertainty of ``<system>/<observable>``: the
    statistical family's bootstrap band (``results`` given), else the fit uncertainty, which
    holds the HFE statistics and the fitted tables' uncertainties together."""
    if results is not None and results.bootstrap_table(name, STATISTICAL).exists():
        up, down = load_table(results.bootstrap_table(name, STATISTICAL)).stat
        return up, down, "bootstrap 68 % band (event-level HFE statistics)"
    up, down = nominal.stat
    return up, down, "fit uncertainty (HFE statistics and the fitted tables' uncertainties together; no bootstrap replicas)"


def fit_inputs_band(name: str, results: ResultsLayout | None) -> dict[str, tuple]:
    """The fit-inputs family's bootstrap band of ``<system>/<observable>`` as a systematic
    source {``fit_inputs``: (up, down)} (empty without bootstrap: the fit uncertainty holds it)."""
    if results is None or not results.bootstrap_table(name, FIT_INPUTS).exists():
        return {}
    return {FIT_INPUTS: load_table(results.bootstrap_table(name, FIT_INPUTS)).stat}


def write_systematics_table(path: str | Path, name: str, nominal: MeasurementTable, stat: tuple, parts: dict) -> None:
    """CSV: value, stat, one ``sys_<source>`` column pair per source (the total is their
    quadrature sum; a source whose name says T_AA is read back as a normalisation)."""
    sources = [s for s in parts if s != "total"]
    lines = [
        f"# observable: {name} with statistical and systematic uncertainties",
        f"# source: {nominal.source}",
        f"# stat: {stat[2]}; systematics: {', '.join(sources) or 'none'} (largest deviation per source, "
        "symmetrised if one-sided; total = quadrature sum, see hfe/systematics/combination.py)",
        ",".join(["pt_low,pt_high,pt_center,value,stat_err_plus,stat_err_minus"] + [f"sys_{s}_err_plus,sys_{s}_err_minus" for s in sources]),
    ]
    for i in range(len(nominal)):
        fields = [nominal.pt_low[i], nominal.pt_high[i], nominal.pt_center[i], nominal.value[i], stat[0][i], -stat[1][i]]
        for s in sources:
            fields += [parts[s][0][i], -parts[s][1][i]]
        lines.append(",".join(f"{x:.10g}" for x in fields))
    write_text_atomically(path, "\n".join(lines) + "\n")


def breakdown_markdown(name: str, nominal: MeasurementTable, stat: tuple, parts: dict) -> str:
    """A markdown table: relative uncertainties (%) per pT bin and source (max of up/down)."""
    sources = [s for s in parts if s != "total"]
    header = "| pT (GeV/c) | value | stat | " + " | ".join(sources) + " | total syst |"
    lines = [f"### {name}", "", header, "|" + "---|" * (4 + len(sources))]
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(len(nominal)):
            scale = 100.0 / abs(nominal.value[i]) if nominal.value[i] != 0 else np.nan
            cells = [f"{nominal.pt_low[i]:g}–{nominal.pt_high[i]:g}", f"{nominal.value[i]:.4g}", f"{max(stat[0][i], stat[1][i]) * scale:.1f}"]
            cells += [f"{max(parts[s][0][i], parts[s][1][i]) * scale:.1f}" for s in sources + ["total"]]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def combine_all(
    config: dict, results: ResultsLayout, table_outputs: list[str], breakdown_path: str, summary_path: str, use_bootstrap: bool
) -> dict:
    """Combine every observable of the selected variations (tables read under ``results``);
    write the tables, the markdown breakdown and a JSON summary (mean relative uncertainties
    per source)."""
    from hfe.core.atomic_io import write_json_atomically
    from hfe.systematics.variations import selected_variations, sources

    groups = sources(config)
    markdown = ["# Systematic uncertainty breakdown", "", "Relative uncertainties in percent (larger of up and down).", ""]
    summary = {"sources": groups, "observables": {}}
    for name, path in zip(observables(config), table_outputs):
        nominal = load_table(results.result_table(name))
        variations = {v: variation_values(results.result_table(name, v), nominal) for v in selected_variations(config)}
        system, observable = name.split("/")
        parts_sources = dict(groups)
        if observable in METHOD_ALTERNATIVES:
            method = method_values(results.result_table(f"{system}/{METHOD_ALTERNATIVES[observable]}"), nominal)
            fraction = load_table(results.result_table(f"{system}/beauty_fraction"))
            f_b = align(fraction.pt_low, fraction.value, nominal.pt_low)
            minimum = config["systematics"]["method_min_beauty_fraction"]
            low, high = config["flow"]["hfe_v2_fit_range"] if "_v2" in observable else config["decomposition"]["hfe_fit_range"]
            fitted = bins_inside(nominal.pt_low, nominal.pt_high, low, high)
            variations["method"] = np.where((f_b >= minimum) & fitted, method, np.nan)
            parts_sources["method"] = ["method"]
        bootstrap = results if use_bootstrap else None
        parts = combine(nominal.value, variations, parts_sources, fit_inputs_band(name, bootstrap))
        stat = statistical(name, nominal, bootstrap)
        write_systematics_table(path, name, nominal, stat, parts)
        markdown.append(breakdown_markdown(name, nominal, stat, parts))
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = {s: float(np.nanmean(np.maximum(*parts[s]) / np.abs(nominal.value))) for s in parts}
        summary["observables"][name] = {"mean_relative": relative, "stat": stat[2]}
    write_text_atomically(breakdown_path, "\n".join(markdown))
    write_json_atomically(summary_path, summary)
    return summary
