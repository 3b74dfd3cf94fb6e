"""Configuration: JSON-schema validation that fills defaults, then semantic checks.

Errors name the offending key as a dotted path (``decay_library.species[2]``), so a malformed
config fails before any job starts with a message that says where to look.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from hfe.core.errors import ConfigError

SCHEMA = "config.schema.yaml"  # package data of hfe.core: the one source of keys, types, defaults and meanings


@lru_cache(maxsize=1)
def _package_schema() -> dict:
    return yaml.safe_load(resources.files("hfe.core").joinpath(SCHEMA).read_text())


def load_schema(path: str | Path | None = None) -> dict:
    """The config schema (package data, parsed once per process; a copy), or the schema file at ``path``."""
    if path is None:
        return copy.deepcopy(_package_schema())
    with open(path) as f:
        return yaml.safe_load(f)


def _with_defaults(validator_class):
    """A validator that fills ``default`` values of object properties while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def key_path(path) -> str:
    """Dotted key path of a jsonschema error location, e.g. ``response.step_size``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def validate_config(config: dict, schema: dict | None = None) -> dict:
    """Return a validated copy of ``config`` with defaults filled; raise :class:`ConfigError`."""
    schema = load_schema() if schema is None else schema
    if not isinstance(config, dict):
        raise ConfigError(f"config must be a mapping of keys, got {type(config).__name__}")
    filled = copy.deepcopy(config)
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(filled), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"config key '{key_path(e.absolute_path)}': {e.message}" for e in errors]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))
    check_semantics(filled)
    check_systems(filled)
    check_ranges(filled)
    return filled


def check_semantics(config: dict) -> None:
    """Cross-key checks the schema cannot express."""
    library, response = config["decay_library"], config["response"]
    width = response["parent_pt_bin_width"]
    n_bins = library["pt_max"] / width
    if abs(n_bins - round(n_bins)) > 1e-6:
        raise ConfigError(
            f"config key 'response.parent_pt_bin_width': {width} does not divide "
            f"decay_library.pt_max = {library['pt_max']}"
        )
    edges = response["electron_pt_edges"]
    if edges["max"] <= edges["min"]:
        raise ConfigError("config key 'response.electron_pt_edges': max must exceed min")
    n_e = (edges["max"] - edges["min"]) / edges["width"]
    if abs(n_e - round(n_e)) > 1e-6:
        raise ConfigError("config key 'response.electron_pt_edges.width': does not divide max - min")
    if edges["max"] > library["pt_max"]:
        raise ConfigError(
            f"config key 'response.electron_pt_edges.max': {edges['max']} GeV/c beyond the parents' "
            f"decay_library.pt_max = {library['pt_max']}"
        )


def _check_increasing(values, key: str) -> None:
    steps = [b - a for a, b in zip(values, values[1:])]
    if any(step <= 0 for step in steps):
        bad = next(i for i, step in enumerate(steps) if step <= 0)
        raise ConfigError(f"config key '{key}': edges must increase (entry {bad + 1}: {values[bad + 1]} after {values[bad]})")


def check_ranges(config: dict) -> None:
    """Bin edges increase; every [low, high] range has low < high and overlaps the bins it cuts."""
    edges = config["measurement"]["pt_edges"]
    _check_increasing(edges, "measurement.pt_edges")
    for key in ("decomposition.hfe_fit_range", "flow.hfe_v2_fit_range", "flow.ncq_range"):
        section, name = key.split(".")
        low, high = config[section][name]
        if not low < high:
            raise ConfigError(f"config key '{key}': [{low}, {high}] needs low < high (GeV/c)")
        measured = any(system not in config["decomposition"]["hfe_tables"] for system in config["systems"])
        if measured and (high <= edges[0] or low >= edges[-1]):
            raise ConfigError(f"config key '{key}': [{low}, {high}] GeV/c lies outside measurement.pt_edges [{edges[0]}, {edges[-1]}]")
    response_max = config["response"]["electron_pt_edges"]["max"]
    if any(not is_published(config, s) for s in config["systems"]) and edges[-1] > response_max + 1e-9:
        raise ConfigError(f"config key 'measurement.pt_edges': the last edge {edges[-1]} GeV/c lies beyond "
                          f"response.electron_pt_edges.max = {response_max} GeV/c: the responses cannot predict those bins")
    low, high = config["flow"]["ncq_range"]
    measured_pbpb = any(s not in config["decomposition"]["hfe_tables"] and setup["kind"] == "PbPb" for s, setup in config["systems"].items())
    off_edge = [value for value in (low, high) if edges[0] < value < edges[-1] and not any(abs(value - e) < 1e-9 for e in edges)]
    if measured_pbpb and off_edge:
        raise ConfigError(f"config key 'flow.ncq_range': {off_edge} GeV/c is not an edge of measurement.pt_edges {edges}: the NCQ test "
                          "uses the HFE v2 bins inside the range, and the range it states must be the one it tests")
    unknown = [name for name in config["decomposition"]["hfe_tables"] if name not in config["systems"]]
    if unknown:
        raise ConfigError(f"config key 'decomposition.hfe_tables': {unknown} are not systems (systems: {list(config['systems'])})")


SYSTEM_NAME = re.compile(r"[A-Za-z0-9_\-]+")  # system names become folder and file names


def is_published(config: dict, system: str) -> bool:
    """The system's HFE is a published table (``decomposition.hfe_tables``), not pseudo-data:
    no truth, no events, no closure."""
    return system in config["decomposition"]["hfe_tables"]


def pseudo_systems(config: dict) -> list[str]:
    """Systems whose HFE is measured on the pseudo-data (the data-source switch is
    ``decomposition.hfe_tables``: a system listed there reads its published table)."""
    return [name for name in config["systems"] if not is_published(config, name)]


def flow_systems(config: dict) -> list[str]:
    """Nucleus-nucleus systems with a v2 analysis: an HFE v2 source (the pseudo-data measurement,
    or ``flow.hfe_v2_tables``) and a D-meson v2 curve (``flow.dmeson_v2``)."""
    flow = config["flow"]
    return [name for name, setup in config["systems"].items()
            if setup["kind"] == "PbPb" and name in flow["dmeson_v2"]
            and (not is_published(config, name) or name in flow["hfe_v2_tables"])]


def check_systems(config: dict) -> None:
    """Each system has a safe name, what its kind and data source need (a pseudo-data system:
    events in whole seeded blocks per chunk, truth curves, event-plane resolutions), and its
    inputs; fills a Pb-Pb system's ``inputs_taa_per_mb`` from ``taa_per_mb`` when absent."""
    block = config["pseudo_data"]["block_size"]
    truth = config["truth"]
    for name, system in config["systems"].items():
        key = f"systems.{name}"
        if not SYSTEM_NAME.fullmatch(name):
            raise ConfigError(f"config key '{key}': system names may hold letters, digits, '_' and '-' only")
        pseudo = not is_published(config, name)
        needed = ("sigma_inel_mb",) if system["kind"] == "pp" else ("taa_per_mb",)
        if pseudo:
            needed += ("n_events",) + (("event_plane_resolution",) if system["kind"] == "PbPb" else ())
        for item in needed:
            if item not in system:
                what = "pseudo-data " if item in ("n_events", "event_plane_resolution") else ""
                raise ConfigError(f"config key '{key}.{item}': required for a {what}{system['kind']} system")
        if pseudo and system["n_events"] % (system["chunks"] * block) != 0:
            raise ConfigError(
                f"config key '{key}.n_events': {system['n_events']} is not a whole number of blocks "
                f"(pseudo_data.block_size = {block}) per chunk ({system['chunks']} chunks)"
            )
        if system["kind"] == "PbPb":
            # the published R_AA inputs were divided by the nominal <T_AA> unless said otherwise;
            # filled once here, so a variation of taa_per_mb leaves it alone
            system.setdefault("inputs_taa_per_mb", dict(system["taa_per_mb"]))
            for quantity in ("charm_raa", "beauty_raa", "charm_v2", "beauty_v2") if pseudo else ():
                if name not in truth[quantity]:
                    raise ConfigError(f"config key 'truth.{quantity}.{name}': no truth curve for system {name}")
            tables = ("d0_raa", "nonprompt_raa") if config["decomposition"]["nonprompt_constraint"] else ("d0_raa",)
            for key in tables:
                if name not in config["decomposition"][key]:
                    raise ConfigError(f"config key 'decomposition.{key}.{name}': no table for system {name}")
    unknown = [name for name in config["flow"]["hfe_v2_tables"] if name not in config["systems"]]
    if unknown:
        raise ConfigError(f"config key 'flow.hfe_v2_tables': {unknown} are not systems (systems: {list(config['systems'])})")
    without_flow = [name for name in config["export"]["btoe_v2"] if name not in flow_systems(config)]
    if without_flow:
        raise ConfigError(f"config key 'export.btoe_v2': {without_flow} have no v2 analysis (systems with one: {flow_systems(config)})")
    if sum(1 for s in config["systems"].values() if s["kind"] == "pp") != 1 and any(
        s["kind"] == "PbPb" for s in config["systems"].values()
    ):
        raise ConfigError("config key 'systems': Pb-Pb systems need exactly one pp system (the R_AA reference)")


def is_curve(value) -> bool:
    """A curve of the config (``{form, parameters, fit, ...}``): one value, never merged key by key."""
    return isinstance(value, dict) and "form" in value


def merge_configs(base: dict, override: dict) -> dict:
    """Recursive update of ``base`` by ``override`` (how Snakemake combines ``--configfile``s),
    except that a curve of ``override`` replaces the base's curve as a whole: a truth file saying
    ``{form: constant, parameters: {value: 1.0}}`` must not inherit the default's ``fit``."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and not is_curve(value) and isinstance(merged.get(key), dict):
            merged[key] = merge_configs(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def with_whole_curves(config: dict, overrides: list[dict]) -> dict:
    """``config`` as Snakemake merged it (key by key) with every curve of the ``overrides`` (the
    ``--configfile`` contents, in order) put back as a whole (:func:`merge_configs`)."""
    out = copy.deepcopy(config)

    def put(target: dict, override: dict) -> None:
        for key, value in override.items():
            if is_curve(value):
                target[key] = copy.deepcopy(value)
            elif isinstance(value, dict) and isinstance(target.get(key), dict):
                put(target[key], value)

    for override in overrides:
        put(out, override)
    return out


def read_yaml(path: str | Path) -> dict:
    """A config file's mapping; errors name the file (and the line of a YAML error). An empty
    file is an error: it is a mistake more often than an intended no-op."""
    path = Path(path)
    try:
        with open(path) as f:
            content = yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if content is None:
        raise ConfigError(f"{path}: config file is empty (a config file holds a mapping of keys)")
    if not isinstance(content, dict):
        raise ConfigError(f"{path}: a config file holds a mapping of keys at the top level, not a {type(content).__name__}")
    return content


def check_config_files(*paths: str | Path, default: str | Path = "config/config.yaml") -> dict:
    """The config the workflow builds from ``snakemake --configfile PATHS``: ``default`` (the
    Snakefile's ``configfile:``) updated by each file, unless one says ``standalone: true``,
    curves taken whole; validated. What ``python -m hfe.core.config`` runs."""
    standalone = any(read_yaml(path).get("standalone") for path in paths)
    return load_config(*paths) if standalone else load_config(default, *paths)


def main(argv: list[str] | None = None) -> int:
    """``python -m hfe.core.config [FILE ...]``: check config files before a run. Snakemake
    parses ``--configfile`` itself, and its message on a YAML error names neither the file nor
    the line; this names both, then validates the merged config as the workflow would."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    try:
        config = check_config_files(*paths)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 1
    print(f"valid: {len(config['systems'])} systems, results in {config['results_dir']}/")
    return 0



def load_config(*paths: str | Path) -> dict:
    """Read YAML config files, later ones updating earlier ones, and validate the result."""
    config: dict = {}
    for path in paths:
        config = merge_configs(config, read_yaml(path))
    return validate_config(config)


def config_slice(config: dict, keys: list[str] | tuple[str, ...]) -> dict:
    """The nested sub-config holding only ``keys`` (dotted paths; a ``*`` segment takes every
    entry of a mapping, keys missing under a ``*`` are skipped). This is what a rule declares as
    its ``config`` params entry: Snakemake stores params with the outputs, so an edit of any of
    these keys reruns the rule, and an edit of any other key does not."""
    out: dict = {}

    def take(source, target: dict, parts: list[str], path: str) -> None:
        head, rest = parts[0], parts[1:]
        if head == "*":
            names = list(source) if isinstance(source, dict) else []
        elif isinstance(source, dict) and head in source:
            names = [head]
        elif path.endswith("*"):
            return
        else:
            raise ConfigError(f"config key '{'.'.join([path, head]).lstrip('.')}' does not exist")
        for name in names:
            if not rest:
                target[name] = copy.deepcopy(source[name])
            elif isinstance(source[name], dict):
                take(source[name], target.setdefault(name, {}), rest, f"{path}.{head}")
            elif head != "*":
                raise ConfigError(f"config key '{path.lstrip('.')}.{name}' is not a mapping")

    for key in keys:
        take(config, out, key.split("."), "")
    return out


def config_fingerprint(section: dict) -> str:
    """A short hash of a config section (a :func:`config_slice`): stored in outputs that are
    reused across runs (bootstrap batches), so that a batch made with another configuration is
    never merged with this one's, even where Snakemake's params record is missing."""
    return hashlib.sha256(json.dumps(section, sort_keys=True, default=str).encode()).hexdigest()[:16]


if __name__ == "__main__":
    raise SystemExit(main())
