"""Snakemake script: electrons per parent in the library, PDG targets and rescaling factors."""

import logging

from hfe.core.rule_logging import log_to
from hfe.decays.electron_yields import write_electron_yields

log_to(snakemake.log[0])
response = snakemake.params.config["response"]
summary = write_electron_yields(snakemake.output[0], list(snakemake.input), response["branching_ratio_scaling"], response["step_size"])
logging.info("scale factors: %s", summary["scale_factors"])
