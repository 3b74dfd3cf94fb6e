"""Snakemake script: fit and write the truth model of the pseudo-data (see hfe.pseudodata.truth)."""

import logging

from hfe.core.rule_logging import log_to
from hfe.decays.response import ResponseMatrix
from hfe.pseudodata.truth import TruthModel, build_truth, check_truth_curves, write_truth

log_to(snakemake.log[0])
config = snakemake.params.config
dzero = {ResponseMatrix.load(p).provenance["species"]: ResponseMatrix.load(p) for p in snakemake.input.dzero}
description = build_truth(config, dzero)
check_truth_curves(
    TruthModel(description), config["systems"], config["decay_library"]["species"], config["decay_library"]["pt_max"]
)
write_truth(snakemake.output[0], description)
for name, curve in description["curves"].items():
    logging.info("%s: %s", name, curve)
for name, table in description["tables"].items():
    logging.info("%s vs %s: chi2/ndf = %.1f/%d (%s)", name, table["source"], table["chi2"], table["ndf"], table["model"])
