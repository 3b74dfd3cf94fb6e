# Paper figures (PDF + PNG under results/figures/), the snakemake --report captions, HEPData and the summary.
from analysis.paper_figures import caption, figure_names

FIGURE_NAMES = figure_names(config)


def figure_outputs():
    return expand("results/figures/{figure}.{ext}", figure=FIGURE_NAMES, ext=("pdf", "png"))


def figure_inputs():
    truth = expand("results/measurement/{system}/truth_{flavour}_spectrum.csv", system=SYSTEMS, flavour=("ctoe", "btoe"))
    return decomposition_outputs() + flow_outputs() + systematics_outputs() + truth


rule figure:
    """One figure of the paper, drawn from the result tables."""
    input:
        figure_inputs(),
    output:
        pdf="results/figures/{figure}.pdf",
        png=report("results/figures/{figure}.png", caption="../report/figure.rst", category="Figures"),
    params:
        caption=lambda wc: caption(wc.figure),
    wildcard_constraints:
        figure="|".join(FIGURE_NAMES),
    log:
        "results/logs/figure/{figure}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/draw_figure.py"


rule hepdata:
    """Every result as a HEPData submission (hepdata_lib), uncertainties split per source."""
    input:
        systematics_outputs(),
    output:
        "results/hepdata/submission.tar.gz",
    log:
        "results/logs/hepdata.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/write_hepdata.py"


rule summary:
    """Headline numbers with their uncertainties (results/summary.md)."""
    input:
        systematics=systematics_outputs(),
        batches=expand("results/bootstrap/fits/batch_{batch}.npz", batch=BATCHES),
        fits=decomposition_outputs() + flow_outputs(),
    output:
        report("results/summary.md", caption="../report/summary.rst", category="Summary"),
    log:
        "results/logs/summary.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/write_summary.py"
