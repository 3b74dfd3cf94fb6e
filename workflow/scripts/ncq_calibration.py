"""Snakemake script: the NCQ test's false-positive rates over the toys (hfe.coverage.ncq_calibration)."""

import json
import logging

from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.rule_logging import log_to
from hfe.coverage.ncq_calibration import calibration_markdown, calibration_summary

log_to(snakemake.log[0])
batches: dict[str, list] = {}
for path in snakemake.input.batches:
    with open(path) as f:
        batch = json.load(f)
    batches.setdefault(batch["system"], []).extend(batch["toys"])
nominal = {}
for path in snakemake.input.flows:
    with open(path) as f:
        flow = json.load(f)
    nominal[flow["system"]] = flow
toys = snakemake.params.config["toys"]
summary = calibration_summary(batches, toys["ncq_count"], nominal, tuple(toys["pt_range"]))
write_json_atomically(snakemake.output.summary, summary)
text = calibration_markdown(summary)
write_text_atomically(snakemake.output.table, text)
logging.info("\n%s", text)
