# Configuration validation and helpers shared by all rules. A malformed config stops here,
# before any job is scheduled, with the offending key named.
from snakemake.utils import validate

from analysis.config import validate_config
from analysis.errors import ConfigError
from analysis.species import species_by_name

try:
    _validated = validate_config(config)
except ConfigError as error:
    raise SystemExit(f"Configuration error: {error}")
config.clear()
config.update(_validated)
validate(config, "../schemas/config.schema.yaml")

SPECIES = config["decay_library"]["species"]
CHUNKS = list(range(config["decay_library"]["chunks"]))


wildcard_constraints:
    species="|".join(SPECIES),
    chunk=r"\d+",


def decay_chunk_files(species):
    """ROOT files of the decay library of one species."""
    return expand("results/decays/{species}/chunk_{chunk}.root", species=species, chunk=CHUNKS)
