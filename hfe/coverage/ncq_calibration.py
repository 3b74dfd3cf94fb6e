"""Calibration of the NCQ test: its false-positive rate when beauty follows NCQ exactly.

The world of the calibration is the nominal analysis with an exactly-NCQ beauty v2: the D-meson
v2 is the nominal D-only fit, the decomposition its nominal fit, and the HFE v2 the one the v2
model predicts with the NCQ amplitude 1 (``ncq_asimov_hfe_v2`` of the nominal ``flow.json``).
Each toy draws every input of the v2 analysis from its own uncertainty — the HFE v2 points and
the D-meson v2 table from their covariances (:func:`hfe.stats.toy_tables.draw_toy_table`), the
decomposition parameters from the fit's covariance (its sampling distribution) — and runs the
v2 analysis unchanged. Under this hypothesis the p-values of the NCQ tests are uniform if the
test is calibrated: the fraction of toys with CL = 1 - p above 0.68 / 0.90 / 0.95 must be
0.32 / 0.10 / 0.05 within binomial errors. Toy k is seeded by (seed, "ncq", k, system).
The systematic terms of the claims table are not part of this calibration (they are
variations, not fluctuations). The same toys calibrate the nominal tests: their toy-calibrated
p-value is the fraction of toys with a quoted p-value at most the nominal one
(:func:`calibrated_p_value`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

from hfe.core.seeds import derive_seed
from hfe.coverage.summary import fraction_with_error
from hfe.decomposition.settings import DecompositionSettings
from hfe.fitting.curve_fits import FitError
from hfe.flow.analysis import flow_of_system
from hfe.stats.covariance import chi2 as covariance_chi2
from hfe.stats.toy_tables import draw_toy_table
from hfe.tables.published import MeasurementTable

CONFIDENCE_LEVELS = (0.68, 0.90, 0.95)
TESTS = ("bin_by_bin", "global_fit")
# v2 results whose coverage the toys measure, and their truth in the exactly-NCQ world
V2_OBSERVABLES = {"ctoe_v2": "ctoe_v2", "btoe_v2_global_fit": "btoe_v2_ncq", "btoe_v2_bin_by_bin": "btoe_v2_ncq"}


def drawn_decomposition(summary: dict, seed: int, toy: int, system: str) -> dict:
    """The decomposition fit summary with its parameters drawn from the fit covariance."""
    rng = np.random.default_rng(derive_seed(seed, "ncq", toy, system, "decomposition"))
    names = summary["names"]
    mean = np.array([summary["parameters"][n] for n in names])
    draw = rng.multivariate_normal(mean, np.asarray(summary["covariance"]), method="eigh")
    return {**summary, "parameters": dict(zip(names, map(float, draw)))}


def run_ncq_toy(
    toy: int,
    seed: int,
    system,
    flow_settings,
    decomposition_settings: DecompositionSettings,
    hfe_v2: MeasurementTable,
    nominal_flow: dict,
    decomposition: dict,
    responses: Mapping,
    inputs,
) -> dict:
    """One toy: p-values and amplitude of the NCQ tests (``valid`` False when a fit failed)."""
    correlation = decomposition_settings.systematic_correlation
    asimov = nominal_flow["ncq_asimov_hfe_v2"]
    usable = np.isfinite(hfe_v2.value) & (hfe_v2.symmetric_stat > 0)
    table = hfe_v2.select(usable)
    if not np.allclose(table.pt_low, asimov["low"]):
        raise ValueError(f"{system.name}: the HFE v2 bins differ from those of the nominal flow.json ({asimov['low']})")
    toy_hfe = draw_toy_table(table, np.asarray(asimov["value"]), correlation, derive_seed(seed, "ncq", system.name), "hfe_v2", toy)
    d_table = inputs.dmeson_v2[system.name]
    d_expected = np.asarray(nominal_flow["dmeson_v2_fit"]["points"]["D-meson v2"]["model"])
    toy_d = draw_toy_table(d_table, d_expected, correlation, derive_seed(seed, "ncq", system.name), "dmeson_v2", toy)
    electrons, dzero, flows, dzero_flows = responses["electron"], responses["dzero"], responses["electron_flow"], responses["dzero_flow"]
    try:
        result = flow_of_system(system, flow_settings, decomposition_settings, toy_hfe, drawn_decomposition(decomposition, seed, toy, system.name),
                                electrons, dzero, flows, inputs.with_tables({f"dmeson_v2_{system.name}": toy_d}), dzero_flows)
    except FitError as error:
        return {"toy": toy, "valid": False, "error": str(error).splitlines()[0]}
    ncq = result["summary"]["ncq_deviation"]
    out = {"toy": toy, "valid": True, **{f"{t}_p_value": ncq[t]["p_value"] for t in TESTS},
           "bin_by_bin_residual": ncq["bin_by_bin"]["residual"],
           "tables": {name: [np.asarray(v).tolist() for v in result["tables"][name]] for name in V2_OBSERVABLES}}
    if "amplitude" in ncq["global_fit"]:
        out.update(amplitude=ncq["global_fit"]["amplitude"], amplitude_error=ncq["global_fit"]["amplitude_error"])
    return out


def tested(p_values) -> np.ndarray:
    """The finite p-values: a NaN is a toy without a bin to test (every f_b below
    flow.min_beauty_fraction)."""
    p_values = np.asarray(p_values, dtype=float)
    return p_values[np.isfinite(p_values)]


def false_positive_rates(p_values: np.ndarray) -> dict:
    """Fraction of toys whose CL = 1 - p exceeds each level, with its binomial error, against
    the nominal 1 - level; the Kolmogorov-Smirnov p-value of the p-values' uniformity."""
    finite = tested(p_values)
    untested, p_values, n = len(p_values) - len(finite), finite, len(finite)
    rates = {}
    for level in CONFIDENCE_LEVELS:
        rate = float(np.mean(1 - p_values > level)) if n else float("nan")
        nominal = 1 - level
        rates[f"{level:.2f}"] = {"rate": rate, "nominal": nominal, "error": float(np.sqrt(nominal * (1 - nominal) / n)) if n else float("nan")}
    return {"toys": n, "untested": untested, "rates": rates, "ks_uniform_p_value": float(stats.kstest(p_values, "uniform").pvalue) if n > 1 else float("nan")}


def calibrated_p_value(observed: float, toy_p_values: np.ndarray) -> dict:
    """The toy-calibrated p-value of an observed test: the fraction of toys of the hypothesis
    (beauty exactly NCQ) whose quoted p-value is at most the observed one, with its binomial
    error; CL = 1 - p. Where the quoted p-values are not uniform under the hypothesis (a
    conservative or too tight covariance), this is the p-value the quoted one stands for."""
    toy_p_values = tested(toy_p_values)
    n = len(toy_p_values)
    if n == 0 or not np.isfinite(observed):
        return {"quoted_p_value": float(observed), "p_value": float("nan"), "error": float("nan"), "confidence_level": float("nan"), "toys": n}
    p, error = fraction_with_error(toy_p_values <= observed)
    return {"quoted_p_value": float(observed), "p_value": p, "error": error, "confidence_level": 1.0 - p, "toys": n}


def v2_coverage(toys: list[dict], truths: Mapping[str, np.ndarray], low: np.ndarray, high: np.ndarray, pt_range: tuple[float, float]) -> dict:
    """Per v2 observable: mean pull, pull width and coverage of the quoted (full-covariance)
    error over the toys, averaged over the bins inside ``pt_range`` (the truth: c -> e v2 of the
    nominal D-meson v2 fit, b -> e v2 = the NCQ band), and the worst bin."""
    inside = (low >= pt_range[0] - 1e-9) & (high <= pt_range[1] + 1e-9)
    out = {}
    for name, truth_name in V2_OBSERVABLES.items():
        values = np.array([t["tables"][name][0] for t in toys])
        errors = np.array([t["tables"][name][1] for t in toys])
        with np.errstate(invalid="ignore", divide="ignore"):
            pulls = (values - truths[truth_name]) / errors
        usable = inside & np.all(np.isfinite(pulls), axis=0)
        if not usable.any():
            continue
        mean, width = pulls.mean(axis=0)[usable], pulls.std(axis=0, ddof=1)[usable]
        coverage = np.mean(np.abs(pulls) < 1, axis=0)[usable]
        worst = int(np.argmax(np.abs(coverage - 0.683)))
        out[name] = {"bins": int(usable.sum()), "mean_pull": float(mean.mean()), "pull_width": float(width.mean()), "coverage": float(coverage.mean()),
                     "worst_bin": {"pt": [float(low[usable][worst]), float(high[usable][worst])], "coverage": float(coverage[worst]), "mean_pull": float(mean[worst])}}
    return out


def chi2_check(toys: list[dict], nominal_test: dict) -> dict:
    """The nominal bin-by-bin NCQ chi2 with the propagated covariance against the same chi2 with
    the covariance of the toys' residuals (brute force: every input redrawn, the analysis rerun).
    Only toys that test the nominal's bins count: a toy whose f_b falls below
    ``flow.min_beauty_fraction`` in a window bin tests fewer bins."""
    nominal = np.asarray(nominal_test["residual"], dtype=float)
    toys = [t for t in toys if len(t["bin_by_bin_residual"]) == len(nominal)]
    residuals = np.array([t["bin_by_bin_residual"] for t in toys]).reshape(len(toys), len(nominal))
    if len(toys) < 5 * max(len(nominal), 1):  # a sample covariance needs many more toys than dimensions
        return {"n_toys": len(toys), "note": f"not computed: {len(toys)} toys for a {len(nominal)}-dimensional covariance"}
    propagated = covariance_chi2(nominal, np.asarray(nominal_test["residual_covariance"], dtype=float))
    brute_force = covariance_chi2(nominal, np.cov(residuals, rowvar=False))
    return {"propagated": float(propagated), "toys": float(brute_force), "ratio": float(propagated / brute_force), "n_toys": len(toys)}


def calibration_summary(batches: Mapping[str, list[dict]], count: int, nominal: Mapping[str, dict] | None = None,
                        pt_range: tuple[float, float] = (1.0, 8.0)) -> dict:
    """Per system and test: false-positive rates and uniformity; amplitude pull (A - 1)/sigma_A;
    with the nominal flow summaries (``nominal[system]``), the coverage of the v2 results.
    Every toy 0..count-1 must be present exactly once."""
    out = {}
    for system, toys in batches.items():
        indices = sorted(t["toy"] for t in toys)
        if indices != list(range(count)):
            raise ValueError(f"{system}: NCQ calibration toys {indices[:5]}... are not 0..{count - 1} exactly once")
        valid = [t for t in toys if t["valid"]]
        entry = {"toys": count, "failed": count - len(valid)}
        for test in TESTS:
            entry[test] = false_positive_rates(np.array([t[f"{test}_p_value"] for t in valid]))
        pulls = np.array([(t["amplitude"] - 1) / t["amplitude_error"] for t in valid if "amplitude" in t])
        if len(pulls):
            entry["amplitude_pull"] = {"mean": float(pulls.mean()), "width": float(pulls.std(ddof=1)) if len(pulls) > 1 else float("nan")}
        if nominal and system in nominal and len(valid) > 1:
            observed = nominal[system]["ncq_deviation"]
            entry["calibrated"] = {test: calibrated_p_value(observed[test]["p_value"], np.array([t[f"{test}_p_value"] for t in valid]))
                                   for test in TESTS if "p_value" in observed.get(test, {})}
            entry["chi2_check"] = chi2_check(valid, observed["bin_by_bin"])
            world = nominal[system]["ncq_asimov_hfe_v2"]
            truths = {name: np.asarray(world[name]) for name in ("ctoe_v2", "btoe_v2_ncq")}
            entry["v2_coverage"] = v2_coverage(valid, truths, np.asarray(world["low"]), np.asarray(world["high"]), pt_range)
        out[system] = entry
    return out


def calibration_markdown(summary: dict) -> str:
    lines = ["# NCQ test calibration (beauty exactly NCQ)", "",
             "Fraction of toys whose CL = 1 − p exceeds each level (false positives), nominal 1 − level ± binomial error; "
             "KS: p-value of the uniformity of the test's p-values (hfe/coverage/ncq_calibration.py).", "",
             "| system | test | toys | CL > 0.68 | CL > 0.90 | CL > 0.95 | KS p | amplitude pull mean / width |", "|---|---|---|---|---|---|---|---|"]
    for system, entry in summary.items():
        for test in TESTS:
            r = entry[test]
            cells = [f"{r['rates'][k]['rate']:.3f} ({r['rates'][k]['nominal']:.2f} ± {r['rates'][k]['error']:.3f})" for k in ("0.68", "0.90", "0.95")]
            pull = entry.get("amplitude_pull") if test == "global_fit" else None
            pull_text = f"{pull['mean']:+.2f} / {pull['width']:.2f}" if pull else "—"
            toys = f"{r['toys']}" + (f" (+{r['untested']} without a bin to test)" if r.get("untested") else "")
            lines.append(f"| {system} | {test} | {toys} | " + " | ".join(cells) + f" | {r['ks_uniform_p_value']:.3f} | {pull_text} |")
    calibrated = [(system, test, c) for system, entry in summary.items() for test, c in entry.get("calibrated", {}).items()]
    if calibrated:
        lines += ["", "## The nominal NCQ tests with toy-calibrated CL", "",
                  "Calibrated p = fraction of the toys (beauty exactly NCQ) whose quoted p-value is at most the nominal one.", "",
                  "| system | test | quoted p (CL) | calibrated p ± error (CL) |", "|---|---|---|---|"]
        lines += [f"| {system} | {test} | {c['quoted_p_value']:.3f} ({1 - c['quoted_p_value']:.3f}) | "
                  f"{c['p_value']:.3f} ± {c['error']:.3f} ({c['confidence_level']:.3f}) |" for system, test, c in calibrated]
    checks = [(system, entry["chi2_check"]) for system, entry in summary.items() if "propagated" in entry.get("chi2_check", {})]
    if checks:
        lines += ["", "## The bin-by-bin NCQ χ² with the propagated covariance against brute force", "",
                  "| system | χ² (propagated covariance) | χ² (covariance of the toys' residuals) | ratio |", "|---|---|---|---|"]
        lines += [f"| {system} | {c['propagated']:.2f} | {c['toys']:.2f} | {c['ratio']:.2f} |" for system, c in checks]
    coverage = [(system, name, c) for system, entry in summary.items() for name, c in entry.get("v2_coverage", {}).items()]
    if coverage:
        lines += ["", "## Coverage of the v2 results in the same toys", "",
                  "Truth: c→e v2 of the nominal D-meson v2 fit, b→e v2 = the NCQ band; quoted error: the full propagated covariance.", "",
                  "| system | observable | bins | mean pull | pull width | coverage | worst bin |", "|---|---|---|---|---|---|---|"]
        for system, name, c in coverage:
            w = c["worst_bin"]
            lines.append(f"| {system} | {name} | {c['bins']} | {c['mean_pull']:+.2f} | {c['pull_width']:.2f} | {c['coverage']:.3f} | "
                         f"{w['pt'][0]:g}–{w['pt'][1]:g}: {w['coverage']:.2f} ({w['mean_pull']:+.2f}) |")
    return "\n".join(lines) + "\n"
