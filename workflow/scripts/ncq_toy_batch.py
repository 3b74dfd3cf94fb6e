"""Snakemake script: one batch of NCQ-calibration toys of one Pb-Pb system (hfe.coverage.ncq_calibration)."""

import json
import logging

from hfe.core.atomic_io import write_json_atomically
from hfe.core.rule_logging import log_to
from hfe.core.systems import CollisionSystem
from hfe.coverage.ncq_calibration import run_ncq_toy
from hfe.decomposition.inputs import FitInputs, load_expected_tables, load_hfe_table
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses
from hfe.flow.analysis import load_flow_responses
from hfe.flow.settings import FlowSettings

log_to(snakemake.log[0])
config = snakemake.params.config
system = snakemake.wildcards.system
electrons, dzero = load_responses(snakemake.input.responses)
electron_flows, dzero_flows = load_flow_responses(snakemake.input.responses)
responses = {"electron": electrons, "dzero": dzero, "electron_flow": electron_flows, "dzero_flow": dzero_flows}
with open(snakemake.input.flow) as f:
    nominal_flow = json.load(f)
with open(snakemake.input.decomposition) as f:
    decomposition = json.load(f)
hfe_v2 = load_hfe_table(snakemake.input.hfe_v2, "v2", f"HFE v2 of {system}")
inputs = FitInputs.load(config, expected=load_expected_tables(snakemake.input.expected))
arguments = (CollisionSystem.from_config(config, system), FlowSettings.from_config(config), DecompositionSettings.from_config(config),
             hfe_v2, nominal_flow, decomposition, responses, inputs)
toys = [run_ncq_toy(toy, config["seed"], *arguments) for toy in snakemake.params.toys]
logging.info("%s: %d NCQ toys, %d failed", system, len(toys), sum(not t["valid"] for t in toys))
write_json_atomically(snakemake.output[0], {"system": system, "seed": config["seed"], "toys": toys})
