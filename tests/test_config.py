"""Config validation: defaults filled, malformed configs name the offending key."""

from __future__ import annotations

import pytest

from hfe.core.config import load_config, load_schema, validate_config
from hfe.core.errors import ConfigError
from hfe.core.species import SPECIES


def test_defaults_are_filled():
    config = validate_config({})
    assert config["decay_library"]["species"] == list(SPECIES)
    assert config["decay_library"]["pt_max"] == 40.0 and config["decay_library"]["y_max"] == 2.5
    assert config["response"]["electron_eta_max"] == 0.8 and config["response"]["parent_pt_bin_width"] == 0.1
    assert config["response"]["branching_ratio_scaling"] == "pdg"


def test_shipped_configs_are_valid():
    load_config("config/config.yaml")
    merged = load_config("config/config.yaml", "config/test.yaml")  # as snakemake --configfile merges
    assert merged["systems"]["pp"]["n_events"] == 2_000_000 and "PbPb_30-50" in merged["truth"]["charm_v2"]


def test_schema_knows_exactly_the_library_species():
    enum = load_schema()["properties"]["decay_library"]["properties"]["species"]["items"]["enum"]
    assert enum == list(SPECIES)


@pytest.mark.parametrize(
    "config, key",
    [
        ({"decay_libary": {}}, "decay_libary"),  # typo of a section
        ({"decay_library": {"chunk": 3}}, "chunk"),  # unknown key
        ({"decay_library": {"chunks": "four"}}, "decay_library.chunks"),
        ({"decay_library": {"species": ["D0", "Xi_cc"]}}, r"decay_library.species\[1\]"),
        ({"response": {"branching_ratio_scaling": "evtgen"}}, "response.branching_ratio_scaling"),
        ({"response": {"parent_pt_bin_width": 0.3}}, "response.parent_pt_bin_width"),
        ({"response": {"electron_pt_edges": {"max": 50.0}}}, "response.electron_pt_edges.max"),
        ({"seed": -1}, "seed"),
    ],
)
def test_malformed_config_names_the_key(config, key):
    with pytest.raises(ConfigError, match=key):
        validate_config(config)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("bad.yaml", "decay_library: [unclosed\n", "bad.yaml: not valid YAML"),
        ("tab.yaml", "seed: 5\ndecomposition:\n\thfe_fit_range: [1, 8]\n",
         r"(?s)tab.yaml: not valid YAML .*'\\t' that cannot start any token.*line 3, column 1"),
        ("empty.yaml", "", "empty.yaml: config file is empty"),
        ("list.yaml", "- seed: 5\n", "list.yaml: a config file holds a mapping of keys at the top level, not a list"),
    ],
)
def test_unreadable_config_file(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_config_check_command_names_file_and_line(tmp_path, capsys):
    """Snakemake parses --configfile itself (its YAML message names no file): the check command
    names the file and line, and validates the merged config as the workflow would."""
    from hfe.core.config import main

    tab = tmp_path / "tab.yaml"
    tab.write_text("seed: 5\ndecomposition:\n\thfe_fit_range: [1, 8]\n")
    assert main(["config/test.yaml", str(tab)]) == 1
    assert "tab.yaml: not valid YAML" in capsys.readouterr().err
    assert main(["config/test.yaml"]) == 0
    assert "valid: 3 systems, results in results/" in capsys.readouterr().out
    assert main(["config/rhic_auau200.yaml"]) == 0  # standalone: the default is not merged under it
    assert "valid: 4 systems, results in results/rhic_auau200/" in capsys.readouterr().out
    typo = tmp_path / "typo.yaml"
    typo.write_text("decomposition:\n  hfe_fit_range: [8, 2]\n")
    assert main([str(typo)]) == 1
    assert "decomposition.hfe_fit_range" in capsys.readouterr().err
    # as documented, a module run: `python -m hfe.core.config FILE` (main() runs after every definition)
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "hfe.core.config", "config/closure/beauty_hard.yaml"], capture_output=True, text=True)
    assert run.returncode == 0 and "valid: 3 systems" in run.stdout, run.stderr[-2000:]


@pytest.mark.parametrize(
    "system, key",
    [
        ({"kind": "PbPb", "n_events": 10000, "taa_per_mb": {"value": 1, "error": 0}}, "event_plane_resolution"),
        ({"kind": "pp", "n_events": 10000}, "sigma_inel_mb"),
        ({"kind": "pp", "n_events": 15000, "sigma_inel_mb": 67.6}, "n_events"),
        ({"kind": "PbPb", "n_events": 10000, "taa_per_mb": {"value": 1, "error": 0}, "event_plane_resolution": [0.5, 0.5, 0.5]}, "truth.charm_raa.new"),
    ],
)
def test_system_checks_name_the_key(system, key):
    with pytest.raises(ConfigError, match=key):
        validate_config({"systems": {"new": system}})


def test_config_slice_keeps_only_the_named_keys():
    """What a rule declares as params: the named keys (with '*' over names), nothing else."""
    from hfe.core.config import config_slice

    config = {"seed": 1, "systems": {"pp": {"kind": "pp", "n_events": 10}, "AA": {"kind": "PbPb", "taa_per_mb": {"value": 2.0}}},
              "decomposition": {"hfe_fit_range": [0.5, 12.0], "shape": "levy"}}
    sliced = config_slice(config, ["seed", "systems.*.taa_per_mb", "systems.*.kind", "decomposition.shape"])
    assert sliced == {"seed": 1, "systems": {"pp": {"kind": "pp"}, "AA": {"taa_per_mb": {"value": 2.0}, "kind": "PbPb"}},
                      "decomposition": {"shape": "levy"}}
    sliced["systems"]["AA"]["taa_per_mb"]["value"] = 3.0  # a copy: the config is untouched
    assert config["systems"]["AA"]["taa_per_mb"]["value"] == 2.0
    with pytest.raises(ConfigError, match="decomposition.nonexistent"):
        config_slice(config, ["decomposition.nonexistent"])


@pytest.mark.parametrize(
    "config, message",
    [
        ({"measurement": {"pt_edges": [0.5, 1.0, 1.0, 2.0]}}, r"measurement.pt_edges': edges must increase \(entry 2: 1.0 after 1.0\)"),
        ({"measurement": {"pt_edges": [0.5, 2.0, 1.5]}}, "measurement.pt_edges': edges must increase"),
        ({"decomposition": {"hfe_fit_range": [8.0, 2.0]}}, "decomposition.hfe_fit_range': .* needs low < high"),
        ({"decomposition": {"hfe_fit_range": [30.0, 40.0]}}, "decomposition.hfe_fit_range': .* lies outside measurement.pt_edges"),
        ({"flow": {"ncq_range": [3.0, 3.0]}}, "flow.ncq_range': .* needs low < high"),
        ({"measurement": {"pt_edges": [0.5, 1.0, 8.0, 35.0]}}, r"measurement.pt_edges': the last edge 35.0 GeV/c lies beyond response.electron_pt_edges.max = 30"),
        ({"decomposition": {"hfe_tables": {"PP": "data/x.csv"}}}, r"decomposition.hfe_tables': \['PP'\] are not systems"),
        ({"systems": {"../../x/escape": {"kind": "pp", "sigma_inel_mb": 67.6, "n_events": 10000}}},
         "systems.../../x/escape': system names may hold letters, digits"),
    ],
)
def test_inconsistent_config_fails_before_any_job(config, message):
    """Checks the schema cannot express, with the key named (issue: bad input gives a clear error)."""
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


def test_ncq_window_must_be_made_of_whole_hfe_v2_bins():
    """The NCQ test uses the HFE v2 bins inside flow.ncq_range: a range that cuts a bin would
    state a window it does not test (issue: windows mislabelled)."""
    from hfe.core.config import read_yaml

    config = read_yaml("config/config.yaml")
    config.setdefault("flow", {})["ncq_range"] = [3.0, 6.5]
    with pytest.raises(ConfigError, match=r"flow.ncq_range': \[6.5\] GeV/c is not an edge of measurement.pt_edges"):
        validate_config(config)
    config["flow"]["ncq_range"] = [3.0, 7.0]
    validate_config(config)


def test_a_curve_in_a_config_file_replaces_the_default_curve_as_a_whole():
    """Snakemake merges config files key by key; a curve must not keep the default's `fit`
    (a constant beauty R_AA = 1 would silently be fitted to the non-prompt D0 table)."""
    from hfe.core.config import merge_configs, read_yaml, with_whole_curves

    default = read_yaml("config/config.yaml")
    truth = read_yaml("config/closure/beauty_raa_one.yaml")
    key_by_key = {**default, "truth": {**default["truth"], "beauty_raa": {
        s: {**default["truth"]["beauty_raa"][s], **c} for s, c in truth["truth"]["beauty_raa"].items()}}}
    assert "fit" in key_by_key["truth"]["beauty_raa"]["PbPb_0-10"]  # what a key-by-key merge leaves
    for merged in (with_whole_curves(key_by_key, [truth]), merge_configs(default, truth)):
        assert merged["truth"]["beauty_raa"]["PbPb_0-10"] == {"form": "constant", "parameters": {"value": 1.0}}
        assert merged["truth"]["charm_raa"] == default["truth"]["charm_raa"]  # other curves untouched
        validate_config(merged)


@pytest.mark.parametrize("name", ["beauty_raa_one", "beauty_hard", "beauty_v2_zero"])
def test_closure_truths_are_valid_and_fit_nothing_they_replace(name):
    from hfe.core.config import merge_configs, read_yaml

    truth = read_yaml(f"config/closure/{name}.yaml")["truth"]
    merged = validate_config(merge_configs(read_yaml("config/config.yaml"), {"truth": truth}))
    for quantity, curves in truth.items():
        for curve in ([curves] if "form" in curves else curves.values()):
            assert "fit" not in curve
        assert merged["truth"][quantity] == {**read_yaml("config/config.yaml")["truth"][quantity], **curves} if "form" not in curves \
            else merged["truth"][quantity] == curves


def test_snakemake_takes_a_truth_files_curve_whole(tmp_path):
    """`snakemake --configfile config/test.yaml config/closure/beauty_raa_one.yaml -n`: the truth
    rule no longer reads the non-prompt D0 R_AA tables (the constant is not fitted to them)."""
    from workflow_helpers import copy_workflow, run_snakemake

    work = copy_workflow(tmp_path)
    default = run_snakemake(work, "-n", targets=("results/truth/truth.json",))
    closure = run_snakemake(work, "--configfile", "config/test.yaml", "config/closure/beauty_raa_one.yaml", "-n",
                            targets=("results/truth/truth.json",))
    assert default.returncode == 0 and closure.returncode == 0, closure.stderr[-2000:]
    assert "nonprompt_RAA_0-10" in default.stdout
    assert "nonprompt_RAA" not in closure.stdout and "D0_RAA_0-10" in closure.stdout
