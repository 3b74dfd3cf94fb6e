# Configuration validation and helpers shared by all rules. A malformed config stops here,
# before any job is scheduled, with the offending key named.
import re

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
    system="|".join(map(re.escape, config["systems"])),


def decay_chunk_files(species):
    """ROOT files of the decay library of one species."""
    return expand("results/decays/{species}/chunk_{chunk}.root", species=species, chunk=CHUNKS)


def truth_curve_specs(config):
    """All curve specifications of the truth section (to list the tables they fit)."""
    truth = config["truth"]
    specs = [truth["charm_pp"], truth["beauty_pp"], *truth["charm_ratios"].values()]
    for quantity in ("charm_raa", "beauty_raa", "charm_v2", "beauty_v2"):
        specs += list(truth[quantity].values())
    return specs
