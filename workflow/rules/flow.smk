# Elliptic flow of c -> e and b -> e in each Pb-Pb system.

V2_RESULT_TABLES = ["ctoe_v2", "btoe_v2_bin_by_bin", "btoe_v2_global_fit", "btoe_v2_ncq"]


def flow_outputs(variation="nominal"):
    systems = [s for s in PBPB_SYSTEMS if s != "<none>"]
    return expand("results/{variation}/flow/{system}/{table}.csv", variation=variation, system=systems, table=V2_RESULT_TABLES)


rule flow_pbpb:
    """D-meson v2 fit, v2 of c -> e, v2 of b -> e (bin by bin and global fit), NCQ test."""
    input:
        hfe_v2="results/measurement/{system}/hfe_v2.csv",
        decomposition="results/{variation}/decomposition/{system}/fit.json",
        responses=all_responses() + expand("results/responses/{species}_flow.npz", species=SPECIES),
    output:
        **{t: f"results/{{variation}}/flow/{{system}}/{t}.csv" for t in V2_RESULT_TABLES},
        summary="results/{variation}/flow/{system}/flow.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    params:
        overrides=lambda wc: variation_overrides(wc.variation),
    log:
        "results/logs/flow/{variation}/{system}.log",
    threads: 1
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/flow.py"
