"""Snakemake script: the full chain on every replica of one bootstrap batch."""

from hfe.bootstrap.batches import fit_replicas
from hfe.core.catalogue import ResultsLayout
from hfe.core.rule_logging import log_to
from hfe.decomposition.inputs import load_expected_tables

log_to(snakemake.log[0])
config = snakemake.params.config
first, count = snakemake.params.replicas
fit_replicas(
    snakemake.output[0], config, ResultsLayout(snakemake.params.results), first, count, list(snakemake.input.measured),
    snakemake.params.measured, list(snakemake.input.hfe), list(snakemake.input.hfe_v2), list(config["systems"]),
    list(snakemake.input.responses), load_expected_tables(snakemake.input.expected), snakemake.params.measurement_fingerprints,
    snakemake.wildcards.family,
)
