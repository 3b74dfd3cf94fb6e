"""Re-use of the decay library for the pseudo-data: decays moved to new parent kinematics.

Each library decay is taken to its parent's rest frame once, at load time. A hadron of the
pseudo-data picks a random library decay of its species; the decay's electrons are rotated by a
random rotation (uniform on SO(3): ground-state D and B mesons are spin 0 and the baryons are
produced unpolarised, so their decays are isotropic in the rest frame) and boosted to the
hadron's momentum. A decay re-used for several hadrons is therefore seen in different
orientations and boosts.

Only parents with at least one electron are kept in memory, together with the total number of
parents: a uniform draw over all parents that falls beyond the kept ones is a decay without
electrons (the parents of a library chunk are independent and identically distributed). Each
electron of the drawn decay is kept with a probability proportional to its weight (forced
decays, :mod:`hfe.decays.forced_decays`), so the electrons per hadron follow the weighted library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np

from hfe.core.electron_origin import ElectronOrigin, event_origin
from hfe.core.lorentz import (
    boost,
    four_momentum_from_pt_eta_phi,
    four_momentum_from_pt_y_phi,
    random_rotations,
    velocity,
)
from hfe.core.species import species_by_name
from hfe.decays.ntuple import iterate_decays

ELECTRON_MASS = 0.000511  # GeV/c^2 (PDG)


@dataclass
class RestFrameDecays:
    """Electrons of one species' library in their parent's rest frame (CSR layout)."""

    species: str
    n_parents: int  # all library parents, with or without electrons
    offsets: np.ndarray  # (n_with + 1,) electron ranges of the parents with electrons
    momenta: np.ndarray  # (n_electrons, 4) rest-frame (px, py, pz, E)
    charge: np.ndarray  # (n_electrons,)
    origin: np.ndarray  # (n_electrons,) EventElectronOrigin codes
    library_origin: np.ndarray  # (n_electrons,) ElectronOrigin codes of the decay library
    weight: np.ndarray  # (n_electrons,) electron weights of the decay library

    @classmethod
    def from_library(cls, species: str, paths: Sequence[str | Path], step_size: int = 200_000) -> "RestFrameDecays":
        hadron = species_by_name(species)
        electron_branches = ["electron_pt", "electron_eta", "electron_phi", "electron_charge", "electron_origin", "electron_weight"]
        branches = ["parent_pt", "parent_y", "parent_phi", *electron_branches]
        n_parents, counts, momenta, charges, origins, library_origins, weights = 0, [], [], [], [], [], []
        for batch in iterate_decays(paths, branches, step_size):
            n_parents += len(batch)
            keep = batch.electron_origin != int(ElectronOrigin.CHARMONIUM)  # J/psi electrons are not HFE
            electrons = batch[electron_branches][keep]
            with_electrons = ak.num(electrons.electron_pt) > 0
            electrons, parents = electrons[with_electrons], batch[with_electrons]
            n = ak.to_numpy(ak.num(electrons.electron_pt))
            parent_p = four_momentum_from_pt_y_phi(
                *(ak.to_numpy(parents[f]).astype(float) for f in ("parent_pt", "parent_y", "parent_phi")), hadron.mass
            )
            lab = four_momentum_from_pt_eta_phi(
                *(ak.to_numpy(ak.flatten(electrons[f])).astype(float) for f in ("electron_pt", "electron_eta", "electron_phi")),
                ELECTRON_MASS,
            )
            momenta.append(boost(lab, -np.repeat(velocity(parent_p), n, axis=0)))
            counts.append(n)
            charges.append(ak.to_numpy(ak.flatten(electrons.electron_charge)))
            library_origin = ak.to_numpy(ak.flatten(electrons.electron_origin))
            origins.append(event_origin(hadron.flavour, library_origin))
            library_origins.append(library_origin)
            weights.append(ak.to_numpy(ak.flatten(electrons.electron_weight)))
        counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        return cls(
            species=species,
            n_parents=n_parents,
            offsets=np.concatenate([[0], np.cumsum(counts)]),
            momenta=np.concatenate(momenta) if momenta else np.zeros((0, 4)),
            charge=np.concatenate(charges) if charges else np.zeros(0, dtype=np.int8),
            origin=np.concatenate(origins) if origins else np.zeros(0, dtype=np.int8),
            library_origin=np.concatenate(library_origins) if library_origins else np.zeros(0, dtype=np.int8),
            weight=np.concatenate(weights) if weights else np.zeros(0),
        )

    def max_weight(self, origin_factor) -> float:
        """Largest electron weight x ``origin_factor[library origin]`` (0 without electrons)."""
        if len(self.weight) == 0:
            return 0.0
        return float(np.max(self.weight * np.asarray(origin_factor, dtype=float)[self.library_origin]))

    def decay(self, rng: np.random.Generator, parent_momenta: np.ndarray, keep_probability=None) -> dict:
        """Electrons of hadrons with lab momenta ``parent_momenta`` (n, 4): returns lab
        four-momenta, charge, origin and the index of the hadron of each electron. An electron
        is kept with probability weight x ``keep_probability[library origin]`` (default 1; the
        caller makes it at most 1, see :meth:`max_weight`)."""
        n_with = len(self.offsets) - 1
        picks = rng.integers(0, self.n_parents, len(parent_momenta))
        rotations = random_rotations(rng, len(parent_momenta))
        has_electrons = picks < n_with
        hadron_index = np.flatnonzero(has_electrons)
        chosen = picks[has_electrons]
        counts = self.offsets[chosen + 1] - self.offsets[chosen]
        starts = np.repeat(self.offsets[chosen], counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        electron = starts + within
        owner = np.repeat(hadron_index, counts)
        probability = self.weight[electron]
        if keep_probability is not None:
            probability = probability * np.asarray(keep_probability)[self.library_origin[electron]]
        kept = rng.random(len(electron)) < probability
        electron, owner = electron[kept], owner[kept]
        rest = self.momenta[electron]
        rotated = np.concatenate([np.einsum("nij,nj->ni", rotations[owner], rest[:, :3]), rest[:, 3:]], axis=1)
        lab = boost(rotated, velocity(parent_momenta[owner]))
        return {"momenta": lab, "charge": self.charge[electron], "origin": self.origin[electron], "hadron": owner}
