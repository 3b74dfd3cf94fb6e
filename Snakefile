# HFE charm/beauty separation workflow. Run `snakemake` from this directory (the default
# workflow profile in workflow/profiles/default sets the cores); see README.md.
from snakemake.utils import min_version

min_version("8.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/decay_library.smk"
include: "workflow/rules/pseudo_data.smk"
include: "workflow/rules/decomposition.smk"
include: "workflow/rules/flow.smk"
include: "workflow/rules/bootstrap.smk"
include: "workflow/rules/systematics.smk"
include: "workflow/rules/figures.smk"


report: "workflow/report/workflow.rst"


# The target rule only collects files: never submit it to a batch system.
localrules:
    all,


rule all:
    default_target: True
    input:
        decay_library_outputs(),
        pseudo_data_outputs(),
        decomposition_outputs(),
        flow_outputs(),
        bootstrap_outputs(),
        systematics_outputs(),
        figure_outputs(),
        "results/hepdata/submission.tar.gz",
        "results/summary.md",
