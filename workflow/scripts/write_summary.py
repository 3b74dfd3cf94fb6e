"""Snakemake script: results/summary.md with the headline numbers."""

import logging

from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.outputs.fit_tables import write_fit_tables
from hfe.outputs.summary import write_summary

log_to(snakemake.log[0])
text = write_summary(snakemake.params.config, ResultsLayout(snakemake.params.results), snakemake.output[0], list(snakemake.input.batches),
                     list(snakemake.input.input_batches))
write_fit_tables(snakemake.params.config, ResultsLayout(snakemake.params.results), snakemake.output.fits)
logging.info("\n%s", text)
