"""Snakemake script: percentile bands and covariance of every result over all replicas."""

from analysis.bootstrap_io import merge_replicas
from analysis.catalogue import ResultsLayout
from analysis.rule_logging import log_to

log_to(snakemake.log[0])
config = snakemake.params.config
merge_replicas(
    dict(snakemake.output.items()), config, ResultsLayout(snakemake.params.results), list(snakemake.input.batches),
    config["bootstrap"]["max_failed_fraction"],
)
