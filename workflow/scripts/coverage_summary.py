"""Snakemake script: coverage of the fit-level toys (hfe.coverage.summary) and the calibration of
the quoted errors (hfe.coverage.error_calibration)."""

import json
from pathlib import Path

from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.rule_logging import log_to
from hfe.coverage.error_calibration import calibration_markdown, calibration_summary
from hfe.coverage.summary import coverage_markdown, coverage_summary

log_to(snakemake.log[0])
toys = snakemake.params.config["toys"]
with open(snakemake.input.expected) as f:
    expected = json.load(f)
batches = [json.loads(Path(path).read_text()) for path in snakemake.input.batches]
nominal_chi2 = {Path(path).parent.name: json.loads(Path(path).read_text())["chi2"] for path in snakemake.input.fits}
summary = coverage_summary(expected, batches, toys["pt_range"], toys["count"], nominal_chi2)
calibration = calibration_summary(expected, batches, toys["pt_range"], toys["count"])
write_json_atomically(snakemake.output.summary, summary)
write_text_atomically(snakemake.output.table, "\n".join(["# Coverage of the fit-level toys", "", *coverage_markdown(summary), ""]))
write_json_atomically(snakemake.output.calibration, calibration)
write_text_atomically(snakemake.output.calibration_table, "\n".join(["# Toy calibration of the quoted fit errors", "", *calibration_markdown(calibration), ""]))
