"""Snakemake script: charm/beauty decomposition of one system (see analysis.decomposition)."""

import json
import logging

from analysis.decomposition_output import decompose_system, write_decomposition
from analysis.variations import variation_config

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
system = snakemake.wildcards.system
config = variation_config(snakemake.config, snakemake.wildcards.variation)
pp_summary = None
if "pp_fit" in snakemake.input.keys():
    with open(snakemake.input.pp_fit) as f:
        pp_summary = json.load(f)
result = decompose_system(system, config, snakemake.input.hfe, list(snakemake.input.responses), pp_summary)
write_decomposition(dict(snakemake.output.items()), system, result, snakemake.params.units)
logging.info("%s: chi2/ndf = %.1f/%d", system, result["summary"]["chi2"], result["summary"]["ndf"])
