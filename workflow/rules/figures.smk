# Paper figures (PDF + PNG under results/figures/), the snakemake --report captions, HEPData and the summary.


rule figure:
    """One figure of the paper, drawn from the result tables."""
    input:
        figure_inputs(),
    output:
        pdf="results/figures/{figure}.pdf",
        png=report("results/figures/{figure}.png", caption="../report/figure.rst", category="Figures"),
    params:
        code=package_code("draw_figure.py"),
        config=config_params(
            "systems.*.kind",
            "systems.*.taa_per_mb",
            "decomposition.comparisons",
            "flow.comparisons",
            "figures",
        ),
        caption=lambda wc: caption(wc.figure),
        results=results_root,
        with_systematics=True,
    wildcard_constraints:
        figure="|".join(FIGURE_NAMES),
    log:
        "results/logs/figure/{figure}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/draw_figure.py"


rule closure_summary:
    """Pulls against the generated truth per system, observable and bin (results/closure/)."""
    input:
        quicklook_inputs(),
    output:
        summary="results/closure/summary.json",
        table="results/closure/summary.md",
    params:
        code=package_code("closure_summary.py"),
        config=config_params("systems", "truth"),
        systems=measured_systems(),
        results=results_root,
    log:
        "results/logs/closure_summary.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/closure_summary.py"


rule quicklook_figure:
    """One figure with the nominal fit uncertainties only: does not wait for the bootstrap or the variations."""
    input:
        quicklook_inputs(),
    output:
        pdf="results/quicklook/{figure}.pdf",
        png="results/quicklook/{figure}.png",
    params:
        code=package_code("draw_figure.py"),
        config=config_params(
            "systems.*.kind",
            "systems.*.taa_per_mb",
            "decomposition.comparisons",
            "flow.comparisons",
            "figures",
        ),
        results=results_root,
        with_systematics=False,
    wildcard_constraints:
        figure="|".join(QUICKLOOK_NAMES),
    log:
        "results/logs/quicklook/{figure}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/draw_figure.py"


rule hepdata:
    """Every result as a HEPData submission (hepdata_lib), uncertainties split per source."""
    input:
        systematics_outputs(),
    output:
        "results/hepdata/submission.tar.gz",
    params:
        code=package_code("write_hepdata.py"),
        config=config_params("systems.*.kind"),
        results=results_root,
    log:
        "results/logs/hepdata.log",
    conda:
        "../envs/hepdata.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/write_hepdata.py"


rule summary:
    """Headline numbers with their uncertainties (results/summary.md)."""
    input:
        systematics=systematics_outputs(),
        batches=bootstrap_batches(),
        fits=decomposition_outputs() + flow_outputs(),
        truth=[str(RESULTS.measurement(s, f"truth_{f}_spectrum")) for s in measured_systems() for f in ("ctoe", "btoe")],
    output:
        report("results/summary.md", caption="../report/summary.rst", category="Summary"),
        claims="results/claims.json",
    params:
        code=package_code("write_summary.py"),
        config=config_params("systems.*.kind", "variations.*.source", "systematics.only", "decomposition.hfe_tables"),
        results=results_root,
    log:
        "results/logs/summary.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/write_summary.py"
