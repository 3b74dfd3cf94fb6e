"""Snakemake script: results/summary.md with the headline numbers."""

import logging

from analysis.summary_report import write_summary

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
logging.info("\n%s", write_summary(snakemake.config, snakemake.output[0], list(snakemake.input.batches)))
