"""Shared fixtures: a small decay library generated once per test session."""

from __future__ import annotations

import pytest

from hfe.core.species import SPECIES
from hfe.decays.generator import DecayKinematics
from hfe.decays.library import write_decay_chunk
from workflow_helpers import copy_workflow, run_snakemake

# Parents per species in the session library: enough for percent-level branching-ratio checks
# (MC error on D0 -> e of about 2 % relative) while generating in about 15 s on one core.
LIBRARY_PARENTS = {"charm": 40_000, "beauty": 20_000}
LIBRARY_CHUNKS = 2
LIBRARY_SEED = 11


# Tests that need the PYTHIA session library or a workflow run belong to the slow tier
# (`pytest -m slow`); the default tier (`python -m pytest`) stays under 3 minutes on 2 cores.
SLOW_FIXTURES = {"decay_library", "local_workflow"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def decay_library(tmp_path_factory):
    """{species name: [paths of its chunks]} for all eight species."""
    directory = tmp_path_factory.mktemp("decays")
    library = {}
    for name, species in SPECIES.items():
        n = LIBRARY_PARENTS[species.flavour] // LIBRARY_CHUNKS
        library[name] = []
        for chunk in range(LIBRARY_CHUNKS):
            path = directory / f"{name}_{chunk}.root"
            write_decay_chunk(path, name, chunk, n, LIBRARY_SEED, DecayKinematics(pt_max=40.0, y_max=1.0))
            library[name].append(path)
    return library


@pytest.fixture(scope="session")
def local_workflow(tmp_path_factory):
    """The workflow run locally on config/test.yaml once per session: its working directory."""
    work = copy_workflow(tmp_path_factory.mktemp("workflow"))
    result = run_snakemake(work)
    assert result.returncode == 0, result.stderr[-3000:]
    return work
