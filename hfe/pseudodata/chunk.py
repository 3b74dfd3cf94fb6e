"""One chunk of pseudo-data: set up a system from the truth model and the decay library, generate
its blocks of events and write the ROOT file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from hfe.core.electron_origin import ElectronOrigin
from hfe.core.seeds import deterministic_uuid
from hfe.decays.electron_yields import origin_weights
from hfe.decays.ntuple import library_kinematics
from hfe.fitting.shapes import Curve
from hfe.measurement.event_ntuple import write_event_file
from hfe.pseudodata.decay_sampler import RestFrameDecays
from hfe.pseudodata.events import InverseCdf, SystemSetup, generate_block, sample_keys
from hfe.pseudodata.truth import TruthModel


def curve_from_config(spec: Mapping) -> Curve:
    """A curve given by form and parameters (no fit) in the config."""
    return Curve(spec["form"], dict(spec.get("parameters", {})))


def build_system_setup(
    system: str,
    config: dict,
    truth: TruthModel,
    library: Mapping[str, Sequence[str | Path]],
    scale_factors: Mapping[str, Mapping[str, float]] | None = None,
) -> SystemSetup:
    """Spectra, v2, decays and detector settings of one system. ``scale_factors`` (species ->
    origin name -> factor, from ``electron_yields.json``) rescale the library's electrons;
    None keeps PYTHIA's tables."""
    setup = config["systems"][system]
    all_paths = [p for paths in library.values() for p in paths]
    pt_max, y_max = library_kinematics(all_paths)
    pseudo = config["pseudo_data"]
    centrality = setup.get("centrality")
    return SystemSetup(
        name=system,
        centrality=-1.0 if centrality is None else 0.5 * (centrality[0] + centrality[1]),
        resolutions=tuple(setup["event_plane_resolution"]) if setup["kind"] == "PbPb" else None,
        spectra={s: InverseCdf(truth.hadron_dndptdy(system, s), pt_max) for s in library},
        v2={s: truth.hadron_v2(system, s) for s in library},
        decays={s: RestFrameDecays.from_library(s, paths) for s, paths in library.items()},
        scale_factors={s: origin_weights(scale_factors[s], include_charmonium=True) if scale_factors else np.ones(len(ElectronOrigin)) for s in library},
        y_max=y_max,
        pt_max=pt_max,
        eta_max=pseudo["electron_eta_max"],
        efficiency=curve_from_config(pseudo["efficiency"]),
        resolution_terms=(pseudo["momentum_resolution"]["constant"], pseudo["momentum_resolution"]["linear"]),
        background_ratio=pseudo["background"]["ratio_to_signal"],
        background_spectrum=InverseCdf(curve_from_config(pseudo["background"]["spectrum"]), pt_max),
        background_v2=curve_from_config(pseudo["background"]["v2"]),
    )


def chunk_blocks(config: dict, system: str, chunk: int) -> range:
    """Blocks of events held by one chunk (every chunk holds the same number of whole blocks)."""
    setup = config["systems"][system]
    per_chunk = setup["n_events"] // setup["chunks"] // config["pseudo_data"]["block_size"]
    return range(chunk * per_chunk, (chunk + 1) * per_chunk)


def write_event_chunk(path: str | Path, system: str, chunk: int, config: dict, setup: SystemSetup) -> dict:
    """Generate and write chunk ``chunk`` of ``system``; return its provenance."""
    block_size = config["pseudo_data"]["block_size"]
    blocks = chunk_blocks(config, system, chunk)
    sample = config["pseudo_data"]["sample"]
    generated = [generate_block(setup, config["seed"], block, block_size, sample) for block in blocks]
    provenance = {
        "system": system,
        "chunk": chunk,
        "blocks": [blocks.start, blocks.stop],
        "block_size": block_size,
        "n_events": len(blocks) * block_size,
        "global_seed": config["seed"],
        "sample": sample,
        "store_empty_events": config["systems"][system].get("store_empty_events", True),
        "electron_eta_max": setup.eta_max,
    }
    write_event_file(
        path,
        generated,
        setup.centrality,
        provenance,
        provenance["store_empty_events"],
        uuid=deterministic_uuid(config["seed"], "events", system, chunk, *sample_keys(sample)),
    )
    return provenance
