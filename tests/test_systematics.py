"""Systematic variations: config overrides and their validation, the combination rule."""

from __future__ import annotations

import numpy as np
import pytest

from hfe.core.config import load_config
from hfe.core.errors import ConfigError
from hfe.systematics.combination import combine, source_uncertainty
from hfe.systematics.variations import check_variations, selected_variations, sources, variation_config


@pytest.fixture(scope="module")
def config():
    return load_config("config/config.yaml")


def test_default_variations_are_valid_and_grouped(config):
    check_variations(config)
    groups = sources(config)
    assert set(groups) == {"spectrum_shape", "lambda_c_fraction", "fit_range", "taa", "nonprompt_constraint", "dmeson_v2_fit", "decay_tables", "systematic_correlation", "raa_shape", "lambda_c_v2"}
    assert groups["taa"] == ["taa_up", "taa_down"]
    taa = variation_config(config, "taa_down")["systems"]["PbPb_0-10"]["taa_per_mb"]
    assert taa["value"] == pytest.approx(23.07 - 0.44) and config["systems"]["PbPb_0-10"]["taa_per_mb"]["value"] == 23.07
    assert variation_config(config, "shape_power_law")["decomposition"]["shape"] == "power_law"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"decomposition.shape": "gauss"}, "(?s)variation 'bad'.*decomposition.shape"),
        ({"decomposition.no_such_key": 1}, "(?s)variation 'bad'.*no_such_key"),
        ({"decay_library.chunks": 2}, "variations.bad.overrides.decay_library.chunks.*may only override"),
        ({"decomposition.nothere.deeper": 1}, "variations.bad.overrides.decomposition.nothere.deeper"),
    ],
)
def test_bad_variation_names_its_key(config, overrides, message):
    bad = {**config, "variations": {"bad": {"overrides": overrides}}}
    with pytest.raises(ConfigError, match=message):
        check_variations(bad)


def test_selection_of_variations(config):
    only = {**config, "systematics": {**config["systematics"], "only": ["taa_up"]}}
    assert selected_variations(only) == ["taa_up"] and sources(only) == {"taa": ["taa_up"]}
    with pytest.raises(ConfigError, match="systematics.only"):
        selected_variations({**config, "systematics": {**config["systematics"], "only": ["nope"]}})


def test_closure_model_variations_must_run(config):
    """The closure's model systematics come from variations that run; the default takes the five
    model-choice ones (config/config.yaml)."""
    assert [config["variations"][v]["source"] for v in config["closure"]["model_variations"]] == [
        "spectrum_shape", "raa_shape", "fit_range", "dmeson_v2_fit", "lambda_c_v2"]
    only = {**config, "systematics": {**config["systematics"], "only": ["taa_up", "dmeson_v2_in_pt"]}}
    with pytest.raises(ConfigError, match=r"closure.model_variations.*'shape_power_law'.*not among the variations that run"):
        check_variations(only)
    check_variations({**only, "closure": {"model_variations": ["dmeson_v2_in_pt"]}})


def test_combination_rule():
    up, down = source_uncertainty([np.array([0.3, -0.2, 0.1]), np.array([-0.1, -0.5, 0.4])])
    assert np.allclose(up, [0.3, 0.5, 0.4]) and np.allclose(down, [0.1, 0.5, 0.4])  # one-sided -> symmetrised
    nominal = np.array([1.0, 2.0])
    parts = combine(nominal, {"a": np.array([1.3, 2.0]), "b": np.array([0.6, 2.1]), "c": np.array([1.4, 1.9])}, {"s1": ["a", "b"], "s2": ["c"]})
    assert np.allclose(parts["s1"][0], [0.3, 0.1]) and np.allclose(parts["s1"][1], [0.4, 0.1])
    assert np.allclose(parts["total"][0], np.hypot([0.3, 0.1], [0.4, 0.1]))
