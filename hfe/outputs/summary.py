"""``results/summary.md``: the headline numbers with their uncertainties.

* f_b in the pT bins holding 3, 5 and 8 GeV/c, per system: value, bootstrap stat (68 % band)
  and total systematic;
* R_AA(b -> e) / R_AA(c -> e) averaged over 2-8 GeV/c (bin-width weighted) per Pb-Pb system:
  stat from the same average in every replica of the statistical bootstrap family (16th-84th
  percentiles), syst from the same average in every variation and in every replica of the
  fit-inputs family, combined with the rule of :mod:`hfe.systematics.combination`;
* the NCQ deviation of b -> e v2 (global-fit amplitude, bin-by-bin chi2, full covariance) and
  the p-values of every comparison with published data (fit.json, flow.json);
* the claims table: the six claims of arXiv:2110.08769 with numbers, CL and verdicts
  (:mod:`hfe.outputs.claims`, also ``results/claims.json``);
* the closure of every pseudo-data system against its generated truth (:mod:`hfe.outputs.closure`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hfe.bootstrap.bands import align
from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.binning import bins_inside
from hfe.core.catalogue import FIT_INPUTS, ResultsLayout
from hfe.core.config import flow_systems, pseudo_systems
from hfe.outputs.claims import claims_markdown, claims_method, evaluate_claims, has_paper_claims
from hfe.outputs.closure import closure_markdown
from hfe.systematics.combination import combine
from hfe.systematics.variations import selected_variations, sources
from hfe.tables.published import load_table

FRACTION_PT = (3.0, 5.0, 8.0)
RATIO_RANGE = (2.0, 8.0)


def _band(table, i: int) -> str:
    stat = max(table.stat[0][i], table.stat[1][i])
    syst = np.sqrt(max(table.syst[0][i], table.syst[1][i]) ** 2 + max(table.quadrature("norm")[0][i], table.quadrature("norm")[1][i]) ** 2)
    return f"{table.value[i]:.3f} ± {stat:.3f} (stat) ± {syst:.3f} (syst)"


def _ratio_average(btoe: np.ndarray, ctoe: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    inside = bins_inside(low, high, *RATIO_RANGE)
    width = (high - low)[inside]
    return float(np.sum(width * btoe[inside] / ctoe[inside]) / np.sum(width))


def _window_band(batch_files: list[str], names: tuple[str, str], low, high, value: float) -> tuple[tuple[float, float] | None, int]:
    """(up, down) of the 16th-84th percentile band of the window ratio over the replicas of
    ``batch_files`` around ``value`` (None with fewer than two replicas), and the replica count."""
    replicas = []
    for path in batch_files:
        with np.load(path) as f:
            for b, c in zip(f[f"values/{names[0]}"], f[f"values/{names[1]}"]):
                if np.all(np.isfinite(b)) and np.all(np.isfinite(c)):
                    replicas.append(_ratio_average(b, c, low, high))
    if len(replicas) < 2:
        return None, len(replicas)
    return (float(np.percentile(replicas, 84) - value), float(value - np.percentile(replicas, 16))), len(replicas)


def raa_ratio(config: dict, results: ResultsLayout, system: str, batch_files: list[str], input_batch_files: list[str] = ()) -> dict:
    """<R_AA(b->e)/R_AA(c->e)> in 2-8 GeV/c with stat from the statistical bootstrap family
    (``batch_files``) and syst from the variations and the fit-inputs family (``input_batch_files``)."""
    names = (f"{system}/raa_btoe", f"{system}/raa_ctoe")
    nominal = [load_table(results.result_table(n)) for n in names]
    low, high = nominal[0].pt_low, nominal[0].pt_high
    value = _ratio_average(nominal[0].value, nominal[1].value, low, high)
    stat, n_replicas = _window_band(batch_files, names, low, high, value)
    inputs, _ = _window_band(list(input_batch_files), names, low, high, value)
    if stat is None:  # no bootstrap: the joint fit's full-covariance error of the same window average
        window = json.loads(results.fit_summary(system).read_text())["raa_window_averages"][f"{RATIO_RANGE[0]:g}-{RATIO_RANGE[1]:g}"]
        stat = (window["raa_ratio"]["fit_error"],) * 2
    varied = {}
    for variation in selected_variations(config):
        tables = [load_table(results.result_table(n, variation)) for n in names]
        b, c = (align(t.pt_low, t.value, low) for t in tables)
        varied[variation] = np.array([_ratio_average(b, c, low, high)])
    bands = {FIT_INPUTS: (np.array([inputs[0]]), np.array([inputs[1]]))} if inputs else {}
    syst = combine(np.array([value]), varied, sources(config), bands)["total"]
    return {"value": value, "stat": stat, "syst": (float(syst[0][0]), float(syst[1][0])), "replicas": n_replicas}


def write_summary(config: dict, results: ResultsLayout, path: str | Path, batch_files: list[str], input_batch_files: list[str] = ()) -> str:
    statistical = ("bootstrap 68 % band of the event-level HFE statistics; the fitted tables' and responses' uncertainties are the "
                   "systematic source fit_inputs" if batch_files
                   else "fit uncertainty, HFE statistics and fitted tables together (no bootstrap replicas were run)")
    measured = pseudo_systems(config)
    published = [s for s in config["systems"] if s not in measured]
    what = ("Pseudo-data analysis" if not published else "Analysis of published data" if not measured
            else "Analysis of pseudo-data and published data")
    lines = ["# Headline results", "", f"{what} (statistical: {statistical}; systematic: combined config variations, "
             f"`{results.root}/systematics/breakdown.md`).", ""]
    if published:
        lines += ["## Inputs", "", "| system | HFE | HFE v2 | D0 | note |", "|---|---|---|---|---|"]
        decomposition = config["decomposition"]
        for system in published:
            setup = config["systems"][system]
            d0 = decomposition["d0_pp"] if setup["kind"] == "pp" else decomposition["d0_raa"][system]
            d0 = " + ".join(Path(x["table"]).name for x in d0["from_classes"]) + " (transferred)" if isinstance(d0, dict) else Path(d0).name
            v2 = config["flow"]["hfe_v2_tables"].get(system)
            lines.append(f"| {system} | {Path(decomposition['hfe_tables'][system]).name} | {Path(v2).name if v2 else '—'} | {d0} | "
                         f"{setup.get('centrality_note', '')} |")
        lines.append("")
    lines += ["## Beauty fraction f_b = (b→e)/(c→e + b→e)", "", "| system | " + " | ".join(f"{p:g} GeV/c" for p in FRACTION_PT) + " |",
              "|---|" + "---|" * len(FRACTION_PT)]
    for system in config["systems"]:
        table = load_table(results.systematics_table(f"{system}/beauty_fraction"))
        cells = []
        for pt in FRACTION_PT:
            index = np.flatnonzero((table.pt_low <= pt) & (table.pt_high > pt))
            cells.append(f"{_band(table, index[0])} [{table.pt_low[index[0]]:g}–{table.pt_high[index[0]]:g}]" if len(index) else "—")
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    lines += ["", "## Global fits", "",
              "χ² with the fit's covariance (stat diagonal, systematics correlated in pT as `decomposition.systematic_correlation` says, "
              "normalisations as nuisance parameters); a HESSE covariance MINUIT had to force positive definite quotes errors that "
              "do not cover (docs/coverage.md).", "", "| system | χ²/ndf | p-value | covariance |", "|---|---|---|---|"]
    for system in config["systems"]:
        fit = json.loads(results.fit_summary(system).read_text())
        status = fit.get("covariance_status", "accurate")
        lines.append(f"| {system} | {fit['chi2']:.1f}/{fit['ndf']} | {fit['p_value']:.3f} | {status if status == 'accurate' else '**' + status + '**'} |")
    pbpb = [s for s, setup in config["systems"].items() if setup["kind"] == "PbPb"]
    flowing = flow_systems(config)
    if pbpb:
        lines += ["", f"## ⟨R_AA(b→e) / R_AA(c→e)⟩ in {RATIO_RANGE[0]:g}–{RATIO_RANGE[1]:g} GeV/c", "", "| system | ratio | replicas |", "|---|---|---|"]
        for system in pbpb:
            r = raa_ratio(config, results, system, batch_files, input_batch_files)
            lines.append(f"| {system} | {r['value']:.3f} +{r['stat'][0]:.3f} −{r['stat'][1]:.3f} (stat) +{r['syst'][0]:.3f} −{r['syst'][1]:.3f} (syst) | {r['replicas']} |")
        lines += ["", "## NCQ test of b→e v2", "",
                  "Full propagated covariance of the v2 analysis (HFE v2 points, D-meson v2 fit alone, decomposition fit), statistical "
                  "part only; with the systematic sources as correlated terms in the claims table below.", "",
                  "| system | pT range | global fit: amplitude (NCQ = 1) | χ²/ndf | p-value | bin by bin: χ²/ndf | p-value |", "|---|---|---|---|---|---|---|"]
        for system in flowing:
            ncq = json.loads(results.flow_summary(system).read_text())["ncq_deviation"]
            g, b = ncq["global_fit"], ncq["bin_by_bin"]
            amplitude = f"{g['amplitude']:.2f} ± {g['amplitude_error']:.2f}" if "amplitude" in g else "—"
            lines.append(f"| {system} | {ncq['pt_range'][0]:g}–{ncq['pt_range'][1]:g} GeV/c | {amplitude} | {g['chi2']:.1f}/{g['ndf']} | {g['p_value']:.3f} | "
                         f"{b['chi2']:.1f}/{b['ndf']} | {b['p_value']:.3f} |")
        lines += ["", "## Comparisons with published data", "",
                  "R_AA: χ² = dᵀ(V_ours + V_theirs)⁻¹d with both full covariances and the normalisations fully correlated; "
                  "a *reference* row compares across energy or centrality: its χ² measures the difference, it is not a test of equality.", "",
                  "| system | data | quantity | kind | χ²/ndf | p-value |", "|---|---|---|---|---|---|"]
        for system in pbpb:
            items = json.loads(results.fit_summary(system).read_text()).get("comparisons", [])
            if system in flowing:
                items += json.loads(results.flow_summary(system).read_text()).get("comparisons", [])
            for c in items:
                if c.get("ndf", 0) > 0:
                    kind = "reference" if c.get("conditions") == "different" else "test"
                    lines.append(f"| {system} | {c['name']} | {c['quantity']} | {kind} | {c['chi2']:.1f}/{c['ndf']} | {c['p_value']:.3f} |")
    if has_paper_claims(config):
        claims = evaluate_claims(config, results)
        write_json_atomically(Path(path).with_name("claims.json"), {"claims": claims, "method": claims_method()})
        lines += ["", *claims_markdown(claims, pseudo_hfe=bool(measured))]
    if measured:
        lines += ["", *closure_markdown(results, measured)]
    text = "\n".join(lines) + "\n"
    write_text_atomically(path, text)
    return text
