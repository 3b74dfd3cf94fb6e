# Bootstrap replicas of the full chain, fanned out in batches ({batch} wildcard) and merged.
# Every batch file carries the fingerprint of the config keys that made it (BOOTSTRAP_*_KEYS,
# common.smk); the next stage refuses a batch of another configuration, also where Snakemake's
# params record is missing.


rule bootstrap_measure:
    """Event-level Poisson replicas of one system's HFE spectrum and v2, for one batch."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        str(RESULTS.bootstrap_measurement("{system}", "{batch}")),
    params:
        code=package_code("bootstrap_measure.py"),
        config=config_params(*BOOTSTRAP_MEASUREMENT_KEYS),
        replicas=lambda wc: batch_replicas(wc.batch),
        backend=BOOTSTRAP["backend"],
    log:
        f"{RES}/logs/bootstrap_measure/{{system}}_{{batch}}.log",
    conda:
        "../envs/analysis-cuda.yaml" if BOOTSTRAP["backend"] == "cuda" else "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(measurement_resource("mem_mb")),
        runtime=measurement_resource("runtime", replicas=BOOTSTRAP["batch_size"]),
        **({"gpu": 1} if BOOTSTRAP["backend"] == "cuda" else {}),  # the cuda backend needs a GPU on the node
    script:
        "../scripts/bootstrap_measure.py"


rule bootstrap_fit:
    """The full chain (fits, R_AA, v2) on every replica of one batch of one family: {family}
    stat (event-level HFE replicas) or fit_inputs (published tables and responses drawn)."""
    input:
        measured=lambda wc: expand(str(RESULTS.bootstrap_measurement("{system}", wc.batch)), system=measured_systems())
        if wc.family == STATISTICAL else [],
        hfe=[hfe_table(s) for s in SYSTEMS],
        tables=fit_tables(SYSTEMS, flow=True),
        hfe_v2=[hfe_v2_table(s) for s in FLOW_SYSTEMS if s != "<none>"],
        responses=all_responses() + flow_responses(),
        expected=pseudo_input_files(),
        nominal=decomposition_outputs() + flow_outputs(),  # replica results go on the nominal bins
    output:
        str(RESULTS.bootstrap_batch("{batch}", "{family}")),
    wildcard_constraints:
        family="|".join(BOOTSTRAP_FAMILIES),
    params:
        code=package_code("bootstrap_fit.py"),
        config=config_params(*BOOTSTRAP_FIT_KEYS),
        replicas=lambda wc: batch_replicas(wc.batch),
        measured=measured_systems(),
        measurement_fingerprints={system: fingerprint_of(BOOTSTRAP_MEASUREMENT_KEYS, system) for system in measured_systems()},
        results=results_root,
    log:
        f"{RES}/logs/bootstrap_fit/{{family}}/{{batch}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime", n_fits=BOOTSTRAP["batch_size"] * (2 * len(SYSTEMS))),
    script:
        "../scripts/bootstrap_fit.py"


rule bootstrap_merge:
    """Percentile bands and covariance of every result over all replicas of one family."""
    input:
        batches=lambda wc: bootstrap_batches(wc.family),
        nominal=decomposition_outputs() + flow_outputs(),
    output:
        summary=str(RESULTS.bootstrap_dir("{family}") / "summary.json"),
        tables=bootstrap_tables("{family}"),
        covariance=str(RESULTS.bootstrap_dir("{family}") / "covariance.npz"),
    wildcard_constraints:
        family="|".join(BOOTSTRAP_FAMILIES),
    params:
        code=package_code("bootstrap_merge.py"),
        config=config_params(*OBSERVABLE_KEYS, "bootstrap.replicas", "bootstrap.max_failed_fraction"),
        fit_fingerprint=fingerprint_of(BOOTSTRAP_FIT_KEYS),
        results=results_root,
    log:
        f"{RES}/logs/bootstrap_merge/{{family}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=5,
    script:
        "../scripts/bootstrap_merge.py"
