# Pseudo-data experiment: truth model -> event ntuples -> HFE measurement.


rule truth_model:
    """Fit the truth curves (D-meson, non-prompt D0, R_AA, v2 data) and write them."""
    input:
        dzero=expand(f"{RES}/responses/{{species}}_to_D0.npz", species=BEAUTY_SPECIES),
        tables=[spec["fit"] for spec in truth_curve_specs() if "fit" in spec],
    output:
        f"{RES}/truth/truth.json",
    params:
        code=package_code("build_truth.py"),
        config=config_params(
            "truth",
            "systems.*.kind",
            "systems.*.sigma_inel_mb",
            "systems.*.taa_per_mb",
            "decay_library.species",
            "decay_library.pt_max",
            "decomposition.systematic_correlation",
        ),
    log:
        f"{RES}/logs/truth_model.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(fit_resource("mem_mb")),
        runtime=fit_resource("runtime"),
    script:
        "../scripts/build_truth.py"


rule pseudo_events:
    """One chunk of events of one system (whole seeded blocks of events)."""
    input:
        truth=f"{RES}/truth/truth.json",
        yields=f"{RES}/{PSEUDO_EVENTS_LIBRARY}/electron_yields.json",
        decays=decay_chunk_files(SPECIES, PSEUDO_EVENTS_LIBRARY),
    output:
        f"{RES}/events/{{system}}/chunk_{{chunk}}.root",
    params:
        code=package_code("generate_events.py"),
        config=config_params("seed", "pseudo_data", "systems.{system}"),
    log:
        f"{RES}/logs/pseudo_events/{{system}}_{{chunk}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(pseudo_events_resource("mem_mb")),
        runtime=pseudo_events_resource("runtime"),
    script:
        "../scripts/generate_events.py"


rule measure_hfe_pp:
    """HFE cross section (and truth tables per origin) of a pp system from its event ntuples."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        **{table: str(RESULTS.measurement("{system}", table)) for table in SPECTRUM_TABLES},
        summary=str(RESULTS.measurement_summary("{system}")),
    wildcard_constraints:
        system="|".join(map(re.escape, PP_SYSTEMS)),
    params:
        code=package_code("measure_hfe.py"),
        config=config_params("measurement", "pseudo_data.efficiency", "pseudo_data.electron_eta_max", "systems.{system}"),
    log:
        f"{RES}/logs/measure_hfe/{{system}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(measurement_resource("mem_mb")),
        runtime=measurement_resource("runtime"),
    script:
        "../scripts/measure_hfe.py"


rule measure_hfe_pbpb:
    """HFE yield and v2 (and truth tables per origin) of a Pb-Pb system from its event ntuples."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        **{table: str(RESULTS.measurement("{system}", table)) for table in SPECTRUM_TABLES + FLOW_TABLES},
        summary=str(RESULTS.measurement_summary("{system}")),
    wildcard_constraints:
        system="|".join(map(re.escape, PBPB_SYSTEMS)),
    params:
        code=package_code("measure_hfe.py"),
        config=config_params("measurement", "pseudo_data.efficiency", "pseudo_data.electron_eta_max", "systems.{system}"),
    log:
        f"{RES}/logs/measure_hfe/{{system}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(measurement_resource("mem_mb")),
        runtime=measurement_resource("runtime"),
    script:
        "../scripts/measure_hfe.py"
