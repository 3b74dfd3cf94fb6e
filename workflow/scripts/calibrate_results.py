"""Snakemake script: the nominal results with the toys' calibration of their errors
(hfe.coverage.error_calibration)."""

import json
from pathlib import Path

from hfe.core.rule_logging import log_to
from hfe.coverage.error_calibration import write_calibrated_table

log_to(snakemake.log[0])
with open(snakemake.input.calibration) as f:
    calibration = json.load(f)
for nominal, calibrated in zip(snakemake.input.tables, snakemake.output):
    system, observable = Path(calibrated).parent.name, Path(calibrated).stem
    write_calibrated_table(nominal, calibrated, calibration, system, observable)
