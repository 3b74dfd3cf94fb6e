"""Snakemake script: draw one paper figure (analysis.paper_figures)."""

import logging
from pathlib import Path

from analysis.catalogue import ResultsLayout
from analysis.paper_figures import FigureInputs, draw
from analysis.rule_logging import log_to

log_to(snakemake.log[0])
config = snakemake.params.config
written = draw(
    snakemake.wildcards.figure, config, FigureInputs(ResultsLayout(snakemake.params.results), snakemake.params.with_systematics), Path(snakemake.output.pdf).with_suffix(""),
    config["figures"]["png_dpi"],
)
logging.info("wrote %s", [str(p) for p in written])
