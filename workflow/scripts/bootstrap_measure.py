"""Snakemake script: event-level bootstrap replicas of one system's HFE measurement (one batch)."""

import logging

from analysis.bootstrap_io import measure_replicas

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
first, count = snakemake.params.replicas
measure_replicas(snakemake.output[0], snakemake.config, snakemake.wildcards.system, list(snakemake.input), first, count, snakemake.params.backend)
