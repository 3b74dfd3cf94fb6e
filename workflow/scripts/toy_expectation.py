"""Snakemake script: expected tables and true results of the fit-level toys (hfe.coverage)."""

from hfe.core.atomic_io import write_json_atomically
from hfe.core.rule_logging import log_to
from hfe.coverage.expectation import expectation_record
from hfe.coverage.toys import ToySetup, expected_tables
from hfe.pseudodata.truth import TruthModel

log_to(snakemake.log[0])
config = snakemake.params.config
setup = ToySetup.from_files(config, snakemake.input.hfe, snakemake.input.responses)
expectation = setup.expectation(TruthModel.load(snakemake.input.truth))
tables = expected_tables(expectation, setup.inputs, setup.hfe, setup.pp_system)
sources = {**setup.inputs.labelled(), **{f"hfe_{s}": t for s, t in setup.hfe.items()}}
observables = {}
for system in setup.systems:
    low, high = setup.output_bins(system)
    observables[system] = {"pt_low": low, "pt_high": high, **expectation.observables(system, setup.pp_system, low, high)}
write_json_atomically(snakemake.output[0], expectation_record(tables, sources, observables))
