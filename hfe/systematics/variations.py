"""Systematic variations: named sets of dotted-key overrides of the fit stage.

A variation ``{source: ..., description: ..., overrides: {"decomposition.shape": "power_law"}}``
re-runs the decomposition and the flow analysis (on the nominal measurement and responses) with
the overridden config. Overrides may only touch the fit stage (``decomposition.*``, ``flow.*``,
``systems.<name>.taa_per_mb.*``): variations of the decay library, the pseudo-data or the
measurement would need their own library and events, which a variation does not rebuild.
Every variation's config is validated against the schema like the nominal one; errors name
``variations.<name>.overrides.<key>``.
"""

from __future__ import annotations

import copy
import re

from hfe.core.config import validate_config
from hfe.core.errors import ConfigError

NOMINAL = "nominal"
ALLOWED = re.compile(r"^(decomposition|flow)\.|^systems\.[^.]+\.taa_per_mb(\.|$)")


def _set_dotted(config: dict, key: str, value, where: str) -> None:
    node = config
    *parents, last = key.split(".")
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"{where}: '{key}' does not name a config key ('{part}' not found)")
        node = node[part]
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: '{key}' does not name a config key")
    node[last] = copy.deepcopy(value)


def selected_variations(config: dict) -> list[str]:
    """Names of the variations to run (``systematics.only`` or all), in config order."""
    names = list(config["variations"])
    only = config["systematics"]["only"]
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ConfigError(f"config key 'systematics.only': unknown variations {unknown} (defined: {names})")
    return [n for n in names if not only or n in only]


def variation_config(config: dict, name: str) -> dict:
    """The validated config of variation ``name`` (``nominal``: the config itself)."""
    if name == NOMINAL:
        return config
    if name not in config["variations"]:
        raise ConfigError(f"unknown variation '{name}' (defined: {list(config['variations'])})")
    changed = copy.deepcopy(config)
    for key, value in config["variations"][name]["overrides"].items():
        where = f"config key 'variations.{name}.overrides.{key}'"
        if not ALLOWED.search(key):
            raise ConfigError(f"{where}: variations may only override decomposition.*, flow.* and systems.<name>.taa_per_mb")
        _set_dotted(changed, key, value, where)
    try:
        return validate_config(changed)
    except ConfigError as error:
        raise ConfigError(f"variation '{name}': {error}") from None


def check_variations(config: dict) -> None:
    """Validate every variation (called with the nominal config, before any job)."""
    if NOMINAL in config["variations"]:
        raise ConfigError("config key 'variations.nominal': the name 'nominal' is reserved")
    for name in config["variations"]:
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            raise ConfigError(f"config key 'variations.{name}': names may hold letters, digits, '_' and '-' only")
        variation_config(config, name)
    selected = selected_variations(config)
    missing = [name for name in config["closure"]["model_variations"] if name not in selected]
    if missing:
        raise ConfigError(f"config key 'closure.model_variations': {missing} are not among the variations that run "
                          f"(variations: and systematics.only select {selected})")


def sources(config: dict) -> dict[str, list[str]]:
    """{source: [variation names]} of the selected variations."""
    out: dict[str, list[str]] = {}
    for name in selected_variations(config):
        out.setdefault(config["variations"][name].get("source", name), []).append(name)
    return out
