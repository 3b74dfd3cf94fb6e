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
        ({"decomposition": {"hfe_tables": {"PP": "data/x.csv"}}}, r"decomposition.hfe_tables': \['PP'\] are not systems"),
        ({"systems": {"../../x/escape": {"kind": "pp", "sigma_inel_mb": 67.6, "n_events": 10000}}},
         "systems.../../x/escape': system names may hold letters, digits"),
    ],
)
def test_inconsistent_config_fails_before_any_job(config, message):
    """Checks the schema cannot express, with the key named (issue: bad input gives a clear error)."""
    with pytest.raises(ConfigError, match=message):
        validate_config(config)
