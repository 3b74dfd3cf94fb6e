"""Snakemake script: non-prompt D0 response of one beauty species (see analysis.response)."""

import logging

from analysis.response import build_dzero_response

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
response = build_dzero_response(
    snakemake.wildcards.species, list(snakemake.input.decays), snakemake.params.response, snakemake.params.pt_max
)
response.save(snakemake.output[0])
logging.info("D0 response %s: shape %s", snakemake.wildcards.species, response.matrix.shape)
