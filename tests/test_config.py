"""Config validation: defaults filled, malformed configs name the offending key."""

from __future__ import annotations

import pytest

from hfe.core.config import load_config, load_schema, validate_config
from hfe.core.errors import ConfigError
from hfe.core.species import SPECIES


def test_defaults_are_filled():
    config = validate_config({})
    assert config["decay_library"]["species"] == list(SPECIES)
    assert config["decay_library"]["pt_max"] == 40.0 and config["decay_library"]["y_max"] == 1.0
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


def test_unreadable_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("decay_library: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)


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
