"""Snakemake script: HFE spectrum and v2 of one system from its event ntuples."""

import logging

from analysis.hfe_measurement import accumulate, results
from analysis.measurement_output import settings_from_config, write_measurement

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
system = snakemake.wildcards.system
settings = settings_from_config(snakemake.config, system)
measured = results(accumulate(list(snakemake.input), settings))
write_measurement(dict(snakemake.output.items()), system, snakemake.config, measured, list(snakemake.input))
logging.info("%s: %d events, resolution %s", system, measured["n_events"], measured.get("resolution"))
