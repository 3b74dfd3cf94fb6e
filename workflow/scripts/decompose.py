"""Snakemake script: charm/beauty decomposition of one system (see hfe.decomposition)."""

import json
import logging

from hfe.core.rule_logging import log_to
from hfe.core.systems import CollisionSystem
from hfe.decomposition.inputs import FitInputs, load_expected_tables, load_hfe_table
from hfe.decomposition.output import decompose_system, write_decomposition
from hfe.decomposition.settings import DecompositionSettings
from hfe.decomposition.system import load_responses

log_to(snakemake.log[0])
config = snakemake.params.config
system = snakemake.wildcards.system
pp_summary = None
if "pp_fit" in snakemake.input.keys():
    with open(snakemake.input.pp_fit) as f:
        pp_summary = json.load(f)
options = config["decomposition"]["hfe_table_options"]
setup = CollisionSystem.from_config(config, system)


def hfe_input(path, name, kind):
    return load_hfe_table(path, kind, f"HFE table of {name} (decomposition.hfe_tables.{name})", **options.get(name, {}))


pp_name = next((s for s, c in config["systems"].items() if c["kind"] == "pp"), None)
pp_hfe = hfe_input(snakemake.input.pp_hfe, pp_name, "pp") if "pp_hfe" in snakemake.input.keys() else None
electrons, dzero = load_responses(snakemake.input.responses)
result = decompose_system(
    setup, DecompositionSettings.from_config(config), hfe_input(snakemake.input.hfe, system, setup.kind),
    electrons, dzero, FitInputs.load(config, expected=load_expected_tables(snakemake.input.expected)), pp_summary, pp_hfe,
)
write_decomposition(dict(snakemake.output.items()), system, result, snakemake.params.units)
logging.info("%s: chi2/ndf = %.1f/%d", system, result["summary"]["chi2"], result["summary"]["ndf"])
