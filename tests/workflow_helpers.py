"""Running copies of the workflow from tests (local or through a batch system)."""

from __future__ import annotations

WORKFLOW_ITEMS = ("workflow", "config", "data")


def copy_workflow(destination):
    """A runnable copy of the workflow (workflow/Snakefile, rules, config, shipped data) in ``destination``."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for item in WORKFLOW_ITEMS:
        source = root / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination / item)
    return destination


def run_snakemake(workdir, *args, targets=(), timeout=900):
    """``snakemake TARGETS --configfile config/test.yaml ARGS`` in ``workdir`` (local, 2 cores
    unless ARGS say otherwise), killed after ``timeout`` s. Targets come first: after
    ``--configfile`` (which takes several files) a target would be read as a config file."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "snakemake", *targets, "--configfile", "config/test.yaml", *args]
    if "--executor" not in args and "--workflow-profile" not in args:
        command += ["--cores", "2"]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
