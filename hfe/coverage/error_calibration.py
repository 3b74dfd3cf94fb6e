"""Toy calibration of the quoted fit errors: a significant bias removed, too-small errors widened.

The fit's quoted errors are linear (HESSE covariance propagated to each result). Where the toys
show that they do not cover (``hfe.coverage.summary``), the results get an explicit correction
measured on the toys. Per system and observable, from the pulls of the bins inside
``toys.pt_range`` pooled over every toy:

    shift b = mean pull if it differs from 0 by at least SIGNIFICANCE of its error, else 0
    scale k = max(1, 68.27 % quantile of |pull - b|)
    calibrated value = value - b * error,   calibrated error = k * error

i.e. a measured bias is removed and the interval widened until it holds 68.27 % of the toys. A
quoted error is never shrunk (k >= 1): one truth's toys are not a reason to claim more precision
than the fit's covariance. The error of b is the spread of the toys' mean pulls over the bins /
sqrt(n toys) (the bins of one toy are correlated); the error of k a bootstrap over the toys (rows
resampled, fixed seed). Whether the quoted errors met the targets of the coverage study
(coverage 0.683 +- 0.03, |mean pull| < 0.1) is recorded with them.

**Cross-validation.** The toys are split into halves (first and second half of the indices);
each toy's pulls are calibrated with the calibration measured on the other half, and the
coverage, mean pull and width of these held-out calibrated pulls say how well the procedure
does on toys it has not seen (each half has half the statistics of the applied calibration).

The calibration is a property of the configuration it was measured with (truth, fit model,
tables); it is applied to the nominal results of the same configuration only
(:func:`write_calibrated_table`), inside ``toys.pt_range``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from hfe.coverage.expectation import read_true_observables
from hfe.coverage.summary import MIN_TOYS_PER_BIN, NOMINAL_COVERAGE, bin_pulls, inside_range, observable_coverage, toys_by_system
from hfe.tables.published import load_csv_table, table_header, write_table_csv

COVERAGE_TOLERANCE = 0.03  # target: coverage 0.68 +- 0.03
MAX_MEAN_PULL = 0.1  # target: |mean pull| < 0.1
SIGNIFICANCE = 2.0  # a mean pull is removed when it is at least this many errors from 0
BOOTSTRAP_RESAMPLES = 400
BOOTSTRAP_SEED = 20261203


def meets_target(pulls: np.ndarray) -> bool:
    """Whether pooled pulls (NaN ignored) meet the coverage and mean-pull targets."""
    finite = pulls[np.isfinite(pulls)]
    coverage = float(np.mean(np.abs(finite) < 1.0))
    return abs(coverage - NOMINAL_COVERAGE) <= COVERAGE_TOLERANCE and abs(float(np.mean(finite))) < MAX_MEAN_PULL


def shift_with_error(pulls: np.ndarray) -> tuple[float, float]:
    """Mean pull of (n toys, n bins) pulls and its error from the spread of the toys' mean pulls."""
    per_toy = np.nanmean(pulls, axis=1)
    return float(np.nanmean(pulls)), float(np.std(per_toy, ddof=1) / np.sqrt(len(per_toy)))


def scale_for(pulls: np.ndarray, shift: float) -> float:
    """k of the module docstring: max(1, 68.27 % quantile of |pull - shift|)."""
    finite = pulls[np.isfinite(pulls)]
    return max(1.0, float(np.quantile(np.abs(finite - shift), NOMINAL_COVERAGE)))


def shift_and_scale(pulls: np.ndarray) -> tuple[float, float]:
    """(b, k) of the module docstring from (n toys, n bins) pulls."""
    mean, mean_error = shift_with_error(pulls)
    shift = mean if abs(mean) >= SIGNIFICANCE * mean_error else 0.0
    return shift, scale_for(pulls, shift)


def measure_calibration(pulls: np.ndarray) -> dict:
    """Calibration of one observable from its toys' pulls, (n toys, n bins) inside the pT range:
    shift, scale, their errors and the quoted errors' coverage and mean pull."""
    mean, mean_error = shift_with_error(pulls)
    shift, scale = shift_and_scale(pulls)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resampled = [scale_for(pulls[rng.integers(0, len(pulls), len(pulls))], shift) for _ in range(BOOTSTRAP_RESAMPLES)]
    finite = pulls[np.isfinite(pulls)]
    return {
        "applied": bool(shift != 0.0 or scale != 1.0),
        "shift": shift,
        "shift_error": mean_error,
        "scale": scale,
        "scale_error": float(np.std(resampled)),
        "quoted_coverage": float(np.mean(np.abs(finite) < 1.0)),
        "quoted_mean_pull": mean,
        "quoted_meets_target": meets_target(pulls),
        "n_toys": int(len(pulls)),
    }


def calibrated_pulls(pulls: np.ndarray, shift: float, scale: float) -> np.ndarray:
    """Pulls of the calibrated results: (pull - b) / k."""
    return (pulls - shift) / scale


def calibrate_observable(pulls: np.ndarray, low, high) -> dict:
    """Calibration of one observable from the pulls of every toy (toys x bins inside the pT
    range, bins ``low``/``high``) and its cross-validation on the two halves of the toys."""
    entry = measure_calibration(pulls)
    half = len(pulls) // 2
    if half >= 1:
        first, second = pulls[:half], pulls[half:]
        held_out = np.vstack([calibrated_pulls(first, *shift_and_scale(second)), calibrated_pulls(second, *shift_and_scale(first))])
        entry["cross_validation"] = _averages(observable_coverage(held_out, low, high, min(MIN_TOYS_PER_BIN, len(pulls))))
    return entry


def _averages(coverage: Mapping) -> dict:
    """The averages of :func:`observable_coverage` and its per-bin coverage and mean pull."""
    out = {k: coverage[k] for k in ("coverage", "mean_pull", "pull_width", "max_abs_mean_pull", "worst_bin", "bins_used") if k in coverage}
    out["bins"] = {k: coverage["bins"][k] for k in ("pt_low", "pt_high", "n_toys", "coverage", "mean_pull")}
    return out


def calibration_summary(expected: Mapping, batches: Sequence[Mapping], pt_range, count: int) -> dict:
    """The calibration of every system and observable from toys ``0 .. count - 1``."""
    systems = {}
    for system, toys in toys_by_system(batches, count, expected["observables"]).items():
        low, high, truth = read_true_observables(expected, system)
        inside = inside_range(low, high, pt_range)
        entry = {}
        for name, values in truth.items():
            pulls = bin_pulls(toys, name, np.asarray(values, float))[:, inside]
            if np.isfinite(pulls).any():
                entry[name] = calibrate_observable(pulls, low[inside], high[inside])
        systems[system] = {"calibration": entry}
    return {
        "description": "toy calibration of the quoted fit errors (hfe/coverage/error_calibration.py): calibrated value = value - shift x error, "
        "calibrated error = scale x error, inside pt_range; cross_validation: each half of the toys calibrated with the other half",
        "pt_range": list(pt_range),
        "toys": count,
        "systems": systems,
    }


def calibrate_values(value, error, low, high, calibration: Mapping, pt_range) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated (value, error) of a result table: value - b error and k error in the bins inside
    ``pt_range`` (GeV/c; where the calibration was measured), unchanged outside."""
    value, error = np.asarray(value, float), np.asarray(error, float)
    inside = inside_range(low, high, pt_range)
    return (np.where(inside, value - calibration["shift"] * error, value),
            np.where(inside, calibration["scale"] * error, error))


def write_calibrated_table(nominal: str | Path, output: str | Path, summary: Mapping, system: str, observable: str) -> None:
    """The nominal result table ``nominal`` of ``system``/``observable`` with its calibration from
    ``summary`` (:func:`calibration_summary`) applied, written to ``output`` with its header."""
    try:
        calibration = summary["systems"][system]["calibration"][observable]
    except KeyError:
        raise KeyError(f"error calibration: no calibration of {system}/{observable} (toys of this system and observable missing)") from None
    table = load_csv_table(nominal)
    error = table.symmetric_stat
    value, calibrated = calibrate_values(table.value, error, table.pt_low, table.pt_high, calibration, summary["pt_range"])
    low, high = summary["pt_range"]
    header = table_header(nominal)
    header["error_columns"] = (f"stat_err_plus/_minus: fit uncertainty x {calibration['scale']:.4f} in {low:g}-{high:g} GeV/c "
                               "(toy calibration); outside, the fit uncertainty as quoted")
    header["error_calibration"] = (
        f"value - ({calibration['shift']:+.4f} +- {calibration['shift_error']:.4f}) x fit error, fit error x "
        f"({calibration['scale']:.4f} +- {calibration['scale_error']:.4f}), in {low:g}-{high:g} GeV/c; measured on {summary['toys']} toys "
        f"of this configuration (hfe/coverage/error_calibration.py; results/toys/error_calibration.md); the uncalibrated result: {nominal}"
    )
    write_table_csv(output, header, table.pt_low, table.pt_high, value, calibrated)


def calibration_markdown(summary: Mapping) -> list[str]:
    """Markdown table of the calibration of every system and observable with its cross-validation."""
    lines = [
        "| system | observable | quoted: coverage, mean pull, target met | shift b | scale k | "
        "cross-validated (halves): coverage, mean pull, width |",
        "|---|---|---|---|---|---|",
    ]
    for system, entry in summary["systems"].items():
        for name, cal in entry.get("calibration", {}).items():
            shift = f"{cal['shift']:+.3f} ± {cal['shift_error']:.3f}" if cal["shift"] else f"0 (mean {cal['quoted_mean_pull']:+.3f} ± {cal['shift_error']:.3f})"
            check = cal.get("cross_validation", {})
            lines.append(
                f"| {system} | {name} | {cal['quoted_coverage']:.3f}, {cal['quoted_mean_pull']:+.3f}, {'yes' if cal['quoted_meets_target'] else 'no'} | "
                f"{shift} | {cal['scale']:.3f} ± {cal['scale_error']:.3f} | "
                + (f"{check['coverage']:.3f}, {check['mean_pull']:+.3f}, {check['pull_width']:.3f} |" if "coverage" in check else "— |")
            )
    return lines
