# Systematic variations ({variation} wildcard: results/<variation>/...) and their combination.


rule combine_systematics:
    """Per source: largest deviation of its variations; total in quadrature; bootstrap stat kept apart."""
    input:
        nominal=decomposition_outputs() + flow_outputs(),
        variations=variation_outputs(),
        bootstrap=bootstrap_outputs(),
    output:
        tables=systematics_tables(),
        breakdown=report(f"{RES}/systematics/breakdown.md", caption="../report/systematics.rst", category="4 Systematics"),
        summary=f"{RES}/systematics/summary.json",
    params:
        code=package_code("combine_systematics.py"),
        config=config_params(
            *OBSERVABLE_KEYS,
            "variations.*.source",
            "systematics",
            "decomposition.hfe_fit_range",
            "flow.hfe_v2_fit_range",
        ),
        use_bootstrap=bool(BATCHES),
        results=results_root,
    log:
        f"{RES}/logs/combine_systematics.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/combine_systematics.py"
