"""Snakemake script: one chunk of pseudo-data events (see hfe.pseudodata.chunk)."""

import json
import logging

from hfe.core.rule_logging import log_to
from hfe.decays.electron_yields import scale_factors
from hfe.decays.ntuple import read_provenance
from hfe.pseudodata.chunk import build_system_setup, write_event_chunk
from hfe.pseudodata.truth import TruthModel

log_to(snakemake.log[0])
config = snakemake.params.config
library = {}
for path in snakemake.input.decays:
    library.setdefault(read_provenance(path)["species"], []).append(path)
system, chunk = snakemake.wildcards.system, int(snakemake.wildcards.chunk)
with open(snakemake.input.yields) as f:
    yields = json.load(f)  # of the pseudo-events' library: its own PYTHIA yields give the factors
factors = scale_factors(yields["library"], config["pseudo_data"]["branching_ratios"], yields["pdg"])
setup = build_system_setup(system, config, TruthModel.load(snakemake.input.truth), library, factors)
provenance = write_event_chunk(snakemake.output[0], system, chunk, config, setup)
logging.info("written %s: %s", snakemake.output[0], provenance)
