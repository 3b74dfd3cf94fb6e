"""Snakemake script: draw one paper figure (hfe.outputs.figures)."""

import logging
from pathlib import Path

from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.outputs.figures import FigureInputs, draw

log_to(snakemake.log[0])
config = snakemake.params.config
written = draw(
    snakemake.wildcards.figure, config, FigureInputs(ResultsLayout(snakemake.params.results), snakemake.params.with_systematics), Path(snakemake.output.pdf).with_suffix(""),
    config["figures"]["png_dpi"],
)
logging.info("wrote %s", [str(p) for p in written])
