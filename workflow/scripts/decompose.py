"""Snakemake script: charm/beauty decomposition of one system (see analysis.decomposition)."""

import json
import logging

from analysis.decomposition_output import decompose_system, write_decomposition
from analysis.rule_logging import log_to

log_to(snakemake.log[0])
system = snakemake.wildcards.system
pp_summary = None
if "pp_fit" in snakemake.input.keys():
    with open(snakemake.input.pp_fit) as f:
        pp_summary = json.load(f)
result = decompose_system(system, snakemake.params.config, snakemake.input.hfe, list(snakemake.input.responses), pp_summary)
write_decomposition(dict(snakemake.output.items()), system, result, snakemake.params.units)
logging.info("%s: chi2/ndf = %.1f/%d", system, result["summary"]["chi2"], result["summary"]["ndf"])
