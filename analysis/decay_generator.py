"""PYTHIA 8 decays of heavy-flavour hadrons into electrons, many parents per PYTHIA event.

Parents are sampled flat in pT over [0, pt_max] (GeV/c), flat in rapidity over |y| < y_max and
flat in azimuth over [-pi, pi); particle and antiparticle with equal probability. PYTHIA runs
with the process level off and decays ``parents_per_event`` parents per call of
``Pythia.next()``, which amortises the Python <-> C++ round trip. The decay history is walked
downwards from each parent (see :mod:`analysis.electron_origin` for which electrons count), so
every electron maps to the parent that produced it.

No decay channel is forced: each parent carries ``weight = 1`` and the electron yield per
parent is PYTHIA's own. The rescaling to PDG branching ratios is applied later, when the
response is built (:mod:`analysis.electron_yields`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import awkward as ak
import numpy as np

from analysis import pdg_codes
from analysis.electron_origin import ElectronOrigin
from analysis.seeds import derive_seed, pythia_seed
from analysis.species import HadronSpecies

PARENT_FIELDS = ("pdg", "pt", "y", "phi", "weight")
ELECTRON_FIELDS = ("pt", "eta", "phi", "charge", "origin")
DZERO_FIELDS = ("pt", "y")  # non-prompt D0 (and anti-D0) from beauty parents
D0_PDG = 421


@dataclass(frozen=True)
class DecayKinematics:
    """Phase space in which parents are generated (flat in pT, y and phi)."""

    pt_max: float = 40.0  # GeV/c
    y_max: float = 1.0


def pythia_version() -> str:
    """Version string of the installed pythia8mc bindings."""
    from importlib.metadata import version

    return version("pythia8mc")


def make_decayer(seed: int):
    """A PYTHIA instance with the process level off, seeded, quiet, ready to decay hadrons."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for setting in (
        "ProcessLevel:all = off",
        "Print:quiet = on",
        "Next:numberCount = 0",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
    ):
        if not pythia.readString(setting):
            raise RuntimeError(f"PYTHIA rejected setting {setting!r}")
    if not pythia.init():
        raise RuntimeError("PYTHIA initialisation failed")
    return pythia


def _origin(beauty_parent: bool, via_charm: bool, via_tau: bool, charmonium: bool) -> ElectronOrigin:
    """Origin code; a charm hadron between a beauty parent and a tau makes b -> c -> tau -> e
    part of the charm cascade (as in PDG's b -> c -> l), so VIA_TAU is b -> tau -> e only."""
    if charmonium:
        return ElectronOrigin.CHARMONIUM
    if beauty_parent and via_charm:
        return ElectronOrigin.VIA_CHARM
    if via_tau:
        return ElectronOrigin.VIA_TAU
    return ElectronOrigin.DIRECT


def heavy_flavour_electrons(
    event, parent_index: int, beauty_parent: bool, visited: set[int], d0_found: list | None = None
) -> list:
    """Electrons descending from ``event[parent_index]`` through heavy-flavour hadrons, taus and
    partons only. Returns a list of (particle, origin). ``visited`` is shared between the parents
    of one event so that a particle with several mothers (hadrons from a string) is seen once.
    If ``d0_found`` is a list, every D0 / anti-D0 met on the way is appended to it (the
    non-prompt D0 of a beauty parent).
    """
    found = []
    stack = [(parent_index, False, False, False)]
    role_of = pdg_codes.decay_chain_role
    while stack:
        index, via_charm, via_tau, charmonium = stack.pop()
        for daughter in event.daughterList(index):
            if daughter in visited:
                continue
            visited.add(daughter)
            particle = event[daughter]
            role = role_of(particle.id())
            if role == "stop":
                continue
            if role == "electron" and particle.isFinal():
                found.append((particle, _origin(beauty_parent, via_charm, via_tau, charmonium)))
            elif role in ("electron", "transparent", "heavy"):
                stack.append((daughter, via_charm, via_tau, charmonium))
            elif role == "tau":
                stack.append((daughter, via_charm, True, charmonium))
            elif role == "open_charm":
                if d0_found is not None and abs(particle.id()) == D0_PDG:
                    d0_found.append(particle)
                # charmonium counts only as the last heavy hadron above the electron:
                # B -> psi(3770) -> D D-bar -> e is b -> c -> e, not a J/psi electron
                stack.append((daughter, True, via_tau, False))
            else:  # charmonium
                stack.append((daughter, via_charm, via_tau, True))
    return found


def sample_parents(rng: np.random.Generator, species: HadronSpecies, n: int, kinematics: DecayKinematics) -> dict:
    """Parent kinematics flat in pT, y, phi; charge conjugate with probability 1/2."""
    sign = np.where(rng.random(n) < 0.5, 1, -1)
    return {
        "pdg": (sign * species.pdg).astype(np.int32),
        "pt": rng.uniform(0.0, kinematics.pt_max, n),
        "y": rng.uniform(-kinematics.y_max, kinematics.y_max, n),
        "phi": rng.uniform(-math.pi, math.pi, n),
        "weight": np.ones(n),
    }


def generate_decays(
    species: HadronSpecies,
    n_parents: int,
    global_seed: int,
    chunk: int,
    kinematics: DecayKinematics = DecayKinematics(),
    parents_per_event: int = 200,
    pythia=None,
) -> ak.Array:
    """Decay ``n_parents`` hadrons of ``species``; return one record per parent with the parent
    fields of :data:`PARENT_FIELDS`, a jagged ``electron`` record of :data:`ELECTRON_FIELDS` and
    a jagged ``dzero`` record of :data:`DZERO_FIELDS` (non-prompt D0, empty for charm parents).

    The result depends only on (species, n_parents, global_seed, chunk, kinematics,
    parents_per_event): the numpy generator and PYTHIA are both seeded from these.
    """
    if parents_per_event < 1:
        raise ValueError("parents_per_event must be at least 1")
    rng = np.random.default_rng(derive_seed(global_seed, "decays", species.name, chunk))
    if pythia is None:
        pythia = make_decayer(pythia_seed(global_seed, species.name, chunk))
    parents = sample_parents(rng, species, n_parents, kinematics)
    mass = species.mass
    mt = np.sqrt(parents["pt"] ** 2 + mass**2)
    px = (parents["pt"] * np.cos(parents["phi"])).tolist()
    py = (parents["pt"] * np.sin(parents["phi"])).tolist()
    pz = (mt * np.sinh(parents["y"])).tolist()
    energy = (mt * np.cosh(parents["y"])).tolist()
    pdg = parents["pdg"].tolist()
    beauty = species.flavour == "beauty"

    counts = np.zeros(n_parents, dtype=np.int64)
    d0_counts = np.zeros(n_parents, dtype=np.int64)
    columns: dict[str, list] = {name: [] for name in ELECTRON_FIELDS}
    d0_columns: dict[str, list] = {name: [] for name in DZERO_FIELDS}
    event = pythia.event
    for start in range(0, n_parents, parents_per_event):
        stop = min(start + parents_per_event, n_parents)
        event.reset()
        for i in range(start, stop):
            event.append(pdg[i], 81, 0, 0, px[i], py[i], pz[i], energy[i], mass)
        if not pythia.next():
            raise RuntimeError(f"PYTHIA failed to decay parents {start}..{stop - 1} of {species.name}")
        visited: set[int] = set()
        for slot, i in enumerate(range(start, stop), start=1):
            d0s: list = []
            electrons = heavy_flavour_electrons(event, slot, beauty, visited, d0s if beauty else None)
            counts[i] = len(electrons)
            d0_counts[i] = len(d0s)
            for particle in d0s:
                d0_columns["pt"].append(particle.pT())
                d0_columns["y"].append(particle.y())
            for particle, origin in electrons:
                columns["pt"].append(particle.pT())
                columns["eta"].append(particle.eta())
                columns["phi"].append(particle.phi())
                columns["charge"].append(-1 if particle.id() > 0 else 1)
                columns["origin"].append(int(origin))

    electron_flat = {
        "pt": np.asarray(columns["pt"], dtype=np.float32),
        "eta": np.asarray(columns["eta"], dtype=np.float32),
        "phi": np.asarray(columns["phi"], dtype=np.float32),
        "charge": np.asarray(columns["charge"], dtype=np.int8),
        "origin": np.asarray(columns["origin"], dtype=np.int8),
    }
    electrons = ak.unflatten(ak.zip(electron_flat), counts)
    d0_flat = {name: np.asarray(d0_columns[name], dtype=np.float32) for name in DZERO_FIELDS}
    dzero = ak.unflatten(ak.zip(d0_flat), d0_counts)
    return ak.zip(
        {
            "pdg": parents["pdg"],
            "pt": parents["pt"].astype(np.float32),
            "y": parents["y"].astype(np.float32),
            "phi": parents["phi"].astype(np.float32),
            "weight": parents["weight"],
            "electron": electrons,
            "dzero": dzero,
        },
        depth_limit=1,
    )
