"""Figure of the fit-level toys' coverage (results/toys/coverage.json, :mod:`hfe.coverage.summary`):
per system, the coverage of the quoted 68 % interval (top) and the mean pull (middle) per pT bin
and observable over every toy, and (bottom) the cross-validated coverage of the calibrated
results: each half of the toys calibrated with the other half (results/toys/error_calibration.json,
:mod:`hfe.coverage.error_calibration`); the nominal 0.683 and the toys' statistical precision as
bands."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hfe.outputs.plotting import PT_LABEL, plt, save, system_label, use_style

LABELS = {
    "ctoe_spectrum": r"c$\to$e", "btoe_spectrum": r"b$\to$e", "beauty_fraction": r"$f_b$",
    "raa_ctoe": r"$R_{AA}$ c$\to$e", "raa_btoe": r"$R_{AA}$ b$\to$e", "raa_ratio": r"$R_{AA}$ ratio",
}


def _coverage_band(axis, nominal: float, n: int) -> None:
    half = np.sqrt(nominal * (1 - nominal) / max(n, 1))
    axis.axhspan(nominal - half, nominal + half, color="0.85")
    axis.axhline(nominal, color="0.4", linewidth=1)


def _per_bin(axis, observables: Mapping, key: str, label: bool = False) -> list[float]:
    """One line per observable of ``bins[key]`` against pT (observables offset a little in pT);
    returns the finite values drawn."""
    drawn = []
    for index, (name, bins) in enumerate(observables.items()):
        centre = 0.5 * (np.asarray(bins["pt_low"]) + np.asarray(bins["pt_high"]))
        shift = (index - 2.5) * 0.04 * (np.asarray(bins["pt_high"]) - np.asarray(bins["pt_low"]))
        values = np.asarray([np.nan if v is None else v for v in bins[key]], dtype=float)
        axis.plot(centre + shift, values, "o-", markersize=3, linewidth=0.8, label=LABELS.get(name, name) if label else None)
        drawn += values[np.isfinite(values)].tolist()
    return drawn


def coverage_figure(summary: Mapping, stem, png_dpi: int = 300, calibration: Mapping | None = None) -> None:
    """Draw ``stem``.pdf/.png from a coverage summary and, if given, the error calibration
    (a third row: the cross-validated coverage of the calibrated results)."""
    use_style()
    systems = list(summary["systems"])
    rows = 2 if calibration is None else 3
    fig, axes = plt.subplots(rows, len(systems), figsize=(4.2 * len(systems), 3.25 * rows), sharex=True, squeeze=False)
    nominal = summary["nominal_coverage"]
    for column, system in enumerate(systems):
        entry = summary["systems"][system]
        top, middle = axes[0, column], axes[1, column]
        n = entry["p_values"]["n"] or 1
        _coverage_band(top, nominal, n)
        middle.axhspan(-1 / np.sqrt(n), 1 / np.sqrt(n), color="0.85")
        middle.axhline(0.0, color="0.4", linewidth=1)
        observables = {name: o["bins"] for name, o in entry["observables"].items()}
        covered = _per_bin(top, observables, "coverage", label=True)
        means = np.abs(_per_bin(middle, observables, "mean_pull"))
        top.set_title(system_label(system) + f"\n{entry['n_toys']} toys, {entry['n_failed']} failed", fontsize=9)
        top.set_ylim(min([0.4, *covered]) - 0.05, 1.03)
        limit = max([0.6, *means]) * 1.15
        middle.set_ylim(-limit, limit)
        middle.legend(*top.get_legend_handles_labels(), fontsize=7, ncol=3, loc="lower left")
        if calibration is not None:
            bottom = axes[2, column]
            checks = {name: c["cross_validation"]["bins"] for name, c in calibration["systems"][system]["calibration"].items()
                      if "cross_validation" in c}
            _coverage_band(bottom, nominal, n)
            calibrated = _per_bin(bottom, checks, "coverage")
            bottom.set_ylim(min([0.4, *calibrated]) - 0.05, 1.03)
            bottom.text(0.03, 0.06, "calibrated, cross-validated on halves of the toys", transform=bottom.transAxes, fontsize=7)
        axes[-1, column].set_xlabel(PT_LABEL)
    axes[0, 0].set_ylabel("coverage of the 68 % interval")
    axes[1, 0].set_ylabel("mean pull")
    if calibration is not None:
        axes[2, 0].set_ylabel("coverage, calibrated")
    fig.tight_layout()
    save(fig, stem, png_dpi)
