"""Snakemake script: the HEPData submission of every result."""

import logging
from pathlib import Path

from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.outputs.hepdata import write_submission

log_to(snakemake.log[0])
written = write_submission(snakemake.params.config, ResultsLayout(snakemake.params.results), Path(snakemake.output[0]).parent)
logging.info("wrote %s", written)
