"""Snakemake script: per-source and total systematic uncertainties of every result."""

from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.systematics.combination import combine_all

log_to(snakemake.log[0])
combine_all(
    snakemake.params.config, ResultsLayout(snakemake.params.results), list(snakemake.output.tables),
    snakemake.output.breakdown, snakemake.output.summary, use_bootstrap=snakemake.params.use_bootstrap,
)
