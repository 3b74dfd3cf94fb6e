"""One chunk of the decay library: generate with PYTHIA and write the ROOT file with provenance."""

from __future__ import annotations

from pathlib import Path

from hfe.core.catalogue import RESPONSE_LIBRARY
from hfe.core.seeds import derive_seed, deterministic_uuid, pythia_seed
from hfe.core.species import species_by_name
from hfe.decays.forced_decays import ForcedDecays
from hfe.decays.generator import DecayKinematics, generate_decays, library_decayers, pythia_version
from hfe.decays.ntuple import write_decay_file


def library_seed(global_seed: int, library: str) -> int:
    """Global seed of the decay library ``library``: the configured seed for the responses'
    library, an independent stream derived from it for any other (the pseudo-events' own
    library), so that no decay of one appears in the other."""
    if library == RESPONSE_LIBRARY:
        return int(global_seed)
    return derive_seed(global_seed, "decay library", library) >> 1  # 63 bits: an int64 everywhere


def write_decay_chunk(
    path: str | Path,
    species_name: str,
    chunk: int,
    n_parents: int,
    global_seed: int,
    kinematics: DecayKinematics = DecayKinematics(),
    parents_per_event: int = 200,
    forcing: ForcedDecays = ForcedDecays(),
) -> dict:
    """Generate chunk ``chunk`` of ``species_name`` and write it to ``path``; return provenance
    (including the parent groups with their weights and the factors of the forced decays)."""
    species = species_by_name(species_name)
    decayers = library_decayers(species, pythia_seed(global_seed, species.name, chunk), forcing)
    decays = generate_decays(species, n_parents, global_seed, chunk, kinematics, parents_per_event, decayers)
    provenance = {
        "species": species.name,
        "pdg": species.pdg,
        "chunk": int(chunk),
        "n_parents": int(n_parents),
        "global_seed": int(global_seed),
        "numpy_seed": derive_seed(global_seed, "decays", species.name, chunk),
        "pythia_seed": pythia_seed(global_seed, species.name, chunk),
        "pythia_version": pythia_version(),
        "parents_per_event": int(parents_per_event),
        "kinematics": {"pt_max": kinematics.pt_max, "y_max": kinematics.y_max},
        "forced_decays": forcing.as_dict(),
        "parent_groups": [
            {"group": g.group, "share": g.share, "branching": {str(k): v for k, v in sorted(g.branching.items())}}
            for g in decayers.groups
        ],
        "forced_factors": {str(k): v for k, v in sorted(decayers.forced_factors.items())},
    }
    write_decay_file(path, decays, provenance, uuid=deterministic_uuid(global_seed, species.name, chunk))
    return provenance
