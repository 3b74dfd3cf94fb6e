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
variations, not fluctuations).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

from hfe.core.seeds import derive_seed
from hfe.decomposition.settings import DecompositionSettings
from hfe.fitting.curve_fits import FitError
from hfe.flow.analysis import flow_of_system
from hfe.stats.toy_tables import draw_toy_table
from hfe.tables.published import MeasurementTable

CONFIDENCE_LEVELS = (0.68, 0.90, 0.95)
TESTS = ("bin_by_bin", "global_fit")


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
    out = {"toy": toy, "valid": True, **{f"{t}_p_value": ncq[t]["p_value"] for t in TESTS}}
    if "amplitude" in ncq["global_fit"]:
        out.update(amplitude=ncq["global_fit"]["amplitude"], amplitude_error=ncq["global_fit"]["amplitude_error"])
    return out


def false_positive_rates(p_values: np.ndarray) -> dict:
    """Fraction of toys whose CL = 1 - p exceeds each level, with its binomial error, against
    the nominal 1 - level; the Kolmogorov-Smirnov p-value of the p-values' uniformity."""
    p_values = np.asarray(p_values, dtype=float)
    n = len(p_values)
    rates = {}
    for level in CONFIDENCE_LEVELS:
        rate = float(np.mean(1 - p_values > level)) if n else float("nan")
        nominal = 1 - level
        rates[f"{level:.2f}"] = {"rate": rate, "nominal": nominal, "error": float(np.sqrt(nominal * (1 - nominal) / n)) if n else float("nan")}
    return {"toys": n, "rates": rates, "ks_uniform_p_value": float(stats.kstest(p_values, "uniform").pvalue) if n > 1 else float("nan")}


def calibration_summary(batches: Mapping[str, list[dict]], count: int) -> dict:
    """Per system and test: false-positive rates and uniformity; amplitude pull (A - 1)/sigma_A.
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
            lines.append(f"| {system} | {test} | {r['toys']} | " + " | ".join(cells) + f" | {r['ks_uniform_p_value']:.3f} | {pull_text} |")
    return "\n".join(lines) + "\n"
