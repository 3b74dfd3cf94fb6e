"""Fit-level toy experiments: every table the fits read, drawn around the truth's expectation
from the fits' own likelihood, refitted; the responses are reused.

A toy table of a published table with expected values ``m`` (:mod:`hfe.coverage.expectation`):

    value = (1 + s z_0) m + L z,    z_0, z ~ N(0, 1)

with ``L`` the Cholesky factor of the table's covariance in the fit
(:func:`hfe.stats.covariance.table_covariance`: stat diagonal, systematics with the configured pT
correlation) and ``s`` the table's normalisation uncertainty as the fit's nuisance holds it
(components in quadrature). The toy keeps the table's quoted uncertainties, so the fit's chi2
uses the covariance the toy was drawn from: coverage tests the fit, not the error model's inputs.

Seeds: one per (toy, table), ``derive_seed(seed, "toy", toy, label)``, so that toy ``k`` is the
same experiment whatever the batch it runs in, and its pp tables are the same in the pp toy and
in the joint pp + Pb-Pb toys of the Pb-Pb systems.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from hfe.core.seeds import derive_seed
from hfe.core.systems import CollisionSystem
from hfe.coverage.expectation import TruthExpectation
from hfe.decomposition.inputs import FitInputs, load_hfe_table
from hfe.decomposition.output import decompose_system, output_bins
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses, normalisation_sigma, scaled_responses
from hfe.pseudodata.truth import TruthModel
from hfe.fitting.curve_fits import FitError
from hfe.stats.covariance import SystematicCorrelation, table_covariance
from hfe.tables.published import MeasurementTable

log = logging.getLogger(__name__)


def draw_toy_table(
    table: MeasurementTable, expected: np.ndarray, correlation: SystematicCorrelation, seed: int, label: str, toy: int
) -> MeasurementTable:
    """Toy ``toy`` of ``table`` around ``expected`` (module docstring); ``label`` names the
    table in the seed."""
    rng = np.random.default_rng(derive_seed(seed, "toy", toy, label))
    expected = np.asarray(expected, dtype=np.float64)
    covariance = table_covariance(table, correlation)
    # a tiny ridge keeps a fully correlated systematic factorisable
    factor = np.linalg.cholesky(covariance + 1e-12 * np.max(np.diag(covariance)) * np.eye(len(expected)))
    scale = 1.0 + normalisation_sigma(table) * rng.standard_normal()
    value = scale * expected + factor @ rng.standard_normal(len(expected))
    return replace(table, value=value, source=f"{table.source} (toy {toy})")


def expected_tables(expectation: TruthExpectation, inputs: FitInputs, hfe: Mapping[str, MeasurementTable], pp_system: str | None) -> dict:
    """Expected values of every table by label: ``inputs.labelled()`` (flow tables excluded) and
    ``hfe_<system>`` for each HFE spectrum."""
    out = {}
    for label, table in inputs.labelled().items():
        known = _kind_and_system(label, pp_system)
        if known is not None:
            kind, system = known
            out[label] = expectation.table(kind, table, system, pp_system)
    for system, table in hfe.items():
        out[f"hfe_{system}"] = expectation.table("hfe", table, system, pp_system)
    return out


def _kind_and_system(label: str, pp_system: str | None) -> tuple[str, str] | None:
    """(table kind, system) of an input label of :meth:`FitInputs.labelled`; None for tables
    the toys do not draw (the D-meson v2: flow is not part of the fit-level toys)."""
    if label in ("d0_pp", "nonprompt_pp"):
        return label.removesuffix("_pp"), pp_system
    for kind in ("nonprompt_raa", "d0_raa"):
        if label.startswith(kind + "_"):
            return kind, label[len(kind) + 1:]
    return None


def toy_inputs(inputs: FitInputs, expected: Mapping[str, np.ndarray], correlation, seed: int, toy: int) -> FitInputs:
    """The published fit inputs of toy ``toy`` (tables without an expectation stay as they are)."""
    labelled = inputs.labelled()
    drawn = {label: draw_toy_table(labelled[label], expected[label], correlation, seed, label, toy) for label in expected if label in labelled}
    return replace(
        inputs,
        d0_pp=drawn.get("d0_pp", inputs.d0_pp),
        nonprompt_pp=drawn.get("nonprompt_pp", inputs.nonprompt_pp),
        d0_raa={s: drawn.get(f"d0_raa_{s}", t) for s, t in inputs.d0_raa.items()},
        nonprompt_raa={s: drawn.get(f"nonprompt_raa_{s}", t) for s, t in inputs.nonprompt_raa.items()},
    )


def run_toy(
    system: CollisionSystem,
    settings: DecompositionSettings,
    toy: int,
    seed: int,
    inputs: FitInputs,
    hfe: Mapping[str, MeasurementTable],
    expected: Mapping[str, np.ndarray],
    electrons: Mapping,
    dzero: Mapping,
    pp_system: str | None,
    pp_start: dict | None = None,
) -> dict:
    """One toy of one system: its tables (and, for Pb-Pb, the pp tables of the joint fit) drawn,
    the system fitted as the nominal analysis fits it (a Pb-Pb fit starts from ``pp_start``, the
    nominal pp fit summary). Returns {toy, valid, chi2, ndf, p_value, results: {observable:
    {value, error}}} or {toy, valid: False, error} if the fit failed."""
    correlation = settings.systematic_correlation
    drawn = toy_inputs(inputs, expected, correlation, seed, toy)
    hfe_drawn = {s: draw_toy_table(t, expected[f"hfe_{s}"], correlation, seed, f"hfe_{s}", toy) for s, t in hfe.items()}
    try:
        result = decompose_system(
            system, settings, hfe_drawn[system.name], electrons, dzero, drawn,
            None if system.is_pp else pp_start, None if system.is_pp else hfe_drawn[pp_system],
        )
    except FitError as error:
        log.warning("%s toy %d: fit failed: %s", system.name, toy, str(error).splitlines()[0])
        return {"toy": toy, "valid": False, "error": str(error).splitlines()[0]}
    summary = result["summary"]
    return {
        "toy": toy,
        "valid": True,
        "chi2": summary["chi2"],
        "ndf": summary["ndf"],
        "p_value": summary["p_value"],
        "results": {name: {"value": np.asarray(v).tolist(), "error": np.asarray(e).tolist()} for name, (v, e) in result["tables"].items()
                    if name != "btoe_subtracted"},
    }


def without_comparisons(settings: DecompositionSettings) -> DecompositionSettings:
    """Settings of a toy fit: the published comparisons are not evaluated."""
    return replace(settings, comparisons={})



@dataclass(frozen=True)
class ToySetup:
    """Everything a toy reads, loaded once from the rule's files: the systems, the fit settings
    (without published comparisons), the published inputs, the nominal HFE tables by system
    (their bins and quoted errors), the responses and the pp system's name."""

    systems: Mapping[str, CollisionSystem]
    settings: DecompositionSettings
    inputs: FitInputs
    hfe: Mapping[str, MeasurementTable]
    electrons: Mapping
    dzero: Mapping
    pp_system: str | None

    @classmethod
    def from_files(cls, config: Mapping, hfe_paths, response_paths) -> "ToySetup":
        """``hfe_paths``: the HFE spectrum tables in the order of ``config['systems']``."""
        options = config["decomposition"]["hfe_table_options"]
        hfe = {
            name: load_hfe_table(path, setup["kind"], f"HFE table of {name}", **options.get(name, {}))
            for (name, setup), path in zip(config["systems"].items(), hfe_paths)
        }
        electrons, dzero = load_responses(response_paths)
        pp_system = next((s for s, setup in config["systems"].items() if setup["kind"] == "pp"), None)
        return cls(
            {name: CollisionSystem.from_config(config, name) for name in config["systems"]},
            without_comparisons(DecompositionSettings.from_config(config)),
            FitInputs.load(config), hfe, electrons, dzero, pp_system,
        )

    def expectation(self, truth: TruthModel) -> TruthExpectation:
        return TruthExpectation(truth, scaled_responses(self.electrons, self.settings.semileptonic_scale), self.dzero)

    def output_bins(self, system: str) -> tuple[np.ndarray, np.ndarray]:
        """The bins of the system's result tables."""
        return output_bins(self.hfe[system], next(iter(self.electrons.values())).daughter_edges)

    def run(self, system: str, toys, seed: int, expected: Mapping[str, np.ndarray], pp_start: dict | None) -> list[dict]:
        """:func:`run_toy` for every toy index in ``toys``, in order."""
        return [
            run_toy(self.systems[system], self.settings, toy, seed, self.inputs, self.hfe, expected, self.electrons, self.dzero,
                    self.pp_system, pp_start)
            for toy in toys
        ]
