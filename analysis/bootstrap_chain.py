"""One bootstrap replica of the full chain: replica inputs -> global fits -> R_AA and v2.

A replica takes
* the HFE spectrum and v2 of each system from the event-level replicas of the measurement
  (:func:`analysis.hfe_measurement.replica_results`), or, for an HFE table given by the user
  (``decomposition.hfe_tables``), a replica drawn within its uncertainties;
* every published input of the fits (D0 cross section and R_AA, non-prompt D0, D-meson v2)
  drawn within its uncertainties (:mod:`analysis.table_replicas`);
* every decay-library response redrawn within its MC statistics (:mod:`analysis.response_replicas`);
and runs the same code as the nominal analysis on them (pp fit, Pb-Pb fits on the replica pp
fit, flow fits on the replica Pb-Pb fits). Replica tables are written to a scratch directory.
A replica whose fit fails (:class:`analysis.fitting.FitError`) is returned as failed.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from analysis.catalogue import REPLICATED_RAA_OBSERVABLES, REPLICATED_SPECTRUM_OBSERVABLES, REPLICATED_V2_OBSERVABLES
from analysis.decomposition_output import decompose_system
from analysis.fitting import FitError
from analysis.flow_analysis import flow_of_system, load_flow_responses
from analysis.published import load_table, write_measurement_table
from analysis.response import ResponseMatrix
from analysis.response_replicas import draw_response
from analysis.system_decomposition import load_responses
from analysis.table_replicas import draw_table

log = logging.getLogger(__name__)


def input_tables(config: dict) -> dict[str, tuple[str, ...]]:
    """Published fit inputs as {label: config key path}."""
    keys = {"d0_pp": ("decomposition", "d0_pp"), "nonprompt_pp": ("decomposition", "nonprompt_pp")}
    for system, setup in config["systems"].items():
        if setup["kind"] == "PbPb":
            keys[f"d0_raa_{system}"] = ("decomposition", "d0_raa", system)
            keys[f"nonprompt_raa_{system}"] = ("decomposition", "nonprompt_raa", system)
            keys[f"dmeson_v2_{system}"] = ("flow", "dmeson_v2", system, "fit")
    return keys


def _get(tree: dict, path: tuple[str, ...]):
    for key in path:
        tree = tree[key]
    return tree


def _set(tree: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def replica_config(config: dict, replica: int, directory: Path) -> dict:
    """A copy of ``config`` whose published fit inputs point to replica tables in ``directory``."""
    changed = copy.deepcopy(config)
    for label, path in input_tables(config).items():
        source = _get(config, path)
        if source is None:
            continue
        target = directory / f"{label}.csv"
        write_measurement_table(target, draw_table(load_table(source), config["seed"], label, replica))
        _set(changed, path, str(target))
    return changed


def replica_hfe_table(nominal_path: str, values: np.ndarray | None, config: dict, label: str, replica: int, target: Path) -> str:
    """The nominal HFE table with the replica values (or drawn within its errors if None);
    bins where the replica has no value (a v2 bin whose electrons all got weight 0) are dropped."""
    nominal = load_table(nominal_path)
    if values is None:
        table = draw_table(nominal, config["seed"], label, replica)
    else:
        values = np.asarray(values, dtype=np.float64)[: len(nominal)]
        table = replace(nominal, value=values).select(np.isfinite(values))
    write_measurement_table(target, table)
    return str(target)


def replica_responses(paths: list[str], seed: int, replica: int, directory: Path) -> list[str]:
    """Decay-library replicas of every response, written to ``directory``."""
    out = []
    for path in paths:
        target = directory / Path(path).name
        draw_response(ResponseMatrix.load(path), seed, replica).save(target)
        out.append(str(target))
    return out


def run_replica(
    config: dict,
    replica: int,
    measured: dict[str, dict[str, np.ndarray]],
    hfe_paths: dict[str, dict[str, str]],
    response_paths: list[str],
    directory: Path,
) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Results {``<system>/<observable>``: (lower bin edges, values)} of one replica, None if a
    fit failed (the bins of v2 results can differ between replicas: empty bins are dropped).

    ``measured[system]``: replica rows ``hfe_spectrum`` (and ``hfe_v2``) of the systems measured
    here; ``hfe_paths[system]``: nominal HFE tables {``hfe_spectrum``, ``hfe_v2``}."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = replica_config(config, replica, directory)
    response_paths = replica_responses(response_paths, config["seed"], replica, directory)
    electrons, dzero = load_responses(response_paths)
    flows = load_flow_responses(response_paths)
    results: dict[str, np.ndarray] = {}
    pp_summary = None
    systems = sorted(config["systems"], key=lambda s: config["systems"][s]["kind"] != "pp")  # pp first
    try:
        for system in systems:
            rows = measured.get(system, {})
            hfe = replica_hfe_table(
                hfe_paths[system]["hfe_spectrum"], rows.get("hfe_spectrum"), config, f"hfe_{system}", replica, directory / f"hfe_{system}.csv"
            )
            result = decompose_system(system, settings, hfe, response_paths, pp_summary)
            for name in REPLICATED_SPECTRUM_OBSERVABLES + REPLICATED_RAA_OBSERVABLES:
                if name in result["tables"]:
                    results[f"{system}/{name}"] = (result["bins"]["low"], np.asarray(result["tables"][name][0]))
            if config["systems"][system]["kind"] == "pp":
                pp_summary = result["summary"]
                continue
            v2_path = replica_hfe_table(
                hfe_paths[system]["hfe_v2"], rows.get("hfe_v2"), config, f"hfe_v2_{system}", replica, directory / f"hfe_v2_{system}.csv"
            )
            flow = flow_of_system(system, settings, load_table(v2_path), result["summary"], electrons, dzero, flows)
            for name in REPLICATED_V2_OBSERVABLES:
                results[f"{system}/{name}"] = (flow["bins"]["low"], np.asarray(flow["tables"][name][0]))
    except FitError as error:
        log.warning("replica %d failed: %s", replica, error)
        return None
    return results
