"""Snakemake script: the HEPData submission of every result."""

import logging
from pathlib import Path

from analysis.catalogue import ResultsLayout
from analysis.hepdata_output import write_submission
from analysis.rule_logging import log_to

log_to(snakemake.log[0])
written = write_submission(snakemake.params.config, ResultsLayout(snakemake.params.results), Path(snakemake.output[0]).parent)
logging.info("wrote %s", written)
