"""Snakemake script: figure of the fit-level toys' coverage (hfe.outputs.coverage_figure)."""

import json
from pathlib import Path

from hfe.core.rule_logging import log_to
from hfe.outputs.coverage_figure import coverage_figure

log_to(snakemake.log[0])
summary = json.loads(Path(snakemake.input.coverage).read_text())
calibration = json.loads(Path(snakemake.input.calibration).read_text())
coverage_figure(summary, Path(snakemake.output.png).with_suffix(""), snakemake.params.config["figures"]["png_dpi"], calibration)
