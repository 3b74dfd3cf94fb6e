"""Snakemake script: coverage of the fit-level toys (hfe.coverage.summary)."""

import json
from pathlib import Path

from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.rule_logging import log_to
from hfe.coverage.summary import coverage_markdown, coverage_summary

log_to(snakemake.log[0])
config = snakemake.params.config
with open(snakemake.input.expected) as f:
    expected = json.load(f)
batches = [json.loads(Path(path).read_text()) for path in snakemake.input.batches]
summary = coverage_summary(expected, batches, config["toys"]["pt_range"], config["toys"]["count"])
write_json_atomically(snakemake.output.summary, summary)
write_text_atomically(snakemake.output.table, "\n".join(["# Coverage of the fit-level toys", "", *coverage_markdown(summary), ""]))
