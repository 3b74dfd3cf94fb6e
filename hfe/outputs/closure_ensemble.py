"""Closure over an ensemble of pseudo-data samples of one truth (results/closure/ensemble.json).

One closure run (:mod:`hfe.outputs.closure`) is one pseudo-data sample: the pulls of a fitted
curve move together, so its mean pull scatters by several tenths from sample to sample even for
an unbiased method, and the largest |pull| of ten bins exceeds 3 in a few per cent of samples.
The bias is a property of the method, measured on K samples of the same truth
(``pseudo_data.sample`` = 0 ... K-1: independent events, same decay libraries, responses and
truth). Per system and observable, bins in the closure's pT range:

* bins: those closed in every sample;
* ``mean``: the mean pull over samples and bins, ``mean_error`` the standard deviation of the
  samples' mean pulls / sqrt(K) (K >= 2);
* ``bin_means``: each bin's pull averaged over the samples, the bias of that bin in units of one
  sample's error; ``max_abs_bin_mean`` the largest of them;
* ``width``: the sample-to-sample spread of the pulls, pooled over the bins,
  sqrt(sum (pull - bin mean)^2 / (bins (K - 1))): 1 where the closure's error (fit error (+)
  truth MC error) is the spread of fit - truth; below 1 where it is larger (the fit and the
  truth count the same events, so their errors are partly correlated, and the pseudo-data
  input tables are not fluctuated), so the criterion below is then conservative;
* ``above_3``: single-sample pulls with |pull| > 3, against ``expected_above_3``, what pulls of
  unit width would give (2 Phi(-3) = 0.27 % of them);
* ``closes``: |mean| < 0.5 and max_abs_bin_mean < 3 (the closure criterion, docs/coverage.md),
  judged on the pulls with model systematics (``with_model``, the same statistics) where the
  summaries have them (``closure.model_variations``), else on the pulls with the fit error
  (``closes_fit_error`` keeps that verdict).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.stats import norm

from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.errors import AnalysisInputError

MEAN_PULL_LIMIT = 0.5
BIN_PULL_LIMIT = 3.0
TAIL_FRACTION = 2.0 * norm.sf(3.0)  # |pull| > 3 for a unit Gaussian


class EnsembleError(AnalysisInputError):
    """Closure summaries that do not form an ensemble of one truth."""


def _same(summaries: Sequence[Mapping], paths: Sequence[str], key: str) -> None:
    for summary, path in zip(summaries[1:], paths[1:]):
        if summary.get(key) != summaries[0].get(key):
            raise EnsembleError(f"{path}: '{key}' differs from {paths[0]}'s: the samples of an ensemble share one truth, seed and inputs")


def _statistics(pulls: np.ndarray) -> dict:
    """Ensemble statistics of pulls (sample, bin) of one observable."""
    k = len(pulls)
    sample_means = pulls.mean(axis=1)
    bin_means = pulls.mean(axis=0)
    return {
        "sample_means": sample_means.tolist(),
        "sample_max_abs": np.abs(pulls).max(axis=1).tolist(),
        "mean": float(sample_means.mean()),
        "mean_error": float(sample_means.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan"),
        "bin_means": bin_means.tolist(),
        "max_abs_bin_mean": float(np.abs(bin_means).max()),
        "width": float(np.sqrt(((pulls - bin_means) ** 2).sum() / (pulls.shape[1] * (k - 1)))) if k > 1 else float("nan"),
        "above_3": int((np.abs(pulls) > 3.0).sum()),
        "expected_above_3": float(TAIL_FRACTION * pulls.size),
        "n_pulls": int(pulls.size),
        "closes": bool(abs(sample_means.mean()) < MEAN_PULL_LIMIT and np.abs(bin_means).max() < BIN_PULL_LIMIT),
    }


def _observable(entries: Sequence[Mapping], where: str) -> dict:
    """Ensemble statistics of one observable over the bins closed in every sample (a bin whose
    truth is empty in one sample drops out of that sample's closure): of the pulls with the fit
    error, and (``with_model``) of the pulls with model systematics where the summaries have them;
    ``closes`` judges the latter where present."""
    common = sorted(set.intersection(*(set(entry["pt_low"]) for entry in entries)))
    if not common:
        raise EnsembleError(f"{where}: no bin is closed in every sample")

    def pulls(key: str) -> np.ndarray:  # (sample, bin)
        return np.array([[entry[key][entry["pt_low"].index(low)] for low in common] for entry in entries], dtype=float)

    out = {"pt_low": common, "pt_high": [entries[0]["pt_high"][entries[0]["pt_low"].index(low)] for low in common],
           "samples": len(entries), **_statistics(pulls("pulls"))}
    out["closes_fit_error"] = out["closes"]
    if all("pulls_with_model" in entry for entry in entries):
        out["with_model"] = _statistics(pulls("pulls_with_model"))
        out["closes"] = out["with_model"]["closes"]
    return out


def closure_ensemble(summaries: Sequence[Mapping], paths: Sequence[str]) -> dict:
    """The ensemble of closure summaries (one per pseudo-data sample, ``paths`` name them in
    errors): same truth, seed, input tables and pT range, distinct samples, same bins."""
    if not summaries:
        raise EnsembleError("no closure summary given")
    for key in ("truth", "seed", "input_tables", "pt_range", "model_variations"):
        _same(summaries, paths, key)
    samples = [summary.get("sample") for summary in summaries]
    for path, sample in zip(paths, samples):
        if sample is None:
            raise EnsembleError(f"{path}: no 'sample' key (a summary written before pseudo_data.sample existed)")
    if len(set(samples)) != len(samples):
        raise EnsembleError(f"pseudo-data samples {samples} of {list(paths)} repeat: an ensemble needs independent samples")
    systems = {}
    for system, observables in summaries[0]["systems"].items():
        systems[system] = {}
        for name in observables:
            where = f"{system}/{name}"
            missing = [path for summary, path in zip(summaries, paths) if name not in summary["systems"].get(system, {})]
            if missing:
                raise EnsembleError(f"{missing[0]}: no closure of {where}")
            systems[system][name] = _observable([summary["systems"][system][name] for summary in summaries], where)
    return {
        "description": "closure over pseudo-data samples of one truth (hfe/outputs/closure_ensemble.py): mean = mean pull "
        "over samples and bins (error: spread of the samples' mean pulls / sqrt(K)); bin_means = pull per bin averaged "
        f"over the samples; closes = |mean| < {MEAN_PULL_LIMIT} and every |bin mean| < {BIN_PULL_LIMIT}, for the pulls with "
        "model systematics (with_model) where the summaries have them, else for the pulls with the fit error "
        "(closes_fit_error)",
        "pt_range": summaries[0]["pt_range"],
        "seed": summaries[0]["seed"],
        "samples": samples,
        "summaries": [str(path) for path in paths],
        "truth": summaries[0]["truth"],
        "model_variations": summaries[0].get("model_variations") or [],
        "closes": all(entry["closes"] for observables in systems.values() for entry in observables.values()),
        "systems": systems,
    }


def ensemble_markdown(ensemble: Mapping) -> list[str]:
    """Markdown table of a closure ensemble."""
    low, high = ensemble["pt_range"]
    k = len(ensemble["samples"])
    lines = [f"# Closure over {k} pseudo-data samples (samples {ensemble['samples']})", "",
             f"pulls in {low:g}–{high:g} GeV/c; mean pull over samples and bins ± spread of the samples' mean pulls/√{k}; "
             "bin mean: a bin's pull averaged over the samples; pull width: the sample-to-sample spread of the pulls (1: errors right, < 1: conservative); |pull| > 3: single-sample pulls, "
             f"against {100 * TAIL_FRACTION:.2f} % of them for unit Gaussian pulls. "
             f"Closes: |mean| < {MEAN_PULL_LIMIT:g} and every |bin mean| < {BIN_PULL_LIMIT:g}, with model systematics "
             f"({', '.join(ensemble['model_variations']) or 'none configured: the fit error alone'}) where the summaries have them.", "",
             f"Every observable closes: **{'yes' if ensemble['closes'] else 'no'}**", "",
             "| system | observable | mean pull | samples' mean pulls | max \\|bin mean\\| | pull width | samples' max \\|pull\\| "
             "| \\|pull\\| > 3 (expected) | with model: mean pull | max \\|bin mean\\| | closes |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for system, observables in ensemble["systems"].items():
        for name, e in observables.items():
            means = " ".join(f"{m:+.2f}" for m in e["sample_means"])
            maxima = " ".join(f"{m:.2f}" for m in e["sample_max_abs"])
            model = e.get("with_model")
            with_model = f"{model['mean']:+.2f} ± {model['mean_error']:.2f} | {model['max_abs_bin_mean']:.2f}" if model else "– | –"
            lines.append(f"| {system} | {name} | {e['mean']:+.2f} ± {e['mean_error']:.2f} | {means} | {e['max_abs_bin_mean']:.2f} | {e['width']:.2f} | "
                         f"{maxima} | {e['above_3']} of {e['n_pulls']} ({e['expected_above_3']:.2f}) | {with_model} | {'yes' if e['closes'] else 'no'} |")
    return lines


def read_summary(path: str | Path) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise EnsembleError(f"{path}: closure summary does not exist (run `snakemake closure` for that sample)") from None
    except json.JSONDecodeError as exc:
        raise EnsembleError(f"{path}: not a JSON closure summary ({exc})") from exc


def write_ensemble(summary_paths: Sequence[str | Path], out_json: str | Path, out_markdown: str | Path) -> dict:
    """Combine closure summaries into ``out_json`` and ``out_markdown`` (written atomically)."""
    paths = [str(path) for path in summary_paths]
    ensemble = closure_ensemble([read_summary(path) for path in paths], paths)
    write_json_atomically(out_json, ensemble)
    write_text_atomically(out_markdown, "\n".join([*ensemble_markdown(ensemble), ""]))
    return ensemble


def main(argv: list[str] | None = None) -> int:
    """``python -m hfe.outputs.closure_ensemble OUT.json OUT.md SUMMARY.json ...``"""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3:
        print(main.__doc__, file=sys.stderr)
        return 2
    try:
        ensemble = write_ensemble(args[2:], args[0], args[1])
    except EnsembleError as error:
        print(f"Closure ensemble error: {error}", file=sys.stderr)
        return 1
    print(f"{args[0]}: {len(ensemble['samples'])} samples, every observable closes: {ensemble['closes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
