"""Snakemake script: one chunk of the decay library (see hfe.decays.library)."""

import logging

from hfe.core.rule_logging import log_to
from hfe.decays.forced_decays import ForcedDecays
from hfe.decays.generator import DecayKinematics
from hfe.decays.library import library_seed, write_decay_chunk

log_to(snakemake.log[0])
config = snakemake.params.config
library = config["decay_library"]
species, chunk = snakemake.wildcards.species, int(snakemake.wildcards.chunk)
seed = library_seed(config["seed"], snakemake.wildcards.library)
logging.info("decaying %d %s parents (library %s, chunk %d, seed %d)", library["parents_per_chunk"], species, snakemake.wildcards.library, chunk, seed)
provenance = write_decay_chunk(
    snakemake.output[0],
    species,
    chunk,
    library["parents_per_chunk"],
    seed,
    DecayKinematics(pt_max=library["pt_max"], y_max=library["y_max"]),
    library["parents_per_event"],
    ForcedDecays.from_config(library["forced_decays"]),
)
logging.info("written %s: %s", snakemake.output[0], provenance)
