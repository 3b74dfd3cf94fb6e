# Paper figures (PDF + PNG under results/figures/), the snakemake --report captions, HEPData and the summary.


rule figure:
    """One figure of the paper, drawn from the result tables (the claims figure from claims.json)."""
    input:
        lambda wc: figure_inputs() + ([f"{RES}/claims.json"] if wc.figure == "claims" else []),
    output:
        pdf=report(f"{RES}/figures/{{figure}}.pdf", caption="../report/figure.rst", category="2 Figures", subcategory="PDF (vector)"),
        png=report(f"{RES}/figures/{{figure}}.png", caption="../report/figure.rst", category="2 Figures", subcategory="PNG"),
    params:
        code=package_code("draw_figure.py"),
        config=config_params("systems", "response.electron_eta_max", "decomposition", "flow", "figures"),
        caption=lambda wc: caption(wc.figure),
        results=results_root,
        with_systematics=True,
    wildcard_constraints:
        figure="|".join(FIGURE_NAMES),
    log:
        f"{RES}/logs/figure/{{figure}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/draw_figure.py"


rule closure_summary:
    """Pulls against the generated truth per system, observable and bin (results/closure/),
    with the fit error and with the model-choice variations of closure.model_variations."""
    input:
        quicklook_inputs(),
        [path for v in config["closure"]["model_variations"] for path in decomposition_outputs(v) + flow_outputs(v)],
    output:
        summary=f"{RES}/closure/summary.json",
        table=f"{RES}/closure/summary.md",
    params:
        code=package_code("closure_summary.py"),
        config=config_params("systems", "truth", "seed", "pseudo_data.sample", "decomposition.input_tables", "closure", "variations", "systematics.only"),
        systems=measured_systems(),
        results=results_root,
    log:
        f"{RES}/logs/closure_summary.log",
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
        pdf=f"{RES}/quicklook/{{figure}}.pdf",
        png=f"{RES}/quicklook/{{figure}}.png",
    params:
        code=package_code("draw_figure.py"),
        config=config_params("systems", "response.electron_eta_max", "decomposition", "flow", "figures"),
        results=results_root,
        with_systematics=False,
    wildcard_constraints:
        figure="|".join(QUICKLOOK_NAMES),
    log:
        f"{RES}/logs/quicklook/{{figure}}.log",
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
        report(f"{RES}/hepdata/submission.tar.gz", caption="../report/hepdata.rst", category="5 HEPData"),
    params:
        code=package_code("write_hepdata.py"),
        config=config_params(*OBSERVABLE_KEYS, "systems", "response.electron_eta_max", "bootstrap.replicas"),
        results=results_root,
    log:
        f"{RES}/logs/hepdata.log",
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
        batches=bootstrap_batches(STATISTICAL),
        input_batches=bootstrap_batches(FIT_INPUTS),
        fits=decomposition_outputs() + flow_outputs(),
        truth=[str(RESULTS.measurement(s, f"truth_{f}_spectrum")) for s in PSEUDO_SYSTEMS for f in ("ctoe", "btoe")],
    output:
        report(f"{RES}/summary.md", caption="../report/summary.rst", category="1 Summary"),
        fits=report(f"{RES}/fits.md", caption="../report/fits.rst", category="3 Fits"),
        **({"claims": report(f"{RES}/claims.json", caption="../report/claims.rst", category="1 Summary")} if has_paper_claims(config) else {}),
    params:
        code=package_code("write_summary.py"),
        config=config_params("systems", "decomposition", "flow", "response.electron_eta_max", "variations.*.source", "systematics.only"),
        results=results_root,
    log:
        f"{RES}/logs/summary.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/write_summary.py"


rule export_btoe_v2:
    """The b -> e v2 of a system with its combined uncertainties, for another analysis to read
    (the RHIC side of the RHIC-LHC test: flow.rhic_btoe_v2 of the 5.02 TeV analysis)."""
    input:
        systematics_outputs(),
    output:
        f"{RES}/export/btoe_v2_{{system}}.csv",
    params:
        code=package_code("export_btoe_v2.py"),
        config=config_params("systems", "response.electron_eta_max", "decomposition.hfe_tables", "flow.hfe_v2_tables", "flow.dmeson_v2"),
        results=results_root,
    wildcard_constraints:
        system="|".join(map(re.escape, FLOW_SYSTEMS)),
    log:
        f"{RES}/logs/export/btoe_v2_{{system}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/export_btoe_v2.py"
