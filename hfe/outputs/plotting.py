"""Drawing conventions of the paper figures (matplotlib + mplhep).

Data points: markers at the bin centre with vertical statistical bars; systematic uncertainties
as open boxes of 80 % of the bin width; model curves and derived components as bands over the
bins (stat and syst in quadrature). Figures are written as PDF and PNG, each under a temporary
name then renamed.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mplhep as hep  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from hfe.core.config import is_published  # noqa: E402
from hfe.tables.published import table_header  # noqa: E402

PT_LABEL = r"$p_{\mathrm{T}}$ (GeV/$c$)"
COLORS = {"charm": "#1f77b4", "beauty": "#d62728", "hfe": "black", "data": "#2ca02c", "ncq": "#9467bd", "extra": "#ff7f0e"}


def use_style() -> None:
    hep.style.use("ALICE")
    plt.rcParams.update({
        "figure.figsize": (7.0, 6.0), "legend.fontsize": 9, "axes.labelsize": 14, "font.size": 12,
        "xtick.labelsize": 12, "ytick.labelsize": 12, "axes.titlesize": 11, "axes.titlelocation": "left",
    })


def energy_label(config: dict | None, system: str | None = None) -> str:
    """'√s_NN = 5.02 TeV' (pp: '√s') from ``systems.<system>.sqrt_s_nn_gev`` (default 5020 GeV;
    without a system: the first system's)."""
    systems = (config or {}).get("systems", {})
    setup = systems.get(system) or next(iter(systems.values()), {}) if systems else {}
    gev = setup.get("sqrt_s_nn_gev", 5020)
    value = f"{gev / 1000:g} TeV" if gev >= 1000 else f"{gev:g} GeV"
    pp_only = setup.get("kind") == "pp" if system else all(s.get("kind") == "pp" for s in systems.values())
    symbol = r"$\sqrt{s}$" if pp_only else r"$\sqrt{s_{\mathrm{NN}}}$"
    return f"{symbol} = {value}"


def system_label(system: str, config: dict | None = None) -> str:
    """'pp, √s = 5.02 TeV, |η|<0.8' or 'Pb–Pb 0–10 %, √s_NN = 5.02 TeV, |η|<0.8'; a system's
    ``label`` in the config replaces the part before the energy."""
    setup = (config or {}).get("systems", {}).get(system, {})
    eta = (config or {}).get("response", {}).get("electron_eta_max", 0.8)
    if "label" in setup:
        name = setup["label"].replace("-", "$-$")
    elif system.startswith("PbPb") or setup.get("kind") == "PbPb":
        centrality = system.split("_", 1)[1] if "_" in system else ""
        name = rf"Pb$-$Pb {centrality.replace('-', '$-$')}%"
    else:
        name = "pp"
    kind = setup.get("kind", "PbPb" if system.startswith("PbPb") else "pp")
    return f"{name}, {energy_label({'systems': {system: {**setup, 'kind': kind}}}, system)}, " + rf"$|\eta|<{eta:g}$"


def typeset(text: str) -> str:
    """A legend label with physics symbols typeset: '->' as an arrow, R_AA, v2, D0, Lambda_c."""
    replacements = ((" -> ", r" $\rightarrow$ "), ("->", r"$\rightarrow$"), ("R_AA", r"$R_{\mathrm{AA}}$"), (" v2", r" $v_2$"),
                    ("D0", r"D$^0$"), ("Lambda_c", r"$\Lambda_c$"), ("f_b", r"$f_b$"))
    for plain, symbol in replacements:
        text = text.replace(plain, symbol)
    return text


SOURCE_LABELS = {  # systematic sources (variations.<name>.source) in words
    "stat": "statistical", "fit_inputs": "fit inputs (tables, responses)", "spectrum_shape": "spectrum shape", "lambda_c_fraction": r"$\Lambda_c$ fraction",
    "raa_shape": r"$R_{\mathrm{AA}}$ shape", "fit_range": "fit range", "taa": r"$\langle T_{\mathrm{AA}}\rangle$",
    "systematic_correlation": r"syst. correlation in $p_{\mathrm{T}}$", "nonprompt_constraint": r"non-prompt D$^0$ constraint",
    "dmeson_v2_fit": r"D-meson $v_2$ fit", "lambda_c_v2": r"$\Lambda_c$ $v_2$", "decay_tables": "decay branching ratios",
    "method": "method (global fit vs bin by bin)", "centrality_mismatch": r"D$^0$ centrality class",
    "beauty_raa_shape": r"b $R_{\mathrm{AA}}$ shape",
}


def source_label(component: str) -> str:
    name = component.removeprefix("sys_")
    return SOURCE_LABELS.get(name, name.replace("_", " "))


def experiment_of(spec) -> str:
    """The experiment of a published table (its ``# experiment:`` header; a combination of
    classes: that of its first table)."""
    path = spec["from_classes"][0]["table"] if isinstance(spec, dict) else spec
    return table_header(path).get("experiment", "published").split()[0]


def status_label(config: dict | None, systems) -> str:
    """What the figure shows, ALICE style: 'pseudo-data, this analysis' or, where every shown
    system reads published tables, 'PHENIX, STAR data, this analysis' (its HFE and D0 tables)."""
    if config is None:
        return "this analysis"
    systems = [s for s in systems if s in config.get("systems", {})]
    if not systems or any(not is_published(config, s) for s in systems):
        return "pseudo-data, this analysis"
    decomposition = config["decomposition"]
    d0 = {s: decomposition.get("d0_pp") if config["systems"][s]["kind"] == "pp" else decomposition.get("d0_raa", {}).get(s) for s in systems}
    tables = [decomposition["hfe_tables"][s] for s in systems] + [spec for spec in d0.values() if spec]
    return f"{', '.join(sorted({experiment_of(t) for t in tables}))} data, this analysis"


def draw_status(ax, config: dict | None, systems) -> None:
    """The status label as the panel's right-hand title (the system is the left-hand one)."""
    ax.set_title(status_label(config, systems), loc="right", fontsize=9, style="italic")


def spectrum_label(kind: str) -> str:
    """The y label of an electron spectrum: a cross section (pp) or a per-event yield (Pb-Pb)."""
    if kind == "pp":
        return r"d$\sigma$/d$p_{\mathrm{T}}$d$\eta$ ($\mu$b GeV$^{-1}c$)"
    return r"(1/$N_{\mathrm{ev}}$) d$N$/d$p_{\mathrm{T}}$d$\eta$ (GeV$^{-1}c$)"


def draw_points(ax, low, high, value, stat, syst=None, label=None, color="black", marker="o", fill=True):
    """Points with statistical bars (``stat``: (up, down)) and open systematic boxes."""
    low, high, value = map(np.asarray, (low, high, value))
    centre = 0.5 * (low + high)
    ax.errorbar(centre, value, yerr=[np.asarray(stat[1]), np.asarray(stat[0])], fmt=marker, color=color, label=label,
                markersize=5, mfc=color if fill else "none", capsize=0, linestyle="none", zorder=3)
    if syst is not None:
        width = 0.8 * (high - low)
        for x, w, v, up, down in zip(centre, width, value, syst[0], syst[1]):
            if np.isfinite(v) and (up > 0 or down > 0):
                ax.add_patch(Rectangle((x - w / 2, v - down), w, up + down, fill=False, edgecolor=color, linewidth=1.0, zorder=2))


def draw_band(ax, low, high, value, up, down, label=None, color="gray", alpha=0.35):
    """A band over the bins (value +up -down) with its central line."""
    edges = np.append(low, np.asarray(high)[-1])
    step = lambda x: np.append(x, np.asarray(x)[-1])  # noqa: E731
    ax.fill_between(edges, step(np.asarray(value) - down), step(np.asarray(value) + up), step="post", color=color, alpha=alpha,
                    linewidth=0, label=label)
    ax.step(edges, step(value), where="post", color=color, linewidth=1.2)


def save(fig, stem: str | Path, png_dpi: int = 300) -> list[Path]:
    """Write ``stem.pdf`` (vector) and ``stem.png`` (``png_dpi``) atomically; close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".pdf", ".png"):
        target = stem.with_suffix(suffix)
        tmp = target.with_name(target.stem + ".part" + suffix)
        fig.savefig(tmp, dpi=png_dpi if suffix == ".png" else None, metadata={"CreationDate": None} if suffix == ".pdf" else {"Software": None})
        os.replace(tmp, target)
        written.append(target)
    plt.close(fig)
    return written
