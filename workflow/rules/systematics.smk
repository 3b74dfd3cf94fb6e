# Systematic variations ({variation} wildcard: results/<variation>/...) and their combination.


def variation_outputs():
    outputs = []
    for variation in VARIATIONS:
        outputs += decomposition_outputs(variation) + flow_outputs(variation)
    return outputs


def systematics_outputs():
    return ["results/systematics/breakdown.md", "results/systematics/summary.json"] + [
        f"results/systematics/{name}.csv" for name in observables(config)
    ]


rule combine_systematics:
    """Per source: largest deviation of its variations; total in quadrature; bootstrap stat kept apart."""
    input:
        nominal=decomposition_outputs() + flow_outputs(),
        variations=variation_outputs(),
        bootstrap=bootstrap_outputs(),
    output:
        tables=[f"results/systematics/{name}.csv" for name in observables(config)],
        breakdown="results/systematics/breakdown.md",
        summary="results/systematics/summary.json",
    params:
        use_bootstrap=bool(BATCHES),
        sources=lambda wc: {v: config["variations"][v] for v in VARIATIONS},
    log:
        "results/logs/combine_systematics.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/combine_systematics.py"
