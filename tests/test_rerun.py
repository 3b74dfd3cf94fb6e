"""A config edit reruns exactly what it affects: on a finished run of the test config, edit one
key and check that ``snakemake -n`` plans the jobs of the rules that read the key (their
``config`` params) and of everything downstream of them, and nothing else."""

from __future__ import annotations

import os
import re
import time

import pytest
import yaml

from workflow_helpers import run_snakemake

pytestmark = pytest.mark.slow

DOWNSTREAM_OF_FITS = {"bootstrap_fit", "bootstrap_merge", "combine_systematics", "figure", "hepdata", "summary", "all"}
FITS = {"decompose_pp", "decompose_pbpb", "flow_pbpb"} | DOWNSTREAM_OF_FITS
MEASUREMENT = {"measure_hfe_pp", "measure_hfe_pbpb", "bootstrap_measure"} | FITS
DECAY_LIBRARY = {"decay_chunk", "electron_yields", "response", "dzero_response", "flow_response", "dzero_flow_response"}
ALL_RULES = DECAY_LIBRARY | {"truth_model", "pseudo_events"} | MEASUREMENT

# (dotted key, new value, rules expected to run: all their jobs, or {rule: number of jobs})
EDITS = [
    ("decay_library.parents_per_event", 50, ALL_RULES),
    ("response.electron_eta_max", 0.7, ALL_RULES - {"decay_chunk", "electron_yields"}),
    ("truth.beauty_fractions.B0", 0.40, ALL_RULES - DECAY_LIBRARY),
    ("pseudo_data.background.ratio_to_signal", 0.7, {"pseudo_events"} | MEASUREMENT),
    # the pseudo-events' own decay library (independent seeds) and branching ratios
    ("pseudo_data.branching_ratios", "pythia", {"pseudo_events"} | MEASUREMENT),
    ("pseudo_data.decay_library", "shared", {"pseudo_events"} | MEASUREMENT),
    # another pseudo-data sample of the same truth: new events, same decay libraries and responses
    ("pseudo_data.sample", 1, {"pseudo_events"} | MEASUREMENT),
    ("pseudo_data.decay_library_chunks", 2, {"decay_chunk": 8, "electron_yields": 1, **{rule: None for rule in {"pseudo_events"} | MEASUREMENT}}),
    ("measurement.step_size", 5000, MEASUREMENT),
    ("measurement.background_origin", 4, MEASUREMENT),
    ("systems.PbPb_30-50.event_plane_resolution", [0.8, 0.6, 0.65], {
        # one system: its events, measurements and fits (nominal + 4 variations), then all outputs
        "pseudo_events": 2, "measure_hfe_pbpb": 1, "bootstrap_measure": 2, "decompose_pbpb": 5, "flow_pbpb": 5,
        **{rule: None for rule in DOWNSTREAM_OF_FITS},
    }),
    ("decomposition.hfe_fit_range", [1.0, 10.0], FITS),
    ("decomposition.max_chi2_ndf", 6.0, FITS),
    # closure mode for one input: the truth's expectation is computed and every fit reruns on it
    ("decomposition.input_tables.d0_pp", "pseudo", {"toy_expectation": 1, **{rule: None for rule in FITS}}),
    ("flow.ncq_range", [3.0, 6.0], {"flow_pbpb"} | DOWNSTREAM_OF_FITS),
    ("bootstrap.max_failed_fraction", 0.2, {"bootstrap_merge", "combine_systematics", "figure", "hepdata", "summary", "all"}),
    ("systematics.method_min_beauty_fraction", 0.4, {"combine_systematics", "figure", "hepdata", "summary", "all"}),
    ("variations.taa_up.overrides", {"systems.PbPb_0-10.taa_per_mb.value": 23.6}, {
        # one variation of one system: its Pb-Pb fit and flow, then the combination and outputs
        "decompose_pbpb": 1, "flow_pbpb": 1, "combine_systematics": 1, "figure": None, "hepdata": 1, "summary": 1, "all": 1,
    }),
    ("figures.png_dpi", 150, {"figure", "all"}),
    # keys that no rule of the default target reads: nothing to do
    ("variations.shape_power_law.description", "another description", set()),
    ("toys.pt_range", [1.0, 6.0], set()),
]


def nested(key: str, value) -> dict:
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def planned_jobs(workdir, *args, targets=()) -> dict[str, int]:
    """{rule: number of jobs} that ``snakemake TARGETS -n ARGS`` plans."""
    result = run_snakemake(workdir, *args, "-n", targets=targets)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


@pytest.fixture(scope="module")
def finished(local_workflow):
    assert planned_jobs(local_workflow) == {}, "the finished test run is not up to date"
    return local_workflow


@pytest.fixture(scope="module")
def all_jobs(finished):
    return planned_jobs(finished, "--forceall")


def test_every_stage_is_covered():
    stages = {key.split(".")[0] for key, _, _ in EDITS}
    expected = {"decay_library", "response", "truth", "pseudo_data", "measurement", "systems", "decomposition", "flow",
                "bootstrap", "systematics", "variations", "figures", "toys"}
    assert stages == expected and len(EDITS) >= 12


@pytest.mark.parametrize("key, value, expected", EDITS, ids=[e[0] for e in EDITS])
def test_config_edit_plans_exactly_the_affected_jobs(finished, all_jobs, key, value, expected, tmp_path):
    edit = finished / "config" / f"edit_{tmp_path.name}.yaml"
    edit.write_text(yaml.safe_dump(nested(key, value)))
    try:
        planned = planned_jobs(finished, "--configfile", "config/test.yaml", str(edit.relative_to(finished)))
    finally:
        edit.unlink()
    counts = expected if isinstance(expected, dict) else dict.fromkeys(expected)
    want = {rule: all_jobs[rule] if n is None else n for rule, n in counts.items()}
    assert planned == want, f"{key}: planned {planned}, expected {want}"


def test_editing_a_published_table_reruns_the_fits_that_read_it(finished, all_jobs):
    """Published tables are rule inputs: an edited comparison table of Pb-Pb 0-10 % (newer and
    with new content: Snakemake compares the checksum of small inputs, so a mere touch reruns
    nothing) reruns that system's fits (nominal and 4 variations) and what follows, nothing upstream."""
    table = finished / "data/published/ALICE_PbPb5TeV_btoe_RAA_0-10_2211.13985.csv"
    before, text = table.stat(), table.read_text()
    later = time.time() + 3600  # newer than every output, however old the checkout's files are
    os.utime(table, (before.st_atime, later))
    try:
        assert planned_jobs(finished) == {}  # same content: nothing to do
        table.write_text(text + "\n")
        os.utime(table, (before.st_atime, later))
        planned = planned_jobs(finished)
    finally:
        table.write_text(text)
        os.utime(table, (before.st_atime, before.st_mtime))
    assert planned == {"decompose_pbpb": 5, "flow_pbpb": 5, **{rule: all_jobs[rule] for rule in DOWNSTREAM_OF_FITS}}
