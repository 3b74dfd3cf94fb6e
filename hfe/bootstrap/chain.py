"""One bootstrap replica of the full chain: replica inputs -> global fits -> R_AA and v2.

Two families of replicas, never merged (:data:`hfe.core.catalogue.BOOTSTRAP_FAMILIES`):

* statistical (``stat``): the HFE spectrum and v2 of each system from the event-level replicas
  of the measurement (:func:`hfe.measurement.hfe.replica_results`), or, for an HFE table given
  by the user (``decomposition.hfe_tables``), drawn within its statistical components;
* fit inputs (``fit_inputs``): every published input of the fits (D0 cross section and R_AA,
  non-prompt D0, D-meson v2) drawn within its uncertainties (:mod:`hfe.bootstrap.table_replicas`),
  a user HFE table within its systematic components, and every decay-library response redrawn
  within its MC statistics (:mod:`hfe.bootstrap.response_replicas`).

A replica of one family keeps the other family's inputs nominal and runs the same code as the
nominal analysis (pp fit, Pb-Pb fits on the replica pp fit, flow fits on the replica Pb-Pb
fits), all in memory. A replica whose fit fails (:class:`hfe.fitting.curve_fits.FitError`) is
returned as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from hfe.bootstrap.response_replicas import draw_response
from hfe.bootstrap.table_replicas import STATISTICAL_KINDS, SYSTEMATIC_KINDS, draw_table
from hfe.core.catalogue import (
    BOOTSTRAP_FAMILIES,
    FIT_INPUTS,
    REPLICATED_RAA_OBSERVABLES,
    REPLICATED_SPECTRUM_OBSERVABLES,
    REPLICATED_V2_OBSERVABLES,
    STATISTICAL,
)
from hfe.core.systems import CollisionSystem, collision_systems
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.inputs import FitInputs
from hfe.decomposition.output import decompose_system
from hfe.decomposition.settings import DecompositionSettings
from hfe.fitting.curve_fits import FitError
from hfe.flow.analysis import flow_of_system
from hfe.flow.settings import FlowSettings
from hfe.stats.covariance import SystematicCorrelation
from hfe.tables.published import MeasurementTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainSettings:
    """What a replica of the chain runs with: the seed, the systems (pp first: the Pb-Pb fits
    are built on it) and the decomposition and flow settings."""

    seed: int
    systems: tuple[CollisionSystem, ...]
    decomposition: DecompositionSettings
    flow: FlowSettings

    @classmethod
    def from_config(cls, config: Mapping) -> "ChainSettings":
        systems = sorted(collision_systems(config), key=lambda s: not s.is_pp)
        return cls(config["seed"], tuple(systems), DecompositionSettings.from_config(config), FlowSettings.from_config(config))


def replica_inputs(inputs: FitInputs, seed: int, replica: int, correlation: SystematicCorrelation = SystematicCorrelation()) -> FitInputs:
    """The published fit inputs of one replica: every table drawn within its uncertainties, its
    systematics with ``correlation`` (the fits' statistical model)."""
    return inputs.with_tables({label: draw_table(table, seed, label, replica, correlation) for label, table in inputs.labelled().items()})


def replica_hfe_table(
    nominal: MeasurementTable, values: np.ndarray | None, seed: int, label: str, replica: int,
    correlation: SystematicCorrelation = SystematicCorrelation(), family: str = STATISTICAL, measured: bool | None = None,
) -> MeasurementTable:
    """The HFE table of one replica of ``family``. Measured here (``measured``, default: values
    given): the event-level replica ``values`` in the statistical family (bins where the replica
    has no value, a v2 bin whose electrons all got weight 0, are dropped), the nominal table in
    the fit-inputs family. A table given by the user: drawn within its statistical components in
    the statistical family, within the others in the fit-inputs family."""
    measured = values is not None if measured is None else measured
    if not measured:
        kinds = STATISTICAL_KINDS if family == STATISTICAL else SYSTEMATIC_KINDS
        return draw_table(nominal, seed, label, replica, correlation, kinds)
    if family != STATISTICAL:
        return nominal
    values = np.asarray(values, dtype=np.float64)[: len(nominal)]
    return replace(nominal, value=values).select(np.isfinite(values))


def replica_responses(responses: Mapping[str, ResponseMatrix], seed: int, replica: int) -> dict[str, ResponseMatrix]:
    """Decay-library replicas of every response ({file name: response})."""
    return {name: draw_response(response, seed, replica) for name, response in responses.items()}


def by_daughter(responses: Mapping[str, ResponseMatrix], daughter: str) -> dict[str, ResponseMatrix]:
    """Responses of one daughter (``electron``, ``dzero``, ``electron_flow``) by species."""
    return {r.provenance["species"]: r for r in responses.values() if r.daughter == daughter}


def run_replica(
    chain: ChainSettings,
    inputs: FitInputs,
    replica: int,
    measured: dict[str, dict[str, np.ndarray]],
    hfe_tables: dict[str, dict[str, MeasurementTable]],
    responses: Mapping[str, ResponseMatrix],
    family: str = STATISTICAL,
    starts: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Results {``<system>/<observable>``: (lower bin edges, values)} of one replica of
    ``family`` (:data:`hfe.core.catalogue.BOOTSTRAP_FAMILIES`), None if a fit failed (the bins of
    v2 results can differ between replicas: empty bins are dropped). The statistical family
    moves only the HFE measurement (event-level replicas); the fit-inputs family only the
    published tables and the responses: two bands that are never merged.

    ``inputs``: the nominal published fit inputs; ``measured[system]``: replica rows
    ``hfe_spectrum`` (and ``hfe_v2``) of the systems measured here (empty in the fit-inputs
    family); ``hfe_tables[system]``: nominal HFE tables {``hfe_spectrum``, ``hfe_v2``};
    ``responses``: nominal responses by file name; ``starts[system]``: start values of its fit
    (the nominal fit's parameters). Everything stays in memory."""
    if family not in BOOTSTRAP_FAMILIES:
        raise ValueError(f"bootstrap family {family!r} unknown (known: {BOOTSTRAP_FAMILIES})")
    seed, starts = chain.seed, starts or {}
    moves_inputs = family == FIT_INPUTS
    drawn_inputs = replica_inputs(inputs, seed, replica, chain.decomposition.systematic_correlation) if moves_inputs else inputs
    drawn = replica_responses(responses, seed, replica) if moves_inputs else dict(responses)
    electrons, dzero, flows, dzero_flows = (by_daughter(drawn, d) for d in ("electron", "dzero", "electron_flow", "dzero_flow"))
    results: dict[str, np.ndarray] = {}
    pp_summary = pp_hfe = None
    try:
        for system in chain.systems:
            system_name = system.name
            rows, is_measured = measured.get(system_name, {}), system_name in measured
            correlation = chain.decomposition.systematic_correlation
            hfe = replica_hfe_table(hfe_tables[system_name]["hfe_spectrum"], rows.get("hfe_spectrum"), seed, f"hfe_{system_name}", replica,
                                    correlation, family, is_measured)
            result = decompose_system(system, chain.decomposition, hfe, electrons, dzero, drawn_inputs, pp_summary, pp_hfe,
                                      start_from=starts.get(system_name))
            for name in REPLICATED_SPECTRUM_OBSERVABLES + REPLICATED_RAA_OBSERVABLES:
                if name in result["tables"]:
                    results[f"{system_name}/{name}"] = (result["bins"]["low"], np.asarray(result["tables"][name][0]))
            if system.is_pp:
                pp_summary, pp_hfe = result["summary"], hfe  # the Pb-Pb fits are joint with this replica's pp data
                continue
            if "hfe_v2" not in hfe_tables[system_name]:
                continue  # a published system without HFE v2: no v2 analysis
            v2 = replica_hfe_table(hfe_tables[system_name]["hfe_v2"], rows.get("hfe_v2"), seed, f"hfe_v2_{system_name}", replica,
                                   correlation, family, is_measured)
            flow = flow_of_system(
                system, chain.flow, chain.decomposition, v2, result["summary"], electrons, dzero, flows, drawn_inputs, dzero_flows, with_covariance=False
            )
            for name in REPLICATED_V2_OBSERVABLES:
                results[f"{system_name}/{name}"] = (flow["bins"]["low"], np.asarray(flow["tables"][name][0]))
    except FitError as error:
        log.warning("replica %d failed: %s", replica, error)
        return None
    return results
