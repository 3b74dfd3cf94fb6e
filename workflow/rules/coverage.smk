# Fit-level toy experiments and the coverage of the quoted uncertainties (`snakemake coverage`).
# Toys are drawn around the truth's expectation of every fitted table (hfe/coverage/), refitted
# in batches ({toy_batch} wildcard: cluster-friendly, each batch resumable on its own, every toy
# seeded by its index), and summarised per system, observable and bin.

rule toy_expectation:
    """Expected values of every fitted table and true results under the truth, through the
    fit's responses."""
    input:
        truth="results/truth/truth.json",
        responses=all_responses(),
        tables=fit_tables(SYSTEMS),
        hfe=[hfe_table(s) for s in SYSTEMS],
    output:
        "results/toys/expected.json",
    params:
        code=package_code("toy_expectation.py"),
        config=config_params("decomposition", "systems"),
    log:
        "results/logs/toys/expectation.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/toy_expectation.py"


rule toy_batch:
    """One batch of toys of one system: draw, fit, record results, errors and the fit's p-value."""
    input:
        expected="results/toys/expected.json",
        responses=all_responses(),
        tables=fit_tables(SYSTEMS),
        hfe=[hfe_table(s) for s in SYSTEMS],
        pp_fit=str(RESULTS.fit_summary(PP_SYSTEMS[0], NOMINAL)),
    output:
        "results/toys/{system}/batch_{toy_batch}.json",
    wildcard_constraints:
        toy_batch=r"\d+",
    params:
        code=package_code("toy_batch.py"),
        config=config_params("seed", "decomposition", "systems"),
        toys=lambda wc: toy_indices(wc.toy_batch),
    log:
        "results/logs/toys/{system}_{toy_batch}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime", n_fits=TOYS["batch_size"] * 2),
    script:
        "../scripts/toy_batch.py"


rule coverage_summary:
    """Mean pull, pull width and coverage per system, observable and bin; p-value uniformity."""
    input:
        expected="results/toys/expected.json",
        batches=expand("results/toys/{system}/batch_{toy_batch}.json", system=SYSTEMS, toy_batch=TOY_BATCHES),
    output:
        summary="results/toys/coverage.json",
        table="results/toys/coverage.md",
    params:
        code=package_code("coverage_summary.py"),
        config=config_params("toys.pt_range", "toys.count"),
    log:
        "results/logs/toys/coverage.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/coverage_summary.py"


rule coverage_figure:
    """Coverage and mean pull per pT bin, observable and system."""
    input:
        "results/toys/coverage.json",
    output:
        pdf="results/toys/coverage.pdf",
        png="results/toys/coverage.png",
    params:
        code=package_code("coverage_figure.py"),
        config=config_params("figures"),
    log:
        "results/logs/toys/coverage_figure.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/coverage_figure.py"


rule ncq_toy_batch:
    """One batch of NCQ-calibration toys of one Pb-Pb system: beauty exactly NCQ, every v2 input
    drawn from its uncertainty, the v2 analysis rerun (hfe/coverage/ncq_calibration.py)."""
    input:
        flow=str(RESULTS.flow_summary("{system}", NOMINAL)),
        decomposition=str(RESULTS.fit_summary("{system}", NOMINAL)),
        hfe_v2=str(RESULTS.measurement("{system}", "hfe_v2")),
        responses=all_responses() + flow_responses(),
        expected=pseudo_input_files(NOMINAL),
        tables=lambda wc: fit_tables([wc.system], NOMINAL, flow=True),
    output:
        "results/toys/ncq/{system}/batch_{toy_batch}.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
        toy_batch=r"\d+",
    params:
        code=package_code("ncq_toy_batch.py"),
        config=config_params("seed", "flow", "decomposition", "systems.{system}"),
        toys=lambda wc: toy_indices(wc.toy_batch),
    log:
        "results/logs/toys/ncq_{system}_{toy_batch}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime", n_fits=TOYS["batch_size"]),
    script:
        "../scripts/ncq_toy_batch.py"


rule ncq_calibration:
    """False-positive rates of the NCQ tests at CL 0.68 / 0.90 / 0.95 when beauty is exactly NCQ."""
    input:
        batches=expand("results/toys/ncq/{system}/batch_{toy_batch}.json", system=PBPB_SYSTEMS, toy_batch=TOY_BATCHES),
        flows=[str(RESULTS.flow_summary(s, NOMINAL)) for s in PBPB_SYSTEMS],
    output:
        summary="results/toys/ncq_calibration.json",
        table="results/toys/ncq_calibration.md",
    params:
        code=package_code("ncq_calibration.py"),
        config=config_params("toys.count", "toys.pt_range"),
    log:
        "results/logs/toys/ncq_calibration.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/ncq_calibration.py"
