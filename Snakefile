# HFE charm/beauty separation workflow. Run `snakemake` from this directory (the default
# workflow profile in workflow/profiles/default sets the cores); see README.md and docs/.
from snakemake.utils import min_version

min_version("8.0")


configfile: "config/config.yaml"


# The OS image of `snakemake --sdm conda apptainer`: each job's conda environment (conda: of its
# rule, workflow/envs/) is built and run inside this image (conda 24.9.2; Snakemake 9 needs
# conda >= 24.7.1). Plain `snakemake` and `--sdm conda` ignore it. It must come before
# the includes: a global container applies to the rules defined after it.
container: "docker://condaforge/miniforge3:24.9.2-0"


include: "workflow/rules/common.smk"
include: "workflow/rules/decay_library.smk"
include: "workflow/rules/pseudo_data.smk"
include: "workflow/rules/decomposition.smk"
include: "workflow/rules/flow.smk"
include: "workflow/rules/bootstrap.smk"
include: "workflow/rules/systematics.smk"
include: "workflow/rules/figures.smk"


report: "workflow/report/workflow.rst"


# The target rules only collect files: never submit them to a batch system.
localrules:
    all,
    decomposition,
    flow,
    closure,
    figures,
    report,


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


# Aggregate targets (`snakemake <name>`). The first four draw quick-look figures
# (results/quicklook/, nominal fit uncertainties): they do not wait for the bootstrap or the
# variations. `report` builds everything a paper needs: figures with their combined
# uncertainties, the HEPData submission and the summary.
rule decomposition:
    input:
        decomposition_outputs(),
        quicklook_outputs(("dmeson_fit", "hfe_components", "beauty_fraction", "raa")),


rule flow:
    input:
        flow_outputs(),
        quicklook_outputs(("v2",)),


rule closure:
    input:
        quicklook_outputs(("closure",)),


rule figures:
    input:
        quicklook_outputs(),


rule report:
    input:
        figure_outputs(),
        "results/hepdata/submission.tar.gz",
        "results/summary.md",
