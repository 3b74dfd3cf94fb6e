"""Snakemake script: non-prompt D0 response of one beauty species (see analysis.response)."""

import logging

from analysis.response import build_dzero_response
from analysis.rule_logging import log_to

log_to(snakemake.log[0])
config = snakemake.params.config
response = build_dzero_response(
    snakemake.wildcards.species, list(snakemake.input.decays), config["response"], config["decay_library"]["pt_max"]
)
response.save(snakemake.output[0])
logging.info("D0 response %s: shape %s", snakemake.wildcards.species, response.matrix.shape)
