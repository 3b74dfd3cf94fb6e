# Configuration validation and helpers shared by all rules. A malformed config stops here,
# before any job is scheduled, with the offending key named.
import re

from snakemake.utils import validate

from analysis import job_resources
from analysis.config import validate_config
from analysis.variations import NOMINAL, check_variations, selected_variations, variation_config
from analysis.errors import ConfigError
from analysis.species import species_by_name

try:
    _validated = validate_config(config)
except ConfigError as error:
    raise SystemExit(f"Configuration error: {error}")
config.clear()
config.update(_validated)
validate(config, "../schemas/config.schema.yaml")
try:
    check_variations(config)
except ConfigError as error:
    raise SystemExit(f"Configuration error: {error}")
VARIATIONS = selected_variations(config)

SPECIES = config["decay_library"]["species"]
CHUNKS = list(range(config["decay_library"]["chunks"]))


wildcard_constraints:
    species="|".join(SPECIES),
    chunk=r"\d+",
    system="|".join(map(re.escape, config["systems"])),
    variation="|".join(map(re.escape, [NOMINAL] + VARIATIONS)),


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


# ---- batch-system resources, derived from the configured sizes (analysis/job_resources.py) ----
LIBRARY = config["decay_library"]
PARENTS_PER_SPECIES = LIBRARY["chunks"] * LIBRARY["parents_per_chunk"]


def decay_chunk_resource(key):
    return lambda wc: job_resources.decay_chunk(species_by_name(wc.species).flavour, LIBRARY["parents_per_chunk"])[key]


def response_resource(key, n_species=1):
    """A job reading the decay library of ``n_species`` species."""
    return job_resources.response(n_species * PARENTS_PER_SPECIES, config["response"]["step_size"])[key]


def stored_fraction(system):
    """Fraction of generated events written to the ntuple (pp keeps ~1 % with an electron)."""
    return 1.0 if config["systems"][system].get("store_empty_events", True) else 0.01


def pseudo_events_resource(key):
    def resource(wc):
        setup = config["systems"][wc.system]
        per_chunk = setup["n_events"] // setup["chunks"]
        library = PARENTS_PER_SPECIES * len(SPECIES)
        return job_resources.pseudo_events(per_chunk, stored_fraction(wc.system), library)[key]

    return resource


def measurement_resource(key, replicas=0):
    def resource(wc):
        stored = int(config["systems"][wc.system]["n_events"] * stored_fraction(wc.system))
        return job_resources.measurement(stored, config["measurement"]["step_size"], replicas)[key]

    return resource


def fit_resource(key, n_fits=1):
    return job_resources.fit(n_fits)[key]
