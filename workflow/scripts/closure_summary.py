"""Snakemake script: closure of every pseudo-data system against its generated truth (hfe.outputs.closure)."""

from hfe.core.atomic_io import write_json_atomically, write_text_atomically
from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.outputs.closure import closure_summary, summary_markdown

log_to(snakemake.log[0])
summary = closure_summary(ResultsLayout(snakemake.params.results), snakemake.params.config, snakemake.params.systems)
write_json_atomically(snakemake.output.summary, summary)
write_text_atomically(snakemake.output.table, "\n".join(["# Closure against the generated truth", "", *summary_markdown(summary), ""]))
