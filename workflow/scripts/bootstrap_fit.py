"""Snakemake script: the full chain on every replica of one bootstrap batch."""

import logging

from analysis.bootstrap_io import fit_replicas

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
first, count = snakemake.params.replicas
fit_replicas(
    snakemake.output[0], snakemake.config, first, count, list(snakemake.input.measured), snakemake.params.measured,
    list(snakemake.input.hfe), list(snakemake.input.hfe_v2), snakemake.params.systems, list(snakemake.input.responses),
)
