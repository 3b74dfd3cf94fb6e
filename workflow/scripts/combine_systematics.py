"""Snakemake script: per-source and total systematic uncertainties of every result."""

import logging

from analysis.systematics import combine_all

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
combine_all(
    snakemake.config, list(snakemake.output.tables), snakemake.output.breakdown, snakemake.output.summary,
    use_bootstrap=snakemake.params.use_bootstrap,
)
