# Elliptic flow of c -> e and b -> e in each Pb-Pb system.

V2_RESULT_TABLES = ["ctoe_v2", "btoe_v2_bin_by_bin", "btoe_v2_global_fit", "btoe_v2_ncq"]


def flow_outputs():
    return expand("results/flow/{system}/{table}.csv", system=[s for s in PBPB_SYSTEMS if s != "<none>"], table=V2_RESULT_TABLES)


rule flow_pbpb:
    """D-meson v2 fit, v2 of c -> e, v2 of b -> e (bin by bin and global fit), NCQ test."""
    input:
        hfe_v2="results/measurement/{system}/hfe_v2.csv",
        decomposition="results/decomposition/{system}/fit.json",
        responses=all_responses() + expand("results/responses/{species}_flow.npz", species=SPECIES),
    output:
        **{t: f"results/flow/{{system}}/{t}.csv" for t in V2_RESULT_TABLES},
        summary="results/flow/{system}/flow.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    log:
        "results/logs/flow/{system}.log",
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/flow.py"
