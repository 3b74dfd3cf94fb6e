"""Snakemake script: electrons per parent in the library, PDG targets and rescaling factors."""

import logging

from analysis.electron_yields import write_electron_yields

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
summary = write_electron_yields(
    snakemake.output[0], list(snakemake.input), snakemake.params.scaling, snakemake.params.step_size
)
logging.info("scale factors: %s", summary["scale_factors"])
