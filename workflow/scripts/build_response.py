"""Snakemake script: response matrix (or, with params.flow, flow response) of one species
(see hfe.decays.response)."""

import logging

from hfe.core.rule_logging import log_to
from hfe.decays.response import build_species_response

log_to(snakemake.log[0])
config = snakemake.params.config
response = build_species_response(
    snakemake.wildcards.species,
    list(snakemake.input.decays),
    snakemake.input.yields,
    config["response"],
    config["decay_library"]["pt_max"],
    flow=snakemake.params.flow,
)
response.save(snakemake.output[0])
logging.info("response %s: shape %s, provenance %s", snakemake.wildcards.species, response.matrix.shape, response.provenance)
