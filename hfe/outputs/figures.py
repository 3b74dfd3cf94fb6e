"""The paper's figures, each drawn from the workflow's result files (never recomputed here).

Every figure has a name (``<kind>`` or ``<kind>_<system>``), a function building it and a
caption (used by ``snakemake --report``). Statistical bars are the bootstrap 68 % band (or the
fit uncertainty without bootstrap), boxes the combined systematics of
``results/systematics/``; the T_AA normalisation of R_AA is the box at unity.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from hfe.core.catalogue import ResultsLayout
from hfe.core.config import flow_systems, pseudo_systems
from hfe.outputs.claims import has_paper_claims
from hfe.outputs.plotting import (
    COLORS,
    PT_LABEL,
    draw_band,
    draw_points,
    draw_status,
    energy_label,
    experiment_of,
    source_label,
    spectrum_label,
    status_label,
    system_label,
    typeset,
    use_style,
)
from hfe.tables.published import MeasurementTable, load_comparison, load_table


@dataclass
class Figure:
    kind: str
    build: Callable  # (config, FigureInputs, system or None) -> matplotlib Figure
    caption: str
    systems: str  # "all", "PbPb", "flow" (systems with a v2 analysis), "pseudo" (pseudo-data systems), "none" (one figure)
    # or "claims" (one figure where the paper's claims are evaluated: hfe.outputs.claims.has_paper_claims)


@dataclass(frozen=True)
class FigureInputs:
    """Where a figure reads its tables: the results under ``results``, with their combined
    uncertainties (systematics tables) for the paper figures, or the nominal fit results alone
    for the quick-look figures (drawn before the bootstrap and the variations have run)."""

    results: ResultsLayout
    with_systematics: bool = True

    def result(self, name: str) -> MeasurementTable:
        path = self.results.systematics_table(name) if self.with_systematics else self.results.result_table(name)
        return load_table(path)

    def fit_summary(self, system: str) -> dict:
        return json.loads(self.results.fit_summary(system).read_text())


def _total(table: MeasurementTable) -> tuple[np.ndarray, np.ndarray]:
    s, n, t = table.stat, table.syst, table.quadrature("norm")
    return np.sqrt(s[0] ** 2 + n[0] ** 2 + t[0] ** 2), np.sqrt(s[1] ** 2 + n[1] ** 2 + t[1] ** 2)


def _label(ax, config: dict, system: str, extra: str = "") -> None:
    """The system as the panel's left title and the status (pseudo-data or data, this analysis) as
    its right title: never over the data or the legend."""
    ax.set_title(system_label(system, config) + (f", {extra}" if extra else ""), loc="left")
    draw_status(ax, config, [system])


def hfe_label(config: dict, system: str) -> str:
    """Where the HFE of a system comes from: its published table's experiment, or pseudo-data."""
    table = config["decomposition"]["hfe_tables"].get(system)
    return f"{experiment_of(table)} data" if table else "pseudo-data"


def _two_panels(ratio_label: str):
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1], "hspace": 0.05}, figsize=(7, 7))
    bottom.set_xlabel(PT_LABEL)
    bottom.set_ylabel(ratio_label)
    return fig, top, bottom


def dmeson_fit(config: dict, inputs: FigureInputs, system: str):
    """D0 (and non-prompt D0) data with the global-fit model and pulls."""
    points = inputs.fit_summary(system)["points"]
    fig, top, bottom = _two_panels("pull")
    pp = config["systems"][system]["kind"] == "pp"
    # Pb-Pb: the published R_AA, fitted as R_AA (joint fit with pp, T_AA cancels)
    unit = r"d$\sigma$/d$p_{\mathrm{T}}$d$y$ ($\mu$b GeV$^{-1}c$)" if pp else r"$R_{\mathrm{AA}}$"
    decomposition = config["decomposition"]
    sources = {"D0": decomposition["d0_pp"] if pp else decomposition["d0_raa"][system],
               "nonprompt_D0": decomposition["nonprompt_pp"] if pp else decomposition["nonprompt_raa"].get(system)}
    for name, color, marker in (("D0", COLORS["charm"], "o"), ("nonprompt_D0", COLORS["beauty"], "s")):
        if name not in points:
            continue
        p = points[name]
        label = {"D0": r"prompt D$^0$", "nonprompt_D0": r"non-prompt D$^0$"}[name] + f" ({experiment_of(sources[name])})"
        draw_points(top, p["pt_low"], p["pt_high"], p["data"], (p["error"], p["error"]), label=label + " (stat+syst)", color=color, marker=marker)
        fit_label = f"{label.split(' (')[0]}: global fit"
        if np.allclose(p["pt_low"], p["pt_high"]):  # a table of points: the model at the points
            top.plot(p["pt_center"], p["model"], color=color, linewidth=1.5, marker="_", markersize=14, label=fit_label)
        else:
            top.stairs(p["model"], np.append(p["pt_low"], p["pt_high"][-1]), color=color, linewidth=1.5, label=fit_label, baseline=None)
        bottom.plot(0.5 * (np.asarray(p["pt_low"]) + p["pt_high"]), p["pull"], marker, color=color)
    top.set_yscale("log" if pp else "linear")
    top.set_ylabel(unit)
    top.legend(loc="upper right")
    _label(top, config, system)
    bottom.axhline(0, color="gray", linewidth=0.8)
    bottom.set_ylim(-4, 4)
    return fig


def hfe_components(config: dict, inputs: FigureInputs, system: str):
    """Measured HFE with the fitted c -> e and b -> e components and their sum."""
    hfe = inputs.fit_summary(system)["points"]["HFE"]
    fig, top, bottom = _two_panels("data / fit")
    for flavour, label in (("ctoe", r"c$\rightarrow$e"), ("btoe", r"b$\rightarrow$e")):
        t = inputs.result(f"{system}/{flavour}_spectrum")
        up, down = _total(t)
        draw_band(top, t.pt_low, t.pt_high, t.value, up, down, label=f"{label} (global fit)", color=COLORS["charm" if flavour == "ctoe" else "beauty"])
    draw_points(top, hfe["pt_low"], hfe["pt_high"], hfe["data"], (hfe["error"], hfe["error"]), label=f"HFE ({hfe_label(config, system)})", color="black")
    edges = np.append(hfe["pt_low"], hfe["pt_high"][-1])
    top.stairs(hfe["model"], edges, color="black", linewidth=1.2, linestyle="--", label=r"c$\rightarrow$e + b$\rightarrow$e", baseline=None)
    top.set_yscale("log")
    pp = config["systems"][system]["kind"] == "pp"
    top.set_ylabel(spectrum_label("pp" if pp else "PbPb"))
    top.legend(loc="upper right")
    _label(top, config, system, r"(e$^+$+e$^-$)/2")
    model = np.asarray(hfe["model"])
    shown = model > 0  # a fit whose b -> e goes below zero at high pT (within errors) has no ratio there
    ratio = np.asarray(hfe["data"])[shown] / model[shown]
    centre = (0.5 * (np.asarray(hfe["pt_low"]) + hfe["pt_high"]))[shown]
    bottom.errorbar(centre, ratio, yerr=np.asarray(hfe["error"])[shown] / model[shown], fmt="o", color="black", markersize=4)
    bottom.axhline(1, color="gray", linewidth=0.8)
    bottom.set_ylim(0.5, 1.5)
    return fig


def beauty_fraction(config: dict, inputs: FigureInputs, system=None):
    """f_b(pT) of every system."""
    fig, ax = plt.subplots()
    colors = ["black", COLORS["charm"], COLORS["beauty"], COLORS["data"], COLORS["extra"]]
    markers = ["o", "s", "^", "v", "D"]
    systems = list(config["systems"])
    for i, (color, marker, name) in enumerate(zip(colors, markers, systems)):
        t = inputs.result(f"{name}/beauty_fraction")
        shift = (i - (len(systems) - 1) / 2) * 0.12 * (t.pt_high - t.pt_low)  # side by side: the systems share the bins
        draw_points(ax, t.pt_low + shift, t.pt_high + shift, t.value, t.stat, t.syst, label=system_label(name, config).split(",")[0],
                    color=color, marker=marker)
    for system, specs in config["decomposition"]["comparisons"].items():  # measured fractions (PHENIX)
        for spec in (s for s in specs if s["quantity"] == "beauty_fraction"):
            table = load_comparison(spec)
            draw_points(ax, table.pt_low, table.pt_high, table.value, table.stat, table.syst, label=typeset(spec["name"]), color="gray",
                        marker="D", fill=False)
    draw_status(ax, config, systems)
    ax.set_xlabel(PT_LABEL)
    ax.set_ylabel(r"$f_b$ = (b$\rightarrow$e) / (c$\rightarrow$e + b$\rightarrow$e)")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right", title=energy_label(config) + rf", $|\eta|<{config['response']['electron_eta_max']:g}$")
    return fig


def _raa_panel(ax, config: dict, inputs: FigureInputs, system: str, specs: list, faint: bool = False) -> None:
    """Our R_AA of c -> e and b -> e, the T_AA box at unity and the published ``specs``."""
    for flavour, label, color, marker in (("ctoe", r"c$\rightarrow$e (this analysis)", COLORS["charm"], "o"),
                                          ("btoe", r"b$\rightarrow$e (this analysis)", COLORS["beauty"], "s")):
        t = inputs.result(f"{system}/raa_{flavour}")
        draw_points(ax, t.pt_low, t.pt_high, t.value, t.stat, None if faint else t.syst, label=label, color=color, marker=marker, fill=not faint)
    if not faint:
        norm = inputs.result(f"{system}/raa_ctoe").quadrature("norm")
        taa = float(np.nanmax(norm[0] / np.abs(inputs.result(f"{system}/raa_ctoe").value))) if np.any(norm[0] > 0) else (
            config["systems"][system]["taa_per_mb"]["error"] / config["systems"][system]["taa_per_mb"]["value"])
        ax.add_patch(plt.Rectangle((0.1, 1 - taa), 0.3, 2 * taa, color="gray", alpha=0.6, label=r"$\langle T_{\mathrm{AA}}\rangle$ uncertainty"))
    markers = itertools.cycle(["D", "^", "v", "P", "X", "*"])
    colors = itertools.cycle(["#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"])
    for spec in specs:
        table = load_comparison(spec)
        draw_points(ax, table.pt_low, table.pt_high, table.value, table.stat, table.syst, label=typeset(spec["name"]), color=next(colors),
                    marker=next(markers), fill=False)
    ax.axhline(1, color="gray", linewidth=0.8, linestyle=":")
    ax.set_xlabel(PT_LABEL)
    ax.set_ylabel(r"$R_{\mathrm{AA}}$")
    ax.set_ylim(0, 2.2)
    ax.set_xlim(0, None)
    ax.legend(loc="upper right", fontsize=8)


def nuclear_modification(config: dict, inputs: FigureInputs, system: str):
    """R_AA of c -> e and b -> e with the published comparisons of the same energy and centrality;
    comparisons of another energy or centrality (references) on a second panel, beside our
    points without their systematics."""
    specs = [s for s in config["decomposition"]["comparisons"].get(system, []) if s["quantity"] in ("raa_ctoe", "raa_btoe")]
    same = [s for s in specs if s.get("conditions", "same") == "same"]
    references = [s for s in specs if s.get("conditions") == "different"]
    if not references:
        fig, ax = plt.subplots()
        _raa_panel(ax, config, inputs, system, same)
        _label(ax, config, system)
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), sharey=True)
    fig.subplots_adjust(wspace=0.06, left=0.07, right=0.98)
    _raa_panel(left, config, inputs, system, same)
    _label(left, config, system)
    _raa_panel(right, config, inputs, system, references, faint=True)
    right.set_ylabel("")
    right.set_title("reference: other energy or centrality (not a test of equality)", loc="left", fontsize=10)
    return fig


def elliptic_flow(config: dict, inputs: FigureInputs, system: str):
    """D-meson v2 fit (left) and v2 of c -> e and b -> e with ALICE b -> e v2 and NCQ (right)."""
    flow = json.loads(inputs.results.flow_summary(system).read_text())
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    fig.subplots_adjust(wspace=0.22, left=0.085, right=0.98)
    d = flow["dmeson_v2_fit"]["points"]["D-meson v2"]
    draw_points(left, d["pt_low"], d["pt_high"], d["data"], (d["error"], d["error"]), label=f"{experiment_of(config['flow']['dmeson_v2'][system]['fit'])} D-meson " + r"$v_2$ (stat+syst)", color="black")
    left.stairs(d["model"], np.append(d["pt_low"], d["pt_high"][-1]), color=COLORS["charm"], linewidth=1.5, baseline=None, label="fit in " + {"ket": r"$KE_{\mathrm{T}}$", "pt": r"$p_{\mathrm{T}}$"}[flow["v2_variable"]])
    for comparison, spec in zip(flow["comparisons"], config["flow"]["comparisons"].get(system, [])):
        if comparison["quantity"] != "nonprompt_d0_v2":
            continue
        table = load_comparison(spec)
        lo, hi = np.asarray(comparison["pt_range"][0]), np.asarray(comparison["pt_range"][1])
        inside = (table.pt_low >= lo - 1e-9) & (table.pt_high <= hi + 1e-9)
        draw_points(left, table.pt_low, table.pt_high, table.value, table.stat, table.syst, label=typeset(spec["name"].split(",")[0]),
                    color=COLORS["beauty"], marker="s", fill=False)
        ours, error = np.asarray(comparison["ours"]), np.asarray(comparison["ours_error"])
        draw_band(left, table.pt_low[inside], table.pt_high[inside], ours, error, error,
                  label=rf"fitted B $v_2$ $\rightarrow$ non-prompt D$^0$ ($p$ = {comparison['p_value']:.2f})", color=COLORS["beauty"], alpha=0.25)
    hadrons = flow.get("hadron_v2")
    if hadrons:  # the B-meson v2: NCQ-scaled from the D-meson fit, and as the HFE v2 fit gives it
        pt = np.asarray(hadrons["pt"])
        meson = {"Bplus": r"B$^+$", "B0": r"B$^0$", "Bs": r"B$_s$"}.get(hadrons["beauty_species"], hadrons["beauty_species"])
        for key, label, color, style in (("beauty_ncq", f"{meson} $v_2$: NCQ-scaled D-meson fit", COLORS["ncq"], "--"),
                                         ("beauty_fitted", f"{meson} $v_2$: fitted to the HFE $v_2$", COLORS["beauty"], "-")):
            value, error = np.asarray(hadrons[key]["value"]), np.asarray(hadrons[key]["error"])
            left.plot(pt, value, color=color, linestyle=style, linewidth=1.5, label=label)
            left.fill_between(pt, value - error, value + error, color=color, alpha=0.15, linewidth=0)
    left.set_xlabel(PT_LABEL)
    left.set_ylabel(r"$v_2$ of hadrons")
    left.legend(loc="upper right", fontsize=9)
    _label(left, config, system)
    hfe = flow["global_fit"]["points"]["HFE v2"]
    draw_points(right, hfe["pt_low"], hfe["pt_high"], hfe["data"], (hfe["error"], hfe["error"]), color="black", marker="o", fill=False,
                label=f"HFE {hfe_label(config, system)} (stat+syst), fitted bins")
    # the bin-by-bin cross-check in a light colour, offset and without boxes: its large errors must
    # not hide the global fit (its systematics are in the systematics figure)
    for name, label, color, marker in (("btoe_v2_bin_by_bin", r"b$\rightarrow$e (bin by bin, cross-check)", "#ffbb78", "D"),
                                       ("ctoe_v2", r"c$\rightarrow$e", COLORS["charm"], "o"),
                                       ("btoe_v2_global_fit", r"b$\rightarrow$e (global fit)", COLORS["beauty"], "s")):
        t = inputs.result(f"{system}/{name}")
        cross_check = name == "btoe_v2_bin_by_bin"
        shift = 0.15 * (t.pt_high - t.pt_low) if cross_check else 0.0  # side by side with the global fit
        draw_points(right, t.pt_low + shift, t.pt_high + shift, t.value, t.stat, None if cross_check else t.syst, label=label, color=color,
                    marker=marker, fill=not cross_check)
    ncq = load_table(inputs.results.result_table(f"{system}/btoe_v2_ncq"))
    draw_band(right, ncq.pt_low, ncq.pt_high, ncq.value, ncq.stat[0], ncq.stat[1], label=r"b$\rightarrow$e, NCQ-scaled D $v_2$", color=COLORS["ncq"], alpha=0.25)
    for spec in config["flow"]["comparisons"].get(system, []):
        if spec["quantity"] != "btoe_v2":
            continue
        table = load_comparison(spec)
        draw_points(right, table.pt_low, table.pt_high, table.value, table.stat, table.syst, label=typeset(spec["name"]), color="black", marker="^",
                    fill=False)
    window = flow["ncq_deviation"]["pt_range"]
    right.axvspan(*window, color="gray", alpha=0.08, label=f"NCQ test window {window[0]:g}–{window[1]:g} GeV/c")
    right.axhline(0, color="gray", linewidth=0.8, linestyle=":")
    right.set_xlabel(PT_LABEL)
    right.set_ylabel(r"$v_2$ of electrons")
    right.set_ylim(-0.15, 0.35)
    right.legend(loc="upper right", fontsize=8.5)
    draw_status(right, config, [system])
    right.set_title(r"heavy-flavour decay electrons", loc="left", fontsize=10)
    return fig


def closure(config: dict, inputs: FigureInputs, system: str):
    """Extracted c -> e and b -> e against the truth of the pseudo-data."""
    fig, top, bottom = _two_panels("extracted / truth")
    for flavour, label, color in (("ctoe", r"c$\rightarrow$e", COLORS["charm"]), ("btoe", r"b$\rightarrow$e", COLORS["beauty"])):
        truth = load_table(inputs.results.measurement(system, f"truth_{flavour}_spectrum"))
        t = inputs.result(f"{system}/{flavour}_spectrum")
        up, down = _total(t)
        draw_band(top, t.pt_low, t.pt_high, t.value, up, down, label=f"{label} extracted", color=color)
        n = min(len(truth), len(t))
        draw_points(top, truth.pt_low[:n], truth.pt_high[:n], truth.value[:n], truth.stat, label=f"{label} truth", color=color, marker="o", fill=False)
        shown = truth.value[:n] > 0  # a bin without truth electrons has no ratio
        ratio = t.value[:n][shown] / truth.value[:n][shown]
        centre = 0.5 * (t.pt_low[:n] + t.pt_high[:n])[shown]
        bottom.errorbar(centre, ratio, yerr=up[:n][shown] / truth.value[:n][shown], fmt="o", color=color, markersize=4)
    top.set_yscale("log")
    top.set_ylabel(spectrum_label(config["systems"][system]["kind"]))
    top.legend(loc="upper right")
    _label(top, config, system, "closure test")
    bottom.axhline(1, color="gray", linewidth=0.8)
    bottom.set_ylim(0.5, 1.5)
    return fig


SYSTEMATICS_TITLES = {"btoe_spectrum": r"b$\rightarrow$e spectrum", "beauty_fraction": r"$f_b$", "raa_btoe": r"$R_{\mathrm{AA}}$ (b$\rightarrow$e)",
                      "btoe_v2_global_fit": r"$v_2$ (b$\rightarrow$e), global fit"}


def systematic_breakdown(config: dict, inputs: FigureInputs, system: str):
    """Uncertainty per source of the key results of a system: relative for spectra, f_b and
    R_AA; absolute for v2 (a relative uncertainty of a v2 near zero is meaningless)."""
    names = ["btoe_spectrum", "beauty_fraction"] + (["raa_btoe"] if config["systems"][system]["kind"] == "PbPb" else [])
    names += ["btoe_v2_global_fit"] if system in flow_systems(config) else []
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 4.5), squeeze=False)
    tables = {name: inputs.result(f"{system}/{name}") for name in names}
    components = list(dict.fromkeys(c for t in tables.values() for c in t.uncertainties))
    color = {c: plt.cm.tab10(i % 10) for i, c in enumerate(components)}  # one colour per source in every panel
    for ax, name in zip(axes[0], names):
        t = tables[name]
        edges = np.append(t.pt_low, t.pt_high[-1])
        absolute = "_v2" in name
        scale = np.ones(len(t)) if absolute else 100 * np.where(t.value != 0, 1.0 / np.abs(t.value), np.nan)
        for component, u in t.uncertainties.items():
            size = np.maximum(u.up, u.down) * scale
            if not np.any(size > 0):
                continue  # a source that does not move this result
            ax.stairs(size, edges, linewidth=1.3, baseline=None, linestyle="--" if u.kind == "stat" else "-", label=source_label(component),
                      color=color[component])
        ax.set_title(SYSTEMATICS_TITLES.get(name, name), fontsize=11)
        ax.set_xlabel(PT_LABEL)
        ax.set_ylabel(r"absolute uncertainty of $v_2$" if absolute else "relative uncertainty (%)")
        ax.set_yscale("log")
    entries = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.suptitle(f"{system_label(system, config)}; {status_label(config, [system])}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1.0 - 2.2 / fig.get_figwidth(), 1))  # room for the legend: about 2.2 inches
    fig.legend(list(entries.values()), list(entries), loc="center right", fontsize=9, title="source")
    return fig


def paper_claims(config: dict, inputs: FigureInputs, system=None):
    """The paper's claims in one figure (``results/claims.json``): top, the window averages the
    claims 1-3 are about (R_AA of c -> e and b -> e, their ratio) with their total error and the
    null value 1; bottom, the p-value of every test of every claim, coloured by verdict."""
    claims = json.loads((Path(inputs.results.root) / "claims.json").read_text())["claims"]
    rows = [(claim, test) for claim in claims for test in claim["tests"]]
    valued = [(claim, test) for claim, test in rows if "value" in test]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 0.3 * (len(rows) + len(valued)) + 2.5),
                                      gridspec_kw={"height_ratios": [max(len(valued), 1) + 1, len(rows) + 1]})
    fig.subplots_adjust(left=0.47, right=0.97, hspace=0.35, top=0.93, bottom=0.07)
    names = {"raa_ctoe": r"$R_{\mathrm{AA}}$(c$\rightarrow$e)", "raa_btoe": r"$R_{\mathrm{AA}}$(b$\rightarrow$e)",
             "raa_ratio": r"$R_{\mathrm{AA}}$(b$\rightarrow$e)/$R_{\mathrm{AA}}$(c$\rightarrow$e)"}

    def centrality(name):
        return system_label(name, config).split(",")[0]

    def color(test):
        return COLORS["data"] if test["verdict"] == "supported" else "gray"

    labels = []
    for y, (claim, test) in enumerate(valued):
        top.errorbar(test["value"], y, xerr=test["error"], fmt="o", color=color(test), capsize=3)
        low, high = test["pt_range"]
        labels.append(f"claim {claim['claim']} ({claim['version']}): " + r"$\langle$" + names[claim["observable"]] + r"$\rangle$"
                      + f" {low:g}-{high:g} GeV/c, {centrality(test['system'])}")
    top.set_yticks(range(len(valued)), labels, fontsize=8)
    top.tick_params(axis="y", which="minor", left=False, right=False)
    top.axvline(1.0, color="black", linestyle=":", linewidth=1)
    top.set_ylim(len(valued) - 0.5, -0.5)
    top.set_xlim(0, max(2.0, max((t["value"] + t["error"] for _, t in valued), default=1.0) * 1.1))
    top.set_xlabel("window average with its total error (null value 1)", fontsize=10)
    draw_status(top, config, list(config["systems"]))
    floor = 1e-12
    labels = []
    for y, (claim, test) in enumerate(rows):
        bottom.plot(max(test["p_value"], floor), y, "<" if test["p_value"] < floor else "o", color=color(test), markersize=6)
        what = test.get("what") or test.get("name") or test.get("test", "")
        if "claimed_cl" in test:
            what = f"claimed CL {test['claimed_cl']:g}: {what}"
        labels.append(f"claim {claim['claim']} ({claim['version']}), {centrality(test['system'])}: {typeset(what)}")
    bottom.set_yticks(range(len(rows)), [label if len(label) < 90 else label[:87] + "..." for label in labels], fontsize=7.5)
    bottom.tick_params(axis="y", which="minor", left=False, right=False)
    bottom.axvline(0.05, color="black", linestyle=":", linewidth=1)
    bottom.set_xscale("log")
    bottom.set_xlim(floor / 3, 2.0)
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    bottom.set_xlabel(f"p-value of each test (green: claim supported; dotted: 0.05; < {floor:g} drawn at {floor:g})", fontsize=10)
    fig.suptitle(f"Claims of arXiv:2110.08769 tested on this analysis ({energy_label(config)})", x=0.02, ha="left", fontsize=12)
    return fig


FIGURES = {
    "dmeson_fit": Figure("dmeson_fit", dmeson_fit, "Prompt and non-prompt D0 data used in the global fit of {system}, with the fitted model (steps) and pulls.", "all"),
    "hfe_components": Figure("hfe_components", hfe_components, "HFE spectrum of {system} with the c->e and b->e components of the global fit (bands: stat and syst in quadrature) and their sum; lower panel: data/fit.", "all"),
    "beauty_fraction": Figure("beauty_fraction", beauty_fraction, "Beauty fraction f_b of heavy-flavour decay electrons in every system; bars: statistical (bootstrap), boxes: systematic.", "none"),
    "raa": Figure("raa", nuclear_modification, "R_AA of c->e and b->e electrons in {system} compared with ALICE, STAR and PHENIX; the grey box at unity is the T_AA normalisation uncertainty. Published data of another energy or centrality are on the right-hand panel, as a reference, not a test of equality.", "PbPb"),
    "v2": Figure("v2", elliptic_flow, "Left: D-meson v2 with the fit, the B-meson v2 NCQ-scaled from it and as fitted to the HFE v2 (bands: full propagated error), and the fitted B-hadron v2 decayed to non-prompt D0 where measured. Right: v2 of c->e and b->e electrons in {system} (global fit; the bin-by-bin subtraction as a light cross-check without its systematic boxes), the NCQ expectation and the published b->e v2.", "flow"),
    "closure": Figure("closure", closure, "Closure test in {system}: c->e and b->e extracted from the pseudo-data compared with their generated truth.", "pseudo"),
    "claims": Figure("claims", paper_claims, "The claims of arXiv:2110.08769 tested on this analysis: top, the window averages of R_AA(c->e), R_AA(b->e) and their ratio (total error: fit covariance, one correlated term per systematic source, T_AA) against the null value 1; bottom, the p-value of every test of every claim (green: supported; dotted: p = 0.05; full definitions in results/claims.json and results/summary.md).", "claims"),
    "systematics": Figure("systematics", systematic_breakdown, "Statistical (dashed) and systematic uncertainties per source of the key results in {system}: relative for spectra, f_b and R_AA, absolute for v2.", "all"),
}


QUICKLOOK_KINDS = ("dmeson_fit", "hfe_components", "beauty_fraction", "raa", "v2", "closure")  # no systematics needed


def figure_names(config: dict, kinds=tuple(FIGURES)) -> list[str]:
    """Every figure of the config (of the given kinds): ``<kind>`` or ``<kind>_<system>``."""
    names = []
    for kind, spec in ((k, FIGURES[k]) for k in kinds):
        if spec.systems == "none" or (spec.systems == "claims" and has_paper_claims(config)):
            names.append(kind)
            continue
        if spec.systems == "claims":
            continue
        chosen = {"all": list(config["systems"]), "flow": flow_systems(config), "pseudo": pseudo_systems(config)}.get(
            spec.systems, [s for s, setup in config["systems"].items() if setup["kind"] == spec.systems])
        names += [f"{kind}_{system}" for system in chosen]
    return names


def split_name(name: str) -> tuple[str, str | None]:
    for kind in sorted(FIGURES, key=len, reverse=True):
        if name == kind:
            return kind, None
        if name.startswith(kind + "_"):
            return kind, name[len(kind) + 1 :]
    raise KeyError(f"unknown figure '{name}' (kinds: {list(FIGURES)})")


def caption(name: str) -> str:
    kind, system = split_name(name)
    return FIGURES[kind].caption.format(system=system or "all systems")


def draw(name: str, config: dict, inputs: FigureInputs, stem: str | Path, png_dpi: int) -> list[Path]:
    """Build figure ``name`` from ``inputs`` and save it as ``stem``.pdf/.png (PNG at ``png_dpi``)."""
    from hfe.outputs.plotting import save

    use_style()
    kind, system = split_name(name)
    return save(FIGURES[kind].build(config, inputs, system), stem, png_dpi)
