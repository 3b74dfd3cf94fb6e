"""The one catalogue of results: table names, their titles, and where the workflow writes them.

Rules, scripts and package functions take names and paths from here (nothing else spells
``results/...``). A result is named ``<system>/<observable>``; ``ResultsLayout(root)`` maps a
name to its file under ``root`` (the rules pass ``root``; by default ``results``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hfe.core.config import flow_systems

NOMINAL = "nominal"

# decay libraries (results/<library>/): the responses' and the pseudo-events' own (independent seeds)
RESPONSE_LIBRARY = "decays"
PSEUDO_DATA_LIBRARY = "pseudo_decays"

# measurement of the pseudo-data (per system): spectrum tables, and v2 tables for Pb-Pb
SPECTRUM_TABLES = ("hfe_spectrum", "truth_ctoe_spectrum", "truth_btoe_spectrum")
FLOW_TABLES = ("hfe_v2", "truth_ctoe_v2", "truth_btoe_v2")
# decomposition (per variation and system); R_AA for Pb-Pb only
DECOMPOSITION_TABLES = ("ctoe_spectrum", "btoe_spectrum", "beauty_fraction", "btoe_subtracted")
RAA_TABLES = ("raa_ctoe", "raa_btoe", "raa_ratio")
# flow (per variation and Pb-Pb system)
V2_TABLES = ("ctoe_v2", "btoe_v2_bin_by_bin", "btoe_v2_global_fit", "btoe_v2_ncq")
# results replicated by the bootstrap and combined with systematics
REPLICATED_SPECTRUM_OBSERVABLES = ("ctoe_spectrum", "btoe_spectrum", "beauty_fraction")
REPLICATED_RAA_OBSERVABLES = RAA_TABLES
REPLICATED_V2_OBSERVABLES = ("ctoe_v2", "btoe_v2_bin_by_bin", "btoe_v2_global_fit")
# bootstrap replica families, never merged: what each replica draws
STATISTICAL = "stat"  # the HFE measurement's event-level statistics (Poisson event weights)
FIT_INPUTS = "fit_inputs"  # the published tables the fits read and the responses' MC statistics
BOOTSTRAP_FAMILIES = (STATISTICAL, FIT_INPUTS)

TITLES = {
    "ctoe_spectrum": "electrons from charm-hadron decays (c -> e), (e+ + e-)/2, from the global fit",
    "btoe_spectrum": "electrons from beauty-hadron decays (b -> e incl. b -> c -> e), (e+ + e-)/2, from the global fit",
    "beauty_fraction": "beauty fraction f_b = (b -> e) / (c -> e + b -> e), from the global fit",
    "btoe_subtracted": "b -> e by bin-by-bin subtraction HFE - (c -> e of the global fit): cross-check",
    "raa_ctoe": "nuclear modification factor R_AA of c -> e electrons",
    "raa_btoe": "nuclear modification factor R_AA of b -> e electrons",
    "raa_ratio": "ratio R_AA(b -> e) / R_AA(c -> e) (T_AA cancels)",
    "ctoe_v2": "v2 of c -> e electrons: D-meson v2 fit through the decay kinematics",
    "btoe_v2_bin_by_bin": "v2 of b -> e electrons: [v2(HFE) - (1 - f_b) v2(c -> e)] / f_b, bin by bin",
    "btoe_v2_global_fit": "v2 of b -> e electrons: B-hadron v2 from the global fit of D-meson and HFE v2",
    "btoe_v2_ncq": "v2 of b -> e electrons predicted by NCQ scaling of the D-meson v2 (KE_T/n_q)",
}


def is_flow_observable(observable: str) -> bool:
    return "_v2" in observable


def measurement_tables(kind: str) -> tuple[str, ...]:
    """Tables of the HFE measurement of a system of ``kind`` (``pp`` or ``PbPb``)."""
    return SPECTRUM_TABLES + (FLOW_TABLES if kind == "PbPb" else ())


def decomposition_tables(kind: str) -> tuple[str, ...]:
    return DECOMPOSITION_TABLES + (RAA_TABLES if kind == "PbPb" else ())


def calibrated_tables(kind: str) -> tuple[str, ...]:
    """The results of a system of ``kind`` whose errors the toys calibrate (the global fit's)."""
    return REPLICATED_SPECTRUM_OBSERVABLES + (RAA_TABLES if kind == "PbPb" else ())


# the config keys observables() reads: the params of every rule that calls it
OBSERVABLE_KEYS = ("systems.*.kind", "decomposition.hfe_tables", "flow.dmeson_v2", "flow.hfe_v2_tables")


def observables(config: Mapping) -> list[str]:
    """Names ``<system>/<observable>`` of every replicated (and systematics-combined) result;
    reads ``systems.*.kind`` and, for the v2 observables, what :func:`hfe.core.config.flow_systems` reads."""
    names = []
    for system, setup in config["systems"].items():
        names += [f"{system}/{o}" for o in REPLICATED_SPECTRUM_OBSERVABLES]
        if setup["kind"] == "PbPb":
            names += [f"{system}/{o}" for o in REPLICATED_RAA_OBSERVABLES]
        if system in flow_systems(config):
            names += [f"{system}/{o}" for o in REPLICATED_V2_OBSERVABLES]
    return names


@dataclass(frozen=True)
class ResultsLayout:
    """Where each result lives under ``root``. Arguments may be Snakemake wildcards
    (``"{system}"``): the methods only format paths."""

    root: Path = Path("results")

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    def measurement(self, system: str, table: str) -> Path:
        return self.root / "measurement" / system / f"{table}.csv"

    def measurement_summary(self, system: str) -> Path:
        return self.root / "measurement" / system / "measurement.json"

    def decomposition(self, system: str, table: str, variation: str = NOMINAL) -> Path:
        return self.root / variation / "decomposition" / system / f"{table}.csv"

    def fit_summary(self, system: str, variation: str = NOMINAL) -> Path:
        return self.root / variation / "decomposition" / system / "fit.json"

    def flow(self, system: str, table: str, variation: str = NOMINAL) -> Path:
        return self.root / variation / "flow" / system / f"{table}.csv"

    def flow_summary(self, system: str, variation: str = NOMINAL) -> Path:
        return self.root / variation / "flow" / system / "flow.json"

    def result_table(self, name: str, variation: str = NOMINAL) -> Path:
        """The table of ``<system>/<observable>`` of a variation (decomposition or flow)."""
        system, observable = name.split("/")
        place = self.flow if is_flow_observable(observable) else self.decomposition
        return place(system, observable, variation)

    def bootstrap_dir(self, family: str = STATISTICAL) -> Path:
        """The merged bands, covariance and summary of one replica family (:data:`BOOTSTRAP_FAMILIES`)."""
        return self.root / "bootstrap" / family

    def bootstrap_table(self, name: str, family: str = STATISTICAL) -> Path:
        return self.bootstrap_dir(family) / f"{name}.csv"

    def bootstrap_batch(self, batch, family: str = STATISTICAL) -> Path:
        return self.root / "bootstrap" / "fits" / family / f"batch_{batch}.npz"

    def bootstrap_measurement(self, system: str, batch) -> Path:
        return self.root / "bootstrap" / "measurement" / system / f"batch_{batch}.npz"

    def calibrated(self, system: str, table: str) -> Path:
        """A nominal result with the toys' calibration of its errors (``snakemake coverage``)."""
        return self.root / "toys" / "calibrated" / system / f"{table}.csv"

    def systematics_table(self, name: str) -> Path:
        return self.root / "systematics" / f"{name}.csv"

    def figure(self, name: str, extension: str) -> Path:
        return self.root / "figures" / f"{name}.{extension}"
