"""Coverage of the fit-level toys: per system, observable and bin, the pulls of the toys.

pull = (fitted - true) / quoted fit error (the ``stat`` column of the result tables: the global
fit's covariance propagated). Per bin: mean pull, pull width (standard deviation), coverage =
fraction of toys with |pull| < 1 (the quoted 68.3 % interval covers the truth). Per
observable: the averages over bins with enough toys and the worst bin. The fit p-values of the
valid toys are tested for uniformity (Kolmogorov-Smirnov); failed fits are counted.

The statistical error of a coverage c from n toys is sqrt(c (1 - c) / n) (0.021 for n = 500),
of a mean pull about 1/sqrt(n).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from hfe.coverage.expectation import read_true_observables

NOMINAL_COVERAGE = float(stats.norm.cdf(1.0) - stats.norm.cdf(-1.0))  # 0.6827
MIN_TOYS_PER_BIN = 20


def bin_pulls(toys: Sequence[Mapping], observable: str, truth: np.ndarray) -> np.ndarray:
    """(n valid toys, n bins) pulls of one observable; NaN where a toy has no error."""
    rows = []
    for toy in toys:
        if not toy["valid"] or observable not in toy["results"]:
            continue
        value = np.asarray(toy["results"][observable]["value"], dtype=float)
        error = np.asarray(toy["results"][observable]["error"], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rows.append(np.where(error > 0, (value - truth) / error, np.nan))
    return np.array(rows).reshape(len(rows), len(truth))


def observable_coverage(pulls: np.ndarray, low, high, min_toys: int = MIN_TOYS_PER_BIN) -> dict:
    """Per-bin mean pull, width, coverage and their averages over the bins with at least
    ``min_toys`` finite pulls, with the worst bin (largest |coverage - 0.683|)."""
    finite = np.isfinite(pulls)
    n = finite.sum(axis=0)
    masked = np.where(finite, pulls, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = masked.sum(axis=0) / n
        width = np.sqrt(np.where(finite, (pulls - mean) ** 2, 0.0).sum(axis=0) / np.maximum(n - 1, 1))
        coverage = np.where(finite, np.abs(pulls) < 1.0, False).sum(axis=0) / n
    used = n >= min_toys
    per_bin = {
        "pt_low": list(map(float, low)), "pt_high": list(map(float, high)), "n_toys": n.tolist(),
        "mean_pull": mean.tolist(), "pull_width": width.tolist(), "coverage": coverage.tolist(),
    }
    if not used.any():
        return {"bins": per_bin, "bins_used": 0}
    worst = int(np.flatnonzero(used)[np.argmax(np.abs(coverage[used] - NOMINAL_COVERAGE))])
    return {
        "bins": per_bin,
        "bins_used": int(used.sum()),
        "mean_pull": float(np.mean(mean[used])),
        "max_abs_mean_pull": float(np.max(np.abs(mean[used]))),
        "pull_width": float(np.mean(width[used])),
        "coverage": float(np.mean(coverage[used])),
        "worst_bin": {"pt_low": float(low[worst]), "pt_high": float(high[worst]), "coverage": float(coverage[worst]),
                      "mean_pull": float(mean[worst]), "n_toys": int(n[worst])},
    }


def inside_range(low, high, pt_range) -> np.ndarray:
    """Bins [low, high] inside ``pt_range`` (GeV/c; every bin if None)."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    if pt_range is None:
        return np.ones(len(low), bool)
    return (low >= pt_range[0] - 1e-9) & (high <= pt_range[1] + 1e-9)


def system_coverage(toys: Sequence[Mapping], truth: Mapping[str, np.ndarray], low, high, pt_range=None) -> dict:
    """Coverage of every observable of one system, restricted to the bins inside ``pt_range``
    (GeV/c) if given, and the uniformity of its fit p-values."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    inside = inside_range(low, high, pt_range)
    min_toys = min(MIN_TOYS_PER_BIN, len(toys))  # a short test run still summarises its bins
    observables = {
        name: observable_coverage(bin_pulls(toys, name, np.asarray(values, float))[:, inside], low[inside], high[inside], min_toys)
        for name, values in truth.items()
    }
    p_values = np.array([t["p_value"] for t in toys if t["valid"]], dtype=float)
    chi2 = np.array([t["chi2"] for t in toys if t["valid"]], dtype=float)
    ks = stats.kstest(p_values, "uniform") if len(p_values) > 1 else None
    statuses = [t.get("covariance_status", "not recorded") for t in toys if t["valid"]]
    return {
        "n_toys": len(toys),
        "n_failed": sum(not t["valid"] for t in toys),
        "covariance_status": {status: statuses.count(status) for status in sorted(set(statuses))},
        "p_values": {
            "n": int(len(p_values)),
            "mean": float(np.mean(p_values)) if len(p_values) else float("nan"),
            "ks_statistic": float(ks.statistic) if ks else float("nan"),
            "ks_p_value": float(ks.pvalue) if ks else float("nan"),
            "test": "Kolmogorov-Smirnov of the fit p-values (chi2 of the fit's covariance) against uniform on [0, 1]",
            # the toys' mean chi2 against the ndf: an effective ndf where the fit is not linear
            "mean_chi2": float(np.mean(chi2)) if len(chi2) else float("nan"),
            "mean_chi2_error": float(np.std(chi2, ddof=1) / np.sqrt(len(chi2))) if len(chi2) > 1 else float("nan"),
            "ndf": int(next(t["ndf"] for t in toys if t["valid"])) if len(chi2) else None,
        },
        "observables": observables,
    }


def coverage_markdown(summary: Mapping) -> list[str]:
    """Markdown table: per system and observable, coverage, mean pull, width, worst bin."""
    lines = [
        "| system | observable | bins | coverage | mean pull | pull width | worst bin (GeV/c): coverage, mean pull |",
        "|---|---|---|---|---|---|---|",
    ]
    for system, entry in summary["systems"].items():
        for name, obs in entry["observables"].items():
            if not obs.get("bins_used"):
                continue
            worst = obs["worst_bin"]
            lines.append(
                f"| {system} | {name} | {obs['bins_used']} | {obs['coverage']:.3f} | {obs['mean_pull']:+.3f} | {obs['pull_width']:.3f} | "
                f"{worst['pt_low']:g}–{worst['pt_high']:g}: {worst['coverage']:.3f}, {worst['mean_pull']:+.3f} |"
            )
    lines += ["", "| system | toys | failed | fit covariance (MIGRAD/HESSE) | mean p | KS p-value (p-values uniform) | mean chi2 / ndf | "
              "nominal fit: chi2, toy-calibrated p |", "|---|---|---|---|---|---|---|---|"]
    for system, entry in summary["systems"].items():
        p = entry["p_values"]
        statuses = ", ".join(f"{k}: {v}" for k, v in entry.get("covariance_status", {}).items())
        nominal = entry.get("nominal_fit")
        calibrated = f"{nominal['chi2']:.1f}, {nominal['p_value']:.3f} ± {nominal['error']:.3f}" if nominal else "—"
        lines.append(f"| {system} | {entry['n_toys']} | {entry['n_failed']} | {statuses} | {p['mean']:.3f} | {p['ks_p_value']:.3g} | "
                     f"{p['mean_chi2']:.1f} ± {p['mean_chi2_error']:.1f} / {p['ndf']} | {calibrated} |")
    return lines


def toys_by_system(batches: Sequence[Mapping], count: int, systems) -> dict[str, list]:
    """The toys of each of ``systems`` present in ``batches`` in index order (any batching);
    every index 0..count-1 must be there exactly once per system."""
    by_system: dict[str, list] = {}
    for batch in batches:
        by_system.setdefault(batch["system"], []).extend(batch["toys"])
    ordered = {}
    for system in [s for s in systems if s in by_system]:
        toys = sorted(by_system[system], key=lambda t: t["toy"])
        indices = [t["toy"] for t in toys]
        if indices != list(range(count)):
            raise ValueError(f"{system}: toy batches hold toys {indices[:5]}..., expected each of 0..{count - 1} once")
        ordered[system] = toys
    return ordered


def fraction_with_error(flags: np.ndarray) -> tuple[float, float]:
    """Fraction of true ``flags`` and its binomial error; a fraction of 0 or 1 has no binomial
    spread, so the resolution 1/n is quoted instead (at least 1/n)."""
    n = len(flags)
    p = float(np.mean(flags))
    return p, float(max(np.sqrt(p * (1 - p) / n), 1.0 / n))


def toy_calibrated_fit_p_value(chi2: float, toys: Sequence[Mapping]) -> dict:
    """The nominal fit's p-value calibrated on the toys: the fraction of valid toys with a chi2
    at least the nominal's, with its binomial error (:func:`fraction_with_error`)."""
    toy_chi2 = np.array([t["chi2"] for t in toys if t["valid"]], dtype=float)
    p, error = fraction_with_error(toy_chi2 >= chi2)
    return {"chi2": float(chi2), "p_value": p, "error": error, "toys": len(toy_chi2),
            "test": "fraction of toys (drawn from the fit's covariance around the truth) with chi2 >= the nominal fit's"}


def coverage_summary(expected: Mapping, batches: Sequence[Mapping], pt_range, count: int,
                     nominal_chi2: Mapping[str, float] | None = None) -> dict:
    """The coverage of every system from the toy batches (:func:`toys_by_system`) and, with the
    nominal fits' chi2 by system, their toy-calibrated p-values."""
    systems = {}
    for system, toys in toys_by_system(batches, count, expected["observables"]).items():
        low, high, truth = read_true_observables(expected, system)
        systems[system] = system_coverage(toys, truth, low, high, pt_range)
        if nominal_chi2 and system in nominal_chi2:
            systems[system]["nominal_fit"] = toy_calibrated_fit_p_value(nominal_chi2[system], toys)
    return {
        "description": "coverage of the fit-level toys (hfe/coverage/summary.py): pull = (fit - truth) / quoted fit error",
        "pt_range": list(pt_range),
        "nominal_coverage": NOMINAL_COVERAGE,
        "systems": systems,
    }
