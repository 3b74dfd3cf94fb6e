# Fit-level toy experiments and the coverage of the quoted uncertainties (`snakemake coverage`).
# Toys are drawn around the truth's expectation of every fitted table (hfe/coverage/), refitted
# in batches ({toy_batch} wildcard: cluster-friendly, each batch resumable on its own, every toy
# seeded by its index), and summarised per system, observable and bin.

rule toy_expectation:
    """Expected values of every fitted table and true results under the truth, through the
    fit's responses."""
    input:
        truth=f"{RES}/truth/truth.json",
        responses=all_responses(),
        tables=fit_tables(SYSTEMS, flow=True),
        hfe=[hfe_table(s) for s in SYSTEMS],
    output:
        f"{RES}/toys/expected.json",
    params:
        code=package_code("toy_expectation.py"),
        config=config_params("decomposition", "systems", "flow.dmeson_v2"),  # the D-meson v2: a pseudo input of the flow fit
    log:
        f"{RES}/logs/toys/expectation.log",
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
        expected=f"{RES}/toys/expected.json",
        responses=all_responses(),
        tables=fit_tables(SYSTEMS),
        hfe=[hfe_table(s) for s in SYSTEMS],
        pp_fit=str(RESULTS.fit_summary(PP_SYSTEMS[0], NOMINAL)),
        nominal_fit=str(RESULTS.fit_summary("{system}", NOMINAL)),
    output:
        f"{RES}/toys/{{system}}/batch_{{toy_batch}}.json",
    wildcard_constraints:
        toy_batch=r"\d+",
    params:
        code=package_code("toy_batch.py"),
        config=config_params("seed", "decomposition", "systems"),
        toys=lambda wc: toy_indices(wc.toy_batch, TOYS["count"]),
    log:
        f"{RES}/logs/toys/{{system}}_{{toy_batch}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime", n_fits=TOYS["batch_size"] * 2),
    script:
        "../scripts/toy_batch.py"


rule coverage_summary:
    """Mean pull, pull width and coverage per system, observable and bin; p-value uniformity and
    the nominal fits' toy-calibrated p-values; the calibration of the errors from every toy,
    cross-validated on the two halves of the toys."""
    input:
        expected=f"{RES}/toys/expected.json",
        batches=expand(f"{RES}/toys/{{system}}/batch_{{toy_batch}}.json", system=SYSTEMS, toy_batch=TOY_BATCHES),
        fits=[str(RESULTS.fit_summary(s, NOMINAL)) for s in SYSTEMS],  # the nominal fits' chi2, calibrated on the toys
    output:
        summary=f"{RES}/toys/coverage.json",
        table=f"{RES}/toys/coverage.md",
        calibration=f"{RES}/toys/error_calibration.json",
        calibration_table=f"{RES}/toys/error_calibration.md",
    params:
        code=package_code("coverage_summary.py"),
        config=config_params("toys.pt_range", "toys.count"),
    log:
        f"{RES}/logs/toys/coverage.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/coverage_summary.py"


rule calibrated_results:
    """The nominal results of the global fit with the toys' calibration of their errors."""
    input:
        calibration=f"{RES}/toys/error_calibration.json",
        tables=[str(RESULTS.decomposition(s, t)) for s, t in calibrated_names()],
    output:
        [str(RESULTS.calibrated(s, t)) for s, t in calibrated_names()],  # in the order of the tables
    params:
        code=package_code("calibrate_results.py"),
        config=config_params("toys.pt_range"),
    log:
        f"{RES}/logs/toys/calibrated_results.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/calibrate_results.py"


rule coverage_figure:
    """Coverage and mean pull per pT bin, observable and system; the calibrated coverage."""
    input:
        coverage=f"{RES}/toys/coverage.json",
        calibration=f"{RES}/toys/error_calibration.json",
    output:
        pdf=f"{RES}/toys/coverage.pdf",
        png=f"{RES}/toys/coverage.png",
    params:
        code=package_code("coverage_figure.py"),
        config=config_params("figures"),
    log:
        f"{RES}/logs/toys/coverage_figure.log",
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
        f"{RES}/toys/ncq/{{system}}/batch_{{toy_batch}}.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
        toy_batch=r"\d+",
    params:
        code=package_code("ncq_toy_batch.py"),
        config=config_params("seed", "flow", "decomposition", "systems.{system}"),
        toys=lambda wc: toy_indices(wc.toy_batch, TOYS["ncq_count"]),
    log:
        f"{RES}/logs/toys/ncq_{{system}}_{{toy_batch}}.log",
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
        batches=expand(f"{RES}/toys/ncq/{{system}}/batch_{{toy_batch}}.json", system=PBPB_SYSTEMS, toy_batch=NCQ_TOY_BATCHES),
        flows=[str(RESULTS.flow_summary(s, NOMINAL)) for s in PBPB_SYSTEMS],
    output:
        summary=f"{RES}/toys/ncq_calibration.json",
        table=f"{RES}/toys/ncq_calibration.md",
    params:
        code=package_code("ncq_calibration.py"),
        config=config_params("toys.ncq_count", "toys.pt_range"),
    log:
        f"{RES}/logs/toys/ncq_calibration.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/ncq_calibration.py"
