"""Snakemake script: charm/beauty decomposition of one system (see hfe.decomposition)."""

import json
import logging

from hfe.core.rule_logging import log_to
from hfe.core.systems import CollisionSystem
from hfe.decomposition.inputs import FitInputs, load_expected_tables, load_system_hfe
from hfe.decomposition.output import decompose_system, write_decomposition
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses

log_to(snakemake.log[0])
config = snakemake.params.config
system = snakemake.wildcards.system
pp_summary = None
if "pp_fit" in snakemake.input.keys():
    with open(snakemake.input.pp_fit) as f:
        pp_summary = json.load(f)
setup = CollisionSystem.from_config(config, system)
pp_name = next((s for s, c in config["systems"].items() if c["kind"] == "pp"), None)
pp_hfe = load_system_hfe(config, pp_name, snakemake.input.pp_hfe) if "pp_hfe" in snakemake.input.keys() else None
electrons, dzero = load_responses(snakemake.input.responses)
result = decompose_system(
    setup, DecompositionSettings.from_config(config), load_system_hfe(config, system, snakemake.input.hfe),
    electrons, dzero, FitInputs.load(config, expected=load_expected_tables(snakemake.input.expected)), pp_summary, pp_hfe,
)
note = config["systems"][system].get("centrality_note")
if note:  # the D0 class differs from the HFE's: said in the fit summary (and results/summary.md)
    result["summary"]["centrality_note"] = note
write_decomposition(dict(snakemake.output.items()), system, result, snakemake.params.units, config["response"]["electron_eta_max"])
logging.info("%s: chi2/ndf = %.1f/%d", system, result["summary"]["chi2"], result["summary"]["ndf"])
