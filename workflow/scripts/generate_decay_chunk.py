"""Snakemake script: one chunk of the decay library (see analysis.decay_library)."""

import logging

from analysis.decay_generator import DecayKinematics
from analysis.decay_library import write_decay_chunk
from analysis.forced_decays import ForcedDecays

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
params = snakemake.params
logging.info("decaying %d %s parents (chunk %s)", params.n_parents, snakemake.wildcards.species, snakemake.wildcards.chunk)
provenance = write_decay_chunk(
    snakemake.output[0],
    snakemake.wildcards.species,
    int(snakemake.wildcards.chunk),
    params.n_parents,
    params.seed,
    DecayKinematics(pt_max=params.pt_max, y_max=params.y_max),
    params.parents_per_event,
    ForcedDecays.from_config(params.forced_decays),
)
logging.info("written %s: %s", snakemake.output[0], provenance)
