"""Snakemake script: percentile bands and covariance of every result over all replicas."""

from hfe.bootstrap.batches import merge_replicas
from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to

log_to(snakemake.log[0])
config = snakemake.params.config
merge_replicas(
    dict(snakemake.output.items()), config, ResultsLayout(snakemake.params.results), list(snakemake.input.batches),
    config["bootstrap"]["max_failed_fraction"], snakemake.params.fit_fingerprint, snakemake.wildcards.family,
)
