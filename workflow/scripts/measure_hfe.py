"""Snakemake script: HFE spectrum and v2 of one system from its event ntuples."""

import logging

from hfe.core.rule_logging import log_to
from hfe.measurement.hfe import accumulate, results
from hfe.measurement.output import settings_from_config, write_measurement

log_to(snakemake.log[0])
config = snakemake.params.config
system = snakemake.wildcards.system
settings = settings_from_config(config, system)
measured = results(accumulate(list(snakemake.input), settings))
write_measurement(dict(snakemake.output.items()), system, config, measured, list(snakemake.input))
logging.info("%s: %d events, resolution %s", system, measured["n_events"], measured.get("resolution"))
