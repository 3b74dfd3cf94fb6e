"""Snakemake script: v2 of c -> e and b -> e of one Pb-Pb system (see analysis.flow_analysis)."""

import json
import logging

from analysis.flow_analysis import flow_of_system, load_flow_responses, write_flow
from analysis.published import load_table
from analysis.rule_logging import log_to
from analysis.system_decomposition import load_responses

log_to(snakemake.log[0])
system = snakemake.wildcards.system
electrons, dzero = load_responses(snakemake.input.responses)
with open(snakemake.input.decomposition) as f:
    decomposition = json.load(f)
result = flow_of_system(
    system, snakemake.params.config, load_table(snakemake.input.hfe_v2), decomposition, electrons, dzero,
    load_flow_responses(snakemake.input.responses),
)
write_flow(dict(snakemake.output.items()), system, result)
logging.info("%s: NCQ deviation %s", system, result["summary"]["ncq_deviation"])
