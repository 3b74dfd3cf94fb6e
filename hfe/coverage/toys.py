"""Fit-level toy experiments: every table the fits read, drawn around the truth's expectation
from the fits' own likelihood, refitted; the responses are reused.

Every table (published inputs and HFE spectra) is drawn around its expectation under the truth
(:mod:`hfe.coverage.expectation`) from the fit's own likelihood, keeping its quoted
uncertainties (:func:`hfe.stats.toy_tables.draw_toy_table`): coverage tests the fit, not the
error model's inputs.

Seeds: one per (toy, table), ``derive_seed(seed, "toy", toy, label)``, so that toy ``k`` is the
same experiment whatever the batch it runs in, and its pp tables are the same in the pp toy and
in the joint pp + Pb-Pb toys of the Pb-Pb systems.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from hfe.core.systems import CollisionSystem
from hfe.coverage.expectation import TruthExpectation
from hfe.decomposition.inputs import FitInputs, input_kind, load_hfe_table
from hfe.decomposition.output import decompose_system, output_bins
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses, scaled_responses
from hfe.fitting.curve_fits import FitError
from hfe.pseudodata.truth import TruthModel
from hfe.stats.toy_tables import draw_toy_table
from hfe.tables.published import MeasurementTable

log = logging.getLogger(__name__)


def expected_tables(expectation: TruthExpectation, inputs: FitInputs, hfe: Mapping[str, MeasurementTable], pp_system: str | None) -> dict:
    """Expected values of every table by label: ``inputs.labelled()`` (the D-meson v2 included:
    a pseudo input of the flow fit) and ``hfe_<system>`` for each HFE spectrum."""
    out = {}
    for label, table in inputs.labelled().items():
        kind = input_kind(label)
        system = pp_system if kind.endswith("_pp") else label[len(kind) + 1:]
        out[label] = expectation.table(kind.removesuffix("_pp"), table, system, pp_system)
    for system, table in hfe.items():
        out[f"hfe_{system}"] = expectation.table("hfe", table, system, pp_system)
    return out


def toy_inputs(inputs: FitInputs, expected: Mapping[str, np.ndarray], correlation, seed: int, toy: int) -> FitInputs:
    """The published fit inputs of toy ``toy`` (tables without an expectation stay as they are;
    the D-meson v2 too: flow is not part of the fit-level toys, the NCQ toys draw it)."""
    labelled = inputs.labelled()
    return inputs.with_tables(
        {label: draw_toy_table(labelled[label], expected[label], correlation, seed, label, toy)
         for label in expected if label in labelled and input_kind(label) != "dmeson_v2"}
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
    nominal_start: Mapping[str, float] | None = None,
) -> dict:
    """One toy of one system: its tables (and, for Pb-Pb, the pp tables of the joint fit) drawn,
    the system fitted as the nominal analysis fits it (a Pb-Pb fit starts from ``pp_start``, the
    nominal pp fit summary), from ``nominal_start`` (the nominal fit's parameters: the toy's
    minimum lies near it; about a third fewer chi2 evaluations than the default start). Returns {toy, valid, chi2, ndf, p_value, covariance_status,
    results: {observable: {value, error}}} or {toy, valid: False, error} if the fit failed."""
    correlation = settings.systematic_correlation
    drawn = toy_inputs(inputs, expected, correlation, seed, toy)
    hfe_drawn = {s: draw_toy_table(t, expected[f"hfe_{s}"], correlation, seed, f"hfe_{s}", toy) for s, t in hfe.items()}
    try:
        result = decompose_system(
            system, settings, hfe_drawn[system.name], electrons, dzero, drawn,
            None if system.is_pp else pp_start, None if system.is_pp else hfe_drawn[pp_system], start_from=nominal_start,
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
        "covariance_status": summary["covariance_status"],
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
            FitInputs.published(config), hfe, electrons, dzero, pp_system,
        )

    def expectation(self, truth: TruthModel) -> TruthExpectation:
        return TruthExpectation(truth, scaled_responses(self.electrons, self.settings.semileptonic_scale), self.dzero)

    def output_bins(self, system: str) -> tuple[np.ndarray, np.ndarray]:
        """The bins of the system's result tables."""
        return output_bins(self.hfe[system], next(iter(self.electrons.values())).daughter_edges)

    def run(self, system: str, toys, seed: int, expected: Mapping[str, np.ndarray], pp_start: dict | None,
            nominal_start: Mapping[str, float] | None = None) -> list[dict]:
        """:func:`run_toy` for every toy index in ``toys``, in order."""
        return [
            run_toy(self.systems[system], self.settings, toy, seed, self.inputs, self.hfe, expected, self.electrons, self.dzero,
                    self.pp_system, pp_start, nominal_start)
            for toy in toys
        ]
