# Decay library: PYTHIA 8 decays of heavy-flavour hadrons -> ROOT ntuples -> electron responses.


rule decay_chunk:
    """Decay parents_per_chunk hadrons of one species with PYTHIA; one ROOT file per chunk.
    {library}: decays (the responses') or pseudo_decays (the pseudo-events' own, its own seeds)."""
    output:
        f"{RES}/{{library}}/{{species}}/chunk_{{chunk}}.root",
    wildcard_constraints:
        library="|".join(DECAY_LIBRARIES),
        species="|".join(SPECIES),
        chunk=r"\d+",
    params:
        code=package_code("generate_decay_chunk.py"),
        config=config_params(
            "seed",
            "decay_library.parents_per_chunk",
            "decay_library.parents_per_event",
            "decay_library.pt_max",
            "decay_library.y_max",
            "decay_library.forced_decays",
        ),
    log:
        f"{RES}/logs/decay_chunk/{{library}}/{{species}}_{{chunk}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(decay_chunk_resource("mem_mb")),
        runtime=decay_chunk_resource("runtime"),
    script:
        "../scripts/generate_decay_chunk.py"


rule electron_yields:
    """Electrons per parent and origin (full phase space), PDG targets and rescaling factors,
    of one decay library."""
    input:
        lambda wc: decay_chunk_files(SPECIES, wc.library),
    output:
        f"{RES}/{{library}}/electron_yields.json",
    wildcard_constraints:
        library="|".join(DECAY_LIBRARIES),
    params:
        code=package_code("measure_electron_yields.py"),
        config=config_params("response.branching_ratio_scaling", "response.step_size"),
    log:
        f"{RES}/logs/electron_yields/{{library}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(response_resource("mem_mb")),
        runtime=response_resource("runtime", n_species=len(SPECIES)),
    script:
        "../scripts/measure_electron_yields.py"


rule response:
    """Response matrix R[electron pT, parent pT] of one species in the electron acceptance."""
    input:
        decays=lambda wc: decay_chunk_files(wc.species),
        yields=f"{RES}/decays/electron_yields.json",
    output:
        f"{RES}/responses/{{species}}.npz",
    params:
        code=package_code("build_response.py"),
        config=config_params("response", "decay_library.pt_max"),
        flow=False,
    log:
        f"{RES}/logs/response/{{species}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(response_resource("mem_mb")),
        runtime=response_resource("runtime"),
    script:
        "../scripts/build_response.py"


rule dzero_response:
    """Non-prompt D0 response R[D0 pT, B pT] of one beauty species (|y_D0| < 0.5)."""
    input:
        decays=lambda wc: decay_chunk_files(wc.species),
    output:
        f"{RES}/responses/{{species}}_to_D0.npz",
    params:
        code=package_code("build_dzero_response.py"),
        config=config_params("response", "decay_library.pt_max"),
        flow=False,
    log:
        f"{RES}/logs/dzero_response/{{species}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(response_resource("mem_mb")),
        runtime=response_resource("runtime"),
    script:
        "../scripts/build_dzero_response.py"


rule dzero_flow_response:
    """B -> D0 flow response C[D0 pT, B pT] (non-prompt D0 weighted by cos 2(phi_D0 - phi_B)):
    the B-hadron v2 as a non-prompt D0 v2 at the D0 pT."""
    input:
        decays=lambda wc: decay_chunk_files(wc.species),
    output:
        f"{RES}/responses/{{species}}_to_D0_flow.npz",
    wildcard_constraints:
        species="|".join(BEAUTY_SPECIES),
    params:
        code=package_code("build_dzero_response.py"),
        config=config_params("response", "decay_library.pt_max"),
        flow=True,
    log:
        f"{RES}/logs/dzero_flow_response/{{species}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(response_resource("mem_mb")),
        runtime=response_resource("runtime"),
    script:
        "../scripts/build_dzero_response.py"


rule flow_response:
    """Flow response C[electron pT, parent pT] (electrons weighted by cos 2(phi_e - phi_parent))."""
    input:
        decays=lambda wc: decay_chunk_files(wc.species),
        yields=f"{RES}/decays/electron_yields.json",
    output:
        f"{RES}/responses/{{species}}_flow.npz",
    params:
        code=package_code("build_response.py"),
        config=config_params("response", "decay_library.pt_max"),
        flow=True,
    log:
        f"{RES}/logs/flow_response/{{species}}.log",
    conda:
        "../envs/generate.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(response_resource("mem_mb")),
        runtime=response_resource("runtime"),
    script:
        "../scripts/build_response.py"
