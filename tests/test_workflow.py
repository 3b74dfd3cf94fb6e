"""End to end: the Snakemake workflow on the tiny test config, from a temporary directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.response import ResponseMatrix

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("workflow")
    for item in ("Snakefile", "workflow", "config", "data"):
        source = ROOT / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, work / item)
    return work


def snakemake(workdir, *args, timeout=600):
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config/test.yaml", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)


def test_workflow_builds_library_and_responses(workdir):
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    for species in ("D0", "Bplus"):
        for chunk in (0, 1):
            assert (workdir / f"results/decays/{species}/chunk_{chunk}.root").exists()
        response = ResponseMatrix.load(workdir / f"results/responses/{species}.npz")
        assert response.matrix.shape == (40, 400)
        assert response.provenance["species"] == species and len(response.provenance["chunks"]) == 2
        assert response.provenance["chunks"][0]["pythia_version"] == "8.317.0"
        assert np.all(response.matrix >= 0) and response.matrix.sum() > 0
    assert (workdir / "results/decays/electron_yields.json").exists()


def test_rerun_reproduces_responses_bit_for_bit(workdir):
    first = {s: (workdir / f"results/responses/{s}.npz").read_bytes() for s in ("D0", "Bplus")}
    result = snakemake(workdir, "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    for species, content in first.items():
        assert (workdir / f"results/responses/{species}.npz").read_bytes() == content


def test_malformed_config_fails_before_any_job(tmp_path):
    for item in ("Snakefile", "workflow", "config", "data"):
        source = ROOT / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    (tmp_path / "config" / "bad.yaml").write_text("decay_library:\n  species: [D0, Xi_cc]\n")
    command = [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "config/bad.yaml"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "decay_library.species[1]" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()
