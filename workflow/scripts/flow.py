"""Snakemake script: v2 of c -> e and b -> e of one Pb-Pb system (see hfe.flow.analysis)."""

import json
import logging

from hfe.core.rule_logging import log_to
from hfe.core.systems import CollisionSystem
from hfe.decomposition.inputs import FitInputs, load_expected_tables, load_system_hfe
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses
from hfe.flow.analysis import flow_of_system, load_flow_responses, write_flow
from hfe.flow.settings import FlowSettings

log_to(snakemake.log[0])
system = snakemake.wildcards.system
electrons, dzero = load_responses(snakemake.input.responses)
with open(snakemake.input.decomposition) as f:
    decomposition = json.load(f)
config = snakemake.params.config
electron_flows, dzero_flows = load_flow_responses(snakemake.input.responses)
result = flow_of_system(
    CollisionSystem.from_config(config, system), FlowSettings.from_config(config), DecompositionSettings.from_config(config),
    load_system_hfe(config, system, snakemake.input.hfe_v2, v2=True), decomposition, electrons, dzero, electron_flows,
    FitInputs.load(config, expected=load_expected_tables(snakemake.input.expected)), dzero_flows,
)
write_flow(dict(snakemake.output.items()), system, result)
logging.info("%s: NCQ deviation %s", system, result["summary"]["ncq_deviation"])
