"""Snakemake script: the HEPData submission of every result."""

import logging
from pathlib import Path

from analysis.hepdata_output import write_submission

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
logging.info("wrote %s", write_submission(snakemake.config, Path(snakemake.output[0]).parent))
