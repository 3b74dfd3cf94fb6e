"""Settings of the HFE measurement from the config, and its output tables (project CSV format)."""

from __future__ import annotations

import numpy as np

from hfe.core.atomic_io import write_json_atomically
from hfe.fitting.shapes import Curve
from hfe.measurement.hfe import MeasurementSettings
from hfe.tables.published import write_table_csv

OBSERVABLES = {
    "hfe_spectrum": "heavy-flavour decay electrons (e+ + e-)/2, measured (efficiency corrected, photonic background removed)",
    "truth_ctoe_spectrum": "electrons from charm-hadron decays (c -> e), generator truth",
    "truth_btoe_spectrum": "electrons from beauty-hadron decays (b -> e and b -> c -> e), generator truth",
    "hfe_v2": "elliptic flow v2{EP} of heavy-flavour decay electrons, three-sub-event resolution correction",
    "truth_ctoe_v2": "v2 of c -> e electrons with respect to the true reaction plane, generator truth",
    "truth_btoe_v2": "v2 of b -> e electrons with respect to the true reaction plane, generator truth",
}


def settings_from_config(config: dict, system: str) -> MeasurementSettings:
    setup = config["systems"][system]
    efficiency = config["pseudo_data"]["efficiency"]
    return MeasurementSettings(
        pt_edges=np.asarray(config["measurement"]["pt_edges"], dtype=float),
        eta_max=config["pseudo_data"]["electron_eta_max"],
        efficiency=Curve(efficiency["form"], dict(efficiency.get("parameters", {}))),
        kind=setup["kind"],
        sigma_inel_mb=setup.get("sigma_inel_mb"),
        background_origin=config["measurement"]["background_origin"],
        step_size=config["measurement"]["step_size"],
        expected_events=setup.get("n_events"),
        where=f"systems.{system}",
    )


def units(name: str, kind: str) -> str:
    if name.endswith("_v2"):
        return "pT [GeV/c]; v2 dimensionless"
    if kind == "pp":
        return "pT [GeV/c]; value d(sigma)/dpT dy [microbarn/(GeV/c)]"
    return "pT [GeV/c]; value dN/dpT dy per event [(GeV/c)^-1]"


def write_measurement(outputs: dict, system: str, config: dict, measured: dict, inputs: list) -> None:
    """Write each table named in ``outputs`` and the JSON summary ``outputs['summary']``."""
    edges = np.asarray(measured["pt_edges"])
    kind = config["systems"][system]["kind"]
    for name, path in outputs.items():
        if name == "summary":
            continue
        value, error = measured[name]
        empty = ~np.isfinite(value) | ~np.isfinite(error)
        value, error = np.where(empty, 0.0, value), np.where(empty, 0.0, error)
        header = {
            "observable": OBSERVABLES[name],
            "experiment": "pseudo-data of this workflow (hfe/pseudodata/events.py)",
            "system": system,
            "rapidity": f"|eta| < {config['pseudo_data']['electron_eta_max']}",
            "units": units(name, kind),
            "events": str(measured["n_events"]),
            "error_columns": "stat_err_plus/_minus: statistical (event-level); no systematic uncertainty; "
            "bins without electrons have value 0 and uncertainty 0 (no measurement)",
        }
        write_table_csv(path, header, edges[:-1], edges[1:], value, error)
    summary = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in measured.items() if not isinstance(v, tuple)}
    summary["inputs"] = inputs
    summary["true_resolution"] = config["systems"][system].get("event_plane_resolution")
    write_json_atomically(outputs["summary"], summary)
