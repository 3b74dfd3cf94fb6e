# Charm/beauty decomposition: global fits per system, R_AA of c -> e and b -> e.


rule decompose_pp:
    """Global fit of the pp reference: D0, HFE and non-prompt D0 cross sections."""
    input:
        hfe=lambda wc: hfe_table(wc.system, wc.variation),
        responses=all_responses(),
        expected=lambda wc: pseudo_input_files(wc.variation),
        tables=lambda wc: fit_tables([wc.system], wc.variation),
    output:
        **{t: str(RESULTS.decomposition("{system}", t, "{variation}")) for t in decomposition_tables("pp")},
        summary=str(RESULTS.fit_summary("{system}", "{variation}")),
    wildcard_constraints:
        system="|".join(map(re.escape, PP_SYSTEMS)),
    params:
        code=package_code("decompose.py"),
        config=config_params("decomposition", "systems.{system}", "response.electron_eta_max"),
        units="pT [GeV/c]; d(sigma)/dpT deta [microbarn/(GeV/c)]",
    log:
        f"{RES}/logs/decompose/{{variation}}/{{system}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"


rule decompose_pbpb:
    """Joint global fit of the pp and Pb-Pb data of a Pb-Pb system (starting from the pp fit);
    R_AA with the pp-Pb-Pb correlations and published comparisons."""
    input:
        hfe=lambda wc: hfe_table(wc.system, wc.variation),
        responses=all_responses(),
        expected=lambda wc: pseudo_input_files(wc.variation),
        tables=lambda wc: fit_tables([PP_SYSTEMS[0], wc.system], wc.variation),
        pp_fit=str(RESULTS.fit_summary(PP_SYSTEMS[0], "{variation}")),
        pp_hfe=lambda wc: hfe_table(PP_SYSTEMS[0], wc.variation),
    output:
        **{t: str(RESULTS.decomposition("{system}", t, "{variation}")) for t in decomposition_tables("PbPb")},
        summary=str(RESULTS.fit_summary("{system}", "{variation}")),
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    params:
        code=package_code("decompose.py"),
        config=config_params("decomposition", "systems.{system}", f"systems.{PP_SYSTEMS[0]}", "response.electron_eta_max"),
        units="pT [GeV/c]; dN/dpT deta per event [(GeV/c)^-1]",
    log:
        f"{RES}/logs/decompose/{{variation}}/{{system}}.log",
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"
