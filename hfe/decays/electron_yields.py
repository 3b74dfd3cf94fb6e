"""Electron yield per parent hadron in the decay library and its rescaling to PDG.

PYTHIA 8.317's default decay tables give more electrons per parent than the PDG averages for
some species (Ds+ and Lambda_c+ by ~25 %, the b -> c -> e cascade by ~13 %). With
``branching_ratio_scaling: pdg`` (the default) every electron gets a weight

* charm species X: ``BR_PDG(X -> e+ anything) / BR_PYTHIA(X -> e, direct + via tau)``, one
  factor per species (the PDG inclusive mode counts e from tau decays too);
* beauty: one factor per origin (direct, via charm, via tau), the ratio of the PDG b-hadron
  admixture value to the PYTHIA admixture ``sum_s f_s BR_PYTHIA(s)``, with the production
  fractions ``f_s`` of ``hfe/decays/pdg_semileptonic_branching_ratios.yaml`` renormalised to the
  beauty species in the library; the same factor for every beauty species;
* charmonium electrons: factor 1.

``branching_ratio_scaling: pythia`` keeps PYTHIA's tables (all factors 1): the systematic
variation of the decay tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import awkward as ak
import numpy as np
import yaml

from hfe.core.atomic_io import write_json_atomically
from hfe.core.electron_origin import ElectronOrigin
from hfe.core.species import species_by_name
from hfe.decays.generator import pythia_version
from hfe.decays.ntuple import iterate_decays, read_provenance
from hfe.stats.exact_sums import ExactWeightedHistogram

PDG_TABLE = "pdg_semileptonic_branching_ratios.yaml"  # package data of hfe.decays, with its PDG sources
SCALING_MODES = ("pdg", "pythia")


def load_pdg_table(path: str | Path | None = None) -> dict:
    """The PDG branching ratios and b-hadron fractions shipped with the package (or the table
    at ``path``)."""
    if path is None:
        return yaml.safe_load(resources.files("hfe.decays").joinpath(PDG_TABLE).read_text())
    with open(path) as f:
        return yaml.safe_load(f)


def measure_electron_yields(paths: Sequence[str | Path], step_size: int | str = 200_000) -> dict:
    """Electrons per parent, per origin, over full phase space (no acceptance cut).

    Returns ``{"n_parents": number of parents, "yield": {origin: value},
    "error": {origin: MC error from the spread of the per-parent sums}}`` with origins named as
    in :class:`ElectronOrigin`. Electrons count with their weights (forced decays); the sums are
    exact, so the result does not depend on step_size or file order.
    """
    n_parents = 0
    origins = np.arange(len(ElectronOrigin))
    sums = ExactWeightedHistogram((np.arange(len(ElectronOrigin) + 1) - 0.5,))  # per-parent sums, exact
    for batch in iterate_decays(paths, ["electron_weight", "electron_origin"], step_size):
        n_parents += len(batch)
        per_parent = [ak.to_numpy(ak.sum(batch.electron_weight * (batch.electron_origin == int(o)), axis=1)) for o in ElectronOrigin]
        sums.fill((np.repeat(origins, len(batch)),), np.concatenate(per_parent))
    if n_parents <= 0:
        raise ValueError(f"no parents in {list(map(str, paths))}")
    mean = sums.sum_w() / n_parents
    variance = np.clip(sums.sum_w2() / n_parents - mean**2, 0.0, None)  # of the per-parent sums
    return {
        "n_parents": float(n_parents),
        "yield": {o.name: float(mean[o]) for o in ElectronOrigin},
        "error": {o.name: float(np.sqrt(variance[o] / n_parents)) for o in ElectronOrigin},
    }


def scale_factors(yields: Mapping[str, dict], mode: str = "pdg", pdg: dict | None = None) -> dict:
    """Per-species, per-origin electron weights that bring the library to the PDG values.

    ``yields`` maps species name -> output of :func:`measure_electron_yields`.
    """
    if mode not in SCALING_MODES:
        raise ValueError(f"branching_ratio_scaling must be one of {SCALING_MODES}, got {mode!r}")
    unity = {o.name: 1.0 for o in ElectronOrigin}
    factors = {name: dict(unity) for name in yields}
    if mode == "pythia":
        return factors
    pdg = load_pdg_table() if pdg is None else pdg
    charm = [n for n in yields if species_by_name(n).flavour == "charm"]
    beauty = [n for n in yields if species_by_name(n).flavour == "beauty"]
    for name in charm:
        pythia_total = yields[name]["yield"]["DIRECT"] + yields[name]["yield"]["VIA_TAU"]
        factor = pdg["charm"][name]["value"] / pythia_total
        factors[name]["DIRECT"] = factors[name]["VIA_TAU"] = factor
    if beauty:
        fractions = {n: pdg["beauty_production_fractions"][n]["value"] for n in beauty}
        norm = sum(fractions.values())
        for origin in ("DIRECT", "VIA_CHARM", "VIA_TAU"):
            admixture = sum(fractions[n] / norm * yields[n]["yield"][origin] for n in beauty)
            factor = pdg["beauty"][origin]["value"] / admixture
            for name in beauty:
                factors[name][origin] = factor
    return factors


def origin_weights(factors: Mapping[str, float], include_charmonium: bool) -> np.ndarray:
    """Weight per origin code (index = code) for one species; charmonium 0 unless included."""
    weights = np.array([factors[o.name] for o in ElectronOrigin], dtype=float)
    if not include_charmonium:
        weights[ElectronOrigin.CHARMONIUM] = 0.0
    return weights


def group_by_species(paths: Sequence[str | Path]) -> dict[str, list[str]]:
    """Decay files grouped by the species recorded in their provenance."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(read_provenance(path)["species"], []).append(str(path))
    return groups


def write_electron_yields(output: str | Path, paths: Sequence[str | Path], mode: str, step_size: int | str) -> dict:
    """Measure yields of every species in ``paths``, compute scale factors, write JSON."""
    groups = group_by_species(paths)
    yields = {name: measure_electron_yields(files, step_size) for name, files in groups.items()}
    pdg = load_pdg_table()
    summary = {
        "description": "electrons (e+ and e-) per parent hadron over full phase space, by origin; "
        "scale_factors bring the library to the PDG values (see hfe/decays/electron_yields.py)",
        "branching_ratio_scaling": mode,
        "pythia_version": pythia_version(),
        "pdg_source": f"hfe/decays/{PDG_TABLE}",
        "pdg": pdg,
        "library": yields,
        "files": groups,
        "scale_factors": scale_factors(yields, mode, pdg),
    }
    write_json_atomically(output, summary)
    return summary


def read_scale_factors(path: str | Path, species: str) -> dict:
    """Scale factors of one species from the JSON written by :func:`write_electron_yields`."""
    with open(path) as f:
        factors = json.load(f)["scale_factors"]
    if species not in factors:
        raise KeyError(f"{path}: no scale factors for species {species!r} (has {sorted(factors)})")
    return factors[species]
