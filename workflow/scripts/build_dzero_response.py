"""Snakemake script: non-prompt D0 response of one beauty species (see hfe.decays.response)."""

import logging

from hfe.core.rule_logging import log_to
from hfe.decays.response import build_dzero_response

log_to(snakemake.log[0])
config = snakemake.params.config
response = build_dzero_response(
    snakemake.wildcards.species, list(snakemake.input.decays), config["response"], config["decay_library"]["pt_max"], flow=snakemake.params.flow
)
response.save(snakemake.output[0])
logging.info("D0 response %s: shape %s", snakemake.wildcards.species, response.matrix.shape)
