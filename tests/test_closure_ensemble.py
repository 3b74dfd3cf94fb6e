"""Closure ensembles: the statistics of K closure summaries of one truth, the driver's links, and
the pull with model systematics of one summary."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from hfe.outputs.closure_ensemble import TAIL_FRACTION, EnsembleError, closure_ensemble, write_ensemble


def summary(sample, pulls, pt_low=(1.0, 2.0, 3.0), truth="t", seed=1):
    """A closure summary with one observable of pp."""
    entry = {"pt_low": list(pt_low), "pt_high": [x + 1 for x in pt_low], "pulls": list(pulls),
             "mean": float(np.mean(pulls)), "max_abs": float(np.max(np.abs(pulls)))}
    return {"pt_range": [1.0, 8.0], "seed": seed, "sample": sample, "truth": truth, "input_tables": {},
            "systems": {"pp": {"ctoe_spectrum": entry}}}


def test_ensemble_statistics_over_samples_and_bins():
    pulls = np.array([[0.5, 1.0, -3.5], [0.1, -0.4, 0.3], [0.9, 0.2, 2.0]])
    ensemble = closure_ensemble([summary(k, p) for k, p in enumerate(pulls)], ["a", "b", "c"])
    e = ensemble["systems"]["pp"]["ctoe_spectrum"]
    means = pulls.mean(axis=1)
    assert e["sample_means"] == pytest.approx(means) and e["mean"] == pytest.approx(pulls.mean())
    assert e["mean_error"] == pytest.approx(np.std(means, ddof=1) / np.sqrt(3))
    assert e["bin_means"] == pytest.approx(pulls.mean(axis=0)) and e["max_abs_bin_mean"] == pytest.approx(0.5)
    assert e["sample_max_abs"] == pytest.approx([3.5, 0.4, 2.0])
    assert e["width"] == pytest.approx(np.sqrt(((pulls - pulls.mean(axis=0)) ** 2).sum() / (3 * 2)))
    assert e["above_3"] == 1 and e["n_pulls"] == 9 and e["expected_above_3"] == pytest.approx(9 * 0.0026998, rel=1e-3)
    assert TAIL_FRACTION == pytest.approx(0.0026998, rel=1e-4)  # 2 Phi(-3)
    assert e["closes"] and ensemble["closes"] and ensemble["samples"] == [0, 1, 2]


def test_a_biased_observable_does_not_close():
    biased = closure_ensemble([summary(0, [0.6, 0.7, 0.4]), summary(1, [0.5, 0.6, 0.7])], ["a", "b"])
    assert not biased["systems"]["pp"]["ctoe_spectrum"]["closes"] and not biased["closes"]  # mean 0.58
    one_bin = closure_ensemble([summary(0, [0.0, 3.2, 0.0]), summary(1, [0.0, 3.1, 0.0])], ["a", "b"])
    assert not one_bin["closes"]  # mean 1.05, and one bin off by 3.15 in both samples


def test_with_model_systematics_the_verdict_takes_the_pulls_with_model():
    entries = []
    for k, (fit, model) in enumerate((([0.9, 0.8, 0.7], [0.4, 0.3, 0.2]), ([0.7, 0.6, 0.5], [0.3, 0.2, 0.1]))):
        entries.append(summary(k, fit))
        entries[-1]["systems"]["pp"]["ctoe_spectrum"]["pulls_with_model"] = model
    e = closure_ensemble(entries, ["a", "b"])["systems"]["pp"]["ctoe_spectrum"]
    assert e["mean"] == pytest.approx(0.7) and not e["closes_fit_error"]
    assert e["with_model"]["mean"] == pytest.approx(0.25) and e["with_model"]["bin_means"] == pytest.approx([0.35, 0.25, 0.15])
    assert e["closes"]


def test_bins_closed_in_every_sample_only():
    e = closure_ensemble([summary(0, [1.0, 2.0, 3.0]), summary(1, [1.0, 3.0], pt_low=(1.0, 3.0))], ["a", "b"])["systems"]["pp"]["ctoe_spectrum"]
    assert e["pt_low"] == [1.0, 3.0] and e["pt_high"] == [2.0, 4.0] and e["bin_means"] == pytest.approx([1.0, 3.0])
    with pytest.raises(EnsembleError, match="pp/ctoe_spectrum: no bin is closed in every sample"):
        closure_ensemble([summary(0, [1.0], pt_low=(1.0,)), summary(1, [1.0], pt_low=(2.0,))], ["a", "b"])


@pytest.mark.parametrize("change, message", [
    ({"truth": "other"}, "b: 'truth' differs from a's"),
    ({"seed": 2}, "b: 'seed' differs"),
    ({"sample": 0}, r"samples \[0, 0\] .* repeat"),
    ({"sample": None}, "b: no 'sample' key"),
])
def test_summaries_of_different_truths_or_repeated_samples_are_refused(change, message):
    other = summary(1, [0.0, 0.0, 0.0])
    other.update(change)
    with pytest.raises(EnsembleError, match=message):
        closure_ensemble([summary(0, [0.0, 0.0, 0.0]), other], ["a", "b"])


def test_written_ensemble_and_missing_summary(tmp_path):
    paths = []
    for k, pulls in enumerate(([0.1, 0.2, 0.3], [-0.1, 0.0, 0.1])):
        paths.append(tmp_path / f"s{k}.json")
        paths[-1].write_text(json.dumps(summary(k, pulls)))
    write_ensemble(paths, tmp_path / "out/ensemble.json", tmp_path / "out/ensemble.md")
    assert json.loads((tmp_path / "out/ensemble.json").read_text())["systems"]["pp"]["ctoe_spectrum"]["mean"] == pytest.approx(0.1)
    table = (tmp_path / "out/ensemble.md").read_text()
    assert "| pp | ctoe_spectrum | +0.10 ± 0.10 | +0.20 +0.00 | 0.20 | 0.14 |" in table and "Every observable closes: **yes**" in table
    with pytest.raises(EnsembleError, match="nothere.json: closure summary does not exist"):
        write_ensemble([paths[0], tmp_path / "nothere.json"], tmp_path / "x.json", tmp_path / "x.md")


def driver():
    path = Path(__file__).resolve().parent.parent / "workflow" / "closure_ensemble.py"
    spec = importlib.util.spec_from_file_location("closure_ensemble_driver", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_samples_share_the_sample_independent_outputs_by_hard_links(tmp_path):
    """Decay libraries, responses and truth of sample 0 are linked into sample k (a stale copy
    replaced, an unfinished .part skipped); events and everything after them are not."""
    module = driver()
    source = tmp_path / "results"
    for name in ("decays/D0/chunk_0.root", "pseudo_decays/electron_yields.json", "responses/D0.npz", "truth/truth.json",
                 "events/pp/chunk_0.root", "responses/B0.npz.part"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(name)
    target = module.sample_directory(str(source), 2)
    assert target == source / "closure_samples" / "sample_2"
    (target / "truth").mkdir(parents=True)
    (target / "truth/truth.json").write_text("stale")
    assert module.link_shared_outputs(source, target) == 4
    for name in ("decays/D0/chunk_0.root", "pseudo_decays/electron_yields.json", "responses/D0.npz", "truth/truth.json"):
        assert os.path.samefile(source / name, target / name)
    assert not (target / "events").exists() and not (target / "responses/B0.npz.part").exists()
    assert module.link_shared_outputs(source, target) == 0  # already the same files
    assert module.sample_directory("results", 0) == Path("results")


def test_the_model_error_counts_on_the_side_facing_the_truth():
    from hfe.outputs.closure import pulls_with_model

    difference = np.array([0.3, -0.3, 0.0])  # fit above, below and on the truth
    pulls = pulls_with_model(difference, np.full(3, 0.3), np.full(3, 0.4), up=np.array([1.2, 1.2, 9.0]), down=np.array([0.0, 0.0, 9.0]))
    # above: the down error (0) counts, 0.3 / 0.5; below: the up error, -0.3 / 1.3
    assert pulls == pytest.approx([0.6, -0.3 / 1.3, 0.0])
