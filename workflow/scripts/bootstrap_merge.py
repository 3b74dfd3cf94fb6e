"""Snakemake script: percentile bands and covariance of every result over all replicas."""

import logging

from analysis.bootstrap_io import merge_replicas

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
merge_replicas(dict(snakemake.output.items()), snakemake.config, list(snakemake.input.batches), snakemake.params.max_failed_fraction)
