# Elliptic flow of c -> e and b -> e in each Pb-Pb system.


rule flow_pbpb:
    """D-meson v2 fit, v2 of c -> e, v2 of b -> e (bin by bin and global fit), NCQ test."""
    input:
        hfe_v2=lambda wc: hfe_v2_table(wc.system, wc.variation),
        decomposition=str(RESULTS.fit_summary("{system}", "{variation}")),
        responses=all_responses() + flow_responses(),
        expected=lambda wc: pseudo_input_files(wc.variation),
        tables=lambda wc: fit_tables([wc.system], wc.variation, flow=True),
    output:
        **{t: str(RESULTS.flow("{system}", t, "{variation}")) for t in V2_TABLES},
        summary=str(RESULTS.flow_summary("{system}", "{variation}")),
    wildcard_constraints:
        system="|".join(map(re.escape, FLOW_SYSTEMS)),
    params:
        code=package_code("flow.py"),
        config=config_params("flow", "decomposition", "systems.{system}", "response.electron_eta_max"),
    log:
        f"{RES}/logs/flow/{{variation}}/{{system}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/flow.py"
