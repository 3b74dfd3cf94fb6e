"""End to end: the Snakemake workflow on the tiny test config, from a temporary directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hfe.decays.response import ResponseMatrix
from workflow_helpers import copy_workflow, run_snakemake


@pytest.fixture(scope="module")
def workdir(local_workflow):
    return local_workflow


def test_workflow_builds_library_and_responses(workdir):
    for species in ("D0", "Bplus"):
        for chunk in (0, 1):
            assert (workdir / f"results/decays/{species}/chunk_{chunk}.root").exists()
        response = ResponseMatrix.load(workdir / f"results/responses/{species}.npz")
        assert response.matrix.shape == (40, 400)  # config/test.yaml: 0.5 GeV/c electron bins up to 20
        assert response.provenance["species"] == species and len(response.provenance["chunks"]) == 2
        assert response.provenance["chunks"][0]["pythia_version"] == "8.317.0"
        assert np.all(response.matrix >= 0) and response.matrix.sum() > 0
    assert (workdir / "results/decays/electron_yields.json").exists()
    assert ResponseMatrix.load(workdir / "results/responses/Bplus_to_D0.npz").daughter == "dzero"


def test_workflow_measures_the_pseudo_data(workdir):
    """Truth model, events and the measurement of every system, readable as published tables."""
    from hfe.tables.published import load_table

    assert (workdir / "results/truth/truth.json").exists()
    for system, flow in (("pp", False), ("PbPb_0-10", True), ("PbPb_30-50", True)):
        assert len(list((workdir / f"results/events/{system}").glob("chunk_*.root"))) == 2
        spectrum = load_table(workdir / f"results/measurement/{system}/hfe_spectrum.csv")
        assert spectrum.value[0] > 0 and spectrum.metadata["system"] == [system]
        assert (workdir / f"results/measurement/{system}/hfe_v2.csv").exists() == flow


def test_workflow_decomposes_every_system(workdir):
    """Global fits converge on the pseudo-data; R_AA tables and published comparisons exist."""
    import json

    from hfe.tables.published import load_table

    for system in ("pp", "PbPb_0-10", "PbPb_30-50"):
        summary = json.loads((workdir / f"results/nominal/decomposition/{system}/fit.json").read_text())
        assert summary["valid"] and summary["chi2"] / summary["ndf"] < 5.0
        fraction = load_table(workdir / f"results/nominal/decomposition/{system}/beauty_fraction.csv")
        assert 0 < fraction.value[0] < fraction.value[-1] < 1  # beauty takes over at high pT
    comparisons = json.loads((workdir / "results/nominal/decomposition/PbPb_0-10/fit.json").read_text())["comparisons"]
    assert {c["name"].split()[0] for c in comparisons} == {"ALICE", "STAR", "PHENIX"}
    assert all(c["ndf"] > 0 and 0 <= c["p_value"] <= 1 for c in comparisons)


def test_workflow_extracts_heavy_flavour_flow(workdir):
    import json

    from hfe.tables.published import load_table

    for system in ("PbPb_0-10", "PbPb_30-50"):
        summary = json.loads((workdir / f"results/nominal/flow/{system}/flow.json").read_text())
        assert summary["global_fit"]["valid"] and summary["dmeson_v2_fit"]["valid"]
        assert set(summary["ncq_deviation"]) == {"pt_range", "bins", "bin_by_bin", "global_fit"}
        assert summary["ncq_deviation"]["bin_by_bin"]["covariance"].startswith("full covariance")
        for table in ("ctoe_v2", "btoe_v2_bin_by_bin", "btoe_v2_global_fit", "btoe_v2_ncq"):
            assert len(load_table(workdir / f"results/nominal/flow/{system}/{table}.csv")) > 3
    comparisons = json.loads((workdir / "results/nominal/flow/PbPb_30-50/flow.json").read_text())["comparisons"]
    assert [c["quantity"] for c in comparisons] == ["btoe_v2", "nonprompt_d0_v2"] and all(c["ndf"] > 0 for c in comparisons)
    claims = json.loads((workdir / "results/claims.json").read_text())["claims"]
    assert [c["claim"] for c in claims] == [1, 2, 2, 3, 4, 5, 6]
    assert all(t["verdict"] in ("supported", "not supported") for c in claims for t in c["tests"])
    rhic = claims[5]["tests"]  # the shipped RHIC b->e v2 of the real-data analysis (data/derived/)
    assert rhic and rhic[0]["ndf"] > 0 and 0.0 <= rhic[0]["p_value"] <= 1.0


def test_rerun_reproduces_outputs_bit_for_bit(workdir):
    outputs = [f"results/responses/{s}.npz" for s in ("D0", "Bplus")] + [
        "results/truth/truth.json",
        "results/measurement/PbPb_30-50/hfe_v2.csv",
        "results/measurement/pp/hfe_spectrum.csv",
        "results/nominal/decomposition/PbPb_30-50/raa_btoe.csv",
        "results/nominal/flow/PbPb_30-50/btoe_v2_global_fit.csv",
    ]
    first = {name: (workdir / name).read_bytes() for name in outputs}
    result = run_snakemake(workdir, "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    for name, content in first.items():
        assert (workdir / name).read_bytes() == content, name


def test_malformed_config_fails_before_any_job(tmp_path):
    copy_workflow(tmp_path)
    (tmp_path / "config" / "bad.yaml").write_text("decay_library:\n  species: [D0, Xi_cc]\n")
    command = [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "config/bad.yaml"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "decay_library.species[1]" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def csv_columns(path):
    """{column: values} of a project CSV table (all columns, '#' header lines skipped)."""
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    names = lines[0].split(",")
    values = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    return {name: values[:, i] for i, name in enumerate(names)}


@pytest.mark.parametrize("family", ["stat", "fit_inputs"])
def test_bootstrap_bands_and_covariance(workdir, family):
    """Every result has its replica band and covariance in both replica families; no replica
    failed on the test config. Bins that fewer than two replicas fill (high-pT v2 bins with one
    or two electrons in the tiny test config) are listed and keep their fit uncertainty; all
    others have their band. The summary states what the family draws and how precise its band is."""
    import json

    summary = json.loads((workdir / f"results/bootstrap/{family}/summary.json").read_text())
    assert summary["replicas"] == 4 and summary["failed"] == [] and summary["family"] == family
    assert ("event-level" in summary["draws"]) == (family == "stat")
    assert 0 < summary["band_precision"]["halfwidth_mean"] and summary["band_precision"]["replicas"] == 4
    covariance = np.load(workdir / f"results/bootstrap/{family}/covariance.npz")
    for name in ("pp/btoe_spectrum", "PbPb_0-10/raa_btoe", "PbPb_30-50/btoe_v2_global_fit"):
        table = csv_columns(workdir / f"results/bootstrap/{family}/{name}.csv")
        assert np.all(table["ci95_low"] <= table["ci68_low"]) and np.all(table["ci68_high"] <= table["ci95_high"])
        assert np.all(table["replica_std"] > 0)
        with_band = ~np.isin(table["pt_low"], summary["observables"][name]["bins_without_band"])
        assert with_band.sum() >= len(with_band) - 2
        matrix = covariance[f"{name}/covariance"]
        assert matrix.shape == (len(table["value"]), len(table["value"]))
        assert np.allclose(np.sqrt(np.diag(matrix))[with_band], table["replica_std"][with_band])


def test_statistical_and_fit_input_bands_stay_apart(workdir):
    """The stat column of the combined tables is the statistical family's band (event-level HFE
    statistics); the fit-inputs family's band is the systematic source fit_inputs, never "stat"
    (issue 14): in HEPData it is sys,fit_inputs."""
    from hfe.tables.published import load_table

    name = "PbPb_0-10/btoe_spectrum"
    combined = load_table(workdir / f"results/systematics/{name}.csv")
    stat = csv_columns(workdir / f"results/bootstrap/stat/{name}.csv")
    inputs = csv_columns(workdir / f"results/bootstrap/fit_inputs/{name}.csv")
    np.testing.assert_allclose(combined.stat[0], stat["stat_err_plus"], rtol=1e-8)
    up, down = combined.uncertainties["sys_fit_inputs"].up, combined.uncertainties["sys_fit_inputs"].down
    np.testing.assert_allclose(up, inputs["stat_err_plus"], rtol=1e-8)
    np.testing.assert_allclose(down, -inputs["stat_err_minus"], rtol=1e-8)
    assert not np.allclose(stat["replica_std"], inputs["replica_std"])  # two different sources


def test_more_replicas_reuse_finished_batches(workdir):
    """Raising bootstrap.replicas from 4 to 6 schedules only the new batch and the merge."""
    (workdir / "config" / "more_replicas.yaml").write_text("bootstrap: {replicas: 6}\n")
    result = run_snakemake(workdir, "--configfile", "config/test.yaml", "config/more_replicas.yaml", "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = set(re.findall(r"^(?:local)?rule (\w+):", result.stdout, flags=re.MULTILINE)) - {"all"}
    downstream = {"combine_systematics", "figure", "hepdata", "summary"}  # they use the merged bands
    assert {"bootstrap_fit", "bootstrap_measure", "bootstrap_merge"} <= jobs <= {"bootstrap_fit", "bootstrap_measure", "bootstrap_merge"} | downstream, jobs
    batches = re.findall(r"batch=(\d+)", result.stdout)
    assert len(batches) == 5 and set(batches) == {"2"}  # 3 systems measured + 1 fit batch per replica family


def test_variations_land_in_their_own_directories(workdir):
    """Each selected variation has its own results/<variation>/ tree; T_AA moves only Pb-Pb R_AA."""
    from hfe.tables.published import load_table

    for variation in ("shape_power_law", "taa_up", "taa_down", "br_charm_up_beauty_down"):
        assert (workdir / f"results/{variation}/decomposition/PbPb_0-10/raa_btoe.csv").exists()
        assert (workdir / f"results/{variation}/flow/PbPb_30-50/btoe_v2_global_fit.csv").exists()
    # T_AA exactly once: taa_up scales both R_AA by exactly T_nominal / T_up (config/config.yaml:
    # 23.07 -> 23.51 in 0-10 %, 3.917 -> 3.982 in 30-50 %) and leaves the yields, f_b and the
    # R_AA ratio unchanged (to 1e-6: the CSV tables hold 10 significant digits)
    for system, ratio in (("PbPb_0-10", 23.07 / 23.51), ("PbPb_30-50", 3.917 / 3.982)):
        def value(variation, name):
            return load_table(workdir / f"results/{variation}/decomposition/{system}/{name}.csv").value

        for name in ("raa_ctoe", "raa_btoe"):
            assert np.allclose(value("taa_up", name), ratio * value("nominal", name), rtol=1e-6, atol=0), (system, name)
        for name in ("ctoe_spectrum", "btoe_spectrum", "beauty_fraction", "raa_ratio"):
            assert np.allclose(value("taa_up", name), value("nominal", name), rtol=1e-6, atol=0), (system, name)
    pp = [load_table(workdir / f"results/{v}/decomposition/pp/btoe_spectrum.csv").value for v in ("nominal", "taa_up")]
    assert np.array_equal(*pp)
    breakdown = (workdir / "results/systematics/breakdown.md").read_text()
    assert "### PbPb_0-10/raa_btoe" in breakdown and "| taa |" in breakdown
    table = load_table(workdir / "results/systematics/PbPb_0-10/raa_btoe.csv")
    assert {"stat", "sys_taa", "sys_spectrum_shape", "sys_decay_tables"} <= set(table.uncertainties)
    assert table.uncertainties["sys_taa"].kind == "norm" and np.all(table.uncertainties["sys_taa"].up > 0)


def test_figures_are_drawn_with_their_content(workdir):
    """Structural figure test: every figure file exists as a sizeable PNG and PDF, and the
    figures hold the data sources, axis labels and legends they promise."""
    import os

    import matplotlib.pyplot as plt

    from hfe.core.catalogue import ResultsLayout
    from hfe.core.config import load_config
    from hfe.outputs.figures import FIGURES, FigureInputs, figure_names, split_name

    config = load_config(workdir / "config/config.yaml", workdir / "config/test.yaml")
    names = figure_names(config)
    assert len(names) == 2 + 4 * 3 + 2 * 2  # beauty_fraction, claims, 4 kinds x 3 systems, raa and v2 x 2 Pb-Pb systems
    for name in names:
        png = workdir / f"results/figures/{name}.png"
        assert png.stat().st_size > 20_000 and (workdir / f"results/figures/{name}.pdf").stat().st_size > 5_000, name
        assert plt.imread(png).shape[0] > 400
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        expected = {"raa_PbPb_0-10": ["ALICE", "STAR", "PHENIX", "this analysis", r"$R_{\mathrm{AA}}$"],
                    "v2_PbPb_30-50": [r"ALICE b$\rightarrow$e $v_2$", "NCQ", "cross-check"],
                    "hfe_components_pp": ["c$\\rightarrow$e", "HFE"], "dmeson_fit_pp": ["prompt D$^0$"], "closure_pp": ["truth"]}
        for name, words in expected.items():
            kind, system = split_name(name)
            fig = FIGURES[kind].build(config, FigureInputs(ResultsLayout(workdir / "results")), system)
            axes = fig.get_axes()
            texts = " ".join(t.get_text() for ax in axes if ax.get_legend() for t in ax.get_legend().get_texts())
            assert all(word in texts for word in words), (name, texts)
            assert "->" not in texts and "R_AA" not in texts, (name, texts)  # typeset labels only
            assert all(ax.get_ylabel() or len(ax.get_shared_y_axes().get_siblings(ax)) > 1 for ax in axes), name
            assert any("GeV" in ax.get_xlabel() for ax in axes), name
            assert any(ax.get_title(loc="right") == "pseudo-data, this analysis" for ax in axes), name  # status label
            plt.close(fig)
        # the R_AA of another energy or centrality is on its own panel
        fig = FIGURES["raa"].build(config, FigureInputs(ResultsLayout(workdir / "results")), "PbPb_0-10")
        left, right = fig.get_axes()
        assert "STAR" not in " ".join(t.get_text() for t in left.get_legend().get_texts())
        assert "ALICE" not in " ".join(t.get_text() for t in right.get_legend().get_texts())
        plt.close(fig)
        fig = FIGURES["claims"].build(config, FigureInputs(ResultsLayout(workdir / "results")), None)
        rows = [t.get_text() for ax in fig.get_axes() for t in ax.get_yticklabels()]
        assert sum(r.startswith("claim 1 ") for r in rows) == 4 and any(r.startswith("claim 6 ") for r in rows), rows
        plt.close(fig)
    finally:
        os.chdir(cwd)


def assert_hepdata_reads_back(workdir, directory):
    """Round trip: the project's own HEPData reader (which runs hepdata-validator on every table)
    reads each table of the submission back to the numbers of its systematics CSV, with exactly
    the uncertainty sources that apply (a source that moves nothing is left out, not written as 0)."""
    import yaml
    from hepdata_validator.submission_file_validator import SubmissionFileValidator

    from hfe.core.catalogue import ResultsLayout, observables
    from hfe.core.config import load_config
    from hfe.tables.published import load_hepdata_yaml, load_table

    validator = SubmissionFileValidator()
    assert validator.validate(file_path=str(directory / "submission.yaml")), validator.get_messages()
    with open(directory / "submission.yaml") as f:
        entries = [doc for doc in yaml.safe_load_all(f) if doc and "data_file" in doc]
    config = load_config("config/config.yaml", "config/test.yaml")
    names = observables(config)
    assert len(entries) == len(names)
    results = ResultsLayout(workdir / "results")
    for name, entry in zip(names, entries):
        system, observable = name.split("/")
        submitted = load_hepdata_yaml(directory / entry["data_file"])
        project = load_table(results.systematics_table(name))
        np.testing.assert_allclose(submitted.pt_low, project.pt_low, rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(submitted.pt_high, project.pt_high, rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(submitted.value, project.value, rtol=1e-9, atol=1e-300, err_msg=name)
        applied = {c for c, u in project.uncertainties.items() if c == "stat" or u.up.any() or u.down.any()}
        assert set(submitted.uncertainties) == applied, name
        for component in applied:
            np.testing.assert_allclose(submitted.uncertainties[component].up, project.uncertainties[component].up, rtol=1e-9, err_msg=name)
            np.testing.assert_allclose(submitted.uncertainties[component].down, project.uncertainties[component].down, rtol=1e-9, err_msg=name)
        keywords = {k["name"]: k["values"] for k in entry["keywords"]}
        kind = config["systems"][system]["kind"]
        expected = {"ctoe_spectrum": "DSIG/DPT" if kind == "pp" else "DN/DPT", "btoe_spectrum": "DSIG/DPT" if kind == "pp" else "DN/DPT"}
        assert keywords["observables"] == [expected.get(observable, keywords["observables"][0])], name
        assert not entry["location"].startswith("results"), entry["location"]


def test_hepdata_summary_and_report(workdir, tmp_path):
    import tarfile

    import yaml

    with tarfile.open(workdir / "results/hepdata/submission.tar.gz") as archive:
        names = archive.getnames()
        assert "submission.yaml" in names and len(names) == 1 + 3 + 2 * 9  # pp: 3 observables, Pb-Pb: 9 each
        table = yaml.safe_load(archive.extractfile("r_aa_b_to_e_pbpb_0-10.yaml"))
        archive.extractall(tmp_path / "hepdata")
    assert all(re.fullmatch(r"[a-z0-9_.-]+", n) for n in names), names  # clean file names
    labels = {e["label"] for e in table["dependent_variables"][0]["values"][0]["errors"]}
    assert {"stat", "sys,taa", "sys,spectrum_shape"} <= labels
    qualifiers = {q["name"]: q["value"] for q in table["dependent_variables"][0]["qualifiers"]}
    assert qualifiers == {"RE": "PB PB --> E X", "SQRT(S_NN)": 5020, "CENTRALITY": "0-10%", "ABS(ETA)": "< 0.8"}
    assert_hepdata_reads_back(workdir, tmp_path / "hepdata")
    header = next(yaml.safe_load_all((tmp_path / "hepdata/submission.yaml").read_text()))
    assert "Statistical uncertainties: bootstrap replicas" in header["comment"]  # bootstrap.replicas reaches the rule
    summary = (workdir / "results/summary.md").read_text()
    for heading in ("Beauty fraction", "Global fits", "R_AA(b→e) / R_AA(c→e)", "NCQ test", "Comparisons with published data", "The paper's claims",
                    "Closure against the generated truth"):
        assert heading in summary
    assert "| reference |" in summary  # RHIC tables compared with LHC 0-10 % are labelled, not tests
    # the report as a zip: its contents can be listed (issue 18: figures and the summary only)
    result = run_snakemake(workdir, "--report", str(tmp_path / "report.zip"))
    assert result.returncode == 0, result.stderr[-2000:]
    import zipfile

    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        names = archive.namelist()
        html = archive.read(next(n for n in names if n.endswith("report.html"))).decode()
    files = {Path(n).name for n in names}
    n_figures = len(list((workdir / "results/figures").glob("*.png")))
    assert sum(n.endswith(".png") for n in names) == n_figures and sum(n.endswith(".pdf") for n in names) == n_figures
    assert {"summary.md", "fits.md", "claims.json", "breakdown.md", "submission.tar.gz"} <= files
    assert "Closure test in PbPb_0-10" in html and "Beauty fraction f_b of heavy-flavour" in html
    for category in ("1 Summary", "2 Figures", "3 Fits", "4 Systematics", "5 HEPData"):
        assert category in html
    fits = (workdir / "results/fits.md").read_text()
    assert "## PbPb_30-50" in fits and "### D-meson v2 fit" in fits and "| `beauty_n` |" in fits


def test_quicklook_targets_do_not_wait_for_bootstrap_or_variations(workdir, tmp_path):
    """`snakemake figures` on a fresh copy plans no bootstrap, no variation and no combination;
    on the finished run, `snakemake closure` draws the quick-look closure figures."""
    from test_rerun import planned_jobs

    fresh = copy_workflow(tmp_path)
    planned = planned_jobs(fresh, targets=("figures",))
    assert not {"bootstrap_measure", "bootstrap_fit", "bootstrap_merge", "combine_systematics", "figure"} & set(planned), planned
    assert planned["decompose_pp"] == 1 and planned["decompose_pbpb"] == 2 and planned["quicklook_figure"] == 3 + 3 + 1 + 2 + 2 + 3  # D fit, HFE, f_b, R_AA, v2, closure
    result = run_snakemake(workdir, targets=("closure",))
    assert result.returncode == 0, result.stderr[-3000:]
    for system in ("pp", "PbPb_0-10", "PbPb_30-50"):
        assert (workdir / f"results/quicklook/closure_{system}.png").stat().st_size > 20_000
    import json

    summary = json.loads((workdir / "results/closure/summary.json").read_text())
    assert summary["truth"]["beauty_raa"]["PbPb_0-10"]["form"] == "exp_decay"  # the truth it closed on
    assert set(summary["systems"]["pp"]) == {"ctoe_spectrum", "btoe_spectrum", "beauty_fraction"}
    assert set(summary["systems"]["PbPb_0-10"]) == {"ctoe_spectrum", "btoe_spectrum", "beauty_fraction", "raa_ctoe", "raa_btoe", "ctoe_v2", "btoe_v2_global_fit"}
    assert summary["model_variations"] == ["shape_power_law"]  # config/test.yaml
    for observables in summary["systems"].values():
        for entry in observables.values():
            assert len(entry["pulls"]) > 3 and np.all(np.isfinite(entry["pulls"])) and np.isfinite(entry["mean"])
            # the model error only widens the denominator: |pull with model| <= |pull|, same sign
            with_model, pulls = np.asarray(entry["pulls_with_model"]), np.asarray(entry["pulls"])
            assert np.all(np.abs(with_model) <= np.abs(pulls) + 1e-12) and np.all(with_model * pulls >= 0)
            assert min(entry["model_error_up"]) >= 0 and min(entry["model_error_down"]) >= 0


def test_closure_ensemble_runs_new_events_of_the_same_truth(workdir):
    """workflow/closure_ensemble.py with 2 samples on the finished run: sample 1 gets new events
    from the linked decay libraries, responses and truth (no decay or response job runs), and the
    ensemble combines both closure summaries."""
    import json

    result = subprocess.run([sys.executable, "workflow/closure_ensemble.py", "--samples", "2", "--cores", "2", "--configfile", "config/test.yaml"],
                            cwd=workdir, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sample = workdir / "results/closure_samples/sample_1"
    assert (sample / "sample.yaml").read_text() == "pseudo_data:\n  sample: 1\nresults_dir: results/closure_samples/sample_1\n"
    assert (sample / "truth/truth.json").samefile(workdir / "results/truth/truth.json")
    assert not (sample / "logs/decay_chunk").exists() and not (sample / "logs/response").exists()
    import uproot

    from hfe.measurement.event_ntuple import TREE_NAME

    for chunk in ("pp/chunk_0.root", "PbPb_0-10/chunk_1.root"):
        with uproot.open(workdir / "results/events" / chunk) as nominal, uproot.open(sample / "events" / chunk) as other:
            assert json.loads(other["provenance"])["sample"] == 1 and json.loads(nominal["provenance"])["sample"] == 0
            a, b = (f[TREE_NAME]["psi_rp"].array(library="np") for f in (nominal, other))
            assert not np.array_equal(a[: min(len(a), len(b))], b[: min(len(a), len(b))])
    summaries = [json.loads((root / "closure/summary.json").read_text()) for root in (workdir / "results", sample)]
    assert [s["sample"] for s in summaries] == [0, 1] and summaries[0]["truth"] == summaries[1]["truth"]
    ensemble = json.loads((workdir / "results/closure/ensemble.json").read_text())
    assert ensemble["samples"] == [0, 1] and set(ensemble["systems"]) == set(summaries[0]["systems"])
    entry = ensemble["systems"]["PbPb_0-10"]["ctoe_spectrum"]
    singles = [s["systems"]["PbPb_0-10"]["ctoe_spectrum"] for s in summaries]
    assert entry["pt_low"] == singles[0]["pt_low"] == singles[1]["pt_low"]  # every bin closed in both samples
    assert entry["sample_means"] == pytest.approx([s["mean"] for s in singles])
    assert entry["with_model"]["sample_means"] == pytest.approx([s["mean_with_model"] for s in singles])
    assert entry["closes"] == entry["with_model"]["closes"]
    assert "Every observable closes" in (workdir / "results/closure/ensemble.md").read_text()


def test_coverage_toys_run_in_batches_and_their_truth_is_the_event_truth(workdir):
    """`snakemake coverage` on the finished run: 6 toys per system (4 NCQ toys) in batches of 2,
    every fit valid, every observable summarised and calibrated (cross-validated on halves), the
    calibrated nominal tables written; the expected D-meson v2 is the truth's; the toys' true
    c -> e and b -> e (the truth folded through the responses) agree with the truth tables of the
    pseudo-events within their MC errors."""
    import json

    from hfe.tables.published import load_table

    result = run_snakemake(workdir, targets=("coverage",))
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((workdir / "results/toys/PbPb_0-10").glob("batch_*.json"))) == 3
    assert len(list((workdir / "results/toys/ncq/PbPb_0-10").glob("batch_*.json"))) == 2  # NCQ: toys.count only
    summary = json.loads((workdir / "results/toys/coverage.json").read_text())
    errors = json.loads((workdir / "results/toys/error_calibration.json").read_text())
    assert errors["toys"] == 6
    for system, names in (("pp", 3), ("PbPb_0-10", 6), ("PbPb_30-50", 6)):
        entry = summary["systems"][system]
        assert entry["n_toys"] == 6 and entry["n_failed"] == 0 and entry["p_values"]["n"] == 6
        assert len(entry["observables"]) == names and all(o["bins_used"] > 0 for o in entry["observables"].values())
        assert len(errors["systems"][system]["calibration"]) == names
        for name, cal in errors["systems"][system]["calibration"].items():
            assert cal["scale"] >= 1 and cal["n_toys"] == 6 and "coverage" in cal["cross_validation"]
            nominal = load_table(workdir / f"results/nominal/decomposition/{system}/{name}.csv")
            calibrated = load_table(workdir / f"results/toys/calibrated/{system}/{name}.csv")
            inside = (nominal.pt_low >= 1.0) & (nominal.pt_high <= 8.0)
            np.testing.assert_allclose(calibrated.symmetric_stat[inside], cal["scale"] * nominal.symmetric_stat[inside], rtol=1e-8)
            np.testing.assert_allclose(calibrated.value[~inside], nominal.value[~inside], rtol=1e-9)
    calibration = json.loads((workdir / "results/toys/ncq_calibration.json").read_text())  # the NCQ test's false positives
    assert set(calibration) == {"PbPb_0-10", "PbPb_30-50"} and all(e["toys"] == 4 for e in calibration.values())
    assert all(0 <= e["bin_by_bin"]["rates"]["0.95"]["rate"] <= 1 for e in calibration.values())
    from hfe.coverage.expectation import TruthExpectation
    from hfe.decomposition.system import load_responses
    from hfe.pseudodata.truth import TruthModel

    expected = json.loads((workdir / "results/toys/expected.json").read_text())
    electrons, dzero = load_responses(sorted((workdir / "results/responses").glob("*.npz")))
    expectation = TruthExpectation(TruthModel.load(workdir / "results/truth/truth.json"), electrons, dzero)
    for system in ("PbPb_0-10", "PbPb_30-50"):  # the D-meson v2 a pseudo input of the flow fit would take
        table = load_table(workdir / f"data/published/ALICE_PbPb5TeV_Davg_v2SP_{system.removeprefix('PbPb_')}_2005.11131.csv")
        np.testing.assert_allclose(expected["tables"][f"dmeson_v2_{system}"]["value"],
                                   expectation.table("dmeson_v2", table, system), rtol=1e-12)
    pulls = []
    for system in ("pp", "PbPb_0-10", "PbPb_30-50"):
        for flavour, name in (("ctoe", "charm"), ("btoe", "beauty")):
            truth = load_table(workdir / f"results/measurement/{system}/truth_{flavour}_spectrum.csv")
            ours = np.asarray(expected["observables"][system][f"{flavour}_spectrum"], dtype=float)[: len(truth)]
            inside = (truth.pt_low >= 1.0) & (truth.pt_high <= 8.0) & (truth.symmetric_stat > 0)
            folding_error = expectation.electrons_error_in(system, name, truth.pt_low, truth.pt_high)  # the small test library's MC error
            pulls += list(((ours - truth.value) / np.hypot(truth.symmetric_stat, folding_error))[inside])
    pulls = np.asarray(pulls)
    # independent unit pulls: chi2/n has mean 1 and standard deviation sqrt(2/n); 0.87 for 54 bins when written
    assert np.all(np.abs(pulls) < 4) and np.mean(pulls**2) < 1 + 3 * np.sqrt(2 / len(pulls)), pulls
