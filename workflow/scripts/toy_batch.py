"""Snakemake script: one batch of fit-level toys of one system (hfe.coverage.toys)."""

import json
import logging

from hfe.core.atomic_io import write_json_atomically
from hfe.core.rule_logging import log_to
from hfe.coverage.toys import ToySetup
from hfe.decomposition.inputs import load_expected_tables

log_to(snakemake.log[0])
config = snakemake.params.config
system = snakemake.wildcards.system
setup = ToySetup.from_files(config, snakemake.input.hfe, snakemake.input.responses)
expected = load_expected_tables(snakemake.input.expected)
with open(snakemake.input.pp_fit) as f:
    pp_start = json.load(f)
with open(snakemake.input.nominal_fit) as f:
    nominal_start = json.load(f)["parameters"]  # the toys start at the nominal minimum of their system
toys = setup.run(system, snakemake.params.toys, config["seed"], expected, pp_start, nominal_start)
logging.info("%s: %d toys, %d failed", system, len(toys), sum(not t["valid"] for t in toys))
write_json_atomically(snakemake.output[0], {"system": system, "seed": config["seed"], "toys": toys})
