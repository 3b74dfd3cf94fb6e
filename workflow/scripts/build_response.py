"""Snakemake script: response matrix (or, with params.flow, flow response) of one species
(see analysis.response)."""

import logging

from analysis.response import build_species_response

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
response = build_species_response(
    snakemake.wildcards.species,
    list(snakemake.input.decays),
    snakemake.input.yields,
    snakemake.params.response,
    snakemake.params.pt_max,
    flow=snakemake.params.flow,
)
response.save(snakemake.output[0])
logging.info("response %s: shape %s, provenance %s", snakemake.wildcards.species, response.matrix.shape, response.provenance)
