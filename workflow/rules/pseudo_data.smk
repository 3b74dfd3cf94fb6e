# Pseudo-data experiment: truth model -> event ntuples -> HFE measurement.

SYSTEMS = list(config["systems"])


def event_chunk_files(system):
    return expand(
        "results/events/{system}/chunk_{chunk}.root", system=system, chunk=range(config["systems"][system]["chunks"])
    )


def pseudo_data_outputs():
    outputs = ["results/truth/truth.json"]
    for system in SYSTEMS:
        outputs += expand("results/measurement/{system}/{table}.csv", system=system, table=measurement_tables(system))
    return outputs


def measurement_tables(system):
    flow = config["systems"][system]["kind"] == "PbPb"
    return SPECTRUM_TABLES + (FLOW_TABLES if flow else [])


rule truth_model:
    """Fit the truth curves (D-meson, non-prompt D0, R_AA, v2 data) and write them."""
    input:
        dzero=expand("results/responses/{species}_to_D0.npz", species=BEAUTY_SPECIES),
        tables=[spec["fit"] for spec in truth_curve_specs(config) if "fit" in spec],
    output:
        "results/truth/truth.json",
    log:
        "results/logs/truth_model.log",
    threads: 1
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/build_truth.py"


rule pseudo_events:
    """One chunk of events of one system (whole seeded blocks of events)."""
    input:
        truth="results/truth/truth.json",
        yields="results/decays/electron_yields.json",
        decays=decay_chunk_files(SPECIES),
    output:
        "results/events/{system}/chunk_{chunk}.root",
    log:
        "results/logs/pseudo_events/{system}_{chunk}.log",
    threads: 1
    resources:
        mem_mb=pseudo_events_resource("mem_mb"),
        runtime=pseudo_events_resource("runtime"),
    script:
        "../scripts/generate_events.py"


PP_SYSTEMS = [s for s in SYSTEMS if config["systems"][s]["kind"] == "pp"] or ["<none>"]
PBPB_SYSTEMS = [s for s in SYSTEMS if config["systems"][s]["kind"] == "PbPb"] or ["<none>"]
SPECTRUM_TABLES = ["hfe_spectrum", "truth_ctoe_spectrum", "truth_btoe_spectrum"]
FLOW_TABLES = ["hfe_v2", "truth_ctoe_v2", "truth_btoe_v2"]


rule measure_hfe_pp:
    """HFE cross section (and truth tables per origin) of a pp system from its event ntuples."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        **{table: f"results/measurement/{{system}}/{table}.csv" for table in SPECTRUM_TABLES},
        summary="results/measurement/{system}/measurement.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PP_SYSTEMS)),
    log:
        "results/logs/measure_hfe/{system}.log",
    threads: 1
    resources:
        mem_mb=measurement_resource("mem_mb"),
        runtime=measurement_resource("runtime"),
    script:
        "../scripts/measure_hfe.py"


rule measure_hfe_pbpb:
    """HFE yield and v2 (and truth tables per origin) of a Pb-Pb system from its event ntuples."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        **{table: f"results/measurement/{{system}}/{table}.csv" for table in SPECTRUM_TABLES + FLOW_TABLES},
        summary="results/measurement/{system}/measurement.json",
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    log:
        "results/logs/measure_hfe/{system}.log",
    threads: 1
    resources:
        mem_mb=measurement_resource("mem_mb"),
        runtime=measurement_resource("runtime"),
    script:
        "../scripts/measure_hfe.py"
