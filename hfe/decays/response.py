"""Decay response matrix R[daughter pT bin, parent pT bin] of one hadron species.

The daughter is the heavy-flavour decay electron (the main use) or, for beauty parents, the
non-prompt D0 (to anchor the B-hadron spectrum on the measured non-prompt D0 cross section).
Normalisation: for parents generated flat in pT and in rapidity over |y| < y_max,

    daughters in bin i in acceptance  =  sum_j R[i, j] * (parents in parent bin j, |y| < y_max)

with the acceptance |eta_e| < 0.8 for electrons and |y_D0| < 0.5 for D0 (config). ``R[i, j]``
is the number of daughters in acceptance per parent of pT bin j, including the branching ratio
and, for electrons, the per-origin rescaling of :mod:`hfe.decays.electron_yields`.
The library is read in bounded steps with ``uproot.iterate``: memory does not depend on the
number of chunks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import awkward as ak
import numpy as np

from hfe.core.atomic_io import write_npz_reproducibly
from hfe.decays.electron_yields import origin_weights, read_scale_factors
from hfe.decays.ntuple import iterate_decays, library_kinematics, read_provenance
from hfe.stats.exact_sums import ExactWeightedHistogram


def uniform_edges(low: float, high: float, width: float) -> np.ndarray:
    """Bin edges from ``low`` to ``high`` (GeV/c) in steps of ``width``; ``high - low`` must be a
    multiple of ``width``."""
    n = round((high - low) / width)
    if n < 1 or not np.isclose(low + n * width, high, rtol=0, atol=1e-9 * max(1.0, abs(high))):
        raise ValueError(f"[{low}, {high}] is not a whole number of bins of width {width}")
    return np.linspace(low, high, n + 1)


@dataclass
class ResponseMatrix:
    """Response of one species to one kind of daughter, with binning and provenance.

    ``daughter`` is ``"electron"`` (acceptance in pseudorapidity, |eta| < daughter_acceptance)
    or ``"dzero"`` (non-prompt D0 from beauty parents, acceptance in rapidity |y|).
    """

    matrix: np.ndarray  # (n_daughter_bins, n_parent_bins): daughters in acceptance per parent
    matrix_error: np.ndarray  # MC statistical error of ``matrix``
    daughter_edges: np.ndarray  # daughter pT bin edges, GeV/c
    parent_edges: np.ndarray  # parent pT bin edges, GeV/c
    parents_per_bin: np.ndarray  # generated parents per parent bin (each counts once)
    parent_y_max: float  # parents generated flat in |y| < parent_y_max
    daughter_acceptance: float  # |eta| (electrons) or |y| (D0) below this value
    daughter: str = "electron"
    provenance: dict = field(default_factory=dict)

    @cached_property
    def matrix_variance(self) -> np.ndarray:
        """``matrix_error**2``, computed once (folded at every step of a fit); a changed
        response is a new object (``dataclasses.replace``), never edited in place."""
        return self.matrix_error**2

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` file atomically; bytes depend only on the content."""
        arrays = {
            "matrix": self.matrix,
            "matrix_error": self.matrix_error,
            "daughter_edges": self.daughter_edges,
            "parent_edges": self.parent_edges,
            "parents_per_bin": self.parents_per_bin,
            "acceptance": np.array([self.parent_y_max, self.daughter_acceptance]),
            "daughter": np.frombuffer(self.daughter.encode(), dtype=np.uint8),
            "provenance": np.frombuffer(json.dumps(self.provenance, sort_keys=True).encode(), dtype=np.uint8),
        }
        write_npz_reproducibly(path, arrays)

    @classmethod
    def load(cls, path: str | Path) -> "ResponseMatrix":
        with np.load(path) as f:
            return cls(
                matrix=f["matrix"],
                matrix_error=f["matrix_error"],
                daughter_edges=f["daughter_edges"],
                parent_edges=f["parent_edges"],
                parents_per_bin=f["parents_per_bin"],
                parent_y_max=float(f["acceptance"][0]),
                daughter_acceptance=float(f["acceptance"][1]),
                daughter=f["daughter"].tobytes().decode(),
                provenance=json.loads(f["provenance"].tobytes().decode()),
            )


# daughter -> (pT branch, acceptance branch, origin branch or None, weight branch, azimuth branch)
DAUGHTER_BRANCHES = {
    "electron": ("electron_pt", "electron_eta", "electron_origin", "electron_weight", "electron_phi"),
    "dzero": ("dzero_pt", "dzero_y", None, "parent_weight", "dzero_phi"),  # a D0 carries its parent's weight
}


def build_response(
    paths: Sequence[str | Path],
    daughter_edges: np.ndarray,
    parent_edges: np.ndarray,
    origin_weight: np.ndarray,
    acceptance: float = 0.8,
    step_size: int | str = 200_000,
    provenance: dict | None = None,
    daughter: str = "electron",
    flow: bool = False,
) -> ResponseMatrix:
    """Accumulate the response of one species from its decay files.

    ``origin_weight[code]`` multiplies electrons of each :class:`ElectronOrigin` (0 drops them);
    for ``daughter="dzero"`` there is one origin and ``origin_weight`` is ``[w]``.
    ``flow=True`` weights every electron by cos 2(phi_e - phi_parent) (rounded to multiples of
    2^-32 so that the sums stay exact): the flow response C of :mod:`hfe.flow.v2`.
    """
    pt_branch, acceptance_branch, origin_branch, weight_branch, phi_branch = DAUGHTER_BRANCHES[daughter]
    pt_max, y_max = library_kinematics(paths)
    origin_weight = np.asarray(origin_weight, dtype=float)
    if parent_edges[-1] > pt_max + 1e-9:
        raise ValueError(f"parent binning reaches {parent_edges[-1]} GeV/c beyond the generated pt_max = {pt_max}")
    # Every parent counts once; its daughters count with their weights (branching-ratio weights
    # of forced decays, hfe.decays.forced_decays), summed exactly per (origin, daughter bin,
    # parent bin), so the result does not depend on step_size or file order.
    n_origins = len(origin_weight)
    histogram = ExactWeightedHistogram((np.arange(n_origins + 1) - 0.5, daughter_edges, parent_edges))
    parents = np.zeros(len(parent_edges) - 1)
    branches = list(dict.fromkeys(b for b in ("parent_pt", pt_branch, acceptance_branch, origin_branch, weight_branch) if b))
    if flow:
        branches += ["parent_phi", phi_branch]
    for batch in iterate_decays(paths, branches, step_size):
        parents += np.histogram(ak.to_numpy(batch.parent_pt), bins=parent_edges)[0]
        daughter_pt = batch[pt_branch]
        accepted = abs(batch[acceptance_branch]) < acceptance
        parent_pt = ak.broadcast_arrays(batch.parent_pt, daughter_pt)[0][accepted]
        weight = ak.to_numpy(ak.flatten(ak.broadcast_arrays(batch[weight_branch], daughter_pt)[0][accepted]))
        if flow:
            parent_phi = ak.broadcast_arrays(batch.parent_phi, daughter_pt)[0][accepted]
            delta = ak.to_numpy(ak.flatten(batch[phi_branch][accepted])).astype(float) - ak.to_numpy(ak.flatten(parent_phi))
            weight = weight * np.cos(2.0 * delta)
        pt = ak.to_numpy(ak.flatten(daughter_pt[accepted]))
        origin = ak.to_numpy(ak.flatten(batch[origin_branch][accepted])) if origin_branch else np.zeros(len(pt))
        histogram.fill((origin, pt, ak.to_numpy(ak.flatten(parent_pt))), weight)
    sum_w, sum_w2 = histogram.sum_w(), histogram.sum_w2()
    weighted = np.tensordot(origin_weight, sum_w, axes=1)
    weighted_w2 = np.tensordot(origin_weight**2, sum_w2, axes=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(parents > 0, weighted / parents, 0.0)
        matrix_error = np.where(parents > 0, np.sqrt(weighted_w2) / parents, 0.0)
    return ResponseMatrix(
        matrix=matrix,
        matrix_error=matrix_error,
        daughter_edges=np.asarray(daughter_edges, dtype=float),
        parent_edges=np.asarray(parent_edges, dtype=float),
        parents_per_bin=parents,
        parent_y_max=float(y_max),
        daughter_acceptance=float(acceptance),
        daughter=daughter + ("_flow" if flow else ""),
        provenance=dict(provenance or {}),
    )


def build_species_response(
    species: str, paths: Sequence[str | Path], yields_path: str | Path, response_config: dict, pt_max: float, flow: bool = False
) -> ResponseMatrix:
    """Response of one species with the binning, acceptance and rescaling of the config's
    ``response`` section and the scale factors of ``electron_yields.json`` (``flow``: the
    cos 2(phi_e - phi_parent)-weighted flow response)."""
    factors = read_scale_factors(yields_path, species)
    edges = response_config["electron_pt_edges"]
    electron_edges = uniform_edges(edges["min"], edges["max"], edges["width"])
    parent_edges = uniform_edges(0.0, pt_max, response_config["parent_pt_bin_width"])
    provenance = {
        "species": species,
        "files": [str(p) for p in paths],
        "chunks": [read_provenance(p) for p in paths],
        "branching_ratio_scaling": response_config["branching_ratio_scaling"],
        "scale_factors": factors,
        "include_charmonium": response_config["include_charmonium"],
        "normalisation": "R[i, j] = electrons in e-bin i with |eta| < eta_max per parent in pT bin j "
        "(parents flat in |y| < parent_y_max)",
    }
    return build_response(
        paths,
        electron_edges,
        parent_edges,
        origin_weights(factors, response_config["include_charmonium"]),
        response_config["electron_eta_max"],
        response_config["step_size"],
        provenance,
        flow=flow,
    )


def build_dzero_response(species: str, paths: Sequence[str | Path], response_config: dict, pt_max: float, flow: bool = False) -> ResponseMatrix:
    """Non-prompt D0 response of one beauty species (PYTHIA's B -> D0 X tables, not rescaled);
    ``flow``: every D0 weighted by cos 2(phi_D0 - phi_B), the B -> D0 flow response."""
    edges = response_config["dzero_pt_edges"]
    provenance = {
        "species": species,
        "daughter": "non-prompt D0 and anti-D0",
        "files": [str(p) for p in paths],
        "chunks": [read_provenance(p) for p in paths],
        "normalisation": "R[i, j] = D0 in bin i with |y| < dzero_y_max per parent in pT bin j",
    }
    return build_response(
        paths,
        uniform_edges(edges["min"], edges["max"], edges["width"]),
        uniform_edges(0.0, pt_max, response_config["parent_pt_bin_width"]),
        [1.0],
        response_config["dzero_y_max"],
        response_config["step_size"],
        provenance,
        daughter="dzero",
        flow=flow,
    )
