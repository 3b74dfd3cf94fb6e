"""Snakemake script: draw one paper figure (analysis.paper_figures)."""

import logging
from pathlib import Path

from analysis.paper_figures import draw

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
written = draw(snakemake.wildcards.figure, snakemake.config, Path(snakemake.output.pdf).with_suffix(""))
logging.info("wrote %s", [str(p) for p in written])
