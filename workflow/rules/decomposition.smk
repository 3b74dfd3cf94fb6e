# Charm/beauty decomposition: global fits per system, R_AA of c -> e and b -> e.

DECOMPOSITION_TABLES = ["ctoe_spectrum", "btoe_spectrum", "beauty_fraction", "btoe_subtracted"]
RAA_TABLES = ["raa_ctoe", "raa_btoe"]


def hfe_table(system):
    """The HFE input of a system: a configured table, else the pseudo-data measurement."""
    return config["decomposition"]["hfe_tables"].get(system, f"results/measurement/{system}/hfe_spectrum.csv")


def all_responses():
    return expand("results/responses/{species}.npz", species=SPECIES) + expand(
        "results/responses/{species}_to_D0.npz", species=BEAUTY_SPECIES
    )


def decomposition_outputs():
    outputs = []
    for system in SYSTEMS:
        tables = DECOMPOSITION_TABLES + (RAA_TABLES if config["systems"][system]["kind"] == "PbPb" else [])
        outputs += expand("results/decomposition/{system}/{table}.csv", system=system, table=tables)
    return outputs


rule decompose_pp:
    """Global fit of the pp reference: D0, HFE and non-prompt D0 cross sections."""
    input:
        hfe=lambda wc: hfe_table(wc.system),
        responses=all_responses(),
    output:
        **{t: f"results/decomposition/{{system}}/{t}.csv" for t in DECOMPOSITION_TABLES},
        summary="results/decomposition/{system}/fit.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PP_SYSTEMS)),
    params:
        units="pT [GeV/c]; d(sigma)/dpT deta [microbarn/(GeV/c)]",
    log:
        "results/logs/decompose/{system}.log",
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"


rule decompose_pbpb:
    """Global fit of a Pb-Pb system on top of the pp fit; R_AA and published comparisons."""
    input:
        hfe=lambda wc: hfe_table(wc.system),
        responses=all_responses(),
        pp_fit=f"results/decomposition/{PP_SYSTEMS[0]}/fit.json",
    output:
        **{t: f"results/decomposition/{{system}}/{t}.csv" for t in DECOMPOSITION_TABLES + RAA_TABLES},
        summary="results/decomposition/{system}/fit.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    params:
        units="pT [GeV/c]; dN/dpT deta per event [(GeV/c)^-1]",
    log:
        "results/logs/decompose/{system}.log",
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"
