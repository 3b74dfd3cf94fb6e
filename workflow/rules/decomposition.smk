# Charm/beauty decomposition: global fits per system, R_AA of c -> e and b -> e.

DECOMPOSITION_TABLES = ["ctoe_spectrum", "btoe_spectrum", "beauty_fraction", "btoe_subtracted"]
RAA_TABLES = ["raa_ctoe", "raa_btoe"]


def hfe_table(system, variation=NOMINAL):
    """The HFE input of a system: a configured table, else the pseudo-data measurement."""
    tables = variation_config(config, variation)["decomposition"]["hfe_tables"]
    return tables.get(system, f"results/measurement/{system}/hfe_spectrum.csv")


def variation_overrides(variation):
    """The overrides of a variation (a params entry: a changed variation reruns its jobs)."""
    return config["variations"].get(variation, {}).get("overrides", {})


def all_responses():
    return expand("results/responses/{species}.npz", species=SPECIES) + expand(
        "results/responses/{species}_to_D0.npz", species=BEAUTY_SPECIES
    )


def decomposition_outputs(variation="nominal"):
    outputs = []
    for system in SYSTEMS:
        tables = DECOMPOSITION_TABLES + (RAA_TABLES if config["systems"][system]["kind"] == "PbPb" else [])
        outputs += expand("results/{variation}/decomposition/{system}/{table}.csv", variation=variation, system=system, table=tables)
    return outputs


rule decompose_pp:
    """Global fit of the pp reference: D0, HFE and non-prompt D0 cross sections."""
    input:
        hfe=lambda wc: hfe_table(wc.system, wc.variation),
        responses=all_responses(),
    output:
        **{t: f"results/{{variation}}/decomposition/{{system}}/{t}.csv" for t in DECOMPOSITION_TABLES},
        summary="results/{variation}/decomposition/{system}/fit.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PP_SYSTEMS)),
    params:
        units="pT [GeV/c]; d(sigma)/dpT deta [microbarn/(GeV/c)]",
        overrides=lambda wc: variation_overrides(wc.variation),
    log:
        "results/logs/decompose/{variation}/{system}.log",
    threads: 1
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"


rule decompose_pbpb:
    """Global fit of a Pb-Pb system on top of the pp fit; R_AA and published comparisons."""
    input:
        hfe=lambda wc: hfe_table(wc.system, wc.variation),
        responses=all_responses(),
        pp_fit=f"results/{{variation}}/decomposition/{PP_SYSTEMS[0]}/fit.json",
    output:
        **{t: f"results/{{variation}}/decomposition/{{system}}/{t}.csv" for t in DECOMPOSITION_TABLES + RAA_TABLES},
        summary="results/{variation}/decomposition/{system}/fit.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    params:
        units="pT [GeV/c]; dN/dpT deta per event [(GeV/c)^-1]",
        overrides=lambda wc: variation_overrides(wc.variation),
    log:
        "results/logs/decompose/{variation}/{system}.log",
    threads: 1
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/decompose.py"
