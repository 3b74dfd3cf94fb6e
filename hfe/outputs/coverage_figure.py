"""Figure of the fit-level toys' coverage (results/toys/coverage.json, :mod:`hfe.coverage.summary`):
per system, the coverage of the quoted 68 % interval (top) and the mean pull (bottom) per pT bin
and observable, with the nominal 0.683 and the toys' statistical precision as a band."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hfe.outputs.plotting import PT_LABEL, plt, save, system_label, use_style

LABELS = {
    "ctoe_spectrum": r"c$\to$e", "btoe_spectrum": r"b$\to$e", "beauty_fraction": r"$f_b$",
    "raa_ctoe": r"$R_{AA}$ c$\to$e", "raa_btoe": r"$R_{AA}$ b$\to$e", "raa_ratio": r"$R_{AA}$ ratio",
}


def coverage_figure(summary: Mapping, stem, png_dpi: int = 300) -> None:
    """Draw ``stem``.pdf/.png from a coverage summary."""
    use_style()
    systems = list(summary["systems"])
    fig, axes = plt.subplots(2, len(systems), figsize=(4.2 * len(systems), 6.5), sharex=True, squeeze=False)
    nominal = summary["nominal_coverage"]
    for column, system in enumerate(systems):
        entry = summary["systems"][system]
        top, bottom = axes[0, column], axes[1, column]
        n = entry["p_values"]["n"] or 1
        top.axhspan(nominal - np.sqrt(nominal * (1 - nominal) / n), nominal + np.sqrt(nominal * (1 - nominal) / n), color="0.85")
        top.axhline(nominal, color="0.4", linewidth=1)
        bottom.axhspan(-1 / np.sqrt(n), 1 / np.sqrt(n), color="0.85")
        bottom.axhline(0.0, color="0.4", linewidth=1)
        for index, (name, observable) in enumerate(entry["observables"].items()):
            bins = observable["bins"]
            centre = 0.5 * (np.asarray(bins["pt_low"]) + np.asarray(bins["pt_high"]))
            shift = (index - 2.5) * 0.04 * (np.asarray(bins["pt_high"]) - np.asarray(bins["pt_low"]))
            top.plot(centre + shift, bins["coverage"], "o-", markersize=3, linewidth=0.8, label=LABELS.get(name, name))
            bottom.plot(centre + shift, bins["mean_pull"], "o-", markersize=3, linewidth=0.8)
        top.set_title(system_label(system) + f"\n{entry['n_toys']} toys, {entry['n_failed']} failed", fontsize=9)
        means = [abs(m) for o in entry["observables"].values() for m in o["bins"]["mean_pull"] if m is not None and np.isfinite(m)]
        covered = [c for o in entry["observables"].values() for c in o["bins"]["coverage"] if c is not None and np.isfinite(c)]
        top.set_ylim(min([0.4, *covered]) - 0.05, 1.03)
        limit = max([0.6, *means]) * 1.15
        bottom.set_ylim(-limit, limit)
        bottom.set_xlabel(PT_LABEL)
        bottom.legend(*top.get_legend_handles_labels(), fontsize=7, ncol=3, loc="lower left")
    axes[0, 0].set_ylabel("coverage of the 68 % interval")
    axes[1, 0].set_ylabel("mean pull")
    fig.tight_layout()
    save(fig, stem, png_dpi)
