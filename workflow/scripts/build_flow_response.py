"""Snakemake script: flow response of one species (see analysis.flow)."""

import logging

from analysis.response import build_species_response

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
response = build_species_response(
    snakemake.wildcards.species,
    list(snakemake.input.decays),
    snakemake.input.yields,
    snakemake.params.response,
    snakemake.params.pt_max,
    flow=True,
)
response.save(snakemake.output[0])
logging.info("flow response %s: shape %s", snakemake.wildcards.species, response.matrix.shape)
