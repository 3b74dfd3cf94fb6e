"""Snakemake script: v2 of c -> e and b -> e of one Pb-Pb system (see analysis.flow_analysis)."""

import json
import logging

from analysis.flow_analysis import flow_of_system, load_flow_responses, write_flow
from analysis.published import load_table
from analysis.system_decomposition import load_responses
from analysis.variations import variation_config

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
system = snakemake.wildcards.system
config = variation_config(snakemake.config, snakemake.wildcards.variation)
electrons, dzero = load_responses(snakemake.input.responses)
with open(snakemake.input.decomposition) as f:
    decomposition = json.load(f)
result = flow_of_system(
    system, config, load_table(snakemake.input.hfe_v2), decomposition, electrons, dzero,
    load_flow_responses(snakemake.input.responses),
)
write_flow(dict(snakemake.output.items()), system, result)
logging.info("%s: NCQ deviation %s", system, result["summary"]["ncq_deviation"])
