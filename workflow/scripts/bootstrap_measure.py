"""Snakemake script: event-level bootstrap replicas of one system's HFE measurement (one batch)."""

from hfe.bootstrap.batches import measure_replicas
from hfe.core.rule_logging import log_to

log_to(snakemake.log[0])
first, count = snakemake.params.replicas
measure_replicas(
    snakemake.output[0], snakemake.params.config, snakemake.wildcards.system, list(snakemake.input), first, count,
    snakemake.params.backend,
)
