"""The workflow through a real SLURM scheduler (single node, started here) with the slurm profile.

Needs root and apt (to install and start slurm-wlm + munge; tests/cluster/local_slurm.sh) and
snakemake-executor-plugin-slurm; skipped with the reason otherwise, or when HFE_SKIP_CLUSTER=1.
Every scheduler-facing Snakemake call runs under a timeout: a status-check misconfiguration is
a silent hang, not an error. The daemons are stopped by the PIDs in their pid files.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from workflow_helpers import copy_workflow, run_snakemake

pytestmark = pytest.mark.cluster

SCRIPT = Path(__file__).resolve().parent / "cluster" / "local_slurm.sh"
SLURM_ARGS = (
    "--workflow-profile",
    "workflow/profiles/slurm",
    "--slurm-no-account",  # the test cluster has no accounting database ...
    "--slurm-status-command",
    "squeue",  # ... so job states come from squeue, not sacct
    "--slurm-init-seconds-before-status-checks",
    "5",
    "--jobs",
    "4",
    "--cores",
    "2",  # the node's CPUs: grouped jobs are stacked to fit
)
SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+)")


def _skip_reason() -> str | None:
    if os.environ.get("HFE_SKIP_CLUSTER") == "1":
        return "HFE_SKIP_CLUSTER=1"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install '.[test]')"
    if os.geteuid() != 0:
        return "starting SLURM daemons needs root"
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        return "no slurmctld and no apt-get to install slurm-wlm"
    return None


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running single-node SLURM; yields its state directory (logs, job-completion log)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # the daemons run as the users munge and slurm: their directory must be reachable by them
    # (pytest's own temporary directories are private to root)
    state = Path(tempfile.mkdtemp(prefix="hfe_slurm_"))
    state.chmod(0o755)
    try:
        started = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True, timeout=600)
        if started.returncode != 0:  # root and apt are here: a failed start is a failure, not a skip
            pytest.fail(f"could not start SLURM: {started.stderr.strip()[-1500:]}")
        yield state
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, timeout=120)
        shutil.rmtree(state, ignore_errors=True)


def completed_jobs(state: Path) -> dict[str, str]:
    """{SLURM job id: final state} from the scheduler's job-completion log."""
    log = state / "log" / "jobcomp.log"
    text = log.read_text() if log.exists() else ""
    return dict(re.findall(r"JobId=(\d+) .*?JobState=(\S+)", text))


@pytest.fixture(scope="module")
def slurm_run(slurm, tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("slurm_workflow"))
    result = run_snakemake(work, *SLURM_ARGS, timeout=1500)
    return work, result


def test_every_job_runs_through_slurm(slurm, slurm_run):
    work, result = slurm_run
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    job_ids = SUBMITTED.findall(log)
    assert len(job_ids) > 20, "expected the decay chunks, responses, events, measurements and fits as SLURM jobs"
    finished = completed_jobs(slurm)
    assert {job: finished.get(job) for job in job_ids} == {job: "COMPLETED" for job in job_ids}
    # only the target rule (localrules: all) may run on the submitting machine
    assert set(re.findall(r"^localrule (\w+):", log, flags=re.MULTILINE)) <= {"all"}


def test_slurm_outputs_equal_a_local_run(slurm_run, local_workflow):
    """CSV, JSON and npz outputs are byte-identical to the local run of the same config."""
    work, result = slurm_run
    assert result.returncode == 0
    compared = 0
    for local in sorted((local_workflow / "results").rglob("*")):
        if local.suffix not in {".csv", ".json", ".npz"} or "logs" in local.parts:
            continue
        remote = work / local.relative_to(local_workflow)
        assert remote.exists(), f"{remote} missing from the SLURM run"
        assert remote.read_bytes() == local.read_bytes(), f"{local.relative_to(local_workflow)} differs"
        compared += 1
    assert compared > 50


def test_failing_job_is_reported_as_failure(slurm, slurm_run):
    """A job that fails on the cluster (a corrupt HFE table) fails the run, with its SLURM id."""
    work, _ = slurm_run
    (work / "corrupt.csv").write_text("# not a table\npt_low,pt_high\n1.0\n")
    (work / "config" / "corrupt.yaml").write_text("decomposition:\n  hfe_tables:\n    pp: corrupt.csv\n")
    # the pp fit alone (everything upstream is done): the failure is the only job
    result = run_snakemake(work, *SLURM_ARGS, "--configfile", "config/test.yaml", "config/corrupt.yaml",
                           targets=("results/nominal/decomposition/pp/fit.json",), timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "decompose_pp" in log and "corrupt.csv" in log
    failed = [job for job, state in completed_jobs(slurm).items() if state == "FAILED"]
    assert failed and set(failed) <= set(SUBMITTED.findall(log)), log[-3000:]
