"""Snakemake script: export the b -> e v2 of one system (hfe.outputs.export)."""

from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.outputs.export import export_btoe_v2

log_to(snakemake.log[0])
export_btoe_v2(snakemake.params.config, ResultsLayout(snakemake.params.results), snakemake.wildcards.system, snakemake.output[0])
