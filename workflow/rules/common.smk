# Configuration validation, shared names and helpers of all rules. A malformed config stops
# here, before any job is scheduled, with the offending key named.
import copy
import math
import re
from functools import lru_cache
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

from hfe.core import job_resources
from hfe.core.backend import check_local_run
from hfe.core.code_fingerprint import code_fingerprint
from hfe.core.catalogue import (
    BOOTSTRAP_FAMILIES,
    FIT_INPUTS,
    FLOW_TABLES,
    NOMINAL,
    OBSERVABLE_KEYS,
    PSEUDO_DATA_LIBRARY,
    RAA_TABLES,
    RESPONSE_LIBRARY,
    SPECTRUM_TABLES,
    STATISTICAL,
    V2_TABLES,
    ResultsLayout,
    calibrated_tables,
    decomposition_tables,
    measurement_tables,
    observables,
)
from hfe.core.config import config_fingerprint, config_slice, flow_systems, pseudo_systems, read_yaml, validate_config, with_whole_curves
from hfe.decomposition.inputs import raa_table_paths
from hfe.core.errors import ConfigError
from hfe.outputs.claims import has_paper_claims
from hfe.outputs.figures import QUICKLOOK_KINDS, caption, figure_names
from hfe.core.species import species_by_name
from hfe.systematics.variations import check_variations, selected_variations, variation_config

try:
    _overrides = [read_yaml(path) for path in workflow.overwrite_configfiles]
    # a --configfile with standalone: true is a complete analysis (config/rhic_auau200.yaml): the
    # default config/config.yaml is not merged under it (Snakemake merged it first; taken back here)
    _base = copy.deepcopy(workflow.config_settings.overwrite_config) if any(o.get("standalone") for o in _overrides) else config
    # a curve in a --configfile replaces the default's curve as a whole (Snakemake merges key by key)
    _merged = with_whole_curves(_base, _overrides)
    _validated = validate_config(_merged)
except ConfigError as error:
    raise SystemExit(f"Configuration error: {error}")
config.clear()
config.update(_validated)  # validated against the package's schema (hfe/core/config.schema.yaml), defaults filled
try:
    check_variations(config)
except ConfigError as error:
    raise SystemExit(f"Configuration error: {error}")


onstart:
    # a local run checks the bootstrap backend before any job (a missing GPU is known now); a
    # batch-system job checks on its node
    if workflow.local_exec and BOOTSTRAP["replicas"] > 0:
        try:
            check_local_run(BOOTSTRAP["backend"], DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method)
        except ConfigError as error:
            raise SystemExit(f"Configuration error: {error}")


# ---- shared names --------------------------------------------------------------------------
RES = config["results_dir"].rstrip("/")  # every output of this configuration lies under it
RESULTS = ResultsLayout(RES)
VARIATIONS = selected_variations(config)
SPECIES = config["decay_library"]["species"]
BEAUTY_SPECIES = [s for s in SPECIES if species_by_name(s).flavour == "beauty"]
CHUNKS = list(range(config["decay_library"]["chunks"]))
DECAY_LIBRARIES = [RESPONSE_LIBRARY, PSEUDO_DATA_LIBRARY]
# the decays of the pseudo-events: their own library (no inverse crime) or the responses'
PSEUDO_EVENTS_LIBRARY = PSEUDO_DATA_LIBRARY if config["pseudo_data"]["decay_library"] == "independent" else RESPONSE_LIBRARY
SYSTEMS = list(config["systems"])
PP_SYSTEMS = [s for s in SYSTEMS if config["systems"][s]["kind"] == "pp"] or ["<none>"]
PBPB_SYSTEMS = [s for s in SYSTEMS if config["systems"][s]["kind"] == "PbPb"] or ["<none>"]
PSEUDO_SYSTEMS = pseudo_systems(config)  # HFE measured on pseudo-data; the others read published tables
FLOW_SYSTEMS = flow_systems(config) or ["<none>"]  # nucleus-nucleus systems with a v2 analysis
BOOTSTRAP = config["bootstrap"]
BATCHES = list(range(math.ceil(BOOTSTRAP["replicas"] / BOOTSTRAP["batch_size"])))
TOYS = config["toys"]
TOY_BATCHES = list(range(math.ceil(TOYS["count"] / TOYS["batch_size"])))
NCQ_TOY_BATCHES = list(range(math.ceil(TOYS["ncq_count"] / TOYS["batch_size"])))
FIGURE_NAMES = figure_names(config)
QUICKLOOK_NAMES = figure_names(config, QUICKLOOK_KINDS)


wildcard_constraints:
    species="|".join(SPECIES),
    chunk=r"\d+",
    batch=r"\d+",
    system="|".join(map(re.escape, config["systems"])),
    variation="|".join(map(re.escape, [NOMINAL] + VARIATIONS)),


# ---- the config a rule reads, as params --------------------------------------------------------
@lru_cache(maxsize=None)
def config_of(variation):
    """The validated config of a variation (``nominal``: the config itself)."""
    return variation_config(config, variation)


def config_params(*keys):
    """A params entry with the parts of the config a rule reads (PyPSA-Eur's config_provider).
    Snakemake stores params with the outputs, so editing any of these keys reruns the rule and
    what depends on it, and editing any other key does not. Keys are dotted paths; a ``*``
    segment takes every entry; ``{system}`` is the job's wildcard. Jobs with a ``{variation}``
    wildcard read their variation's config."""

    def provider(wildcards):
        source = config_of(getattr(wildcards, "variation", NOMINAL))
        names = {name: getattr(wildcards, name) for name in ("system", "species") if hasattr(wildcards, name)}
        return config_slice(source, [key.format(**names) for key in keys])

    return provider


def results_root(wildcards, output):
    """params.results of the rules that read result tables by name (hfe.core.catalogue.ResultsLayout):
    the results folder, taken from the job's first output, which lies under it, so that it
    follows the files wherever the job sees them (snakemake --lint: no hard-coded path prefix)."""
    parts, root = Path(output[0]).parts, RESULTS.root.parts
    for i in range(len(parts) - len(root)):
        if parts[i : i + len(root)] == root:
            return str(Path(*parts[: i + len(root)]))
    raise ValueError(f"{output[0]} is not under {RESULTS.root}")


@lru_cache(maxsize=None)
def package_code(script):
    """A params entry: fingerprint of the ``hfe`` modules the rule's script imports (followed
    transitively), so that an edit of the package reruns exactly the rules whose code changed
    (Snakemake itself watches only the script)."""
    return code_fingerprint(Path(workflow.basedir) / "scripts" / script)


# ---- file lists ------------------------------------------------------------------------------
def decay_chunk_files(species, library=RESPONSE_LIBRARY):
    """ROOT files of one species (or a list of species) in a decay library (results/<library>/)."""
    chunks = CHUNKS if library == RESPONSE_LIBRARY else range(config["pseudo_data"]["decay_library_chunks"])
    return expand(f"{RES}/{library}/{{species}}/chunk_{{chunk}}.root", species=species, chunk=chunks)


def all_responses():
    return expand(f"{RES}/responses/{{species}}.npz", species=SPECIES) + expand(
        f"{RES}/responses/{{species}}_to_D0.npz", species=BEAUTY_SPECIES
    )


def flow_responses():
    return expand(f"{RES}/responses/{{species}}_flow.npz", species=SPECIES) + expand(
        f"{RES}/responses/{{species}}_to_D0_flow.npz", species=BEAUTY_SPECIES
    )


def decay_library_outputs():
    return [f"{RES}/decays/electron_yields.json", *all_responses(), *flow_responses()]


def truth_curve_specs():
    """All curve specifications of the truth section (to list the tables they fit)."""
    truth = config["truth"]
    specs = [truth["charm_pp"], truth["beauty_pp"], *truth["charm_ratios"].values()]
    for quantity in ("charm_raa", "beauty_raa", "charm_v2", "beauty_v2"):
        specs += list(truth[quantity].values())
    return specs


def event_chunk_files(system):
    return expand(f"{RES}/events/{{system}}/chunk_{{chunk}}.root", system=system, chunk=range(config["systems"][system]["chunks"]))


def pseudo_data_outputs():
    """The truth and the pseudo-data measurement (none for an analysis of published HFE only)."""
    outputs = [f"{RES}/truth/truth.json"] if PSEUDO_SYSTEMS else []
    for system in PSEUDO_SYSTEMS:
        outputs += [str(RESULTS.measurement(system, t)) for t in measurement_tables(config["systems"][system]["kind"])]
    return outputs


def fit_tables(systems, variation=NOMINAL, flow=False):
    """The published tables the fits of ``systems`` read (D0 and non-prompt D0 data, charm
    ratio fits, R_AA and v2 tables, comparisons): rule inputs, so that editing one reruns them."""
    cfg = config_of(variation)
    decomposition = cfg["decomposition"]
    specs = list(decomposition["charm_ratios"].values())
    tables = [spec["fit"] for spec in specs if "fit" in spec]
    for system in systems:
        if cfg["systems"][system]["kind"] == "pp":
            tables += [decomposition["d0_pp"]] + ([decomposition["nonprompt_pp"]] if decomposition["nonprompt_constraint"] else [])
            continue
        tables += raa_table_paths(decomposition["d0_raa"][system])
        if decomposition["nonprompt_constraint"]:
            tables.append(decomposition["nonprompt_raa"][system])
        tables += [c["table"] for c in decomposition["comparisons"].get(system, [])]
        if flow:
            tables += [cfg["flow"]["dmeson_v2"].get(system, {}).get("fit")]
            tables += [c["table"] for c in cfg["flow"]["comparisons"].get(system, [])]
            rhic = cfg["flow"]["rhic_btoe_v2"]
            if rhic and rhic["system"] == system:  # the RHIC-LHC b -> e v2 test reads it
                tables.append(rhic["table"])
    return sorted({t for t in tables if t})


def pseudo_input_files(variation=NOMINAL):
    """The truth's expected tables, an input of every fit when decomposition.input_tables has a
    pseudo entry (the fits' inputs are then drawn around them)."""
    sources = config_of(variation)["decomposition"]["input_tables"].values()
    return [f"{RES}/toys/expected.json"] if "pseudo" in sources else []


def hfe_table(system, variation=NOMINAL):
    """The HFE input of a system: a configured table, else the pseudo-data measurement."""
    tables = config_of(variation)["decomposition"]["hfe_tables"]
    return tables.get(system, str(RESULTS.measurement(system, "hfe_spectrum")))


def hfe_v2_table(system, variation=NOMINAL):
    """The HFE v2 input of a system: a configured table, else the pseudo-data measurement."""
    tables = config_of(variation)["flow"]["hfe_v2_tables"]
    return tables.get(system, str(RESULTS.measurement(system, "hfe_v2")))


def decomposition_outputs(variation=NOMINAL):
    outputs = []
    for system in SYSTEMS:
        outputs += [str(RESULTS.decomposition(system, t, variation)) for t in decomposition_tables(config["systems"][system]["kind"])]
    return outputs


def flow_outputs(variation=NOMINAL):
    return [str(RESULTS.flow(s, t, variation)) for s in FLOW_SYSTEMS if s != "<none>" for t in V2_TABLES]


def batch_replicas(batch):
    """(first replica, number of replicas) of a batch; more replicas only add or fill batches."""
    first = int(batch) * BOOTSTRAP["batch_size"]
    return first, min(BOOTSTRAP["batch_size"], BOOTSTRAP["replicas"] - first)


def toy_indices(batch, total):
    """The toy indices of one batch of ``total`` toys (seeds depend on the index only)."""
    first = int(batch) * TOYS["batch_size"]
    return list(range(first, min(first + TOYS["batch_size"], total)))


def calibrated_names():
    """(system, observable) of every nominal result whose errors the toys calibrate."""
    return [(s, t) for s in SYSTEMS for t in calibrated_tables(config["systems"][s]["kind"])]


def toy_outputs():
    pbpb = [s for s in FLOW_SYSTEMS if s in PSEUDO_SYSTEMS]
    ncq = [f"{RES}/toys/ncq_calibration.json", f"{RES}/toys/ncq_calibration.md"] if pbpb else []
    return [f"{RES}/toys/coverage.json", f"{RES}/toys/coverage.md", f"{RES}/toys/coverage.png",
            f"{RES}/toys/error_calibration.md", *[str(RESULTS.calibrated(s, t)) for s, t in calibrated_names()], *ncq]


# the config keys the bootstrap's measurement and fit batches read (their fingerprints)
BOOTSTRAP_MEASUREMENT_KEYS = ("seed", "measurement", "pseudo_data.efficiency", "pseudo_data.electron_eta_max", "systems.{system}")
BOOTSTRAP_FIT_KEYS = ("seed", "decomposition", "flow", "systems")


def fingerprint_of(keys, system=None):
    """The fingerprint of the nominal config's ``keys`` (``{system}`` filled in), as a batch file stores it."""
    return config_fingerprint(config_slice(config_of(NOMINAL), [key.format(system=system) for key in keys]))


def measured_systems():
    """Systems whose HFE comes from the pseudo-data measurement (event-level replicas)."""
    return PSEUDO_SYSTEMS


def bootstrap_batches(family=STATISTICAL):
    return [str(RESULTS.bootstrap_batch(b, family)) for b in BATCHES]


def bootstrap_tables(family=STATISTICAL):
    return [str(RESULTS.bootstrap_table(name, family)) for name in observables(config)]


def bootstrap_outputs():
    """The merged bands and summary of both replica families (none without replicas)."""
    return [f for family in BOOTSTRAP_FAMILIES for f in [str(RESULTS.bootstrap_dir(family) / "summary.json"), *bootstrap_tables(family)]] if BATCHES else []


def variation_outputs():
    return [f for v in VARIATIONS for f in decomposition_outputs(v) + flow_outputs(v)]


def systematics_tables():
    return [str(RESULTS.systematics_table(name)) for name in observables(config)]


def systematics_outputs():
    return [f"{RES}/systematics/breakdown.md", f"{RES}/systematics/summary.json"] + systematics_tables()


def export_outputs():
    """Tables for another analysis (config export): the b -> e v2 of the listed systems."""
    return [f"{RES}/export/btoe_v2_{s}.csv" for s in config["export"]["btoe_v2"]]


def figure_outputs():
    return expand(f"{RES}/figures/{{figure}}.{{ext}}", figure=FIGURE_NAMES, ext=("pdf", "png"))


def quicklook_outputs(kinds=QUICKLOOK_KINDS):
    """Quick-look figures (nominal fit uncertainties only) of the given kinds."""
    names = figure_names(config, kinds)
    return expand(f"{RES}/quicklook/{{figure}}.{{ext}}", figure=names, ext=("pdf", "png"))


def quicklook_inputs():
    truth = [str(RESULTS.measurement(s, f"truth_{f}_spectrum")) for s in PSEUDO_SYSTEMS for f in ("ctoe", "btoe")]
    return decomposition_outputs() + flow_outputs() + truth


def figure_inputs():
    truth = [str(RESULTS.measurement(s, f"truth_{f}_spectrum")) for s in PSEUDO_SYSTEMS for f in ("ctoe", "btoe")]
    return decomposition_outputs() + flow_outputs() + systematics_outputs() + truth


# ---- batch-system resources, derived from the configured sizes (hfe/core/job_resources.py) ----
# A retried job (snakemake --retries N) asks for the memory of its attempt times the first one
# (job_resources.by_attempt).
by_attempt = job_resources.by_attempt
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
