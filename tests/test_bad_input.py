"""Bad input and faults (docs/bad-input.md): each case gives a named error at the earliest point,
or a correct result; nothing stale is merged, nothing is written outside the workspace.

Cases tested elsewhere are listed in docs/bad-input.md with their tests; this module holds the
ones without a natural home: the bootstrap's batch fingerprints, HFE bins outside the fit range,
the bootstrap backend, the default profile, resuming after an interrupt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import uproot

from hfe.core.errors import ConfigError
from workflow_helpers import copy_workflow

TARGET = "results/decays/D0/chunk_0.root"
LONG_JOB_PARENTS = 400_000  # a decay chunk of ~10 s: long enough to be interrupted inside


def long_decay_job(workdir) -> list[str]:
    """A copy of the workflow in ``workdir`` and the command that makes one long decay chunk."""
    copy_workflow(workdir)
    (workdir / "config" / "long_job.yaml").write_text(f"decay_library: {{parents_per_chunk: {LONG_JOB_PARENTS}}}\n")
    return [sys.executable, "-m", "snakemake", TARGET, "--configfile", "config/test.yaml", "config/long_job.yaml", "--cores", "1"]


def same_content(a, b) -> bool:
    """Two ROOT files hold the same trees and strings (the bytes differ by their write times)."""
    import awkward as ak

    with uproot.open(a) as fa, uproot.open(b) as fb:
        if fa.keys() != fb.keys():
            return False
        for key in fa.keys(cycle=False):
            if fa.classname_of(key) == "TTree":
                if ak.to_list(fa[key].arrays()) != ak.to_list(fb[key].arrays()):
                    return False
            elif str(fa[key]) != str(fb[key]):
                return False
    return True


def write_batch(path, replicas, fingerprint=None):
    arrays = {"replicas": np.asarray(replicas), "failed": np.zeros(0, dtype=np.int64)}
    if fingerprint is not None:
        arrays["config_fingerprint"] = np.asarray(fingerprint)
    np.savez(path, **arrays)
    return path


def test_a_bootstrap_batch_of_another_configuration_is_never_merged(tmp_path):
    """Replicas 0-3 fitted with one hfe_fit_range, 4-5 with another: the merge refuses the stale
    batches by their fingerprint (also where Snakemake's params record is missing), naming them."""
    from hfe.bootstrap.batches import check_batch_fingerprints, merge_replicas
    from hfe.core.catalogue import ResultsLayout
    from hfe.core.config import config_fingerprint, config_slice, load_config

    config = load_config("config/config.yaml", "config/test.yaml")
    keys = ["seed", "decomposition", "flow", "systems"]
    old = config_fingerprint(config_slice(config, keys))
    config["decomposition"]["hfe_fit_range"] = [1.0, 10.0]
    new = config_fingerprint(config_slice(config, keys))
    assert old != new and new == config_fingerprint(config_slice(config, keys))
    batches = [write_batch(tmp_path / f"batch_{b}.npz", [2 * b, 2 * b + 1], old if b < 2 else new) for b in range(3)]
    check_batch_fingerprints(batches[2:], new, "bootstrap batch")
    with pytest.raises(ConfigError, match=rf"batch_0.npz: this bootstrap batch was made with another configuration \(fingerprint {old}"):
        merge_replicas({}, config, ResultsLayout(tmp_path), [str(b) for b in batches], 0.1, new)
    unmarked = write_batch(tmp_path / "unmarked.npz", [0, 1])  # a batch of a version without fingerprints
    with pytest.raises(ConfigError, match="unmarked.npz: .*fingerprint none"):
        check_batch_fingerprints([unmarked], new, "bootstrap batch")


def test_hfe_bins_outside_the_fit_range_are_listed():
    """pt_edges ending [.., 8, 25] with the responses up to 20 GeV/c: the 8-25 bin cannot be
    fitted; it is listed in fit.json, not silently absent (the config check stops such edges
    for pseudo-data: tests/test_config.py)."""
    from hfe.core.config import load_config
    from hfe.decomposition.settings import DecompositionSettings
    from hfe.decomposition.system import fitted_hfe
    from hfe.tables.published import MeasurementTable, Uncertainty

    edges = np.array([0.5, 1.0, 2.0, 8.0, 25.0])
    ones = np.ones(4)
    table = MeasurementTable("hfe.csv", edges[:-1], edges[1:], 0.5 * (edges[:-1] + edges[1:]), ones,
                             {"stat": Uncertainty(0.1 * ones, 0.1 * ones, "stat")})
    settings = DecompositionSettings.from_config(load_config("config/config.yaml", "config/test.yaml"))
    info = {}
    fitted = fitted_hfe(table, settings, np.arange(0.0, 20.5, 0.5), info)
    assert fitted.pt_high.tolist() == [1.0, 2.0, 8.0]
    assert info["hfe_bins_outside_fit_range"] == [[8.0, 25.0]]


def snakemake_in(workdir, *args):
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/test.yaml", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300)


def test_cuda_backend_without_a_gpu_fails_before_any_job(tmp_path):
    """bootstrap.backend: cuda on a machine without a GPU: a local run stops before its first job
    (a batch-system job checks on its node); the default profile is picked up on its own."""
    from hfe.core.backend import cuda_available

    if cuda_available():
        pytest.skip("this machine has a GPU: the cuda backend is legitimate here")
    copy_workflow(tmp_path)
    (tmp_path / "config" / "cuda.yaml").write_text("bootstrap: {backend: cuda, replicas: 4}\n")
    result = snakemake_in(tmp_path, "config/cuda.yaml", "--cores", "2")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Configuration error: bootstrap.backend: 'cuda' requested but cupy or a CUDA device is not available" in log
    assert "Using workflow specific profile workflow/profiles/default" in log
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_resume_after_an_interrupt_with_the_same_command(tmp_path):
    """Ctrl-C (SIGINT) during a job, then the same command again: it finishes (the default
    profile redoes incomplete outputs) and the output equals an uninterrupted run's."""
    command = long_decay_job(tmp_path)
    # its own process group, as in a terminal: Ctrl-C signals Snakemake and its jobs
    # SIGINT back to its default in the child: a shell's background job (`cmd &`, e.g. a CI run
    # started with nohup) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
    started = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    log = tmp_path / "results/logs/decay_chunk/decays/D0_0.log"
    while not log.exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # inside the job
    assert started.poll() is None, "the job finished before it could be interrupted"
    os.killpg(started.pid, signal.SIGINT)
    started.communicate(timeout=120)
    assert started.returncode != 0
    assert not list((tmp_path / "results/decays/D0").glob("*")), "an interrupted job left its output (or a .part)"
    resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    reference = tmp_path / "reference"
    reference.mkdir()
    fresh = subprocess.run(long_decay_job(reference), cwd=reference, capture_output=True, text=True, timeout=600)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert same_content(tmp_path / TARGET, reference / TARGET)


@pytest.mark.slow
def test_resume_after_kill_9(tmp_path):
    """kill -9 of Snakemake during a job: the job may finish as an orphan; the documented
    recovery (wait for or stop the orphan, ``snakemake --unlock``, the same command) redoes the
    incomplete output and gives the uninterrupted result."""
    command = long_decay_job(tmp_path)
    started = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    log = tmp_path / "results/logs/decay_chunk/decays/D0_0.log"
    while not log.exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    os.kill(started.pid, signal.SIGKILL)  # Snakemake only: its job goes on as an orphan
    started.wait(timeout=60)
    orphans = subprocess.run(["pgrep", "-f", str(tmp_path / ".snakemake" / "scripts")], capture_output=True, text=True)
    assert orphans.stdout.split(), "expected the job to survive Snakemake's kill -9"
    # stop it, as docs/bad-input.md says: pkill -f "$PWD/.snakemake/scripts"
    subprocess.run(["pkill", "-f", str(tmp_path / ".snakemake" / "scripts")], capture_output=True)
    time.sleep(1.0)
    unlocked = subprocess.run([*command, "--unlock"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert unlocked.returncode == 0, unlocked.stderr[-2000:]
    resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with uproot.open(tmp_path / TARGET) as f:  # complete (the interrupt test compares the content)
        assert json.loads(str(f["provenance"]))["n_parents"] == LONG_JOB_PARENTS


HEPDATA_TABLE = """independent_variables:
- header: {name: PT, units: GEV}
  values: [{low: 1.0, high: 2.0}, {low: 2.0, high: 3.0}]
dependent_variables:
- header: {name: RAA}
  values:
  - {value: 0.5, errors: [{symerror: 0.1, label: stat}]}
  - {value: 0.4, errors: [{symerror: 0.1, label: stat}]}
"""


@pytest.mark.parametrize(
    "broken, message",
    [
        (HEPDATA_TABLE.split("  values:\n  - {value")[0], r"'values' is a required property in 'dependent_variables\[0\]'"),
        (HEPDATA_TABLE.split("\ndependent_variables:")[0] + "\ndependent_variables: []\n", "no dependent_variables is not supported"),
    ],
    ids=["no_values", "no_dependent_variables"],
)
def test_malformed_hepdata_tables_name_file_and_key(tmp_path, broken, message):
    """Were a bare KeyError 'values' and 'missing list index out of range'."""
    from hfe.core.errors import TableError
    from hfe.tables.published import load_hepdata_yaml

    good = tmp_path / "good.yaml"
    good.write_text(HEPDATA_TABLE)
    assert load_hepdata_yaml(good).value.tolist() == [0.5, 0.4]
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    with pytest.raises(TableError, match=rf"broken.yaml: not a valid HEPData table \(hepdata-validator\): .*{message}"):
        load_hepdata_yaml(path)
